"""Real-name authentication through the HTTP API, with real tokens, the registry simulator's real dataset and
the real face engine on shared/data/faces."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import db
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import today as shanghai_today
from backend.modules.realname.models import FaceEnrolment, IntegrityEvidence, Practitioner
from backend.modules.realname.practitioners import CONSENT_VERSION
from tests.builders.accounts import make_user, relogin, sms_login, supervisor
from tests.builders.media import face_photo, licence_image, pdf_document
from tests.builders.places import HUANGPU, XUHUI
from tests.realname.builders import (
    SHENWEI,
    YAOAN,
    Http,
    certificates_of,
    employ,
    legal_rep_of,
    practitioner,
    registration_body,
    staff_of,
    verified_org,
)


def _kinds(org_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TimelineEvent.kind).where(TimelineEvent.org_id == org_id).order_by(TimelineEvent.id)
        )
    )


# --- organisation registration → review → verified ----------------------------------------------------


def test_registration_review_and_verification_end_to_end(client: Any, ctx: Any) -> None:
    rep = legal_rep_of(SHENWEI)
    tokens = sms_login(client, rep.mobile)
    http = Http(client, relogin(rep.mobile))
    assert tokens["user"]["id"] == http.login.user_id  # type: ignore[union-attr]

    r = http.post("/api/v1/orgs", json=registration_body(SHENWEI, name="上海申卫消防评估"))
    assert r.status_code == 201, r.get_json()
    org = r.get_json()
    assert org["status"] == "draft"
    assert org["district_code"] == XUHUI and org["district_name"] == "徐汇区"
    assert 121.3 < org["lng"] < 121.5 and 31.1 < org["lat"] < 31.25
    assert rep.id_number not in r.get_data(as_text=True)
    assert org["legal_rep_id_masked"].startswith(rep.id_number[:3]) and "*" in org["legal_rep_id_masked"]

    # the role grant made the registrant legal_rep + org_admin, in effect at once with the same token
    assert http.get(f"/api/v1/orgs/{org['id']}").status_code == 200
    me = http.get("/api/v1/me").get_json()
    assert {(r["role"], r["org_id"]) for r in me["roles"]} >= {("legal_rep", org["id"]), ("org_admin", org["id"])}

    r = http.post(f"/api/v1/orgs/{org['id']}/submit")
    assert r.status_code == 422 and "business_licence" in r.get_json()["details"]["fields"]

    base = f"/api/v1/orgs/{org['id']}"
    assert (
        http.upload(f"{base}/documents/business_licence", "file", licence_image(), "licence.png", "put").status_code
        == 200
    )
    r = http.upload(f"{base}/documents/assessment_control", "file", pdf_document("评估过程控制体系"), "a.pdf", "put")
    assert r.status_code == 200 and r.get_json()["documents"]["assessment_control"] is True
    r = http.get(f"{base}/documents/assessment_control")
    assert r.status_code == 200 and r.data.startswith(b"%PDF-") and r.mimetype == "application/pdf"

    r = http.post(f"{base}/submit")
    assert r.status_code == 200, r.get_json()
    submitted = r.get_json()
    assert submitted["status"] == "submitted"
    # the declared name differs from the national registry and the business register: the reviewer sees it
    notes = submitted["registry_notes"]
    assert {(n["source"], n["field"]) for n in notes} == {("registry", "name"), ("bigdata", "name")}
    assert all("上海申卫消防安全评估有限公司" in n["message"] for n in notes)

    xuhui = Http(client, supervisor(XUHUI))
    huangpu = Http(client, supervisor(HUANGPU))
    queue = xuhui.get("/api/v1/orgs/review-queue").get_json()["items"]
    assert [o["id"] for o in queue] == [org["id"]] and queue[0]["registry_notes"]
    assert huangpu.get("/api/v1/orgs/review-queue").get_json()["items"] == []
    r = huangpu.post(f"{base}/review", json={"decision": "approve"})
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"

    r = xuhui.post(f"{base}/review", json={"decision": "reject"})
    assert r.status_code == 422 and r.get_json()["code"] == "review_reasons_required"
    r = xuhui.post(f"{base}/review", json={"decision": "reject", "reasons": ["单位名称与营业执照不一致"]})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"

    detail = http.get(base).get_json()
    assert detail["organization"]["review_reasons"] == ["单位名称与营业执照不一致"]
    assert [r["decision"] for r in detail["reviews"]] == ["rejected"]
    r = http.patch(base, json={"name": "上海申卫消防安全评估有限公司"})
    assert r.status_code == 200
    r = http.post(f"{base}/submit")
    assert r.status_code == 200 and r.get_json()["registry_notes"] == []

    r = xuhui.post(f"{base}/review", json={"decision": "approve", "reasons": ["材料齐全"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "verified" and r.get_json()["verified_at"]
    assert http.patch(base, json={"name": "改名"}).get_json()["code"] == "org_not_editable"

    public = Http(client, None).get("/api/v1/public/orgs", query_string={"q": "申卫"}).get_json()["items"]
    assert [o["credit_code"] for o in public] == [SHENWEI]
    assert _kinds(org["id"]) == [
        "org.registered",
        "org.submitted",
        "org.rejected",
        "org.resubmitted",
        "org.verified",
        "org.conditions_unmet",  # no staff yet: approved, and marked below the thresholds
    ]


def test_registration_refuses_bad_codes_and_duplicates(client: Any, ctx: Any) -> None:
    http = Http(client, make_user())
    bad = {**registration_body(SHENWEI), "credit_code": SHENWEI[:-1] + "X"}
    r = http.post("/api/v1/orgs", json=bad)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_credit_code"
    assert "校验位" in r.get_json()["details"]["fields"]["credit_code"][0]
    body = registration_body(SHENWEI)
    r = http.post("/api/v1/orgs", json={**body, "legal_rep_id_number": body["legal_rep_id_number"][:-1] + "0"})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_id_number"
    r = http.post("/api/v1/orgs", json={**body, "address": "北京市东城区东长安街1号"})
    assert r.status_code == 422 and r.get_json()["code"] in ("org_address_not_located", "org_address_outside_shanghai")
    assert http.post("/api/v1/orgs", json=body).status_code == 201
    other = Http(client, make_user())
    r = other.post("/api/v1/orgs", json=body)
    assert r.status_code == 409 and r.get_json()["message"] == "该统一社会信用代码的机构已在本系统登记"


def test_submission_notes_what_the_business_register_records_differently(client: Any, ctx: Any) -> None:
    # 上海彤安: the business register has the firm at another address (dataset scenario business_mismatch)
    code = "91310000671957209C"
    http = Http(client, make_user(phone=legal_rep_of(code).mobile))
    org = http.post("/api/v1/orgs", json=registration_body(code)).get_json()
    http.login = relogin(http.login.phone)  # type: ignore[union-attr]
    base = f"/api/v1/orgs/{org['id']}"
    http.upload(f"{base}/documents/business_licence", "file", licence_image(), "l.png", "put")
    notes = http.post(f"{base}/submit").get_json()["registry_notes"]
    assert [(n["source"], n["field"], n["recorded"]) for n in notes] == [
        ("bigdata", "registered_address", "上海市闵行区莘松路1390号7层")
    ]


# --- faces ----------------------------------------------------------------------------------------------


def _practitioner_http(client: Any, person: Any) -> Http:
    http = Http(client, make_user(phone=person.mobile))
    r = http.post("/api/v1/practitioners", json={"name": person.name, "id_number": person.id_number})
    assert r.status_code == 201, r.get_json()
    http.login = relogin(person.mobile)
    return http


def _enrol(http: Http, name: str) -> dict[str, Any]:
    r = http.upload("/api/v1/practitioners/me/face", "photo", face_photo(name), name)
    assert r.status_code == 202, r.get_json()
    return r.get_json()


def _verify(http: Http, name: str) -> Any:
    return http.upload("/api/v1/practitioners/me/face/verify", "photo", face_photo(name), name)


@pytest.mark.registry_data
def test_face_enrolment_and_verification_on_real_photos(client: Any, ctx: Any) -> None:
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    http = _practitioner_http(client, person)
    r = http.upload("/api/v1/practitioners/me/face", "photo", face_photo("obama.jpg"), "obama.jpg")
    assert r.status_code == 422 and r.get_json()["code"] == "biometric_consent_required"
    consent = http.get("/api/v1/practitioners/me/biometric-consent").get_json()
    assert consent["in_force"] is False and "个人信息保护法" in consent["text"]
    r = http.post("/api/v1/practitioners/me/biometric-consent", json={"version": "2020-01"})
    assert r.status_code == 422 and r.get_json()["code"] == "consent_version_outdated"
    r = http.post("/api/v1/practitioners/me/biometric-consent", json={"version": consent["current_version"]})
    assert r.status_code == 200 and r.get_json()["in_force"] is True

    enrolment = _enrol(http, "obama.jpg")
    assert enrolment["status"] == "enrolled" and enrolment["fail_reason"] is None
    profile = http.get("/api/v1/practitioners/me").get_json()
    assert profile["face_status"] == "enrolled"
    # the registry knows this engineer under this name, and a face is enrolled: identity verified
    assert profile["registry_known"] is True and profile["identity_status"] == "verified"

    for same in ("obama2.jpg", "obama-720p.jpg", "obama_small.jpg"):
        r = _verify(http, same)
        assert r.status_code == 200, (same, r.get_json())
        assert r.get_json()["passed"] is True and r.get_json()["distance"] < 0.5, same
    for other in ("biden.jpg", "alex-lacamoire.png", "kit_harington_john1.jpeg"):
        r = _verify(http, other)  # alex-lacamoire.png is an RGBA PNG
        assert r.status_code == 200, (other, r.get_json())
        body = r.get_json()
        assert body["passed"] is False and body["distance"] > 0.5 and body["reason_code"] == "face_mismatch", other

    # the enrolment photo is not kept: the queued row lost it once encoded, and the job got only the row id
    row = db.session.get(FaceEnrolment, enrolment["id"])
    assert row is not None and row.photo is None and row.photo_sha256
    raw = db.session.execute(sa.text("SELECT photo FROM face_enrolments")).scalars().all()
    assert raw == [None]
    from backend.core.jobs import BackgroundJob

    job = db.session.scalar(sa.select(BackgroundJob).where(BackgroundJob.queue == "biometrics"))
    assert job is not None and job.args == {"enrolment_id": enrolment["id"]} and job.status == "done"


@pytest.mark.registry_data
def test_refused_photos_fail_with_their_specific_reasons(client: Any, ctx: Any) -> None:
    person = staff_of(SHENWEI, "一级注册消防工程师")[1]
    http = _practitioner_http(client, person)
    http.post("/api/v1/practitioners/me/biometric-consent", json={"version": CONSENT_VERSION})

    several = _enrol(http, "two_people.jpg")
    assert several["status"] == "failed" and several["fail_reason"] == "face_multiple_faces"
    assert "多张人脸" in several["fail_message"]
    none = _enrol(http, "coffee.png")
    assert none["status"] == "failed" and none["fail_reason"] == "face_no_face"
    status = http.get("/api/v1/practitioners/me/face").get_json()
    assert status["face_status"] == "failed" and status["face_fail_reason"] == "face_no_face"
    assert http.get("/api/v1/practitioners/me").get_json()["identity_status"] == "unverified"

    r = http.upload("/api/v1/practitioners/me/face", "photo", b"GIF89a not a photo", "x.gif")
    assert r.status_code == 422 and r.get_json()["code"] == "image_type_not_allowed"
    r = http.upload("/api/v1/practitioners/me/face", "photo", face_photo("obama.jpg")[:20000], "cut.jpg")
    assert r.status_code == 422 and r.get_json()["code"] == "image_unreadable"
    # verification without an enrolled face is refused, not failed
    r = _verify(http, "obama.jpg")
    assert r.status_code == 422 and r.get_json()["code"] == "face_not_enrolled"

    # an RGBA PNG enrols
    rgba = _enrol(http, "lin-manuel-miranda.png")
    assert rgba["status"] == "enrolled"
    r = _verify(http, "two_people.jpg")
    assert r.status_code == 422 and r.get_json()["code"] == "face_multiple_faces"
    events = db.session.scalars(
        sa.select(TimelineEvent).where(TimelineEvent.kind.like("practitioner.face%")).order_by(TimelineEvent.id)
    ).all()
    assert [e.kind for e in events] == [
        "practitioner.face_enrolment_failed",
        "practitioner.face_enrolment_failed",
        "practitioner.face_enrolled",
    ]
    assert all("encoding" not in str(e.data) for e in events)


@pytest.mark.registry_data
def test_reenrolment_replaces_the_encoding_and_is_audited(client: Any, ctx: Any) -> None:
    from backend.core.audit import AuditLog

    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    http = _practitioner_http(client, person)
    http.post("/api/v1/practitioners/me/biometric-consent", json={"version": CONSENT_VERSION})
    _enrol(http, "obama.jpg")
    row = db.session.scalar(sa.select(Practitioner))
    first = row.face_encoding
    failed = _enrol(http, "coffee.png")  # a failed re-enrolment leaves the working encoding alone
    db.session.expire_all()
    assert failed["replaces_previous"] is True and failed["status"] == "failed"
    assert db.session.scalar(sa.select(Practitioner)).face_encoding == first
    assert _enrol(http, "obama-720p.jpg")["status"] == "enrolled"
    db.session.expire_all()
    assert db.session.scalar(sa.select(Practitioner)).face_encoding != first
    assert _verify(http, "obama2.jpg").get_json()["passed"] is True
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.action.like("face.%"))).all()
    assert actions == ["face.enrolled", "face.reenrolled"]
    changes = db.session.scalars(sa.select(AuditLog.changes).where(AuditLog.action == "practitioners.update")).all()
    assert any(c.get("face_encoding") == ["***", "***"] or c.get("face_encoding") == "***" for c in changes)


@pytest.mark.registry_data
def test_withdrawing_consent_deletes_the_encoding(client: Any, ctx: Any) -> None:
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    http = _practitioner_http(client, person)
    http.post("/api/v1/practitioners/me/biometric-consent", json={"version": CONSENT_VERSION})
    _enrol(http, "obama.jpg")
    r = http.delete("/api/v1/practitioners/me/biometric-consent")
    assert r.status_code == 200 and r.get_json()["withdrawn_at"] and r.get_json()["in_force"] is False
    raw = db.session.execute(sa.text("SELECT face_encoding, face_status FROM practitioners")).one()
    assert raw == (None, "none")
    r = _verify(http, "obama.jpg")
    assert r.status_code == 422 and r.get_json()["code"] == "face_not_enrolled"
    assert http.get("/api/v1/practitioners/me").get_json()["identity_status"] == "unverified"
    r = http.upload("/api/v1/practitioners/me/face", "photo", face_photo("obama.jpg"), "obama.jpg")
    assert r.get_json()["code"] == "biometric_consent_required"


@pytest.mark.registry_data
def test_id_numbers_and_encodings_are_unreadable_in_the_database(client: Any, ctx: Any) -> None:
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    http = _practitioner_http(client, person)
    http.post("/api/v1/practitioners/me/biometric-consent", json={"version": CONSENT_VERSION})
    _enrol(http, "obama.jpg")
    verified_org(YAOAN)
    name, id_number, id_hash, encoding = db.session.execute(
        sa.text("SELECT name, id_number, id_number_hash, face_encoding FROM practitioners")
    ).one()
    assert person.id_number not in id_number and person.id_number not in id_hash and person.name not in name
    assert id_number.startswith("v1:k1:") and encoding.startswith("v1:k1:")
    from backend.adapters.face import encoding_from_bytes

    decoded = db.session.scalar(sa.select(Practitioner)).face_encoding
    assert len(encoding_from_bytes(decoded)) == 128
    assert decoded not in encoding.encode() and decoded.hex() not in encoding
    rep = legal_rep_of(YAOAN)
    stored = db.session.execute(sa.text("SELECT legal_rep_id_number, legal_rep_name FROM organizations")).one()
    assert rep.id_number not in stored[0] and stored[0].startswith("v1:") and rep.name not in stored[1]
    dump = "\n".join(str(row) for row in db.session.execute(sa.text("SELECT changes FROM audit_log")).all())
    assert person.id_number not in dump and rep.id_number not in dump


# --- certificates ---------------------------------------------------------------------------------------


@pytest.mark.registry_data
def test_certificates_are_checked_against_the_national_registry(client: Any, ctx: Any) -> None:
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    http = _practitioner_http(client, person)
    real = next(c for c in certificates_of(person.id_number) if c.kind == "一级注册消防工程师")
    r = http.post(
        "/api/v1/practitioners/me/certificates",
        json={"kind": "engineer_1", "cert_no": real.cert_no, "registration_no": real.registration_no},
    )
    assert r.status_code == 201, r.get_json()
    cert = r.get_json()
    assert cert["status"] == "valid" and cert["registered_org_credit_code"] == SHENWEI
    assert cert["expires_on"] == real.expires_on.isoformat()
    r = http.post("/api/v1/practitioners/me/certificates", json={"kind": "engineer_1", "cert_no": real.cert_no})
    assert r.status_code == 409 and r.get_json()["code"] == "certificate_exists"
    # someone else's certificate number: the registry has no such certificate for this person
    others = next(c for c in certificates_of(staff_of(YAOAN, "一级注册消防工程师")[0].id_number))
    r = http.post("/api/v1/practitioners/me/certificates", json={"kind": "engineer_1", "cert_no": others.cert_no})
    assert r.status_code == 201 and r.get_json()["status"] == "invalid"
    assert r.get_json()["check_notes"] == ["全国社会消防技术服务信息系统中没有本人的该证书"]
    r = http.post("/api/v1/practitioners/me/certificates", json={"kind": "operator", "cert_no": "S000031000099990001"})
    assert r.status_code == 422 and r.get_json()["code"] == "operator_level_required"


@pytest.mark.registry_data
def test_a_lapsed_registration_is_expired(client: Any, ctx: Any) -> None:
    from datetime import timedelta

    from backend.bootstrap import adapters

    registry = adapters().registry
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    lapsed = registry.register_person(
        name=person.name,
        id_number=person.id_number,
        kind="二级注册消防工程师",
        org_credit_code=SHENWEI,
        issued_on=shanghai_today() - timedelta(days=3 * 365 + 30),
        expires_on=shanghai_today() - timedelta(days=30),
    )
    http = _practitioner_http(client, person)
    r = http.post("/api/v1/practitioners/me/certificates", json={"kind": "engineer_2", "cert_no": lapsed.cert_no})
    assert r.get_json()["status"] == "expired" and "届满" in r.get_json()["check_notes"][0]


# --- employment and the practice conditions ----------------------------------------------------------------


@pytest.mark.registry_data
def test_one_engineer_fails_the_conditions_and_a_second_makes_them_pass(client: Any, ctx: Any) -> None:
    setup = verified_org(SHENWEI)
    admin = Http(client, setup.legal_rep)
    base = f"/api/v1/orgs/{setup.org_id}"
    engineers = staff_of(SHENWEI, "一级注册消防工程师")
    assert len(engineers) == 2

    def hire(person: Any, position: str) -> Http:
        login = practitioner(person)
        r = admin.post(f"{base}/staff", json={"phone": login.phone, "position": position})
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["practitioner"] is None and r.get_json()["invited_phone_masked"].count("*") == 4
        own = Http(client, login)
        mine = own.get("/api/v1/employments/mine").get_json()
        assert [(e["id"], e["status"], e["org_name"]) for e in mine] == [
            (r.get_json()["id"], "invited", "上海申卫消防安全评估有限公司")
        ]
        accepted = own.post(f"/api/v1/employments/{r.get_json()['id']}/accept")
        assert accepted.status_code == 200, accepted.get_json()
        return own

    hire(engineers[0], "technical_lead")
    report = admin.get(f"{base}/conditions").get_json()
    by_key = {c["key"]: c for c in report["conditions"]}
    assert report["met"] is False and report["ruleset"] == "2019-88"
    assert (by_key["engineers"]["required"], by_key["engineers"]["actual"], by_key["engineers"]["met"]) == (2, 1, False)
    assert by_key["engineers_level_1"]["met"] and by_key["technical_lead"]["met"]
    assert [c["key"] for c in report["conditions"] if not c["met"]] == ["engineers"]
    assert "operators" not in by_key  # an assessment organisation needs no operators
    assert admin.get(base).get_json()["organization"]["conditions_met"] is False

    second = hire(engineers[1], "project_lead")
    report = admin.get(f"{base}/conditions").get_json()
    assert report["met"] is True, [c for c in report["conditions"] if not c["met"]]
    assert admin.get(base).get_json()["organization"]["conditions_met"] is True
    assert _kinds(setup.org_id)[-2:] == ["employment.started", "org.conditions_met"]

    # the second engineer leaves: below the threshold again, marked and on the timeline
    employment_id = second.get("/api/v1/employments/mine").get_json()[0]["id"]
    r = second.post(f"/api/v1/employments/{employment_id}/end", json={"reason": "个人原因"})
    assert r.status_code == 200 and r.get_json()["status"] == "ended"
    assert admin.get(base).get_json()["organization"]["conditions_met"] is False
    unmet = db.session.scalars(
        sa.select(TimelineEvent).where(TimelineEvent.kind == "org.conditions_unmet").order_by(TimelineEvent.id.desc())
    ).first()
    assert unmet is not None and unmet.data["unmet"] == ["engineers"] and "注册消防工程师" in unmet.summary

    staff = admin.get(f"{base}/staff", query_string={"status": "active"}).get_json()["items"]
    assert [s["practitioner"]["name"] for s in staff] == [engineers[0].name]
    assert staff[0]["practitioner"]["certificates"][0]["status"] == "valid"


def test_a_practitioner_cannot_be_active_in_two_organisations(client: Any, ctx: Any) -> None:
    first = verified_org(SHENWEI)
    second = verified_org(YAOAN)
    operator = staff_of(YAOAN, "消防设施操作员")[0]
    login = practitioner(operator)
    employ(first, login, "operator")

    invite = Http(client, second.legal_rep).post(
        f"/api/v1/orgs/{second.org_id}/staff", json={"phone": login.phone, "position": "operator"}
    )
    assert invite.status_code == 201
    r = Http(client, login).post(f"/api/v1/employments/{invite.get_json()['id']}/accept")
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "second_employment"
    assert body["message"].startswith("您已在“上海申卫消防安全评估有限公司”执业。同一时间只能在一家机构执业")
    assert body["details"]["active_org_id"] == first.org_id
    # the refusal rolled the acceptance back but kept its evidence
    evidence = db.session.scalars(sa.select(IntegrityEvidence)).all()
    assert [(e.kind, e.org_id, e.details["employment_id"]) for e in evidence] == [
        ("second_employment", second.org_id, invite.get_json()["id"])
    ]
    statuses = db.session.execute(sa.text("SELECT org_id, status FROM employments ORDER BY id")).all()
    assert statuses == [(first.org_id, "active"), (second.org_id, "invited")]
    assert (
        db.session.scalar(
            sa.select(TimelineEvent.visibility).where(TimelineEvent.kind == "integrity.second_employment")
        )
        == "supervisor"
    )


@pytest.mark.registry_data
def test_an_engineer_registered_elsewhere_is_refused_and_recorded(client: Any, ctx: Any) -> None:
    # dataset scenario dual_registration: 崔国飞 is registered at 上海申消 but claimed by 上海百安
    claimed_by, registered_at = "913101166988115769", "91310107MA7EQP4K16"
    setup = verified_org(claimed_by)
    from backend.bootstrap import adapters

    person = adapters().registry.person("310118196801036513")
    assert person.name == "崔国飞" and person.employer_credit_code == claimed_by
    login = practitioner(person)
    invite = Http(client, setup.legal_rep).post(
        f"/api/v1/orgs/{setup.org_id}/staff", json={"phone": login.phone, "position": "engineer"}
    )
    r = Http(client, login).post(f"/api/v1/employments/{invite.get_json()['id']}/accept")
    assert r.status_code == 409 and r.get_json()["code"] == "certificate_registered_elsewhere"
    assert "上海申消消防技术服务有限公司" in r.get_json()["message"]
    assert r.get_json()["details"]["registered_org_credit_code"] == registered_at
    evidence = db.session.scalar(sa.select(IntegrityEvidence))
    assert evidence is not None and evidence.kind == "certificate_registered_elsewhere"
    assert evidence.details["registered_org_credit_code"] == registered_at
    assert db.session.scalar(sa.text("SELECT count(*) FROM employments WHERE status = 'active'")) == 0


@pytest.mark.registry_data
def test_invitations_can_be_declined_and_withdrawn(client: Any, ctx: Any) -> None:
    setup = verified_org(SHENWEI)
    admin = Http(client, setup.legal_rep)
    person = Http(client, practitioner(staff_of(SHENWEI, "一级注册消防工程师")[0]))
    base = f"/api/v1/orgs/{setup.org_id}/staff"
    first = admin.post(base, json={"phone": person.login.phone, "position": "engineer"}).get_json()  # type: ignore[union-attr]
    assert admin.post(base, json={"phone": person.login.phone, "position": "engineer"}).status_code == 409  # type: ignore[union-attr]
    r = person.post(f"/api/v1/employments/{first['id']}/decline")
    assert r.status_code == 200 and r.get_json()["status"] == "declined"
    assert person.post(f"/api/v1/employments/{first['id']}/accept").get_json()["code"] == "employment_not_invited"
    second = admin.post(base, json={"phone": person.login.phone, "position": "engineer"}).get_json()  # type: ignore[union-attr]
    r = admin.post(f"/api/v1/employments/{second['id']}/end", json={})
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    # a stranger's invitation is invisible
    stranger = Http(client, make_user())
    assert stranger.post(f"/api/v1/employments/{second['id']}/decline").status_code == 404


# --- alternative identity check ---------------------------------------------------------------------------


@pytest.mark.registry_data
def test_supervisor_approved_identity_check_replaces_face_recognition(client: Any, ctx: Any) -> None:
    setup = verified_org(SHENWEI)
    login = practitioner(staff_of(SHENWEI, "一级注册消防工程师")[0])
    employ(setup, login, "technical_lead")
    http = Http(client, login)
    r = http.post("/api/v1/practitioners/me/alternative-identity-request", json={"note": "本人不使用人脸识别"})
    assert r.status_code == 200 and r.get_json()["alt_identity_requested_at"]
    practitioner_id = r.get_json()["id"]

    xuhui = Http(client, supervisor(XUHUI))
    requests = xuhui.get("/api/v1/practitioners", query_string={"alt_identity_requested": "true"}).get_json()["items"]
    assert [p["id"] for p in requests] == [practitioner_id]
    huangpu = Http(client, supervisor(HUANGPU))
    r = huangpu.post(
        f"/api/v1/practitioners/{practitioner_id}/alternative-identity", json={"method": "in_person_id_card"}
    )
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    r = xuhui.post(
        f"/api/v1/practitioners/{practitioner_id}/alternative-identity",
        json={"method": "in_person_id_card", "note": "徐汇支队窗口核验身份证原件"},
    )
    assert r.status_code == 200, r.get_json()
    profile = http.get("/api/v1/practitioners/me").get_json()
    assert profile["identity_status"] == "verified" and profile["face_status"] == "none"
    assert profile["alt_identity_method_name"] == "现场核验居民身份证原件" and profile["alt_identity_approved_at"]
    kinds = db.session.scalars(
        sa.select(TimelineEvent.kind).where(TimelineEvent.practitioner_id == practitioner_id)
    ).all()
    assert "practitioner.alt_identity_approved" in kinds and "practitioner.identity_verified" in kinds

    r = xuhui.delete(f"/api/v1/practitioners/{practitioner_id}/alternative-identity", json={"note": "核验有误"})
    assert r.status_code == 200 and r.get_json()["identity_status"] == "unverified"


# --- signature ----------------------------------------------------------------------------------------


@pytest.mark.registry_data
def test_signature_is_trimmed_and_keeps_its_transparency(client: Any, ctx: Any) -> None:
    import io

    from PIL import Image, ImageDraw

    http = _practitioner_http(client, staff_of(SHENWEI, "一级注册消防工程师")[0])
    canvas = Image.new("RGBA", (900, 500), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).line([(300, 200), (420, 260), (560, 210)], fill=(0, 0, 0, 255), width=6)
    png = io.BytesIO()
    canvas.save(png, "PNG")
    r = http.upload("/api/v1/practitioners/me/signature", "signature", png.getvalue(), "sign.png", "put")
    assert r.status_code == 200 and r.get_json()["signature_uploaded"] is True
    stored = Image.open(io.BytesIO(http.get("/api/v1/practitioners/me/signature").data))
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert 260 < stored.width < 290 and 60 < stored.height < 90  # the stroke plus an 8 px margin
    assert stored.getpixel((0, 0))[3] == 0 and max(stored.getchannel("A").getdata()) == 255

    empty = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(empty, "PNG")
    r = http.upload("/api/v1/practitioners/me/signature", "signature", empty.getvalue(), "e.png", "put")
    assert r.status_code == 422 and r.get_json()["code"] == "signature_empty"


# --- public directory ------------------------------------------------------------------------------------


@pytest.mark.registry_data
def test_public_directory_shows_no_personal_data(client: Any, ctx: Any) -> None:
    shenwei = verified_org(SHENWEI)
    verified_org(YAOAN)
    registered = Http(client, make_user()).post("/api/v1/orgs", json=registration_body("91310120MA1U1CHE72"))
    assert registered.status_code == 201  # a draft is not public
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    login = practitioner(person)
    employ(shenwei, login, "technical_lead")
    from backend.modules.realname import services
    from tests.builders.accounts import actor_of

    row = db.session.scalar(sa.select(Practitioner))
    services.approve_alternative_identity(actor_of(supervisor(XUHUI)), row.id, "in_person_id_card", None)

    public = Http(client, None)
    everything = public.get("/api/v1/public/orgs").get_json()["items"]
    assert sorted(o["credit_code"] for o in everything) == sorted([SHENWEI, YAOAN])
    text = public.get("/api/v1/public/orgs").get_data(as_text=True)
    assert "legal_rep" not in text and legal_rep_of(SHENWEI).name not in text
    assert [
        o["credit_code"]
        for o in public.get("/api/v1/public/orgs", query_string={"district_code": HUANGPU}).get_json()["items"]
    ] == [YAOAN]
    assert [
        o["credit_code"]
        for o in public.get("/api/v1/public/orgs", query_string={"type": "assessment"}).get_json()["items"]
    ] == [SHENWEI]
    assert [
        o["credit_code"]
        for o in public.get("/api/v1/public/orgs", query_string={"credit_code": SHENWEI[:10]}).get_json()["items"]
    ] == [SHENWEI]
    people = public.get("/api/v1/public/practitioners", query_string={"org_id": shenwei.org_id}).get_json()["items"]
    assert people == [
        {
            "id": row.id,
            "name_masked": person.name[0] + "*" * (len(person.name) - 2) + person.name[-1]
            if len(person.name) > 2
            else person.name[0] + "*",
            "certificate_kinds": ["engineer_1"],
            "certificate_names": ["一级注册消防工程师"],
        }
    ]
    assert person.name not in public.get("/api/v1/public/practitioners").get_data(as_text=True)
    assert public.get(f"/api/v1/public/orgs/{shenwei.org_id}").get_json()["name"] == "上海申卫消防安全评估有限公司"


# --- org admins ------------------------------------------------------------------------------------------


def test_org_admins_invite_more_admins_by_phone(client: Any, ctx: Any) -> None:
    setup = verified_org(SHENWEI)
    admin = Http(client, setup.legal_rep)
    base = f"/api/v1/orgs/{setup.org_id}/admins"
    r = admin.post(base, json={"phone": "13912345678", "name": "李管理"})
    assert r.status_code == 201 and r.get_json()["phone_masked"] == "139****5678"
    assert admin.post(base, json={"phone": "13912345678"}).get_json()["code"] == "org_admin_exists"
    tokens = sms_login(client, "13912345678")  # the first login finds the role waiting
    new_admin = Http(client, relogin("13912345678"))
    assert {r["role"] for r in tokens["user"]["roles"]} == {"org_admin"}
    assert new_admin.get(f"/api/v1/orgs/{setup.org_id}").status_code == 200
    admins = admin.get(base).get_json()
    assert sorted((a["is_legal_rep"], a["display_name"]) for a in admins)[0] == (False, "李管理")
    r = new_admin.delete(f"{base}/{setup.legal_rep.user_id}")
    assert r.status_code == 409 and r.get_json()["code"] == "cannot_remove_legal_rep"
    assert admin.delete(f"{base}/{new_admin.login.user_id}").status_code == 204  # type: ignore[union-attr]
    assert Http(client, relogin("13912345678")).get(f"/api/v1/orgs/{setup.org_id}").status_code == 403
