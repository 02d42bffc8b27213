"""HTTP client for the city GIS platform (地理信息平台).

The platform is expected to speak the web-service dialect that Chinese map platforms share (AMap's v3
geocoding API is the reference), answering in GCJ-02 unless configured otherwise. ``base_url`` is the API
root; the key goes in the ``key`` query parameter.

``GET {base_url}/geocode/geo?address=<text>&city=上海&output=JSON&key=<key>``::

    {"status": "1", "info": "OK", "infocode": "10000", "count": "1",
     "geocodes": [{"formatted_address": "上海市黄浦区人民广场", "province": "上海市", "city": "上海市",
                   "citycode": "021", "district": "黄浦区", "adcode": "310101", "street": [], "number": [],
                   "location": "121.475044,31.228936", "level": "兴趣点"}]}

``GET {base_url}/geocode/regeo?location=<lng>,<lat>&extensions=all&radius=1000&output=JSON&key=<key>``
(the location is sent in the platform's datum)::

    {"status": "1", "info": "OK", "infocode": "10000",
     "regeocode": {"formatted_address": "上海市黄浦区南京东路街道人民大道",
                   "addressComponent": {"province": "上海市", "district": "黄浦区", "adcode": "310101",
                                        "township": "南京东路街道", "towncode": "310101002000"},
                   "pois": [{"name": "人民广场", "distance": "35.2", "location": "121.475044,31.228936"}]}}

Errors come back with HTTP 200 and ``"status": "0"`` plus an ``info`` word (``INVALID_USER_KEY`` …); empty
fields are ``[]`` rather than null. ``location`` is "lng,lat". Coordinates are converted to WGS-84 here, and
a missing district is filled from the bundled polygons (``backend.core.geo``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from backend.adapters.gis.base import GeocodeLevel, GeocodeResult, GisError, ReverseResult
from backend.core import geo

SOURCE = "gis_platform"
DEFAULT_TIMEOUT = (3.05, 10.0)  # (connect, read) seconds

# The platform's "level" of a geocode → how precisely the point locates the address, and our level name.
_LEVELS: dict[str, tuple[float, GeocodeLevel]] = {
    "门牌号": (0.95, "poi"),
    "兴趣点": (0.9, "poi"),
    "单元号": (0.95, "poi"),
    "楼栋": (0.95, "poi"),
    "道路交叉路口": (0.75, "street"),
    "道路": (0.6, "street"),
    "村庄": (0.55, "street"),
    "热点商圈": (0.5, "street"),
    "开发区": (0.45, "street"),
    "乡镇": (0.45, "street"),
    "区县": (0.3, "district"),
    "市": (0.1, "district"),
    "省": (0.05, "district"),
}
_UNKNOWN_LEVEL: tuple[float, GeocodeLevel] = (0.5, "street")
_AUTH_ERRORS = frozenset(
    {
        "INVALID_USER_KEY",
        "SERVICE_NOT_AVAILABLE",
        "INVALID_USER_SCODE",
        "USERKEY_PLAT_NOMATCH",
        "INVALID_USER_IP",
    }
)


def _text(value: object) -> str | None:
    """The platform writes empty fields as [] or ""; treat both as absent."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


class GisHttpClient:
    """Talks to the real platform; see the module docstring for the JSON it expects."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        crs: geo.CRS | str = geo.CRS.GCJ02,
        city: str = "上海",
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 2,
        session: requests.Session | None = None,
        source: str = SOURCE,
    ) -> None:
        if not base_url or not key:
            raise ValueError("the GIS platform needs a base URL and a key")
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.crs = geo.CRS(str(crs).lower())
        self.city = city
        self.timeout = timeout
        self.source = source
        self.session = session or requests.Session()
        # Geocoding is a read: retrying idempotent GETs on connection trouble and 5xx is safe.
        retry = Retry(
            total=retries,
            backoff_factor=0.3,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.mount("http://", HTTPAdapter(max_retries=retry))

    # ---- transport ----------------------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            response = self.session.get(
                f"{self.base_url}/{path}",
                params={**params, "output": "JSON", "key": self.key},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise GisError("gis_unavailable", detail=type(exc).__name__) from exc
        if response.status_code in (401, 403):
            raise GisError("gis_auth_failed", detail=f"HTTP {response.status_code}")
        if response.status_code >= 500:
            raise GisError("gis_unavailable", detail=f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise GisError("gis_request_failed", detail=f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise GisError("gis_bad_response", detail="not JSON") from exc
        if not isinstance(body, dict):
            raise GisError("gis_bad_response", detail="not an object")
        if str(body.get("status")) != "1":
            info = str(body.get("info") or body.get("infocode") or "unknown")
            code = "gis_auth_failed" if info in _AUTH_ERRORS else "gis_request_failed"
            raise GisError(code, detail=info)
        return body

    def _location_to_wgs84(self, location: object) -> tuple[float, float]:
        try:
            lng_text, lat_text = str(location).split(",")
            return geo.to_wgs84(float(lng_text), float(lat_text), self.crs)
        except (ValueError, geo.GeoError) as exc:
            raise GisError("gis_bad_response", detail=f"location {location!r}") from exc

    def _district(self, adcode: object, name: object, lng: float, lat: float) -> tuple[str | None, str | None]:
        """Trust the platform's district when it gives one; fill a missing one from our polygons."""
        code, district_name = _text(adcode), _text(name)
        if code and len(code) == 6 and code.isdigit() and code != "310000":
            known = geo.district_by_adcode(code)
            return code, district_name or (known.name if known else None)
        local = geo.district_of(lng, lat)
        return (local.adcode, local.name) if local else (None, district_name)

    # ---- GisPlatform -----------------------------------------------------------------------------------

    def geocode(self, address: str) -> GeocodeResult | None:
        if not address or not address.strip():
            return None
        body = self._get("geocode/geo", {"address": address.strip(), "city": self.city})
        geocodes = body.get("geocodes")
        if not isinstance(geocodes, list) or not geocodes:
            return None
        first = geocodes[0]
        if not isinstance(first, dict):
            raise GisError("gis_bad_response", detail="geocode is not an object")
        lng, lat = self._location_to_wgs84(first.get("location"))
        adcode, district = self._district(first.get("adcode"), first.get("district"), lng, lat)
        confidence, level = _LEVELS.get(str(first.get("level")), _UNKNOWN_LEVEL)
        return GeocodeResult(
            lng=round(lng, 7),
            lat=round(lat, 7),
            adcode=adcode,
            district=district,
            formatted_address=_text(first.get("formatted_address")) or address.strip(),
            confidence=confidence,
            source=self.source,
            level=level,
        )

    def reverse_geocode(self, lng: float, lat: float) -> ReverseResult:
        lng, lat = geo.validate_lnglat(lng, lat)
        platform_lng, platform_lat = geo.from_wgs84(lng, lat, self.crs)
        body = self._get(
            "geocode/regeo",
            {"location": f"{platform_lng:.6f},{platform_lat:.6f}", "extensions": "all", "radius": "1000"},
        )
        regeocode = body.get("regeocode")
        if not isinstance(regeocode, dict):
            raise GisError("gis_bad_response", detail="no regeocode")
        component = regeocode.get("addressComponent")
        component = component if isinstance(component, dict) else {}
        adcode, district = self._district(component.get("adcode"), component.get("district"), lng, lat)
        place_name: str | None = None
        distance: float | None = None
        pois = regeocode.get("pois")
        if isinstance(pois, list):
            named = [poi for poi in pois if isinstance(poi, dict) and _text(poi.get("name"))]
            if named:
                nearest = min(named, key=lambda poi: _as_float(poi.get("distance")) or float("inf"))
                place_name = _text(nearest.get("name"))
                distance = _as_float(nearest.get("distance"))
        return ReverseResult(
            lng=lng,
            lat=lat,
            adcode=adcode,
            district=district,
            place_name=place_name,
            place_distance_m=distance,
            formatted_address=_text(regeocode.get("formatted_address")) or "",
            source=self.source,
        )


def _as_float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
