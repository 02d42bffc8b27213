"""The trial phase: the mode switch, rows tagged while in trial, and the clearing (dry run, confirmation,
deletion in dependency order, files, jobs, timeline rebased and verified, imported data and accounts kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from backend.core.audit import AuditLog
from backend.core.db import db, unit_of_work
from backend.core.files import StoredFile, path_for
from backend.core.jobs import BackgroundJob, enqueue, probe
from backend.core.timeline import TimelineEvent, TimelineHead, verify_chain
from backend.core.timeutil import today as shanghai_today
from backend.modules.accounts.models import SupervisorAssignment, User, UserRole
from backend.modules.accounts.services import create_assignment
from backend.modules.documents.services import drafts
from backend.modules.golive import clearing, trial
from backend.modules.golive.models import TrialJob
from backend.modules.monitoring.models import RuleSetting
from backend.modules.monitoring.warnings.settings import update_rule
from backend.modules.projects.models import Project, SiteVisit
from backend.modules.projects.services import checkin
from backend.modules.realname.models import Employment, Organization, Practitioner
from tests.factories import make_user
from tests.golive.builders import copy_sample, run_import, table_counts
from tests.projects import builders as pb

CORPS = "/api/v1/admin"
# Tables the trial may leave bigger: accounts, supervisor assignments and settings stay, the timeline records the
# switches and the clearing, the outbox keeps what was sent.
KEPT_OR_GROWN = {
    "users",
    "user_roles",
    "supervisor_assignments",
    "system_settings",
    "monitoring_rule_settings",
    "timeline_events",
    "outbox_messages",
    "background_jobs",
}


def _admin() -> Any:
    return make_user(roles=("corps_admin",))


def _actor(login: Any) -> Any:
    return pb.actor_of(login)


def test_the_mode_is_live_until_the_corps_admin_switches_it_and_every_switch_is_evidenced(ctx: Any) -> None:
    admin = _actor(_admin())
    assert trial.get_mode(admin).mode == "live"
    state = trial.set_mode(admin, "trial", "上线前试运行")
    assert state.mode == "trial" and state.changed_by == admin.user_id
    trial.set_mode(admin, "trial")  # already in trial: nothing happens
    switches = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "system.mode_changed")).all()
    assert [s.changes for s in switches] == [{"from": "live", "to": "trial", "reason": "上线前试运行"}]
    event = db.session.scalar(sa.select(TimelineEvent).where(TimelineEvent.kind == "system.mode_changed"))
    assert event is not None and not event.is_trial and "试运行" in event.summary


def test_rows_created_in_trial_are_tagged_but_imported_history_never_is(ctx: Any, tmp_path: Path) -> None:
    admin = _actor(_admin())
    live_org = pb.make_org()
    trial.set_mode(admin, "trial")
    trial_org = pb.make_org()
    job = _probe_job()
    run_import(copy_sample(tmp_path / "v1", "01-organizations.csv"))
    assert not db.session.get(Organization, live_org.id).is_trial
    assert db.session.get(Organization, trial_org.id).is_trial
    assert db.session.get(User, trial_org.admin.user_id).is_trial  # tagged, and kept by the clearing (accounts)
    imported = db.session.scalars(sa.select(Organization).where(Organization.imported.is_(True))).all()
    assert len(imported) == 60 and not any(o.is_trial for o in imported)
    assert db.session.get(TrialJob, job.id) is not None
    trial.set_mode(admin, "live")
    after = pb.make_org()
    assert not db.session.get(Organization, after.id).is_trial


def _probe_job() -> BackgroundJob:
    with unit_of_work() as uow:
        job = enqueue(probe)
        uow.commit()
    return job


def _trial_activity(imported_org_id: int) -> dict[str, Any]:
    """A trial organisation with staff, a published project, a check-in with a real face photo, a check-out,
    a conclusion document draft and a background job; and a trial practitioner hired by an imported org."""
    org = pb.make_org()
    lead = pb.make_practitioner(org.id)
    technical = pb.make_practitioner(org.id, name="周建华", face=None)
    db.session.execute(
        sa.update(Employment).where(Employment.practitioner_id == technical.id).values(position="technical_lead")
    )
    db.session.commit()
    project_id = pb.make_project(org, lead)
    site = pb.place("人民广场")
    photo = pb.face_bytes("obama.jpg")
    result = checkin.check_in(pb.actor_of(lead.login), project_id, pb.check_in_form(site), photo)
    checkin.check_out(pb.actor_of(lead.login), result.visit.id, pb.check_in_form(site))
    today = shanghai_today()
    document = drafts.create_draft(pb.org_actor(org), project_id, today.replace(day=1), today)
    hired = pb.make_practitioner(imported_org_id, name="吴晓明", face=None, engineer=False)
    job = _probe_job()
    photo_file = db.session.get(SiteVisit, result.visit.id).photo_file_id
    return {
        "org_id": org.id,
        "project_id": project_id,
        "document_id": document.id,
        "hired_id": hired.id,
        "job_id": job.id,
        "photo_sha": db.session.get(StoredFile, photo_file).sha256,
    }


def test_clearing_removes_the_trial_and_keeps_history_accounts_and_a_verified_chain(
    app: Any, client: Any, ctx: Any, tmp_path: Path
) -> None:
    login = _admin()
    admin = _actor(login)
    live_assignment = create_assignment(admin, phone="13900000001", name="黄浦监督员", jurisdiction="310101").id
    run_import(copy_sample(tmp_path / "v1", "01-organizations.csv", "02-practitioners.csv", "03-employments.csv"))
    imported_org_id = db.session.scalar(sa.select(Organization.id).where(Organization.imported.is_(True)).limit(1))
    assert imported_org_id is not None
    before_trial = table_counts("audit_log")

    trial.set_mode(admin, "trial", "试运行")
    made = _trial_activity(imported_org_id)
    # configuration and supervisor assignments made during the trial are kept as well
    trial_assignment = create_assignment(admin, phone="13900000002", name="浦东监督员", jurisdiction="310115").id
    rule = update_rule(admin, "low_rating", {"thresholds": {"max_rating": 3}, "note": "试运行期间调整"})
    assert path_for(made["photo_sha"]).exists()
    during = table_counts("audit_log")
    assert during["site_visits"] == before_trial["site_visits"] + 1
    assert during["conclusion_documents"] == before_trial["conclusion_documents"] + 1
    trial.set_mode(admin, "live", "试运行结束")

    preview = client.get(f"{CORPS}/trial/clearing", headers=login.headers)
    assert preview.status_code == 200, preview.get_json()
    plan = preview.get_json()
    assert not plan["executed"] and plan["blockers"] == [] and plan["mode"] == "live"
    assert table_counts("audit_log") == {**during, "timeline_events": during["timeline_events"] + 1}

    wrong = client.post(f"{CORPS}/trial/clearing", json={"confirmation": "确认"}, headers=login.headers)
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "trial_confirmation_mismatch"
    head_before = db.session.get(TimelineHead, 1).last_hash

    done = client.post(f"{CORPS}/trial/clearing", json={"confirmation": clearing.CONFIRMATION}, headers=login.headers)
    assert done.status_code == 200, done.get_json()
    report = done.get_json()
    assert report["executed"] and report["chain_verified"] and report["tables"] == plan["tables"]
    assert report["old_head_hash"] == head_before and report["new_head_hash"] != head_before

    after = table_counts("audit_log")
    for table, rows in before_trial.items():
        if table in KEPT_OR_GROWN:
            continue
        assert after[table] == rows, table
    # every deletion the dry run announced happened, table by table (the timeline gained the two records of
    # the switch to live and of the clearing meanwhile)
    for table, rows in plan["tables"].items():
        gained = 2 if table == "timeline_events" else 0
        assert during[table] + gained - after[table] == rows, table
    # accounts stay; the roles in the trial organisation go (its id may be reused)
    assert after["users"] == during["users"]
    assert not db.session.scalar(sa.select(UserRole.id).where(UserRole.org_id == made["org_id"]))
    assert db.session.get(Organization, imported_org_id) is not None
    assert db.session.get(Practitioner, made["hired_id"]) is None
    assert db.session.get(Project, made["project_id"]) is None
    assert db.session.get(BackgroundJob, made["job_id"]) is None
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(TrialJob))
    assert not path_for(made["photo_sha"]).exists()
    # the timeline: trial events gone, the switches and the clearing itself kept, the chain verifies
    assert not db.session.scalar(sa.select(sa.func.count()).where(TimelineEvent.is_trial.is_(True)))
    kinds = db.session.scalars(
        sa.select(TimelineEvent.kind).where(TimelineEvent.kind.like("system.%")).order_by(TimelineEvent.id)
    ).all()
    assert kinds == ["system.mode_changed", "system.mode_changed", "system.trial_cleared"]
    assert verify_chain().ok
    record = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "trial.cleared"))
    assert record is not None and record.actor_user_id == login.user_id
    assert record.changes["old_head_hash"] == head_before
    assert record.changes["tables"] == plan["tables"] and record.changes["rechained_events"] >= 1

    assert set(db.session.scalars(sa.select(SupervisorAssignment.id))) == {live_assignment, trial_assignment}
    kept_rule = db.session.scalar(sa.select(RuleSetting).where(RuleSetting.rule == "low_rating"))
    assert kept_rule is not None and kept_rule.version == rule.version and kept_rule.thresholds["max_rating"] == 3
    imported = db.session.scalar(sa.select(sa.func.count()).where(Organization.imported.is_(True)))
    assert imported == 60
    verified = app.test_cli_runner().invoke(args=["timeline", "verify"])
    assert verified.exit_code == 0, verified.output

    again = client.get(f"{CORPS}/trial/clearing", headers=login.headers).get_json()
    assert again["tables"] == {} and again["total_rows"] == 0


def test_a_broken_chain_is_never_resealed_by_the_clearing(ctx: Any) -> None:
    admin = _actor(_admin())
    trial.set_mode(admin, "trial")
    pb.make_org()
    trial.set_mode(admin, "live")
    event = db.session.scalar(sa.select(TimelineEvent).order_by(TimelineEvent.id).limit(1))
    db.session.execute(sa.update(TimelineEvent).where(TimelineEvent.id == event.id).values(summary="篡改"))
    db.session.commit()
    from backend.core.errors import Conflict

    try:
        clearing.clear(admin, clearing.CONFIRMATION)
    except Conflict as refused:
        assert refused.code == "timeline_chain_broken"
    else:
        raise AssertionError("a tampered chain must stop the clearing")
    assert db.session.scalar(sa.select(sa.func.count()).where(Organization.is_trial.is_(True))) == 1


def test_a_real_row_that_needs_a_trial_row_blocks_the_clearing(ctx: Any) -> None:
    admin = _actor(_admin())
    trial.set_mode(admin, "trial")
    org = pb.make_org()
    trial.set_mode(admin, "live")
    person = pb.make_practitioner(org.id, face=None)  # live staff of a trial organisation
    report = clearing.preview(admin)
    assert {(b["table"], b["column"]) for b in report.blockers} == {("employments", "org_id")}
    from backend.core.errors import Conflict

    try:
        clearing.clear(admin, clearing.CONFIRMATION)
    except Conflict as refused:
        assert refused.code == "trial_clear_blocked"
    else:
        raise AssertionError("the clearing must not delete real data")
    assert db.session.get(Practitioner, person.id) is not None
    assert db.session.get(User, person.login.user_id) is not None
