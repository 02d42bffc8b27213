"""The public landing page: no login, mobile-first, Chinese, no external assets, and a search whose every
filter is a parameter the public API really accepts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from backend.modules.webui import search


def _kinds(html: str) -> list[dict[str, Any]]:
    match = re.search(r'<script type="application/json" id="kinds">(.*?)</script>', html, re.S)
    assert match, "the page embeds its search configuration"
    return json.loads(match.group(1))


def test_landing_page_needs_no_login_and_links_verify_and_admin(client: Any) -> None:
    response = client.get("/public/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.mimetype_params["charset"] == "utf-8"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'href="/verify"' in html
    assert 'href="/admin/"' in html
    assert "上海市消防技术服务机构执业活动公示" in html


def test_landing_page_loads_nothing_from_elsewhere(client: Any) -> None:
    response = client.get("/public/")
    html = response.get_data(as_text=True)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]


def test_bare_public_redirects_to_the_slash(client: Any) -> None:
    response = client.get("/public")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/public/")


def test_search_filters_are_parameters_of_the_public_api(client: Any) -> None:
    spec = client.get("/api/openapi.json").get_json()
    kinds = _kinds(client.get("/public/").get_data(as_text=True))
    assert [k["key"] for k in kinds] == ["orgs", "projects", "practitioners", "penalties"]
    for kind in kinds:
        assert kind["available"], kind["endpoint"]
        operation = spec["paths"][kind["endpoint"]]["get"]
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        # The page pages with limit/cursor and narrows projects, practitioners and penalties to one organisation.
        assert {"limit", "cursor"} <= params.keys(), kind["key"]
        if kind["key"] != "orgs":
            assert "org_id" in params, kind["key"]
        for flt in kind["filters"]:
            assert flt["name"] in params, (kind["key"], flt["name"])
            allowed = params[flt["name"]].get("schema", {}).get("enum")
            if allowed:
                offered = {value for value, _label in flt["options"] if value}
                assert offered <= set(allowed), (kind["key"], flt["name"], offered - set(allowed))


def test_each_search_answers_the_page_first_request(client: Any) -> None:
    for kind in search.KINDS:
        response = client.get(kind.endpoint, query_string={"limit": 20})
        assert response.status_code == 200, kind.endpoint
        assert set(response.get_json()) == {"items", "next_cursor"}


def test_a_search_without_its_endpoint_says_what_it_needs(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = search.SearchKind(
        "ratings", "服务评价", "/api/v1/public/ratings", [], "GET /api/v1/public/ratings?org_id="
    )
    monkeypatch.setattr(search, "KINDS", [*search.KINDS, missing])
    html = client.get("/public/").get_data(as_text=True)
    assert {k["key"]: k["available"] for k in _kinds(html)}["ratings"] is False
    assert "服务评价（暂未开放）" in html
    assert "服务评价：GET /api/v1/public/ratings?org_id=" in html
