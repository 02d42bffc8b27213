"""Maintenance tracking, monthly reports (figures equal direct SQL counts; the PDF and XLSX open and say the
same), scores (the factors add up to the score) and the statistics' jurisdiction scoping."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from backend.core.db import UTCDateTime, db
from backend.core.errors import Conflict, Forbidden, ValidationFailed
from backend.core.timeutil import utcnow
from backend.modules.monitoring import reports, scores, stats, tracking
from backend.modules.monitoring.models import MonitoringWarning, MonthlyReport, Score
from backend.modules.monitoring.report_export import render_pdf, render_xlsx
from backend.modules.monitoring.sqlutil import first_day, month_span, shift_month
from backend.modules.projects.models import Defect
from tests.builders.accounts import actor_of, make_user
from tests.builders.places import HUANGPU, XUHUI
from tests.monitoring.builders import (
    at,
    clean_month,
    make_feedback,
    make_org,
    make_penalty,
    make_person,
    make_project,
    make_record,
    make_visit,
    one_anomaly_per_rule,
)

# --- maintenance tracking ---------------------------------------------------------------------------------


def test_a_month_done_by_the_book_is_complete(ctx: Any) -> None:
    world = clean_month()
    found = tracking.track([world.project.id], world.month)[world.project.id]
    assert (found.due, found.done, found.flagged) == (3, 3, 0)
    weekly = found.items[0]
    assert (weekly.required, weekly.done, weekly.status) == (4, 4, "done")


def test_work_outside_the_tolerance_window_is_flagged_and_does_not_count(ctx: Any) -> None:
    world = clean_month()
    weekly = world.items[0]
    # a fifth weekly round, recorded for this month but three weeks after it ended (window: 7 days)
    late = make_visit(world.project, world.lead, at(world.day(1) + timedelta(days=52), 9))
    make_record(late, weekly, world.month)
    found = tracking.track([world.project.id], world.month)[world.project.id]
    assert found.items[0].flagged and found.items[0].status == "done"
    assert found.flagged == 1


def test_an_item_done_only_outside_its_window_is_not_done(ctx: Any) -> None:
    world = clean_month()
    idle = make_project(world.org, world.lead, month=world.month, index=1)
    from tests.monitoring.builders import make_plan

    (item,) = make_plan(idle, world.month, (("hydrant", "HY-MONTH", "室内消火栓检查", "monthly"),))
    visit = make_visit(idle, world.lead, at(world.day(1) - timedelta(days=20), 9))
    make_record(visit, item, world.month)
    found = tracking.track([idle.id], world.month)[idle.id]
    assert [i.status for i in found.items] == ["outside_window"] and found.not_done_items


def test_tracking_list_is_scoped_to_the_jurisdiction(ctx: Any) -> None:
    world = clean_month()
    args = {"month": world.month, "limit": 20, "cursor": None}
    xuhui = tracking.list_tracking(actor_of(world.supervisor), args)
    assert [t.project.id for t in xuhui.items] == [world.project.id]
    assert xuhui.items[0].tracking.done == 3
    huangpu = make_user(roles=("supervisor",), jurisdiction=HUANGPU)
    assert tracking.list_tracking(actor_of(huangpu), args).items == []
    with pytest.raises(Forbidden) as refused:
        tracking.project_tracking(actor_of(huangpu), world.project.id, world.month)
    assert refused.value.code == "out_of_jurisdiction"


# --- monthly reports --------------------------------------------------------------------------------------


def _sql(statement: str, **params: Any) -> Any:
    binds = [sa.bindparam(k, type_=UTCDateTime()) for k in params if k in ("s", "e")]
    return db.session.execute(sa.text(statement).bindparams(*binds), params).scalar()


def _report_world() -> Any:
    world = clean_month(reports=False)
    one_anomaly_per_rule(world)
    start, _ = month_span(world.month)
    found = Defect(
        project_id=world.project.id,
        severity="general",
        description="3层消火栓箱门损坏",
        status="closed",
        created_at=start + timedelta(days=9, hours=3),
        closed_at=start + timedelta(days=15),
    )
    open_one = Defect(
        project_id=world.project.id,
        severity="serious",
        description="地下车库喷淋末端试水压力不足",
        status="open",
        created_at=start + timedelta(days=23, hours=2),
    )
    db.session.add_all([found, open_one])
    db.session.commit()
    return world


def test_report_figures_equal_direct_sql_counts(ctx: Any) -> None:
    world = _report_world()
    report = reports.compile_for(actor_of(world.org.admin), world.org.id, world.month)
    s, e = month_span(world.month)
    o = world.org.id
    f = report.figures
    assert f["visits"]["accepted"] == _sql(
        "SELECT count(*) FROM site_visits WHERE org_id = :o AND status IN ('checked_in', 'checked_out')"
        " AND checked_in_at >= :s AND checked_in_at < :e",
        o=o,
        s=s,
        e=e,
    )
    assert f["visits"]["refused"] == _sql(
        "SELECT count(*) FROM site_visits WHERE org_id = :o AND status = 'rejected'"
        " AND checked_in_at >= :s AND checked_in_at < :e",
        o=o,
        s=s,
        e=e,
    )
    assert f["visits"]["practitioners"] == _sql(
        "SELECT count(DISTINCT practitioner_id) FROM site_visits WHERE org_id = :o"
        " AND status <> 'rejected' AND checked_in_at >= :s AND checked_in_at < :e",
        o=o,
        s=s,
        e=e,
    )
    seconds = _sql(
        "SELECT coalesce(sum(duration_s), 0) FROM site_visits WHERE org_id = :o AND status <> 'rejected'"
        " AND checked_in_at >= :s AND checked_in_at < :e",
        o=o,
        s=s,
        e=e,
    )
    assert f["visits"]["hours"] == round(seconds / 3600, 1)
    assert (
        f["defects"]["found"]
        == _sql(
            "SELECT count(*) FROM defects d JOIN projects p ON p.id = d.project_id WHERE p.org_id = :o"
            " AND d.created_at >= :s AND d.created_at < :e",
            o=o,
            s=s,
            e=e,
        )
        == 2
    )
    assert f["defects"]["fixed"] == 1 and f["defects"]["open_at_end"] == 1
    assert (
        f["feedback"]["disputed"]
        == _sql(
            "SELECT count(*) FROM feedbacks WHERE org_id = :o AND status = 'disputed'"
            " AND responded_at >= :s AND responded_at < :e",
            o=o,
            s=s,
            e=e,
        )
        == 1
    )
    average = _sql(
        "SELECT avg(rating) FROM feedbacks WHERE org_id = :o AND rating IS NOT NULL"
        " AND responded_at >= :s AND responded_at < :e",
        o=o,
        s=s,
        e=e,
    )
    assert f["feedback"]["average_rating"] == round(float(average), 2) == 3.5
    assert f["projects"]["active"] == _sql(
        "SELECT count(*) FROM projects WHERE org_id = :o AND status <> 'cancelled' AND published_at < :e"
        " AND (concluded_at IS NULL OR concluded_at >= :s)",
        o=o,
        s=s,
        e=e,
    )
    # plan: the clean project complete (3 of 3), the idle one not (0 of 1)
    assert (f["plan"]["due"], f["plan"]["done"], f["plan"]["not_done"]) == (4, 3, 1)
    assert f["plan"]["completion_rate"] == 75.0


def test_report_pdf_and_xlsx_open_and_show_the_figures(ctx: Any) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    world = _report_world()
    report = reports.compile_for(actor_of(world.org.admin), world.org.id, world.month)
    pdf = PdfReader(io.BytesIO(render_pdf(report)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert world.org.row.name in text and "月度报表" in text
    visits = report.figures["visits"]
    assert re.search(rf"有效签到\s*{visits['accepted']} 次", text)
    assert re.search(rf"被拒绝的签到\s*{visits['refused']} 次", text)
    assert re.search(rf"当月发现\s*{report.figures['defects']['found']} 处", text)
    assert world.project.project_no in text
    fonts = {
        str(font.get("/BaseFont"))
        for page in pdf.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
        for font in [font.get_object()]
    }
    assert fonts and all("WQY" in name or "Micro" in name for name in fonts), fonts

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    rows = {(r[0], r[1]): r[2] for r in book["月度报表"].iter_rows(min_row=7, values_only=True)}
    assert rows[("二、现场执业", "有效签到")] == visits["accepted"]
    assert rows[("二、现场执业", "被拒绝的签到")] == visits["refused"]
    assert rows[("三、维保计划执行", "应完成维保项目")] == report.figures["plan"]["due"]
    assert rows[("四、故障与隐患", "月末未整改")] == 1
    plan_rows = list(book["维保计划执行"].iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[2], r[3]) for r in plan_rows} == {
        (p["project_no"], p["due"], p["done"]) for p in report.figures["plan_projects"]
    }


def _pdftotext(pdf: bytes) -> str:
    """The PDF as poppler's pdftotext reads it (a second, independent PDF reader)."""
    import subprocess

    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def test_report_exports_show_the_direct_sql_counts(ctx: Any) -> None:
    """The figures as printed in the PDF (read by pdftotext) and as stored in the XLSX (read by openpyxl) are
    the counts a direct SQL query over the month gives, not merely what the report object holds."""
    from openpyxl import load_workbook

    world = _report_world()
    report = reports.compile_for(actor_of(world.org.admin), world.org.id, world.month)
    s, e = month_span(world.month)
    o = world.org.id
    in_month = "org_id = :o AND checked_in_at >= :s AND checked_in_at < :e"
    expected = {
        ("二、现场执业", "有效签到", "次"): _sql(
            f"SELECT count(*) FROM site_visits WHERE {in_month} AND status IN ('checked_in', 'checked_out')",
            o=o,
            s=s,
            e=e,
        ),
        ("二、现场执业", "被拒绝的签到", "次"): _sql(
            f"SELECT count(*) FROM site_visits WHERE {in_month} AND status = 'rejected'", o=o, s=s, e=e
        ),
        ("二、现场执业", "有异常提示的签到", "次"): _sql(
            f"SELECT count(*) FROM site_visits WHERE {in_month} AND status <> 'rejected'"
            " AND CAST(flags AS TEXT) <> '[]'",
            o=o,
            s=s,
            e=e,
        ),
        ("二、现场执业", "到场从业人员", "人"): _sql(
            f"SELECT count(DISTINCT practitioner_id) FROM site_visits WHERE {in_month} AND status <> 'rejected'",
            o=o,
            s=s,
            e=e,
        ),
        ("一、项目情况", "当月在服务项目", "个"): _sql(
            "SELECT count(*) FROM projects WHERE org_id = :o AND status <> 'cancelled' AND published_at < :e"
            " AND (concluded_at IS NULL OR concluded_at >= :s)",
            o=o,
            s=s,
            e=e,
        ),
        ("四、故障与隐患", "当月发现", "处"): _sql(
            "SELECT count(*) FROM defects d JOIN projects p ON p.id = d.project_id WHERE p.org_id = :o"
            " AND d.created_at >= :s AND d.created_at < :e",
            o=o,
            s=s,
            e=e,
        ),
        ("四、故障与隐患", "月末未整改", "处"): _sql(
            "SELECT count(*) FROM defects d JOIN projects p ON p.id = d.project_id WHERE p.org_id = :o"
            " AND d.created_at < :e AND (d.closed_at IS NULL OR d.closed_at >= :e)",
            o=o,
            e=e,
        ),
        ("六、委托单位反馈", "委托单位有异议", "条"): _sql(
            "SELECT count(*) FROM feedbacks WHERE org_id = :o AND status = 'disputed'"
            " AND responded_at >= :s AND responded_at < :e",
            o=o,
            s=s,
            e=e,
        ),
    }
    # the world is built so that none of these is trivially zero
    assert all(value > 0 for value in expected.values()), expected

    text = _pdftotext(render_pdf(report))
    assert world.org.row.name in text and "月度报表" in text
    for (_section, label, unit), value in expected.items():
        assert re.search(rf"{label}\s+{value}\s*{unit}", text), (label, value)

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    rows = {(r[0], r[1]): (r[2], r[3]) for r in book["月度报表"].iter_rows(min_row=7, values_only=True) if r[1]}
    section = ""
    by_label = {}
    for (title, label), cells in rows.items():
        section = title or section
        by_label[(section, label)] = cells
    for (section, label, unit), value in expected.items():
        assert by_label[(section, label)] == (value, unit), (section, label)


def test_report_is_compiled_on_the_first_and_submitted_by_the_org(ctx: Any) -> None:
    world = clean_month(reports=False)
    on = first_day(shift_month(world.month, 1))
    compiled = reports.compile_due(on)
    assert len(compiled) == 1 and reports.compile_due(on) == []
    report = db.session.get(MonthlyReport, compiled[0])
    assert (report.org_id, report.month, report.status) == (world.org.id, world.month, "compiled")
    assert report.due_on == on.replace(day=10)
    other = make_org(HUANGPU)
    with pytest.raises(Forbidden):
        reports.submit(actor_of(other.admin), report.id, None)
    submitted = reports.submit(actor_of(world.org.admin), report.id, "已核对")
    assert submitted.status == "submitted" and submitted.late  # the month is long over
    with pytest.raises(Conflict):
        reports.recompile(actor_of(world.org.admin), report.id)


def test_a_month_not_over_cannot_be_reported(ctx: Any) -> None:
    world = clean_month(reports=False)
    from backend.core.timeutil import today
    from backend.modules.monitoring.sqlutil import month_key

    with pytest.raises(ValidationFailed) as refused:
        reports.compile_for(actor_of(world.org.admin), world.org.id, month_key(today()))
    assert refused.value.code == "report_month_not_over"


# --- scores -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "month"),
    [
        ("2027-03-01T00:30:00+08:00", "2026-03"),  # 00:30 Shanghai is still 28 February in UTC
        ("2027-03-01T08:30:00+08:00", "2026-03"),
        ("2027-02-28T23:59:00+08:00", "2026-02"),
        ("2028-03-01T00:05:00+08:00", "2027-03"),  # 365 days before 1 March 2028 is 2 March 2027: the leap day counts
    ],
)
def test_score_window_starts_in_the_shanghai_month(now: str, month: str) -> None:
    from datetime import UTC, datetime

    assert scores.window_start_month(datetime.fromisoformat(now).astimezone(UTC), 365) == month


def _exact_sum(score: Score) -> bool:
    return sum(Decimal(str(f["points"])) for f in score.factors) == Decimal(str(score.score))


def test_every_score_is_the_sum_of_its_factors(ctx: Any) -> None:
    from backend.modules.monitoring.warnings.engine import day_window, scan

    world = clean_month(reports=False)
    one_anomaly_per_rule(world)
    scan(day_window(at(first_day(world.month), 0), utcnow()))
    make_penalty(world.org, world.supervisor, credit_points=3)
    reports.compile_for(actor_of(world.org.admin), world.org.id, world.month)
    counts = scores.recompute_all()
    assert counts["organization"] == 3 and counts["practitioner"] >= 15
    rows = list(db.session.scalars(sa.select(Score)))
    assert len(rows) == counts["organization"] + counts["practitioner"]
    for score in rows:
        assert _exact_sum(score), (score.subject_kind, score.subject_id, score.factors)
        assert [f["key"] for f in score.factors] == [
            "ratings",
            "warnings",
            "penalties",
            "spot_checks",
            "plan",
            "onsite",
        ]
        assert sum(f["weight"] for f in score.factors) == 100
    org_a = next(s for s in rows if s.subject_kind == "organization" and s.subject_id == world.org.id)
    factors = {f["key"]: f for f in org_a.factors}
    assert factors["penalties"]["points"] == 20 - 5 - 3  # one decision (5) and 3 credit points
    assert factors["ratings"]["points"] == 15.6  # ratings 5 and 2: 25 × (3.5 − 1) / 4 = 15.625
    assert "预警" in factors["warnings"]["detail"] and factors["warnings"]["points"] < 20
    assert factors["plan"]["points"] == 7.5  # the report: 3 of the 4 items due were done


def test_a_clean_practitioner_scores_higher_than_one_with_warnings(ctx: Any) -> None:
    from backend.modules.monitoring.warnings.engine import day_window, scan

    world = clean_month()
    expected = one_anomaly_per_rule(world)
    scan(day_window(at(first_day(world.month), 0), utcnow()))
    scores.recompute_all()
    mismatched = next(i for rule, _, i in expected if rule == "face_mismatch")
    by_id = {s.subject_id: s for s in db.session.scalars(sa.select(Score).where(Score.subject_kind == "practitioner"))}
    assert by_id[world.lead.id].score > by_id[mismatched].score
    assert by_id[world.lead.id].grade in ("A", "B")


def test_rankings_list_organisations_by_score_without_personal_data(ctx: Any) -> None:
    world = clean_month()
    make_org(HUANGPU)
    make_penalty(world.org, world.supervisor, credit_points=10)
    scores.recompute_all()
    page = scores.rankings({"limit": 1, "cursor": None})
    assert len(page.items) == 1 and page.items[0].rank == 1 and page.next_cursor
    rest = scores.rankings({"limit": 10, "cursor": page.next_cursor})
    ranked = page.items + rest.items
    assert [r.rank for r in ranked] == [1, 2] and ranked[-1].org.id == world.org.id
    assert ranked[0].score >= ranked[1].score


# --- statistics -------------------------------------------------------------------------------------------


def test_summary_counts_the_callers_jurisdiction_only(ctx: Any) -> None:
    world = clean_month()
    one_anomaly_per_rule(world)
    today_visit_person = make_person(world.org, "孙立新", position="operator", cert="operator")
    recent = make_visit(world.project, today_visit_person, utcnow() - timedelta(minutes=30), status="checked_in")
    # just outside the bounds: the second before today began (Shanghai), and a visit left open too long
    from backend.core.timeutil import local_day_bounds, today

    make_visit(world.project, today_visit_person, local_day_bounds(today())[0] - timedelta(seconds=1))
    left_open = make_visit(
        world.project, today_visit_person, utcnow() - timedelta(hours=12, minutes=1), status="checked_in"
    )
    # (in the first half hour after midnight in Shanghai even the recent visit was yesterday's)
    today_visits = sum(v.checked_in_at >= local_day_bounds(today())[0] for v in (recent, left_open))
    corps = actor_of(make_user(roles=("corps_admin",)))
    xuhui = actor_of(world.supervisor)
    huangpu = actor_of(make_user(roles=("supervisor",), jurisdiction=HUANGPU))

    def figures(actor: Any) -> dict[str, int]:
        return {f.key: f.value for f in stats.summary(actor).figures}

    everything, mine, theirs = figures(corps), figures(xuhui), figures(huangpu)
    assert everything["organizations"] == 3 and mine["organizations"] == 1 and theirs["organizations"] == 1
    assert mine["projects_in_service"] == _sql(
        "SELECT count(*) FROM projects WHERE district_code = '310104' AND status IN ('published', 'in_service')"
    )
    assert mine["practitioners"] == _sql(
        "SELECT count(DISTINCT e.practitioner_id) FROM employments e JOIN organizations o ON o.id = e.org_id"
        " WHERE e.status = 'active' AND o.district_code = '310104'"
    )
    assert mine["visits_today"] == today_visits and mine["on_site_now"] == 1 and theirs["visits_today"] == 0
    districts = {row["district_code"]: row for row in stats.summary(corps).by_district}
    assert districts[XUHUI]["value"] == mine["projects_in_service"]
    assert set(districts) == {"310101", "310104", "310115"}


def test_trends_count_by_month_and_group(ctx: Any) -> None:
    world = clean_month()
    corps = actor_of(make_user(roles=("corps_admin",)))
    trend = stats.trends(corps, "visits", 4)
    assert trend.months[-1] > world.month and world.month in trend.months
    index = trend.months.index(world.month)
    assert trend.series[0].values[index] == 5
    # 00:30 on the 1st in Shanghai is still the previous day in UTC: it counts for the new month
    make_visit(world.project, world.lead, at(first_day(shift_month(world.month, 1)), 0, 30))
    moved = stats.trends(corps, "visits", 4).series[0].values
    assert moved[index] == 5 and moved[index + 1] == trend.series[0].values[index + 1] + 1
    by_type = stats.trends(corps, "visits", 4, "service_type")
    assert [s.key for s in by_type.series] == ["maintenance"]
    ratings = stats.trends(corps, "ratings", 4)
    assert ratings.series[0].values[index] == 5.0
    make_feedback(world.project, world.month, rating=2, responded_at=at(world.day(20), 16))
    assert stats.trends(corps, "ratings", 4).series[0].values[index] == 3.5
    with pytest.raises(ValidationFailed):
        stats.trends(corps, "warnings", 4, "service_type")


def test_demo_load_is_idempotent(ctx: Any) -> None:
    from backend.modules.monitoring import demo

    world = clean_month(reports=False)
    one_anomaly_per_rule(world)
    first = demo.load()
    assert any("预警研判" in line for line in first)
    raised = db.session.scalar(sa.select(sa.func.count()).select_from(MonitoringWarning))
    again = demo.load()
    assert "新增 0 条" in again[1] and "新编制 0 份" in again[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MonitoringWarning)) == raised
