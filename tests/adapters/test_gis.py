"""The GIS adapter: the local simulator on the bundled real data, and the HTTP client against recorded-style
answers in the shape Chinese map platforms use (GCJ-02 coordinates, status "1", empty fields as [])."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import prcoords
import pytest
import requests
import responses

from backend.adapters.gis import (
    GeocodeResult,
    GisError,
    GisHttpClient,
    GisPlatform,
    GisSimulator,
    ReverseResult,
    make_gis_platform,
)
from backend.adapters.gis.simulator import normalize
from backend.core import geo

SHARED_DATA = (Path(__file__).resolve().parents[2].parent / "shared" / "data").resolve()
PLACES_CSV = SHARED_DATA / "sites" / "wikidata_shanghai_places.csv"
BASE_URL = "https://gis.example.test/v3"


@cache
def places() -> tuple[dict[str, str], ...]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def place(label: str) -> tuple[float, float]:
    row = next(row for row in places() if row["label"] == label)
    return float(row["lng_wgs84"]), float(row["lat_wgs84"])


@pytest.fixture(scope="module")
def simulator() -> GisSimulator:
    return GisSimulator()


def gcj_location(lng: float, lat: float) -> str:
    """How the platform writes a point: GCJ-02 (computed by prcoords, not our code), 6 decimals."""
    shifted = prcoords.wgs_gcj((lat, lng))
    return f"{shifted.lon:.6f},{shifted.lat:.6f}"


# ---- simulator: geocoding ----------------------------------------------------------------------


def test_simulator_and_client_implement_the_protocol() -> None:
    assert isinstance(GisSimulator(), GisPlatform)
    assert isinstance(GisHttpClient(BASE_URL, "k"), GisPlatform)
    assert isinstance(make_gis_platform(), GisSimulator)
    assert isinstance(make_gis_platform(BASE_URL, "k"), GisHttpClient)
    with pytest.raises(ValueError):
        GisHttpClient("", "k")


def test_geocode_renmin_square_lands_in_huangpu(simulator: GisSimulator) -> None:
    result = simulator.geocode("上海市黄浦区人民广场")
    assert isinstance(result, GeocodeResult)
    assert (result.adcode, result.district, result.level) == ("310101", "黄浦区", "poi")
    assert geo.haversine_m((result.lng, result.lat), place("人民广场")) < 1.0
    assert result.confidence >= 0.9
    assert result.formatted_address == "上海市黄浦区人民广场"
    assert result.source == "simulator"


def test_geocode_by_simplified_name_finds_a_traditional_label(simulator: GisSimulator) -> None:
    tower = place("東方明珠廣播電視塔")
    partial = simulator.geocode("上海市浦东新区东方明珠")
    assert partial is not None and partial.district == "浦东新区"
    assert geo.haversine_m((partial.lng, partial.lat), tower) < 1.0
    full = simulator.geocode("東方明珠廣播電視塔")
    assert full is not None and geo.haversine_m((full.lng, full.lat), tower) < 1.0
    # Half a name is less sure than a whole one.
    assert partial.confidence < full.confidence


def test_geocode_finds_almost_every_known_place_by_its_label(simulator: GisSimulator) -> None:
    seen: set[str] = set()
    found = total = 0
    misses = []
    for row in places():
        key = normalize(row["label"])
        if not row["district_by_polygon_derived"] or key in seen or row["label"].startswith("Q"):
            continue
        seen.add(key)
        total += 1
        result = simulator.geocode("上海市" + row["label"])
        point = (float(row["lng_wgs84"]), float(row["lat_wgs84"]))
        if result is not None and geo.haversine_m((result.lng, result.lat), point) < 1.0:
            found += 1
        else:
            misses.append(row["label"])
    print(f"geocoded by label: {found}/{total}; misses: {misses}")
    assert found / total >= 0.97


def test_geocoded_district_always_agrees_with_the_polygons(simulator: GisSimulator) -> None:
    addresses = [f"上海市{row['label']}" for row in places()[:300]] + [
        "上海市黄浦区南京东路100号",
        "浦东张江",
    ]
    for address in addresses:
        result = simulator.geocode(address)
        if result is not None and result.level == "poi":
            district = geo.district_of(result.lng, result.lat)
            assert district is not None and (district.adcode, district.name) == (
                result.adcode,
                result.district,
            )


def test_geocode_street_address_gives_the_street(simulator: GisSimulator) -> None:
    result = simulator.geocode("上海市黄浦区南京东路100号")
    assert result is not None
    assert (result.level, result.district) == ("street", "黄浦区")
    assert "南京东路街道" in result.formatted_address
    assert 0.4 <= result.confidence < 0.8
    # 外滩街道 is the street, not the 外滩 inside its name; 宝山路街道 is in 静安区, not 宝山区.
    assert simulator.geocode("外滩街道").level == "street"  # type: ignore[union-attr]
    assert simulator.geocode("上海市宝山路街道").district == "静安区"  # type: ignore[union-attr]


def test_geocode_district_only_is_vague(simulator: GisSimulator) -> None:
    result = simulator.geocode("上海市长宁区")
    assert result is not None
    assert (result.level, result.adcode, result.district) == ("district", "310105", "长宁区")
    assert result.confidence <= 0.3
    assert geo.district_of(result.lng, result.lat) == geo.District("310105", "长宁区")


def test_geocode_lowers_confidence_when_the_address_contradicts_itself(simulator: GisSimulator) -> None:
    consistent = simulator.geocode("上海市黄浦区外滩")
    contradictory = simulator.geocode("上海市徐汇区外滩")
    assert consistent is not None and contradictory is not None
    assert contradictory.district == consistent.district == "黄浦区"
    assert contradictory.confidence < consistent.confidence


@pytest.mark.parametrize("address", ["", "   ", "上海市", "中国", "北京市朝阳区建国路", "New York"])
def test_geocode_unknown_address_is_none(simulator: GisSimulator, address: str) -> None:
    assert simulator.geocode(address) is None


# ---- simulator: reverse geocoding --------------------------------------------------------------


def test_reverse_geocode_names_the_place_and_district(simulator: GisSimulator) -> None:
    result = simulator.reverse_geocode(*place("人民广场"))
    assert isinstance(result, ReverseResult)
    assert (result.adcode, result.district) == ("310101", "黄浦区")
    assert result.place_name == "人民广场" and result.place_distance_m == 0.0
    assert result.formatted_address.startswith("上海市黄浦区")


def test_reverse_geocode_reports_the_nearest_place(simulator: GisSimulator) -> None:
    # Administrative items (街道, 镇, 区) are levels, not places, in a geocoder.
    sites = [
        (float(r["lng_wgs84"]), float(r["lat_wgs84"]))
        for r in places()
        if r["district_by_polygon_derived"] and not normalize(r["label"]).endswith(("街道", "镇", "乡", "区"))
    ]
    for lng, lat in sites[::40]:
        probe = geo.geodesic_destination(lng, lat, 60.0, 150.0)
        result = simulator.reverse_geocode(*probe)
        assert result.district == geo.district_of(*probe).name  # type: ignore[union-attr]
        assert result.place_distance_m is not None
        # Nothing the simulator knows is nearer than what it reports, and the site itself is 150 m away.
        assert result.place_distance_m <= 150.0 + 0.5


def test_reverse_geocode_outside_shanghai_has_no_district(simulator: GisSimulator) -> None:
    result = simulator.reverse_geocode(*place("里昂商学院"))
    assert (result.adcode, result.district, result.place_name) == (None, None, None)
    with pytest.raises(geo.GeoError):
        simulator.reverse_geocode(200.0, 31.0)


# ---- HTTP client ------------------------------------------------------------------------------


def geocode_answer(lng: float, lat: float) -> dict[str, object]:
    return {
        "status": "1",
        "info": "OK",
        "infocode": "10000",
        "count": "1",
        "geocodes": [
            {
                "formatted_address": "上海市黄浦区人民广场",
                "country": "中国",
                "province": "上海市",
                "citycode": "021",
                "city": "上海市",
                "district": "黄浦区",
                "township": [],
                "neighborhood": {"name": [], "type": []},
                "building": {"name": [], "type": []},
                "adcode": "310101",
                "street": [],
                "number": [],
                "location": gcj_location(lng, lat),
                "level": "兴趣点",
            }
        ],
    }


@responses.activate
def test_client_geocode_converts_gcj02_to_wgs84() -> None:
    square = place("人民广场")
    responses.get(f"{BASE_URL}/geocode/geo", json=geocode_answer(*square))
    result = GisHttpClient(BASE_URL + "/", "secret-key").geocode("上海市黄浦区人民广场")
    assert result is not None
    # The answer was 500 m off in GCJ-02; back in WGS-84 it is within the rounding of 6 decimals.
    assert geo.haversine_m((result.lng, result.lat), square) < 0.5
    assert (result.adcode, result.district, result.level) == ("310101", "黄浦区", "poi")
    assert result.confidence == 0.9 and result.source == "gis_platform"
    query = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert query["key"] == ["secret-key"]
    assert query["address"] == ["上海市黄浦区人民广场"]
    assert query["city"] == ["上海"] and query["output"] == ["JSON"]


@responses.activate
def test_client_in_wgs84_mode_does_not_convert() -> None:
    lng, lat = place("外滩")
    body = geocode_answer(lng, lat)
    body["geocodes"][0]["location"] = f"{lng:.6f},{lat:.6f}"  # type: ignore[index]
    responses.get(f"{BASE_URL}/geocode/geo", json=body)
    result = GisHttpClient(BASE_URL, "k", crs="wgs84").geocode("外滩")
    assert result is not None and geo.haversine_m((result.lng, result.lat), (lng, lat)) < 0.1


@responses.activate
def test_client_fills_a_missing_district_from_the_polygons() -> None:
    lng, lat = place("徐家汇公园")
    body = geocode_answer(lng, lat)
    body["geocodes"][0].update({"district": [], "adcode": "310000", "level": "道路"})  # type: ignore[index]
    responses.get(f"{BASE_URL}/geocode/geo", json=body)
    result = GisHttpClient(BASE_URL, "k").geocode("上海市漕溪北路")
    assert result is not None
    assert (result.adcode, result.district, result.level, result.confidence) == (
        "310104",
        "徐汇区",
        "street",
        0.6,
    )


@responses.activate
def test_client_geocode_without_match_is_none() -> None:
    responses.get(
        f"{BASE_URL}/geocode/geo",
        json={"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []},
    )
    assert GisHttpClient(BASE_URL, "k").geocode("火星基地") is None
    assert GisHttpClient(BASE_URL, "k").geocode("  ") is None
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"json": {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}}, "gis_auth_failed"),
        (
            {"json": {"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"}},
            "gis_request_failed",
        ),
        ({"body": "<html>gateway</html>", "status": 200}, "gis_bad_response"),
        ({"json": {"status": "1", "geocodes": [{"location": "not-a-point"}]}}, "gis_bad_response"),
        ({"json": {"status": "1", "geocodes": [{"location": "121.4,95.0"}]}}, "gis_bad_response"),
        ({"body": "", "status": 403}, "gis_auth_failed"),
        ({"body": "", "status": 404}, "gis_request_failed"),
        ({"body": "", "status": 500}, "gis_unavailable"),
        ({"body": requests.ConnectTimeout("timed out")}, "gis_unavailable"),
        ({"body": requests.ConnectionError("refused")}, "gis_unavailable"),
    ],
)
@responses.activate
def test_client_errors_carry_a_stable_code_and_chinese_message(answer: dict[str, object], code: str) -> None:
    responses.get(f"{BASE_URL}/geocode/geo", **answer)  # type: ignore[arg-type]
    with pytest.raises(GisError) as caught:
        GisHttpClient(BASE_URL, "k", retries=0).geocode("上海市黄浦区人民广场")
    assert caught.value.code == code
    assert "地理信息平台" in caught.value.message


@responses.activate
def test_client_retries_a_busy_gateway() -> None:
    square = place("人民广场")
    responses.get(f"{BASE_URL}/geocode/geo", status=503)
    responses.get(f"{BASE_URL}/geocode/geo", json=geocode_answer(*square))
    result = GisHttpClient(BASE_URL, "k", retries=1).geocode("上海市黄浦区人民广场")
    assert result is not None and result.district == "黄浦区"
    assert len(responses.calls) == 2


@responses.activate
def test_client_reverse_geocode_sends_gcj02_and_reads_nearest_poi() -> None:
    bund = place("外滩")
    responses.get(
        f"{BASE_URL}/geocode/regeo",
        json={
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "regeocode": {
                "formatted_address": "上海市黄浦区外滩街道中山东一路",
                "addressComponent": {
                    "country": "中国",
                    "province": "上海市",
                    "city": [],
                    "citycode": "021",
                    "district": "黄浦区",
                    "adcode": "310101",
                    "township": "外滩街道",
                    "towncode": "310101013000",
                },
                "pois": [
                    {
                        "name": "外滩信号台",
                        "distance": "280.4",
                        "location": gcj_location(*place("外滩信号台")),
                    },
                    {"name": "外滩", "distance": "3.1", "location": gcj_location(*bund)},
                    {"name": [], "distance": "1.0"},
                ],
            },
        },
    )
    result = GisHttpClient(BASE_URL, "k").reverse_geocode(*bund)
    sent = parse_qs(urlparse(responses.calls[0].request.url).query)
    sent_lng, sent_lat = map(float, sent["location"][0].split(","))
    expected = prcoords.wgs_gcj((bund[1], bund[0]))
    assert geo.haversine_m((sent_lng, sent_lat), (expected.lon, expected.lat)) < 0.2
    assert sent["extensions"] == ["all"]
    assert (result.lng, result.lat) == bund
    assert (result.adcode, result.district) == ("310101", "黄浦区")
    assert (result.place_name, result.place_distance_m) == ("外滩", 3.1)
    assert result.formatted_address == "上海市黄浦区外滩街道中山东一路"


@responses.activate
def test_client_reverse_geocode_without_regeocode_is_a_bad_response() -> None:
    responses.get(f"{BASE_URL}/geocode/regeo", json={"status": "1", "info": "OK"})
    with pytest.raises(GisError) as caught:
        GisHttpClient(BASE_URL, "k").reverse_geocode(*place("外滩"))
    assert caught.value.code == "gis_bad_response"
