"""GIS platform adapter: geocoding and reverse geocoding of Shanghai addresses, always in WGS-84.

Geometry that needs no platform (districts, geofences, datum conversion) lives in ``backend.core.geo``.
"""

from __future__ import annotations

from backend.adapters.gis.base import GIS_MESSAGES, GeocodeResult, GisError, GisPlatform, ReverseResult
from backend.adapters.gis.client import GisHttpClient
from backend.adapters.gis.simulator import GisSimulator


def make_gis_platform(base_url: str | None = None, key: str | None = None, **client_options: object) -> GisPlatform:
    """The real client when a URL and key are configured, else the local simulator (development, tests)."""
    if base_url and key:
        return GisHttpClient(base_url, key, **client_options)  # type: ignore[arg-type]
    return GisSimulator()


__all__ = [
    "GIS_MESSAGES",
    "GeocodeResult",
    "GisError",
    "GisHttpClient",
    "GisPlatform",
    "GisSimulator",
    "ReverseResult",
    "make_gis_platform",
]
