"""GIS platform: address ↔ coordinates and district. The interface every implementation follows.

Coordinates crossing this interface are always WGS-84 (``backend.core.geo``): an implementation whose platform
works in GCJ-02 or BD-09 converts at its own edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

GeocodeLevel = Literal["poi", "street", "district"]

# Chinese user-facing text by code; the lead may move these into core/messages.py.
GIS_MESSAGES: dict[str, str] = {
    "gis_unavailable": "地理信息平台暂时无法访问，请稍后再试。",
    "gis_auth_failed": "地理信息平台拒绝了访问凭证，请联系管理员检查配置。",
    "gis_request_failed": "地理信息平台未能处理该请求。",
    "gis_bad_response": "地理信息平台返回的数据格式无法识别。",
}


class GisError(Exception):
    """The platform could not answer; ``code`` is stable, ``message`` is shown to the user."""

    def __init__(self, code: str, message: str | None = None, detail: str | None = None) -> None:
        self.code = code
        self.message = message or GIS_MESSAGES.get(code, GIS_MESSAGES["gis_request_failed"])
        self.detail = detail  # the platform's own words, for logs only
        super().__init__(f"{code}: {self.message}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    lng: float  # WGS-84
    lat: float  # WGS-84
    adcode: str | None  # 6-digit district code, e.g. "310101"
    district: str | None  # e.g. "黄浦区"
    formatted_address: str
    confidence: float  # 0-1: how sure the platform is that the point is the address (not how close)
    source: str  # which platform (and data) answered
    level: GeocodeLevel  # what was matched: a named place, a street/town, or only the district


@dataclass(frozen=True, slots=True)
class ReverseResult:
    lng: float  # the WGS-84 point asked about
    lat: float
    adcode: str | None  # None outside Shanghai
    district: str | None
    place_name: str | None  # nearest known place, None if the platform knows none
    place_distance_m: float | None  # metres from the point to that place
    formatted_address: str
    source: str


@runtime_checkable
class GisPlatform(Protocol):
    def geocode(self, address: str) -> GeocodeResult | None:
        """Locate a Shanghai address; None when it cannot be placed. Raises GisError if unreachable."""
        ...

    def reverse_geocode(self, lng: float, lat: float) -> ReverseResult:
        """Describe a WGS-84 point: district and nearest known place. Raises GeoError for invalid input."""
        ...
