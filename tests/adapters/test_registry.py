"""National registry and big-data platform adapters: simulators over the dataset, real clients over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import re
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import responses

from backend.adapters.bigdata import (
    BigDataClient,
    BigDataError,
    BigDataPlatform,
    BigDataSimulator,
    BusinessRecord,
)
from backend.adapters.registry import (
    CERT_ENGINEER_1,
    CERT_OPERATOR,
    ENGINEER_KINDS,
    OPERATOR_LEVELS,
    NationalRegistry,
    RegistryClient,
    RegistryError,
    RegistrySimulator,
    operator_level_rank,
)
from backend.core.validators import credit_code_check_char, gender_of, id_check_digit

REPO = Path(__file__).resolve().parents[2]
DATASET = REPO / "backend" / "data" / "registry" / "registry_dataset.json"
AS_OF = date(2026, 11, 1)  # the dataset's reference date
BASE = "https://registry.test/gateway"
APP_KEY, APP_SECRET = "shfire-supervision", "s3cret-for-tests"
ENGINEER_REGISTRATION_NO = re.compile(r"^31[12]\d{7}$")
ENGINEER_CERT_NO = re.compile(r"^20\d{2}31[12]\d{6}$")
OPERATOR_CERT_NO = re.compile(r"^S0000310000\d{3}\d{2}[1-5]\d{5}$")


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(DATASET.read_text(encoding="utf-8"))


@pytest.fixture
def registry() -> RegistrySimulator:
    return RegistrySimulator(today=lambda: AS_OF)


# --- dataset ---


def test_checked_in_dataset_is_what_the_script_generates() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_registry_dataset", REPO / "scripts" / "make_registry_dataset.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        assert module.dumps(module.build()) == DATASET.read_text(encoding="utf-8")
    finally:
        del sys.modules[spec.name]


def test_dataset_is_shanghai_sized_and_consistent(data: dict) -> None:
    persons = {p["id_number"]: p for p in data["persons"]}
    orgs = {o["credit_code"]: o for o in data["organizations"]}
    assert 50 <= len(orgs) <= 70 and 550 <= len(persons) <= 700
    for org in orgs.values():
        assert org["name"].startswith("上海") and org["name"].endswith("公司")
        assert org["credit_code"].startswith("9131")
        assert persons[org["legal_representative_id_number"]]["name"] == org["legal_representative"]
    for cert in data["certificates"]:
        assert persons[cert["id_number"]]["name"] == cert["holder_name"]
        if cert["kind"] in ENGINEER_KINDS:
            assert ENGINEER_REGISTRATION_NO.match(cert["registration_no"]), cert
            assert ENGINEER_CERT_NO.match(cert["cert_no"]), cert
            assert cert["registration_no"][2] == ("1" if cert["kind"] == CERT_ENGINEER_1 else "2")
            if cert["org_credit_code"]:
                assert orgs[cert["org_credit_code"]]["name"] == cert["org_name"]
        else:
            assert OPERATOR_CERT_NO.match(cert["cert_no"]) and cert["level"] in OPERATOR_LEVELS
            assert int(cert["cert_no"][16]) == 5 - OPERATOR_LEVELS.index(cert["level"])
    numbers = [c["cert_no"] for c in data["certificates"]]
    numbers += [c["registration_no"] for c in data["certificates"] if c["registration_no"]]
    assert len(numbers) == len(set(numbers))


def test_every_active_organisation_not_listed_as_short_meets_the_practice_conditions(data: dict) -> None:
    short = {s["credit_code"] for s in data["scenarios"]["below_conditions"]}
    employer = {p["id_number"]: p["employer_credit_code"] for p in data["persons"]}
    valid = [c for c in data["certificates"] if c["status"] == "有效"]
    for org in data["organizations"]:
        if org["status"] != "正常":
            continue
        code = org["credit_code"]
        engineers = [c for c in valid if c["org_credit_code"] == code]
        operators = [c for c in valid if c["kind"] == CERT_OPERATOR and employer[c["id_number"]] == code]
        meets = len(engineers) >= 2 and any(c["kind"] == CERT_ENGINEER_1 for c in engineers)
        if "维护保养检测" in org["types"]:
            meets = meets and len(operators) >= 6
            meets = meets and sum(operator_level_rank(c["level"]) >= 1 for c in operators) >= 2
        assert meets == (code not in short), org["name"]
    assert len(short) >= 3


# --- registry simulator ---


def test_simulator_satisfies_the_protocol(registry: RegistrySimulator) -> None:
    assert isinstance(registry, NationalRegistry)


def test_lookup_organization_returns_the_registered_record(registry: RegistrySimulator, data: dict) -> None:
    record = data["organizations"][0]
    org = registry.lookup_organization(record["credit_code"].lower())
    assert org is not None
    assert org.name == record["name"] and org.credit_code == record["credit_code"]
    assert org.types == tuple(record["types"]) and org.status == record["status"]
    assert org.legal_representative == record["legal_representative"]
    assert org.registered_at == date.fromisoformat(record["registered_at"])


def test_unknown_or_business_only_credit_code_is_not_in_the_registry(registry: RegistrySimulator, data: dict) -> None:
    assert registry.lookup_organization("9144030071526726XG") is None  # valid code, not a Shanghai fire firm
    for code in data["scenarios"]["business_only"]:
        assert registry.lookup_organization(code) is None


def test_engineer_lookup_by_id_number_cert_no_and_registration_no(registry: RegistrySimulator) -> None:
    engineer = next(c for c in registry.certificates() if c.kind == CERT_ENGINEER_1 and c.status == "有效")
    by_id = registry.lookup_certificates(id_number=engineer.id_number)
    assert engineer in by_id
    assert registry.lookup_certificates(cert_no=engineer.cert_no) == [engineer]
    assert registry.lookup_certificates(cert_no=engineer.registration_no) == [engineer]
    assert registry.lookup_certificates(id_number=engineer.id_number, cert_no=engineer.cert_no) == [engineer]
    org = registry.lookup_organization(engineer.org_credit_code or "")
    assert org is not None and org.name == engineer.org_name
    assert engineer.expires_on is not None and engineer.issued_on < AS_OF <= engineer.expires_on
    assert gender_of(engineer.id_number) in ("男", "女")


def test_operator_certificates_carry_a_level_and_no_registration(registry: RegistrySimulator) -> None:
    operators = [c for c in registry.certificates() if c.kind == CERT_OPERATOR]
    assert {c.level for c in operators} == set(OPERATOR_LEVELS)
    assert all(c.registration_no is None and c.org_credit_code is None for c in operators)
    assert any(c.status == "注销" for c in operators)


def test_unknown_keys_give_no_certificates(registry: RegistrySimulator, data: dict) -> None:
    assert registry.lookup_certificates(id_number="11010519491231002X") == []
    assert registry.lookup_certificates(cert_no="2018319999999") == []
    certified = {c["id_number"] for c in data["certificates"]}
    uncertified = [p for p in data["persons"] if p["id_number"] not in certified]
    assert uncertified and registry.lookup_certificates(id_number=uncertified[0]["id_number"]) == []
    engineer = next(c for c in registry.certificates() if c.registration_no)
    other = next(c for c in registry.certificates() if c.id_number != engineer.id_number)
    assert registry.lookup_certificates(id_number=other.id_number, cert_no=engineer.cert_no) == []


def test_lookup_without_any_key_is_refused(registry: RegistrySimulator) -> None:
    with pytest.raises(RegistryError) as caught:
        registry.lookup_certificates()
    assert caught.value.code == "registry_invalid_query"


def test_registrations_lapse_with_time(data: dict) -> None:
    now = RegistrySimulator(today=lambda: AS_OF)
    later = RegistrySimulator(today=lambda: date(2030, 1, 1))
    valid_now = [c for c in now.certificates() if c.kind in ENGINEER_KINDS and c.status == "有效"]
    assert valid_now
    assert {c.status for c in now.certificates() if c.kind in ENGINEER_KINDS} == {"有效", "过期", "注销"}
    for cert in valid_now:
        (again,) = later.lookup_certificates(cert_no=cert.cert_no)
        assert again.status == "过期"  # every registration period is three years
    operator = next(c for c in now.certificates() if c.kind == CERT_OPERATOR and c.status == "有效")
    assert later.lookup_certificates(cert_no=operator.cert_no)[0].status == "有效"


def test_dual_registration_cases_show_another_organisation(registry: RegistrySimulator) -> None:
    cases = registry.scenarios["dual_registration"]
    assert len(cases) >= 3
    for case in cases:
        (cert,) = registry.lookup_certificates(cert_no=case["registration_no"])
        assert cert.status == "有效" and cert.holder_name == case["name"]
        assert cert.org_credit_code == case["registered_org"] != case["claimed_by"]
        assert registry.lookup_organization(case["claimed_by"]) is not None
        person = registry.person(case["id_number"])
        assert person is not None and person.employer_credit_code == case["claimed_by"]


def test_register_organization_and_person_at_run_time(registry: RegistrySimulator) -> None:
    first17 = "91310115MA1K9T7Q2"
    code = first17 + credit_code_check_char(first17)
    org = registry.register_organization(
        credit_code=code,
        name="上海测试消防技术服务有限公司",
        types=["维护保养检测"],
        legal_representative="沈立新",
        registered_address="上海市浦东新区张江路100号",
    )
    assert registry.lookup_organization(code) == org
    id17 = "31011519900215123"
    number = id17 + id_check_digit(id17)
    engineer = registry.register_person(name="陆文杰", id_number=number, kind=CERT_ENGINEER_1, org_credit_code=code)
    operator = registry.register_person(name="陆文杰", id_number=number, kind=CERT_OPERATOR, level="三级/高级")
    assert registry.lookup_certificates(id_number=number) == [engineer, operator]
    assert ENGINEER_REGISTRATION_NO.match(engineer.registration_no or "")
    assert engineer.org_name == "上海测试消防技术服务有限公司"
    assert engineer.expires_on == date(2029, 10, 31)  # three years less a day from AS_OF
    assert OPERATOR_CERT_NO.match(operator.cert_no) and operator.cert_no[16] == "3"
    cancelled = registry.set_certificate_status(engineer.cert_no, "注销")
    assert registry.lookup_certificates(cert_no=engineer.cert_no) == [cancelled]
    assert cancelled.status == "注销"
    # another instance starts again from the dataset
    assert RegistrySimulator(today=lambda: AS_OF).lookup_organization(code) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"id_number": "310115199002151231", "kind": CERT_OPERATOR, "level": "三级/高级"},  # bad check digit
        {"id_number": "11010519491231002X", "kind": CERT_ENGINEER_1},  # engineer without organisation
        {"id_number": "11010519491231002X", "kind": CERT_OPERATOR},  # operator without level
        {"id_number": "11010519491231002X", "kind": "消防员"},
    ],
)
def test_register_person_refuses_what_the_registry_could_not_hold(registry: RegistrySimulator, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        registry.register_person(name="张三", **kwargs)


# --- registry client over HTTP ---


def signed_correctly(request: requests.PreparedRequest) -> bool:
    parts = urlsplit(request.url or "")
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    headers = request.headers
    message = "\n".join((request.method or "", parts.path, query, headers["X-Timestamp"], headers["X-Nonce"]))
    expected = hmac.new(APP_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
    return headers["X-App-Key"] == APP_KEY and hmac.compare_digest(expected, headers["X-Signature"])


def client(**kwargs: object) -> RegistryClient:
    return RegistryClient(BASE, APP_KEY, APP_SECRET, sleep=lambda _: None, **kwargs)  # type: ignore[arg-type]


ORG_JSON = {
    "credit_code": "9131000079149814XH",
    "name": "上海申安消防技术服务有限公司",
    "types": ["维护保养检测", "消防安全评估"],
    "legal_representative": "顾建平",
    "registered_address": "上海市奉贤区环城东路496号4层",
    "status": "正常",
    "registered_at": "2015-03-02",
}
CERT_JSON = {
    "holder_name": "陆文杰",
    "id_number": "11010519491231002X",
    "kind": "一级注册消防工程师",
    "level": None,
    "cert_no": "2018311000123",
    "registration_no": "3111900042",
    "org_credit_code": "9131000079149814XH",
    "org_name": "上海申安消防技术服务有限公司",
    "issued_on": "2025-07-09",
    "expires_on": "2028-07-08",
    "status": "有效",
}


@responses.activate
def test_client_reads_an_organisation_with_a_signed_request() -> None:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict, str]:
        if not signed_correctly(request):
            return 401, {}, json.dumps({"code": 40100, "message": "签名错误"})
        return 200, {}, json.dumps({"code": 0, "message": "ok", "data": ORG_JSON}, ensure_ascii=False)

    responses.add_callback(responses.GET, f"{BASE}/api/v1/organizations/9131000079149814XH", callback=answer)
    org = client().lookup_organization("9131000079149814xh")
    assert org is not None and org.name == ORG_JSON["name"] and org.types == ("维护保养检测", "消防安全评估")
    assert org.registered_at == date(2015, 3, 2)
    assert responses.calls[0].request.url.startswith(BASE)  # base path kept and signed


@responses.activate
def test_client_signature_covers_the_query() -> None:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict, str]:
        assert signed_correctly(request)
        return 200, {}, json.dumps({"code": 0, "data": {"items": [CERT_JSON]}}, ensure_ascii=False)

    responses.add_callback(responses.GET, f"{BASE}/api/v1/certificates", callback=answer)
    (cert,) = client().lookup_certificates(id_number="11010519491231002x", cert_no="2018311000123")
    assert cert.registration_no == "3111900042" and cert.expires_on == date(2028, 7, 8)
    sent = responses.calls[0].request.url or ""
    assert "id_number=11010519491231002X" in sent and "cert_no=2018311000123" in sent


@responses.activate
def test_client_maps_404_to_none_and_empty() -> None:
    responses.get(f"{BASE}/api/v1/organizations/9131000079149814XH", status=404)
    responses.get(f"{BASE}/api/v1/certificates", status=404)
    assert client().lookup_organization("9131000079149814XH") is None
    assert client().lookup_certificates(id_number="11010519491231002X") == []


@responses.activate
def test_client_retries_5xx_with_fresh_nonces_then_succeeds() -> None:
    url = f"{BASE}/api/v1/organizations/9131000079149814XH"
    responses.get(url, status=503)
    responses.get(url, status=502)
    responses.get(url, json={"code": 0, "data": ORG_JSON})
    waits: list[float] = []
    registry = RegistryClient(BASE, APP_KEY, APP_SECRET, retries=2, backoff=0.5, sleep=waits.append)
    assert registry.lookup_organization("9131000079149814XH") is not None
    assert len(responses.calls) == 3 and waits == [0.5, 1.0]
    assert len({call.request.headers["X-Nonce"] for call in responses.calls}) == 3


@responses.activate
def test_client_gives_up_after_retries_with_registry_unavailable() -> None:
    responses.get(f"{BASE}/api/v1/certificates", status=500)
    with pytest.raises(RegistryError) as caught:
        client(retries=2).lookup_certificates(cert_no="2018311000123")
    assert caught.value.code == "registry_unavailable" and "暂时无法访问" in caught.value.message
    assert len(responses.calls) == 3


@responses.activate
def test_client_connection_failure_is_registry_unavailable() -> None:
    responses.get(f"{BASE}/api/v1/certificates", body=requests.ConnectionError("connection refused"))
    with pytest.raises(RegistryError) as caught:
        client(retries=1).lookup_certificates(cert_no="2018311000123")
    assert caught.value.code == "registry_unavailable" and len(responses.calls) == 2


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, "", "registry_auth_failed"),
        (403, "", "registry_auth_failed"),
        (429, "", "registry_rate_limited"),
        (400, "", "registry_bad_request"),
        (200, "<html>gateway</html>", "registry_bad_response"),
        (200, json.dumps({"code": 0, "data": {"name": "缺字段"}}), "registry_bad_response"),
        (200, json.dumps({"code": 50010, "message": "查询服务维护中"}), "registry_error"),
    ],
)
@responses.activate
def test_client_maps_errors(status: int, body: str, code: str) -> None:
    responses.get(f"{BASE}/api/v1/organizations/9131000079149814XH", status=status, body=body)
    with pytest.raises(RegistryError) as caught:
        client().lookup_organization("9131000079149814XH")
    assert caught.value.code == code
    assert len(responses.calls) == 1  # 4xx and answered errors are not retried
    if code == "registry_error":
        assert "查询服务维护中" in caught.value.message


# --- big-data platform ---


@pytest.fixture
def bigdata() -> BigDataSimulator:
    return BigDataSimulator()


def test_cross_check_matches_what_the_registry_holds(bigdata: BigDataSimulator, registry: RegistrySimulator) -> None:
    assert isinstance(bigdata, BigDataPlatform)
    changed = {m["credit_code"] for m in registry.scenarios["business_mismatch"]}
    checked = 0
    for org in registry.organizations():
        if org.credit_code in changed or org.status == "注销":
            continue
        declared = {
            "name": org.name,
            "legal_representative": org.legal_representative,
            "registered_address": org.registered_address,
        }
        result = bigdata.cross_check_organization(org.credit_code, declared)
        assert result.found and result.matches and result.differences == [], org.name
        checked += 1
    assert checked >= 50


def test_cross_check_reports_each_deliberate_difference(bigdata: BigDataSimulator, data: dict) -> None:
    orgs = {o["credit_code"]: o for o in data["organizations"]}
    for case in data["scenarios"]["business_mismatch"]:
        org = orgs[case["credit_code"]]
        declared = {
            "name": org["name"],
            "legal_representative": org["legal_representative"],
            "registered_address": org["registered_address"],
        }
        result = bigdata.cross_check_organization(case["credit_code"], declared)
        assert not result.matches
        field = {"address": "registered_address"}.get(case["field"], case["field"])
        (difference,) = result.differences
        assert difference.field == field and difference.recorded == case["business"]
        assert difference.label in ("单位名称", "法定代表人", "注册地址", "登记状态")


def test_cross_check_forgives_width_blanks_and_city_prefix(bigdata: BigDataSimulator) -> None:
    record = next(r for r in bigdata.records() if r.status == "存续" and "号" in r.address)
    declared = {
        "name": " " + record.name.replace("上海", "上海 "),
        "address": record.address.removeprefix("上海市").replace("1", "１"),
    }
    assert bigdata.cross_check_organization(record.credit_code, declared).matches


def test_cross_check_of_an_unknown_enterprise(bigdata: BigDataSimulator) -> None:
    result = bigdata.cross_check_organization("9144030071526726XG", {"name": "腾讯科技（深圳）有限公司"})
    assert not result.found and not result.matches
    assert result.differences[0].field == "credit_code"


def test_business_only_enterprises_are_known_to_the_platform(bigdata: BigDataSimulator, data: dict) -> None:
    for code in data["scenarios"]["business_only"]:
        record = bigdata.lookup_business(code)
        assert (
            record is not None and record.status == "存续" and "市场监督管理局" in (record.registration_authority or "")
        )


def test_register_business_at_run_time(bigdata: BigDataSimulator) -> None:
    record = BusinessRecord(
        credit_code="9144030071526726xg",
        name="腾讯科技（深圳）有限公司",
        legal_representative="马化腾",
        address="深圳市南山区粤海街道麻岭社区科技中一路腾讯大厦35层",
        status="存续",
        established_on=date(2000, 2, 24),
    )
    bigdata.register_business(record)
    assert bigdata.cross_check_organization("9144030071526726XG", {"name": "腾讯科技(深圳)有限公司"}).matches
    with pytest.raises(ValueError):
        bigdata.register_business(BusinessRecord("913100001234", "x", "y", "z", "存续", date(2020, 1, 1)))


BIGDATA = "https://bigdata.test"
BUSINESS_JSON = {
    "credit_code": "9131000079149814XH",
    "name": "上海申安消防技术服务有限公司",
    "legal_representative": "顾建平",
    "address": "上海市奉贤区环城东路496号4层",
    "status": "存续",
    "established_on": "2006-05-12",
    "registered_capital_wan": 500,
}


@responses.activate
def test_bigdata_client_cross_checks_over_http() -> None:
    responses.get(
        f"{BIGDATA}/api/v1/enterprises/9131000079149814XH",
        json={"code": 0, "data": BUSINESS_JSON},
        match=[responses.matchers.header_matcher({"X-Api-Key": "k1"})],
    )
    platform = BigDataClient(BIGDATA, "k1", backoff_factor=0)
    result = platform.cross_check_organization(
        "9131000079149814XH", {"name": "上海申安消防技术服务有限公司", "legal_representative": "张伟"}
    )
    assert result.found and not result.matches
    assert [(d.field, d.declared, d.recorded) for d in result.differences] == [
        ("legal_representative", "张伟", "顾建平")
    ]


@responses.activate
def test_bigdata_client_404_is_not_found() -> None:
    responses.get(f"{BIGDATA}/api/v1/enterprises/9131000079149814XH", status=404)
    result = BigDataClient(BIGDATA, "k1").cross_check_organization("9131000079149814XH", {"name": "x"})
    assert not result.found and not result.matches


@responses.activate
def test_bigdata_client_retries_5xx_then_raises() -> None:
    responses.get(f"{BIGDATA}/api/v1/enterprises/9131000079149814XH", status=503)
    with pytest.raises(BigDataError) as caught:
        BigDataClient(BIGDATA, "k1", retries=2, backoff_factor=0).lookup_business("9131000079149814XH")
    assert caught.value.code == "bigdata_unavailable"
    assert len(responses.calls) == 3


@responses.activate
def test_bigdata_client_recovers_after_one_5xx() -> None:
    url = f"{BIGDATA}/api/v1/enterprises/9131000079149814XH"
    responses.get(url, status=502)
    responses.get(url, json={"code": 0, "data": BUSINESS_JSON})
    record = BigDataClient(BIGDATA, "k1", retries=2, backoff_factor=0).lookup_business("9131000079149814XH")
    assert record is not None and record.registered_capital_wan == 500
    assert len(responses.calls) == 2


@pytest.mark.parametrize(("status", "code"), [(401, "bigdata_auth_failed"), (429, "bigdata_rate_limited")])
@responses.activate
def test_bigdata_client_maps_refusals(status: int, code: str) -> None:
    responses.get(f"{BIGDATA}/api/v1/enterprises/9131000079149814XH", status=status)
    with pytest.raises(BigDataError) as caught:
        BigDataClient(BIGDATA, "k1").lookup_business("9131000079149814XH")
    assert caught.value.code == code and len(responses.calls) == 1
