"""Accounts through the HTTP API: SMS login, WeChat login, tokens, supervisors, personal data at rest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
import sqlalchemy as sa

from tests.builders.accounts import latest_sms_code, make_user, sms_login


def test_sms_login_gives_tokens_that_me_accepts(client: Any, ctx: Any) -> None:
    tokens = sms_login(client, "13812345678")
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["phone_masked"] == "138****5678"
    assert "13812345678" not in json.dumps(body)


def test_sixth_wrong_code_is_refused_even_with_the_right_code(client: Any, ctx: Any) -> None:
    phone = "13812340001"
    assert client.post("/api/v1/auth/sms-codes", json={"phone": phone}).status_code == 202
    right = latest_sms_code(phone)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for attempt in range(5):
        r = client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": wrong})
        assert r.status_code == 400
        assert r.get_json()["code"] == "code_invalid"
        assert r.get_json()["details"]["remaining_attempts"] == 4 - attempt
    r = client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": right})
    assert r.status_code == 429
    assert r.get_json()["code"] == "code_attempts_exceeded"
    assert r.get_json()["message"] == "验证码错误次数过多，请重新获取"


def test_code_is_single_use(client: Any, ctx: Any) -> None:
    phone = "13812340002"
    client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    code = latest_sms_code(phone)
    assert client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code}).status_code == 200
    r = client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code})
    assert r.status_code == 400 and r.get_json()["code"] == "code_invalid"


def test_expired_code_is_refused(client: Any, ctx: Any, app: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import SmsCode

    phone = "13812340003"
    client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    code = latest_sms_code(phone)
    from backend.core.timeutil import utcnow

    for row in db.session.scalars(sa.select(SmsCode)):
        row.expires_at = utcnow()
    db.session.commit()
    r = client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code})
    assert r.get_json()["code"] == "code_expired"


def test_one_code_per_minute_and_ten_per_day(client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import SmsCode

    phone = "13812340004"
    assert client.post("/api/v1/auth/sms-codes", json={"phone": phone}).status_code == 202
    r = client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    assert r.status_code == 429 and r.get_json()["code"] == "sms_too_frequent"
    assert int(r.headers["Retry-After"]) > 0
    for _ in range(9):  # age every code past the resend interval, then ask again
        _age_codes(db, SmsCode, seconds=61)
        assert client.post("/api/v1/auth/sms-codes", json={"phone": phone}).status_code == 202
    _age_codes(db, SmsCode, seconds=61)
    r = client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    assert r.status_code == 429 and r.get_json()["code"] == "sms_daily_limit"


def _age_codes(db: Any, model: Any, seconds: int) -> None:
    from datetime import timedelta

    for row in db.session.scalars(sa.select(model)):
        row.created_at = row.created_at - timedelta(seconds=seconds)
    db.session.commit()


def test_per_ip_limit_on_codes(client: Any, ctx: Any, app: Any) -> None:
    app.config["SMS_IP_HOURLY_LIMIT"] = 3
    try:
        for i in range(3):
            assert client.post("/api/v1/auth/sms-codes", json={"phone": f"1381234100{i}"}).status_code == 202
        r = client.post("/api/v1/auth/sms-codes", json={"phone": "13812341009"})
        assert r.status_code == 429 and r.get_json()["code"] == "sms_ip_limit"
    finally:
        app.config["SMS_IP_HOURLY_LIMIT"] = 30


def test_per_ip_limit_on_logins(client: Any, ctx: Any, app: Any) -> None:
    app.config["LOGIN_IP_MINUTE_LIMIT"] = 2
    try:
        for _ in range(2):
            r = client.post("/api/v1/auth/sms-login", json={"phone": "13812342000", "code": "000000"})
            assert r.status_code == 400
        r = client.post("/api/v1/auth/sms-login", json={"phone": "13812342000", "code": "000000"})
        assert r.status_code == 429 and r.get_json()["code"] == "login_ip_limit"
    finally:
        app.config["LOGIN_IP_MINUTE_LIMIT"] = 30


def test_invalid_phone_is_refused_in_chinese(client: Any) -> None:
    r = client.post("/api/v1/auth/sms-codes", json={"phone": "12345"})
    assert r.status_code == 422
    assert r.get_json()["code"] == "invalid_phone"
    assert r.get_json()["message"] == "手机号码格式不正确"


def test_refreshed_token_works_and_logged_out_one_does_not(client: Any, ctx: Any) -> None:
    tokens = sms_login(client, "13812340005")
    r = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert r.status_code == 200
    new_access = r.get_json()["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new_access}"}).status_code == 200
    # an access token is not a refresh token, nor the other way round
    assert client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {new_access}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}).status_code == 401

    assert client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {new_access}"}).status_code == 200
    for token in (new_access, tokens["access_token"]):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"
    r = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert r.status_code == 401


def test_missing_and_garbage_tokens_get_401_in_our_shape(client: Any) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.get_json() == {
        "code": "unauthorized",
        "message": "请先登录",
        "details": {},
    }
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401 and r.get_json()["code"] == "token_invalid"


def test_unknown_route_and_method_answer_json(client: Any) -> None:
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    r = client.delete("/api/v1/auth/sms-codes")
    assert r.status_code == 405 and r.get_json()["code"] == "method_not_allowed"
    assert "POST" in r.headers["Allow"]


def test_no_plaintext_phone_in_the_database(client: Any, ctx: Any) -> None:
    from backend.core.db import db

    phone = "13812340006"
    sms_login(client, phone)
    dump = []
    for table in db.metadata.sorted_tables:
        # raw SQL: what is on disk, not what the ORM decrypts
        for row in db.session.execute(sa.text(f'SELECT * FROM "{table.name}"')).all():
            dump.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    text = "\n".join(dump)
    assert phone not in text
    assert "138****0006" in text  # the outbox keeps a masked copy for display
    assert text.count("v1:k1:") >= 2  # the user's phone and the outbox recipient, as AES-GCM ciphertext


# --- WeChat ----------------------------------------------------------------------------------------


def _recorded(shared: Path, name: str) -> dict[str, Any]:
    return json.loads((shared / "wechat" / "json" / name).read_text())


def test_wechat_login_with_recorded_code2session_binds_then_logs_in(
    client: Any, ctx: Any, app: Any, shared_data: Path
) -> None:
    """wechatpy's real client against WeChat's recorded answers: unknown openid → bind by phone → login."""
    session = _recorded(shared_data, "sns_jscode2session.json")
    app.config["WECHAT_BACKEND"] = "wechat"
    app.extensions.pop("adapters", None)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.add(
                responses.GET,
                "https://api.weixin.qq.com/cgi-bin/token",
                json=_recorded(shared_data, "token.json"),
            )
            mock.add(responses.GET, "https://api.weixin.qq.com/sns/jscode2session", json=session)
            r = client.post("/api/v1/auth/wechat-login", json={"code": "recorded-code"})
            assert r.status_code == 409 and r.get_json()["code"] == "wechat_not_bound"
            bind_token = r.get_json()["details"]["bind_token"]

            phone = "13812340007"
            client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": "bind"})
            r = client.post(
                "/api/v1/auth/wechat-bind",
                json={"bind_token": bind_token, "phone": phone, "code": latest_sms_code(phone)},
            )
            assert r.status_code == 200, r.get_json()
            assert r.get_json()["user"]["wechat_bound"] is True

            r = client.post("/api/v1/auth/wechat-login", json={"code": "recorded-code-2"})
            assert r.status_code == 200
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.get_json()['access_token']}"})
            assert me.status_code == 200 and me.get_json()["phone_masked"] == "138****0007"
    finally:
        app.config["WECHAT_BACKEND"] = "simulator"
        app.extensions.pop("adapters", None)

    from backend.core.db import db
    from backend.modules.accounts.models import User

    user = db.session.scalar(sa.select(User).where(User.wechat_openid == session["openid"]))
    assert user is not None


def test_wechat_login_through_the_simulator(client: Any, ctx: Any) -> None:
    from backend.adapters.wechat import simulator_issue_login_code

    code = simulator_issue_login_code("device-1")
    r = client.post("/api/v1/auth/wechat-login", json={"code": code})
    assert r.status_code == 409
    # a code is single-use, as on WeChat
    r2 = client.post("/api/v1/auth/wechat-login", json={"code": code})
    assert r2.status_code in (400, 401) and r2.get_json()["code"].startswith("wechat_")


def test_bad_bind_token_is_refused(client: Any) -> None:
    r = client.post("/api/v1/auth/wechat-bind", json={"bind_token": "x", "phone": "13812340008", "code": "123456"})
    assert r.status_code == 400 and r.get_json()["code"] == "wechat_bind_invalid"


# --- supervisors --------------------------------------------------------------------------------------


def test_preassigned_supervisor_activates_on_first_login(client: Any, ctx: Any) -> None:
    admin = make_user(roles=("corps_admin",))
    r = client.post(
        "/api/v1/admin/supervisors",
        headers=admin.headers,
        json={
            "phone": "13812340009",
            "name": "徐汇 李四",
            "jurisdiction": "310104",
            "permissions": ["read_personal_data"],
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "pending"
    assert r.get_json()["phone_masked"] == "138****0009"

    tokens = sms_login(client, "13812340009")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    assert me["jurisdiction"] == "310104"
    assert "supervisor" in [r["role"] for r in me["roles"]]
    assert me["permissions"] == ["read_personal_data"]


def test_role_change_revokes_tokens(client: Any, ctx: Any) -> None:
    admin = make_user(roles=("corps_admin",))
    r = client.post(
        "/api/v1/admin/supervisors",
        headers=admin.headers,
        json={"phone": "13812340010", "name": "黄浦 王五", "jurisdiction": "310101"},
    )
    assignment_id = r.get_json()["id"]
    tokens = sms_login(client, "13812340010")
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    r = client.patch(
        f"/api/v1/admin/supervisors/{assignment_id}", headers=admin.headers, json={"jurisdiction": "310104"}
    )
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_assignment_validation(client: Any, ctx: Any) -> None:
    admin = make_user(roles=("corps_admin",))
    r = client.post(
        "/api/v1/admin/supervisors",
        headers=admin.headers,
        json={"phone": "13812340011", "name": "某人", "jurisdiction": "999999"},
    )
    assert r.status_code == 422 and r.get_json()["code"] == "jurisdiction_unknown"
    ok = {"phone": "13812340011", "name": "某人", "jurisdiction": "310101"}
    assert client.post("/api/v1/admin/supervisors", headers=admin.headers, json=ok).status_code == 201
    r = client.post("/api/v1/admin/supervisors", headers=admin.headers, json=ok)
    assert r.status_code == 409 and r.get_json()["code"] == "supervisor_exists"


def test_corps_admin_cli_bootstrap(app: Any, client: Any, ctx: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-corps-admin", "--phone", "13812340012"])
    assert result.exit_code == 0, result.output
    tokens = sms_login(client, "13812340012")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    assert "corps_admin" in [r["role"] for r in me["roles"]] and me["jurisdiction"] == "corps"
    result = runner.invoke(args=["outbox", "list", "--channel", "sms"])
    assert "13812340012" in result.output and "验证码" in result.output


def test_audit_log_records_writes_with_actor_and_ip_and_is_append_only(client: Any, ctx: Any) -> None:
    from backend.core.audit import AuditLog
    from backend.core.db import db

    admin = make_user(roles=("corps_admin",))
    client.post(
        "/api/v1/admin/supervisors",
        headers=admin.headers,
        json={"phone": "13812340013", "name": "审计 测试", "jurisdiction": "310101"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "supervisor_assignments.create"))
    assert row is not None
    assert row.actor_user_id == admin.user_id and row.actor_ip == "10.1.2.3"
    assert row.changes["phone"] == "***" and row.changes["jurisdiction"] == "310101"
    r = client.get("/api/v1/admin/audit-logs?target_type=supervisor_assignments", headers=admin.headers)
    assert r.status_code == 200 and r.get_json()["items"][0]["action"] == "supervisor_assignments.create"
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.update(AuditLog).values(action="tampered"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.delete(AuditLog))
        db.session.flush()
    db.session.rollback()


def test_times_carry_the_shanghai_offset(client: Any, ctx: Any) -> None:
    admin = make_user(roles=("corps_admin",))
    r = client.post(
        "/api/v1/admin/supervisors",
        headers=admin.headers,
        json={"phone": "13812340014", "name": "时间 测试", "jurisdiction": "310101"},
    )
    assert r.get_json()["created_at"].endswith("+08:00")


def test_an_id_beyond_64_bits_is_an_unknown_resource_and_the_bound_is_published(client: Any) -> None:
    huge = 2**64
    for url in (f"/api/v1/public/orgs/{huge}", f"/api/v1/public/projects/{huge}"):
        r = client.get(url)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    assert client.get(f"/api/v1/public/orgs/{2**63 - 1}").status_code == 404  # in range: looked up, not found
    spec = client.get("/api/openapi.json").get_json()
    parameters = [p for item in spec["paths"].values() for p in item.get("parameters", [])]
    parameters += [p for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)
                   for p in op.get("parameters", [])]  # fmt: skip
    bounded = [p["schema"] for p in parameters if p.get("in") == "path" and p["schema"].get("type") == "integer"]
    assert bounded and all(s.get("maximum") == 2**63 - 1 for s in bounded)


def test_a_number_beyond_its_column_in_a_body_or_query_is_a_422_not_a_500(client: Any, ctx: Any) -> None:
    from tests.builders.accounts import make_user

    corps = make_user(roles=("corps_admin",))
    huge = 24755795070095482880  # beyond 64 bits, as schemathesis sends
    penalty = {"org_id": huge, "basis": "art30", "subject_kind": "organization", "amount_yuan": 100}
    penalty |= {"decision_no": "沪消行罚决字〔2026〕第1号", "facts": "未设置维保标识", "decided_on": "2026-11-01"}
    r = client.post("/api/v1/supervision/penalties", json=penalty, headers=corps.headers)
    assert r.status_code in (404, 422), r.get_json()
    assert r.get_json()["message"] and r.get_json()["code"] in (
        "value_out_of_range",
        "validation_error",
        "org_not_found",
    )
    r = client.get(f"/api/v1/public/rankings?org_ids={huge},2")
    assert r.status_code == 422 and r.get_json()["code"] == "validation_error"
    assert client.get("/api/v1/me", headers=corps.headers).status_code == 200  # the session is usable afterwards
