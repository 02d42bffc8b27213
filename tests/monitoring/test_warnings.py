"""The warning rules against a month of activity: clean data raises nothing, one anomaly per rule raises exactly
the expected (rule, subject) pairs, scans are idempotent, and each warning carries its evidence, notifies the
jurisdiction and the organisation, and is on the timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import db
from backend.core.errors import ValidationFailed
from backend.core.timeutil import utcnow
from backend.modules.lifecycle.models import TimelineEvent
from backend.modules.monitoring.models import MonitoringWarning, WarningNotification
from backend.modules.monitoring.sqlutil import first_day
from backend.modules.monitoring.warnings import RULES
from backend.modules.monitoring.warnings.engine import day_window, scan
from tests.monitoring.builders import at, clean_month, one_anomaly_per_rule


def _window(world: Any) -> Any:
    return day_window(at(first_day(world.month), 0), utcnow())


def _raised() -> set[tuple[str, str, int]]:
    return {(w.rule, w.subject_kind, w.subject_id) for w in db.session.scalars(sa.select(MonitoringWarning))}


def test_a_clean_month_raises_no_warning(ctx: Any) -> None:
    world = clean_month()
    result = scan(_window(world))
    assert result.errors == {}
    assert sorted(result.rules) == sorted(RULES)
    assert _raised() == set()


def test_one_anomaly_per_rule_raises_exactly_the_expected_warnings(ctx: Any) -> None:
    world = clean_month()
    expected = one_anomaly_per_rule(world)
    assert {rule for rule, _, _ in expected} == set(RULES), "every rule has its anomaly"
    result = scan(_window(world))
    assert result.errors == {}
    assert _raised() == expected


def test_a_second_scan_raises_nothing_new(ctx: Any) -> None:
    world = clean_month()
    one_anomaly_per_rule(world)
    first = scan(_window(world))
    again = scan(_window(world))
    assert first.raised and not again.raised and not again.updated
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MonitoringWarning)) == len(first.raised)


def test_each_warning_names_its_evidence_and_is_on_the_timeline(ctx: Any) -> None:
    world = clean_month()
    one_anomaly_per_rule(world)
    scan(_window(world))
    warnings = list(db.session.scalars(sa.select(MonitoringWarning)))
    for warning in warnings:
        assert warning.status == "open" and warning.summary
        assert any(ids for ids in warning.evidence.values()), warning.rule
    events = {
        e.data["warning_id"]: e
        for e in db.session.scalars(sa.select(TimelineEvent).where(TimelineEvent.kind == "warning.raised"))
    }
    assert set(events) == {w.id for w in warnings}
    for warning in warnings:
        expected = "org" if RULES[warning.rule].org_visible else "supervisor"
        assert events[warning.id].visibility == expected
    face = next(w for w in warnings if w.rule == "face_mismatch")
    assert face.district_code == "310104" and face.org_id == world.org.id and len(face.evidence["visit_ids"]) == 1


def test_the_jurisdiction_and_the_organisation_are_notified(ctx: Any) -> None:
    world = clean_month()
    one_anomaly_per_rule(world)
    scan(_window(world))
    warnings = {w.rule: w for w in db.session.scalars(sa.select(MonitoringWarning))}

    def recipients(rule: str) -> set[int]:
        return set(
            db.session.scalars(
                sa.select(WarningNotification.user_id).where(WarningNotification.warning_id == warnings[rule].id)
            )
        )

    assert recipients("face_mismatch") == {world.supervisor.user_id, world.org.admin.user_id}
    # 挂证 findings stay with the supervisors while they investigate
    assert recipients("certificate_two_orgs") == {world.supervisor.user_id}


def test_new_evidence_joins_the_open_warning_of_the_same_day(ctx: Any) -> None:
    from backend.modules.projects.services.checkin_rules import Finding
    from tests.monitoring.builders import make_person, make_visit

    world = clean_month()
    person = make_person(world.org, "孙立新", position="operator", cert="operator")
    make_visit(world.project, person, at(world.day(6), 9), status="rejected", reasons=[Finding("face_mismatch")])
    scan(_window(world), ["face_mismatch"])
    second = make_visit(
        world.project, person, at(world.day(6), 11), status="rejected", reasons=[Finding("face_mismatch")]
    )
    result = scan(_window(world), ["face_mismatch"])
    warning = db.session.scalar(sa.select(MonitoringWarning))
    assert result.updated == [warning.id] and not result.raised
    assert second.id in warning.evidence["visit_ids"] and len(warning.evidence["visit_ids"]) == 2
    assert "2次" in warning.summary


def test_a_disabled_rule_does_not_run(ctx: Any) -> None:
    from backend.modules.monitoring.warnings.settings import update_rule
    from tests.factories import make_user
    from tests.monitoring.builders import actor_of

    world = clean_month()
    one_anomaly_per_rule(world)
    corps = actor_of(make_user(roles=("corps_admin",)))
    update_rule(corps, "low_rating", {"enabled": False, "note": "试运行期间暂停"})
    result = scan(_window(world))
    assert "low_rating" not in result.rules
    assert "low_rating" not in {rule for rule, _, _ in _raised()}


def test_a_changed_threshold_applies_and_is_recorded_on_the_warning(ctx: Any) -> None:
    from backend.modules.monitoring.warnings.settings import update_rule
    from tests.factories import make_user
    from tests.monitoring.builders import actor_of, make_feedback

    world = clean_month()
    make_feedback(world.project, world.month, rating=3, responded_at=at(world.day(21), 10))
    assert not scan(_window(world), ["low_rating"]).raised
    corps = actor_of(make_user(roles=("corps_admin",)))
    view = update_rule(corps, "low_rating", {"thresholds": {"max_rating": 3}, "note": "2026年起3分以下即预警"})
    assert view.settings.version == 1 and view.settings["max_rating"] == 3
    result = scan(_window(world), ["low_rating"])
    warning = db.session.get(MonitoringWarning, result.raised[0])
    assert warning.rule_version == 1 and warning.subject_id == world.project.id


def test_event_scan_turns_a_refused_check_in_into_a_warning_within_the_minute(ctx: Any) -> None:
    """The real check-in service refuses a face that is not the practitioner's; the event scan, which reads
    only the new timeline events, raises the warning."""
    from backend.modules.monitoring import services
    from backend.modules.projects.services import checkin
    from tests.projects import builders as projects

    org = projects.make_org()
    lead = projects.make_practitioner(org.id, face="obama.jpg")
    project_id = projects.make_project(org, lead)
    services.after_new_events()  # a first run starts from the newest event
    form = projects.check_in_form(projects.place("人民广场"))
    with pytest.raises(ValidationFailed) as refused:
        checkin.check_in(projects.actor_of(lead.login), project_id, form, projects.face_bytes("biden.jpg"))
    assert refused.value.code == "check_in_rejected"
    visit_id = refused.value.details["visit_id"]
    result = services.after_new_events()
    assert result["scan"]["raised"] == 1
    warning = db.session.scalar(sa.select(MonitoringWarning))
    assert (warning.rule, warning.subject_id) == ("face_mismatch", lead.id)
    assert warning.evidence["visit_ids"] == [visit_id]
    assert result["scored"]["practitioner"] >= 1


def test_periodic_scan_covers_the_days_since_it_last_ran(ctx: Any) -> None:
    from backend.core.timeutil import today
    from backend.modules.monitoring.warnings.engine import periodic_scan
    from backend.modules.projects.services.checkin_rules import Finding
    from tests.monitoring.builders import make_person, make_visit

    world = clean_month()
    person = make_person(world.org, "孙立新", position="operator", cert="operator")
    first = periodic_scan()
    assert not first.raised
    make_visit(world.project, person, at(today(), 0, 5), status="rejected", reasons=[Finding("outside_geofence")])
    second = periodic_scan(utcnow() + timedelta(minutes=1))
    assert [db.session.get(MonitoringWarning, i).rule for i in second.raised] == ["outside_geofence"]
