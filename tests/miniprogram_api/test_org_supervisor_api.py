"""The API the org-admin and supervisor parts of the mini-program call: a project registered with a point picked
on the map (GCJ-02, as WeChat's map component answers), then found on site by a supervisor by keyword or by
wx.getLocation (GET /projects?q=… / ?near=lng,lat)."""

from __future__ import annotations

from typing import Any

from backend.core.geo import gcj02_to_wgs84, haversine_m
from tests.builders.accounts import make_user
from tests.builders.places import place
from tests.projects import builders as b


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else _json(v) if isinstance(v, dict) else v)
        for k, v in data.items()
    }


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return sorted(item["building_name"] for item in response.get_json()["items"])


def _register(client: Any, org: b.Org, lead: b.Person, site: str, **extra: Any) -> dict[str, Any]:
    data = _json(b.registration_data(place(site), lead.id, []))
    data.update(extra)
    r = client.post("/api/v1/projects", json=data, headers=org.admin.headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_map_pick_in_gcj02_is_stored_in_wgs84_with_the_chosen_fence(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    picked = place("人民广场").gcj02()
    body = _register(
        client,
        org,
        lead,
        "人民广场",
        location={"lng": picked[0], "lat": picked[1], "crs": "gcj02"},
        geofence_radius_m=150,
    )
    assert body["coord_source_crs"] == "gcj02"
    wgs = gcj02_to_wgs84(*picked)
    assert haversine_m((body["lng"], body["lat"]), wgs) < 0.5
    # The GCJ-02 point itself is some 500 m away in WGS-84: the server really converted it.
    assert haversine_m((body["lng"], body["lat"]), picked) > 300
    # The fence is the chosen 150 m circle around the converted point (stored as a polygon in WGS-84).
    ring = body["geofence"]["coordinates"][0]
    radii = [haversine_m((body["lng"], body["lat"]), vertex) for vertex in ring]
    assert body["geofence"]["type"] == "Polygon"
    assert min(radii) > 145 and max(radii) < 155


def test_supervisor_finds_projects_near_where_they_stand_and_by_keyword(client: Any, ctx: Any) -> None:
    org = b.make_org()
    lead = b.make_practitioner(org.id)
    for site in ("人民广场", "上海博物馆", "外滩"):
        _register(client, org, lead, site)
    supervisor = make_user(roles=("supervisor",), jurisdiction="310101")
    here = place("人民广场").gcj02()  # what wx.getLocation({type: 'gcj02'}) answers standing there
    near = f"{here[0]:.6f},{here[1]:.6f}"

    r = client.get("/api/v1/projects", query_string={"near": near, "radius_m": 500}, headers=supervisor.headers)
    assert _names(r) == ["上海博物馆", "人民广场"]
    r = client.get("/api/v1/projects", query_string={"near": near, "radius_m": 3000}, headers=supervisor.headers)
    assert _names(r) == ["上海博物馆", "人民广场", "外滩"]

    # The same point taken as WGS-84 lies ~500 m off: the datum matters.
    wgs = place("外滩")
    r = client.get(
        "/api/v1/projects",
        query_string={"near": f"{wgs.lng},{wgs.lat}", "near_crs": "wgs84", "radius_m": 200},
        headers=supervisor.headers,
    )
    assert _names(r) == ["外滩"]

    r = client.get("/api/v1/projects", query_string={"q": "博物馆"}, headers=supervisor.headers)
    assert _names(r) == ["上海博物馆"]
    r = client.get("/api/v1/projects", query_string={"q": "100%"}, headers=supervisor.headers)
    assert _names(r) == []  # a wildcard typed by the user is a character, not a pattern
    number = client.get("/api/v1/projects", headers=supervisor.headers).get_json()["items"][0]["project_no"]
    r = client.get("/api/v1/projects", query_string={"q": number}, headers=supervisor.headers)
    assert len(r.get_json()["items"]) == 1 and r.get_json()["items"][0]["project_no"] == number

    # Still within the supervisor's jurisdiction only.
    xuhui = make_user(roles=("supervisor",), jurisdiction="310104")
    r = client.get("/api/v1/projects", query_string={"near": near, "radius_m": 3000}, headers=xuhui.headers)
    assert _names(r) == []


def test_a_malformed_location_is_a_chinese_validation_error(client: Any, ctx: Any) -> None:
    supervisor = make_user(roles=("supervisor",), jurisdiction="310101")
    r = client.get("/api/v1/projects", query_string={"near": "人民广场"}, headers=supervisor.headers)
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] and "经度,纬度" in str(body["details"])
    r = client.get("/api/v1/projects", query_string={"near": "31.2309,121.4703"}, headers=supervisor.headers)
    assert r.status_code == 422  # latitude first: 121 is no latitude
    r = client.get("/api/v1/projects", query_string={"near": "999.5,99.5"}, headers=supervisor.headers)
    assert r.status_code == 422 and r.get_json()["code"] == "geo_invalid_coordinate"
    r = client.get("/api/v1/projects", query_string={"near": "0,0"}, headers=supervisor.headers)
    assert r.status_code == 200 and r.get_json()["items"] == []  # outside China: nothing near, no error
