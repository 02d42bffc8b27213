"""The warning rules against a month of activity: clean data raises nothing, one anomaly per rule raises exactly
the expected (rule, subject) pairs, scans are idempotent, and each warning carries its evidence, notifies the
jurisdiction and the organisation, and is on the timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import db
from backend.core.errors import ValidationFailed
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import SHANGHAI, utcnow
from backend.modules.monitoring.models import MonitoringWarning, WarningNotification
from backend.modules.monitoring.sqlutil import first_day
from backend.modules.monitoring.warnings import RULES
from backend.modules.monitoring.warnings.engine import day_window, scan
from tests.builders.accounts import actor_of
from tests.builders.media import face_photo
from tests.builders.places import place
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
    from tests.builders.accounts import actor_of, make_user

    world = clean_month()
    one_anomaly_per_rule(world)
    corps = actor_of(make_user(roles=("corps_admin",)))
    update_rule(corps, "low_rating", {"enabled": False, "note": "试运行期间暂停"})
    result = scan(_window(world))
    assert "low_rating" not in result.rules
    assert "low_rating" not in {rule for rule, _, _ in _raised()}


def test_a_changed_threshold_applies_and_is_recorded_on_the_warning(ctx: Any) -> None:
    from backend.modules.monitoring.warnings.settings import update_rule
    from tests.builders.accounts import actor_of, make_user
    from tests.monitoring.builders import make_feedback

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
    form = projects.check_in_form(place("人民广场"))
    with pytest.raises(ValidationFailed) as refused:
        checkin.check_in(actor_of(lead.login), project_id, form, face_photo("biden.jpg"))
    assert refused.value.code == "check_in_rejected"
    visit_id = refused.value.details["visit_id"]
    result = services.after_new_events()
    assert result["scan"]["raised"] == 1
    warning = db.session.scalar(sa.select(MonitoringWarning))
    assert (warning.rule, warning.subject_id) == ("face_mismatch", lead.id)
    assert warning.evidence["visit_ids"] == [visit_id]
    assert result["scored"]["practitioner"] >= 1


def test_periodic_scan_covers_the_days_since_it_last_ran(ctx: Any) -> None:
    from backend.modules.monitoring.warnings.engine import periodic_scan
    from backend.modules.projects.services.checkin_rules import Finding
    from tests.monitoring.builders import make_person, make_visit

    world = clean_month()
    person = make_person(world.org, "孙立新", position="operator", cert="operator")
    first = periodic_scan()
    assert not first.raised
    # refused just now, after the first scan (a fixed hour of "today" may still lie ahead just after midnight)
    make_visit(world.project, person, utcnow(), status="rejected", reasons=[Finding("outside_geofence")])
    second = periodic_scan(utcnow() + timedelta(minutes=1))
    assert [db.session.get(MonitoringWarning, i).rule for i in second.raised] == ["outside_geofence"]


def test_values_just_inside_every_threshold_raise_nothing(ctx: Any) -> None:
    """Clean data at the edge of each threshold, and findings no rule is about, raise no warning: the rules
    compare with the thresholds as written (more than five sites, less than the required minutes, a rating of
    two or less, within thirty days, after the due day, after the tolerance window)."""
    from backend.core.timeutil import today
    from backend.modules.monitoring.models import MonthlyReport
    from backend.modules.monitoring.sqlutil import last_day, month_key, shift_month
    from backend.modules.monitoring.warnings.reports import due_date
    from backend.modules.projects.services.checkin_rules import Finding
    from tests.monitoring.builders import (
        make_feedback,
        make_org,
        make_person,
        make_plan,
        make_project,
        make_record,
        make_visit,
    )

    world = clean_month()
    org = world.org
    # five buildings in one day (the limit is "more than five"), each visit long enough for its building
    busy = make_person(org, "周一鸣", position="operator", cert="operator")
    for index in range(5):
        site = make_project(org, busy, month=world.month, index=1 + index, service_type="testing", area=None)
        make_visit(site, busy, at(world.day(14), 8 + index), minutes=50)
    # exactly the required time in an 8,000 m² building: max(8,000 / 10,000 × 15, 20) = 20 minutes
    exact = make_person(org, "钱多多", position="operator", cert="operator")
    make_visit(world.project, exact, at(world.day(12), 15), minutes=20)
    # flags that no warning rule is about
    careful = make_person(org, "孙立新", position="operator", cert="operator")
    make_visit(
        world.project,
        careful,
        at(world.day(13), 9),
        flags=[Finding("poor_accuracy", {"accuracy_m": 120}), Finding("late_submission", {"minutes": 90})],
    )
    # a rating of 3 (the threshold is 2), and a feedback left unanswered (expired, not disputed)
    make_feedback(world.project, world.month, rating=3, responded_at=at(world.day(21), 10))
    make_feedback(world.project, world.month, status="expired", rating=None, responded_at=None)
    # a certificate expiring in 31 days (the warning looks 30 days ahead)
    make_person(org, "吴海燕", position="engineer", cert="engineer_2", expires_on=today() + timedelta(days=31))
    # a monthly item done on the last day of its tolerance window (7 days after the month)
    late_but_in = make_project(org, world.lead, month=world.month, index=7)
    (item,) = make_plan(late_but_in, world.month, (("hydrant", "HY-MONTH", "室内消火栓检查", "monthly"),))
    edge = last_day(world.month) + timedelta(days=7)
    make_record(make_visit(late_but_in, world.lead, at(edge, 16)), item, world.month, at(edge, 17))
    # a report submitted on its due day
    punctual = make_org(org.row.district_code, verified_at=at(world.day(1), 9) - timedelta(days=200))
    previous = shift_month(month_key(today()), -1)
    for month in (world.month, shift_month(world.month, 1), previous):
        if db.session.scalar(
            sa.select(MonthlyReport.id).where(MonthlyReport.org_id == punctual.id, MonthlyReport.month == month)
        ):
            continue
        due = due_date(month, 10)
        db.session.add(
            MonthlyReport(
                org_id=punctual.id,
                month=month,
                status="submitted",
                figures={"org": {"name": punctual.row.name}, "plan": {"due": 0, "done": 0}, "plan_projects": []},
                compiled_at=at(first_day(shift_month(month, 1)), 1),
                due_on=due,
                submitted_at=min(at(due, 23, 30), utcnow()),
                submitted_by=punctual.admin.user_id,
                district_code=punctual.row.district_code,
            )
        )
    db.session.commit()

    result = scan(_window(world))
    assert result.errors == {}
    assert _raised() == set()


@pytest.mark.parametrize(
    ("day", "month"),
    [
        (date(2027, 2, 1), "2026-12"),  # the 1st: January is not yet due, December is
        (date(2027, 2, 10), "2026-12"),  # the due day itself still belongs to the organisation
        (date(2027, 2, 11), "2027-01"),
        (date(2027, 1, 5), "2026-11"),  # across the year end
        (date(2028, 2, 29), "2028-01"),
        (date(2028, 3, 1), "2028-01"),
    ],
)
def test_monthly_report_late_judges_the_latest_month_whose_deadline_has_passed(day: date, month: str) -> None:
    from backend.modules.monitoring.warnings.reports import last_month_due

    assert last_month_due(day, 10) == month


def test_monthly_report_late_is_raised_between_the_1st_and_the_due_day(ctx: Any, clock: Any) -> None:
    """A report still missing from the month before last is raised on the 5th too (it used to wait for the 11th,
    when the rule moved on to last month and never judged that one again)."""
    from backend.modules.monitoring.warnings.engine import day_window, scan
    from tests.builders.places import PUDONG
    from tests.monitoring.builders import make_org

    clock.move_to(datetime(2027, 3, 5, 9, 0, tzinfo=SHANGHAI))
    org = make_org(PUDONG, verified_at=datetime(2026, 11, 20, tzinfo=SHANGHAI))
    now = utcnow()
    result = scan(day_window(now - timedelta(hours=1), now), ["monthly_report_late"])
    [warning] = [db.session.get(MonitoringWarning, i) for i in result.raised]
    assert (warning.rule, warning.subject_id) == ("monthly_report_late", org.id)
    assert "2027-01" in warning.summary and "2027-02-10" in warning.summary
