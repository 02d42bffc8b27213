"""Realname rules at the service level: practice conditions, the daily re-evaluation, the biometric job's
handling of its photo, outside systems that cannot answer, signature trimming, organisation states."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from backend.adapters.registry import RegistryError
from backend.bootstrap import adapters
from backend.core.db import db
from backend.core.errors import Conflict, Forbidden, ValidationFailed
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import today as shanghai_today
from backend.core.timeutil import utcnow
from backend.modules.realname import services
from backend.modules.realname.conditions import RULESETS, evaluate, ruleset_for
from backend.modules.realname.models import Certificate, Employment, FaceEnrolment, Organization, Practitioner
from backend.modules.realname.signature import trim_signature
from tests.builders.accounts import actor_of, supervisor
from tests.builders.media import face_photo
from tests.builders.places import XUHUI
from tests.realname.builders import (
    SHENWEI,
    YAOAN,
    consent,
    employ,
    practitioner,
    practitioner_row,
    registered_org,
    staff_of,
    verified_org,
)


def _org(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    assert org is not None
    return org


def _unmet(org_id: int, on: date | None = None) -> list[str]:
    return [c.key for c in evaluate(_org(org_id), on).unmet]


def _staff_yaoan() -> Any:
    """上海耀安 (黄浦, 维护保养检测) with its real staff: 一级 and 二级 engineers, seven operators."""
    setup = verified_org(YAOAN)
    engineers = staff_of(YAOAN, "一级注册消防工程师") + staff_of(YAOAN, "二级注册消防工程师")
    logins = {}
    for index, person in enumerate(engineers):
        logins[person.name] = practitioner(person)
        employ(setup, logins[person.name], "technical_lead" if index == 0 else "project_lead")
    for person in staff_of(YAOAN, "消防设施操作员"):
        logins[person.name] = practitioner(person)
        employ(setup, logins[person.name], "operator")
    return setup, logins


# --- rule sets ------------------------------------------------------------------------------------------


def test_the_rule_set_in_force_depends_on_the_date() -> None:
    assert ruleset_for(date(2021, 5, 20)).key == "2019-88"
    with pytest.raises(LookupError):
        ruleset_for(date(2019, 8, 28))
    both = RULESETS["2019-88"].thresholds_for(["maintenance_testing", "assessment"])
    assessment = RULESETS["2019-88"].thresholds_for(["assessment"])
    assert (both.min_area_m2, both.min_operators, both.min_operators_intermediate) == (200, 6, 2)
    assert set(both.equipment) == {"basic", "maintenance_testing", "assessment"}
    assert set(both.documents) == {"quality_system", "assessment_control"}
    assert (assessment.min_area_m2, assessment.min_operators) == (100, 0)


@pytest.mark.registry_data
def test_a_maintenance_organisation_with_its_real_staff_meets_the_conditions(ctx: Any) -> None:
    setup, _ = _staff_yaoan()
    report = evaluate(_org(setup.org_id))
    assert report.met, [(c.key, c.required, c.actual) for c in report.unmet]
    actual = {c.key: c.actual for c in report.conditions}
    assert actual["engineers"] == 2 and actual["engineers_level_1"] == 1
    assert actual["operators"] == 7 and actual["operators_intermediate"] == 6
    assert _org(setup.org_id).conditions_met is True


@pytest.mark.registry_data
def test_area_equipment_calibration_and_documents_count(ctx: Any) -> None:
    setup, _ = _staff_yaoan()
    org = _org(setup.org_id)
    assert _unmet(org.id) == []
    services.update_organization(actor_of(setup.legal_rep), org.id, workplace_area_m2=150)
    assert _unmet(org.id) == ["workplace_area"] and _org(org.id).conditions_met is False
    services.update_organization(actor_of(setup.legal_rep), org.id, workplace_area_m2=200)
    # a testing instrument whose calibration has lapsed does not count
    lapsed = shanghai_today() - timedelta(days=1)
    services.replace_equipment(
        actor_of(setup.legal_rep),
        org.id,
        [
            {"category": "basic", "name": "激光测距仪", "quantity": 1, "calibration_due": None},
            {"category": "maintenance_testing", "name": "数字声级计", "quantity": 1, "calibration_due": lapsed},
        ],
    )
    report = evaluate(_org(org.id))
    [equipment] = report.unmet
    assert equipment.key == "equipment_maintenance_testing" and equipment.actual == 0
    assert equipment.detail == "检定/校准已过期：数字声级计"
    # the same declaration judged the day before the lapse
    assert _unmet(org.id, lapsed) == []
    org = _org(org.id)
    org.quality_system_file_id = None
    assert _unmet(org.id, lapsed) == ["document_quality_system"]


@pytest.mark.registry_data
def test_the_technical_lead_must_be_a_level_1_engineer(ctx: Any) -> None:
    setup, _logins = _staff_yaoan()
    lead = db.session.scalar(
        sa.select(Employment).where(Employment.org_id == setup.org_id, Employment.position == "technical_lead")
    )
    assert lead is not None
    services.change_position(actor_of(setup.legal_rep), setup.org_id, lead.id, "engineer")
    assert _unmet(setup.org_id) == ["technical_lead"]
    second_level = db.session.scalar(
        sa.select(Employment).where(Employment.org_id == setup.org_id, Employment.position == "project_lead")
    )
    assert second_level is not None
    services.change_position(actor_of(setup.legal_rep), setup.org_id, second_level.id, "technical_lead")
    assert _unmet(setup.org_id) == ["technical_lead"]  # a 二级 engineer cannot be the technical lead


@pytest.mark.registry_data
def test_an_engineer_counts_only_where_registered(ctx: Any) -> None:
    setup, _ = _staff_yaoan()
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.kind == "engineer_2"))
    assert cert is not None
    cert.registered_org_credit_code = SHENWEI
    db.session.flush()
    assert _unmet(setup.org_id) == ["engineers"]


@pytest.mark.registry_data
def test_daily_recheck_expires_certificates_and_marks_the_organisation(ctx: Any) -> None:
    setup, _ = _staff_yaoan()
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.kind == "engineer_1"))
    assert cert is not None
    cert.expires_on = shanghai_today() - timedelta(days=1)
    db.session.commit()
    result = services.daily_recheck()
    assert result["certificates_expired"] == 1 and result["organizations_checked"] == 1
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).status == "expired"  # type: ignore[union-attr]
    org = _org(setup.org_id)
    assert org.conditions_met is False and org.conditions_ruleset == "2019-88"
    kinds = db.session.scalars(sa.select(TimelineEvent.kind).order_by(TimelineEvent.id.desc()).limit(2)).all()
    assert kinds == ["org.conditions_unmet", "certificate.expired"]
    unmet = db.session.scalars(
        sa.select(TimelineEvent).where(TimelineEvent.kind == "org.conditions_unmet").order_by(TimelineEvent.id.desc())
    ).first()
    assert unmet is not None and set(unmet.data["unmet"]) == {"engineers", "engineers_level_1", "technical_lead"}
    # nothing changed since: a second run records nothing new
    before = db.session.scalar(sa.select(sa.func.count()).select_from(TimelineEvent))
    services.daily_recheck()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TimelineEvent)) == before


# --- the biometric job ---------------------------------------------------------------------------------


def _pending_enrolment(login: Any, requested_at: Any = None) -> FaceEnrolment:
    row = FaceEnrolment(
        practitioner_id=practitioner_row(login).id,
        status="pending",
        photo=face_photo("obama.jpg"),
        requested_at=requested_at or utcnow(),
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.registry_data
def test_an_engine_failure_keeps_the_photo_for_the_retry(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    login = practitioner(staff_of(SHENWEI, "一级注册消防工程师")[0])
    consent(login)
    row = _pending_enrolment(login)

    def broken(photo: bytes) -> Any:
        raise RuntimeError("dlib crashed")

    monkeypatch.setattr(adapters().face, "enrol", broken)
    with pytest.raises(RuntimeError):
        services.process_face_enrolment(row.id)
    db.session.expire_all()
    kept = db.session.get(FaceEnrolment, row.id)
    assert kept is not None and kept.status == "pending" and kept.photo == face_photo("obama.jpg")
    monkeypatch.undo()
    done = services.process_face_enrolment(row.id)
    assert done.status == "enrolled" and done.photo is None
    assert services.process_face_enrolment(row.id).status == "enrolled"  # idempotent


@pytest.mark.registry_data
def test_stale_photos_are_purged_and_withdrawal_drops_pending_ones(ctx: Any) -> None:
    login = practitioner(staff_of(SHENWEI, "一级注册消防工程师")[0])
    consent(login)
    stale = _pending_enrolment(login, utcnow() - timedelta(days=2))
    fresh = _pending_enrolment(login)
    assert services.purge_stale_enrolment_photos() == 1
    db.session.expire_all()
    purged = db.session.get(FaceEnrolment, stale.id)
    assert purged is not None and purged.photo is None and purged.fail_reason == "face_engine_error"
    services.withdraw_biometric_consent(actor_of(login))
    db.session.expire_all()
    dropped = db.session.get(FaceEnrolment, fresh.id)
    assert dropped is not None and dropped.photo is None and dropped.fail_reason == "biometric_consent_withdrawn"
    assert db.session.execute(sa.text("SELECT count(*) FROM face_enrolments WHERE photo IS NOT NULL")).scalar() == 0


# --- outside systems that cannot answer ------------------------------------------------------------------


def test_submission_survives_an_unreachable_registry(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    setup = registered_org(SHENWEI)

    def down(credit_code: str) -> Any:
        raise RegistryError("registry_unavailable")

    monkeypatch.setattr(adapters().registry, "lookup_organization", down)
    org = services.submit_organization(actor_of(setup.legal_rep), setup.org_id)
    assert org.status == "submitted"
    assert [(n["source"], n["code"]) for n in org.registry_notes] == [("registry", "registry_unavailable")]
    assert "人工核对" in org.registry_notes[0]["message"]


@pytest.mark.registry_data
def test_a_certificate_stays_pending_while_the_registry_is_down(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    login = practitioner(person, declare=False)
    real = adapters().registry.lookup_certificates(id_number=person.id_number)[0]

    def down(**kwargs: Any) -> Any:
        raise RegistryError("registry_unavailable")

    monkeypatch.setattr(adapters().registry, "lookup_certificates", down)
    cert = services.declare_certificate(actor_of(login), kind="engineer_1", cert_no=real.cert_no)
    assert cert.status == "pending" and "稍后" in cert.check_notes[0]
    monkeypatch.undo()
    assert services.recheck_certificate(actor_of(login), cert.id).status == "valid"


# --- states ----------------------------------------------------------------------------------------------


def test_suspension_reinstatement_and_deregistration(ctx: Any) -> None:
    setup, _logins = _staff_yaoan()
    boss = actor_of(supervisor("310101"))
    with pytest.raises(ValidationFailed):
        services.suspend_organization(boss, setup.org_id, [])
    assert services.suspend_organization(boss, setup.org_id, ["现场检查发现虚假记录"]).status == "suspended"
    with pytest.raises(Conflict):
        services.suspend_organization(boss, setup.org_id, ["再次"])
    assert services.reinstate_organization(boss, setup.org_id, ["整改完成"]).status == "verified"
    admin = services.add_org_admin(actor_of(setup.legal_rep), setup.org_id, "13987654321", "王管理")
    from tests.builders.accounts import make_user

    with pytest.raises(Forbidden):
        services.deregister_organization(actor_of(make_user(phone="13987654321")), setup.org_id, "不再经营")
    assert admin.is_legal_rep is False
    org = services.deregister_organization(actor_of(setup.legal_rep), setup.org_id, "不再经营")
    assert org.status == "deregistered" and org.conditions_met is False
    statuses = set(db.session.scalars(sa.select(Employment.status).where(Employment.org_id == setup.org_id)))
    assert statuses == {"ended"}
    kinds = db.session.scalars(
        sa.select(TimelineEvent.kind).where(TimelineEvent.org_id == setup.org_id, TimelineEvent.visibility == "public")
    ).all()
    assert kinds == ["org.verified", "org.suspended", "org.reinstated", "org.deregistered"]


@pytest.mark.registry_data
def test_the_registry_must_know_the_person_under_that_name(ctx: Any) -> None:
    from tests.builders.accounts import make_user

    person = staff_of(SHENWEI, "一级注册消防工程师")[0]
    login = make_user()
    services.register_practitioner(actor_of(login), name="张冒名", id_number=person.id_number)
    row = db.session.scalar(sa.select(Practitioner))
    assert row is not None and row.registry_known is False
    assert row.registry_notes[0]["code"] == "registry_name_mismatch"
    services.approve_alternative_identity(actor_of(supervisor(XUHUI)), row.id, "in_person_id_card", None)
    assert db.session.get(Practitioner, row.id).identity_status == "unverified"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        services.register_practitioner(actor_of(make_user()), name=person.name, id_number=person.id_number)


# --- signature --------------------------------------------------------------------------------------------


def test_a_photographed_signature_loses_its_paper() -> None:
    paper = Image.new("RGB", (1000, 600), (236, 232, 224))
    ImageDraw.Draw(paper).line([(200, 300), (500, 340), (760, 280)], fill=(20, 20, 60), width=8)
    out = io.BytesIO()
    paper.save(out, "JPEG", quality=90)
    trimmed = Image.open(io.BytesIO(trim_signature(out.getvalue())))
    assert trimmed.mode == "RGBA" and trimmed.format == "PNG"
    assert 570 < trimmed.width < 600 and 70 < trimmed.height < 110
    assert trimmed.getpixel((2, 2))[3] == 0
    assert max(trimmed.getchannel("A").getdata()) == 255  # the ink stays fully opaque
    with pytest.raises(ValidationFailed) as refused:
        trim_signature(b"%PDF-1.4 not an image")
    assert refused.value.code == "signature_type_not_allowed"


def test_the_unique_index_refuses_a_racing_second_acceptance(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two acceptances at once both pass the check; the partial unique index refuses the second, which is
    then recorded like any other second employment."""
    from backend.modules.realname import employment as employment_module
    from backend.modules.realname.models import IntegrityEvidence
    from backend.modules.realname.queries import active_employment

    first, second = verified_org(SHENWEI), verified_org(YAOAN)
    login = practitioner(staff_of(YAOAN, "消防设施操作员")[0])
    employ(first, login, "operator")
    invitation = services.invite(actor_of(second.legal_rep), second.org_id, phone=login.phone, position="operator")
    calls = iter([None])
    monkeypatch.setattr(employment_module, "active_employment", lambda pid: next(calls, None) or active_employment(pid))
    with pytest.raises(Conflict) as refused:
        services.accept(actor_of(login), invitation.id)
    assert refused.value.code == "second_employment"
    evidence = db.session.scalars(sa.select(IntegrityEvidence)).all()
    assert [(e.kind, e.org_id) for e in evidence] == [("second_employment", second.org_id)]
    assert db.session.scalar(sa.select(sa.func.count()).where(Employment.status == "active")) == 1


def test_review_queue_pages_by_submission_time(ctx: Any) -> None:
    codes = [SHENWEI, "91310104MA1JJ1AH5Y", "91310000MA1ECB4M28"]  # three organisations of 徐汇
    ids = []
    for code in codes:
        setup = registered_org(code)
        services.submit_organization(actor_of(setup.legal_rep), setup.org_id)
        ids.append(setup.org_id)
    seen = []
    cursor = None
    reviewer = actor_of(supervisor(XUHUI))
    while True:
        page = services.review_queue(reviewer, limit=2, cursor=cursor)
        seen += [o.id for o in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(ids))
    assert services.review_queue(actor_of(supervisor("310101")), limit=10, cursor=None).items == []
