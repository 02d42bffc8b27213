"""Supervision rules called as services: the regulation tables, the random draw, notification fallback,
the alternative identity check, expiry in batches, inspection follow-up transitions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.access import Actor, Role
from backend.core.db import db
from backend.core.errors import Conflict, ValidationFailed
from backend.core.timeutil import utcnow
from backend.modules.supervision import inspections, rules, spot_checks
from backend.modules.supervision.models import SpotCheck
from tests.builders.accounts import supervisor
from tests.builders.media import face_photo
from tests.builders.places import HUANGPU, XUHUI
from tests.supervision import builders as b


def _supervisor(jurisdiction: str = XUHUI, *permissions: str) -> Actor:
    login = supervisor(jurisdiction, permissions=permissions)
    return Actor(
        login.user_id, frozenset({Role.SUPERVISOR}), jurisdiction=jurisdiction, permissions=frozenset(permissions)
    )


def _practitioner(person: b.Person) -> Actor:
    return Actor(person.login.user_id, frozenset({Role.PRACTITIONER}))


def _answer(person: b.Person, check: SpotCheck, photo: str, **overrides: Any) -> SpotCheck:
    lng, lat = b.gcj02_at(check.project)
    data = {"photo": face_photo(photo), "lng": lng, "lat": lat, "crs": "gcj02", "accuracy_m": 10.0, **overrides}
    return spot_checks.answer_spot_check(_practitioner(person), check.id, data)


def test_every_checklist_item_points_to_a_penalty_article() -> None:
    assert len(rules.checklist_for("unit")) == 8 and len(rules.checklist_for("special")) == 14
    for item in rules.checklist_for("special"):
        assert item.penalty_basis in rules.PENALTY_BASES
    codes = [item.code for item in rules.checklist_for("special")]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("basis", "subject", "inside", "outside"),
    [
        ("art26", "organization", [20_000, 30_000], [19_999, 30_001]),
        ("art27", "organization", [10_000, 20_000], [9_999, 20_001]),
        ("art27", "practitioner", [5_000, 10_000], [4_999, 10_001]),
        ("art28", "organization", [1, 10_000], [0, 10_001]),
        ("art30", "organization", [1, 5_000], [0, 5_001]),
        ("art29", "organization", [50_000, 100_000], [49_999, 100_001]),
    ],
)
def test_amount_ranges_of_the_articles(basis: str, subject: str, inside: list[int], outside: list[int]) -> None:
    allowed = rules.amount_range(rules.PENALTY_BASES[basis], subject)
    assert allowed is not None
    assert all(allowed.contains(amount) for amount in inside)
    assert not any(allowed.contains(amount) for amount in outside)


def test_articles_26_28_and_30_do_not_fine_a_person() -> None:
    for code in ("art26", "art28", "art30"):
        assert rules.amount_range(rules.PENALTY_BASES[code], "practitioner") is None


def test_random_draw_takes_the_share_rounded_up_and_at_least_one(ctx: Any) -> None:
    population = list(range(23))
    assert len(spot_checks._draw(population, 10, None)) == 3  # type: ignore[arg-type]
    assert len(spot_checks._draw(population, 1, None)) == 1  # type: ignore[arg-type]
    assert len(spot_checks._draw(population, 100, 5)) == 5  # type: ignore[arg-type]
    drawn = spot_checks._draw(population, 50, None)  # type: ignore[arg-type]
    assert len(set(drawn)) == len(drawn) == 12


def test_sms_is_sent_when_wechat_refuses_the_subscribe_message(ctx: Any) -> None:
    from backend.core.outbox import OutboxMessage

    org = b.make_org(XUHUI)
    person = b.make_practitioner("吴敏", openid="not-a-wechat-openid", org=org)
    visit = b.make_visit(b.make_project(org), person)
    check = spot_checks.issue_spot_check(_supervisor(), visit.id, None)

    db.session.refresh(check)
    assert check.notified_via == "sms"
    assert check.notify_error == "wechat_errcode_40003"  # WeChat: invalid openid
    channels = [m.channel for m in db.session.scalars(sa.select(OutboxMessage))]
    assert channels == ["sms"]


def test_approved_alternative_identity_answers_without_face_matching(ctx: Any) -> None:
    org = b.make_org(XUHUI)
    person = b.make_practitioner("郑红", face=None, org=org)
    person.practitioner.alt_identity_approved_at = utcnow()
    db.session.commit()
    check = spot_checks.issue_spot_check(_supervisor(), b.make_visit(b.make_project(org), person).id, 20)

    answered = _answer(person, check, "biden.jpg", accuracy_m=180.0)
    assert answered.status == "passed"
    assert answered.identity_method == "alternative" and answered.face_passed is None
    assert answered.flags == ["poor_accuracy", "alternative_identity"]


def test_answer_without_enrolled_face_or_alternative_is_refused(ctx: Any) -> None:
    org = b.make_org(XUHUI)
    person = b.make_practitioner("冯刚", face=None, org=org)
    check = spot_checks.issue_spot_check(_supervisor(), b.make_visit(b.make_project(org), person).id, None)
    with pytest.raises(ValidationFailed) as refused:
        _answer(person, check, "obama2.jpg")
    assert refused.value.code == "face_not_enrolled"
    assert db.session.get(SpotCheck, check.id).status == "issued"


def test_expiry_closes_every_overdue_check_in_batches(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spot_checks, "EXPIRY_BATCH", 2)
    org = b.make_org(XUHUI)
    actor = _supervisor()
    ids = []
    for i in range(5):
        visit = b.make_visit(b.make_project(org, index=i), b.make_practitioner(f"员工{i}", org=org))
        ids.append(spot_checks.issue_spot_check(actor, visit.id, None).id)
    db.session.execute(
        sa.update(SpotCheck).where(SpotCheck.id.in_(ids[:4])).values(deadline_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    assert spot_checks.expire_overdue() == 4
    statuses = dict(db.session.execute(sa.select(SpotCheck.id, SpotCheck.status)).all())
    assert [statuses[i] for i in ids] == ["expired"] * 4 + ["issued"]
    assert spot_checks.expire_overdue() == 0


def test_case_filed_inspection_closes_only_through_a_case_decision(ctx: Any) -> None:
    org = b.make_org(XUHUI)
    project = b.make_project(org)
    actor = _supervisor(XUHUI, "issue_penalties")
    lng, lat = b.gcj02_at(project)
    inspection = inspections.record_inspection(
        actor,
        {
            "project_id": project.id,
            "checklist": b.full_checklist(failing={"contract": "未签订书面合同"}),
            "location": {"lng": lng, "lat": lat, "crs": "gcj02"},
            "result": "rectify",
            "rectification_deadline": (utcnow() + timedelta(days=7)).date(),
        },
    )
    inspections.add_follow_up(actor, inspection.id, {"outcome": "escalated", "note": "逾期未整改，立案"})
    with pytest.raises(Conflict) as refused:
        inspections.add_follow_up(actor, inspection.id, {"outcome": "rectified", "note": "补签合同"})
    assert refused.value.code == "inspection_follow_up_not_allowed"

    from backend.modules.supervision.penalties import issue_penalty

    penalty = issue_penalty(
        actor,
        {
            "decision_no": "沪消行罚决字〔2026〕0101号",
            "basis": "art28",
            "facts": "未与委托人签订书面合同",
            "subject_kind": "organization",
            "org_id": org.id,
            "inspection_id": inspection.id,
            "amount_yuan": 8_000,
            "decided_on": utcnow().date(),
            "is_public": True,
            "credit_points": 4,
        },
    )
    closed = inspections.add_follow_up(
        actor, inspection.id, {"outcome": "closed", "note": "已作出处罚决定", "penalty_id": penalty.id}
    )
    assert closed.status == "closed" and closed.closed_at is not None
    assert closed.follow_ups[-1].penalty_id == penalty.id


def test_inspection_time_may_not_be_in_the_future(ctx: Any) -> None:
    project = b.make_project(b.make_org(XUHUI))
    lng, lat = b.gcj02_at(project)
    data = {
        "project_id": project.id,
        "checklist": b.full_checklist(),
        "location": {"lng": lng, "lat": lat, "crs": "gcj02"},
        "result": "qualified",
        "inspected_at": utcnow() + timedelta(hours=2),
    }
    with pytest.raises(ValidationFailed) as refused:
        inspections.record_inspection(_supervisor(), data)
    assert refused.value.code == "inspection_time_in_future"


def test_demo_records_an_inspection_and_a_public_penalty_once(ctx: Any) -> None:
    from backend.modules.supervision import demo
    from backend.modules.supervision.models import Inspection, Penalty

    assert demo.load() == []  # no project yet: nothing to inspect
    project = b.make_project(b.make_org(HUANGPU))
    supervisor(HUANGPU, permissions=("issue_penalties",))
    assert len(demo.load()) == 1
    assert demo.load() == []
    penalty = db.session.scalars(sa.select(Penalty)).one()
    assert (penalty.org_id, penalty.is_public, penalty.basis) == (project.org_id, True, "art30")
    assert db.session.scalars(sa.select(Inspection)).one().status == "rectifying"


def test_two_supervisors_issuing_at_once_leave_one_pending_check(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    org = b.make_org(XUHUI)
    visit = b.make_visit(b.make_project(org), b.make_practitioner("何静", org=org))
    spot_checks.issue_spot_check(_supervisor(), visit.id, None)
    # The second request read "no pending check" before the first committed: the unique index decides.
    monkeypatch.setattr(spot_checks, "_pending_exists", lambda: sa.exists(sa.select(SpotCheck.id).where(sa.false())))
    with pytest.raises(Conflict) as refused:
        spot_checks.issue_spot_check(_supervisor(), visit.id, None)
    assert refused.value.code == "spot_check_pending"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpotCheck)) == 1
