"""A run's shared state: the lookups, the summaries a batch collects for the timeline (one event per
organisation, practitioner and project; visits, documents and employments summed up per project or
organisation) and the end of a batch; the references every kind resolves the same way."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from backend.core.db import db
from backend.modules.accounts.queries import User
from backend.modules.accounts.services import create_user
from backend.modules.projects.queries import Project, project_by_id
from backend.modules.realname.conditions import refresh_conditions
from backend.modules.realname.queries import Organization, Practitioner

from ..events import PendingEvent, append_many
from .common import Kind, OrgRef, PersonRef, ProjectRef, Refs, invalid


@dataclass
class Context:
    """What the kinds share during a run."""

    documented: set[str]  # project numbers that have a conclusion document in this run's files
    # A dry run writes in a transaction that is rolled back; it leaves out the timeline (whose head it would
    # lock for the whole run), the practice-condition re-evaluation and the outside cross-checks.
    dry_run: bool = False
    refs: Refs = field(default_factory=Refs)
    # (lead practitioner id, org id) → why the lead may not lead a project that continues ([] = may)
    lead_problems: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # per batch: timeline summaries and the organisations whose practice conditions changed
    employments: dict[int, Counter[str]] = field(default_factory=dict)
    history: dict[int, Counter[str]] = field(default_factory=dict)
    orgs_to_refresh: set[int] = field(default_factory=set)
    new_projects: list[Project] = field(default_factory=list)
    new_people: dict[str, Practitioner] = field(default_factory=dict)  # by ID-number hash, written at batch end
    accounts_made: set[str] = field(default_factory=set)  # phone hashes of the accounts this batch created
    accounts_taken: set[int] = field(default_factory=set)  # accounts given to a practitioner of this batch
    pending_events: list[PendingEvent] = field(default_factory=list)

    def reset(self) -> None:
        """After a rollback: nothing cached may point at rows that are gone."""
        self.refs.clear()
        self.lead_problems.clear()
        self.end_batch()

    def end_batch(self) -> None:
        self.employments.clear()
        self.history.clear()
        self.orgs_to_refresh.clear()
        self.new_projects.clear()
        self.new_people.clear()
        self.accounts_made.clear()
        self.accounts_taken.clear()
        self.pending_events.clear()

    def event(self, kind: str, summary: str, **fields: Any) -> None:
        """Queued, and appended with the others at the end of the batch (events.append_many)."""
        if not self.dry_run:
            self.pending_events.append(PendingEvent(kind, summary, fields))

    def refresh_conditions(self, org: Organization) -> None:
        if not self.dry_run:
            refresh_conditions(org)

    def adopt(self, model: type[Any], row_id: int, is_trial: bool) -> None:
        """A row made during the trial that the v1 history vouches for becomes permanent: the clearing would
        otherwise delete it, or be blocked by the imported rows that refer to it."""
        if is_trial:
            obj = db.session.get(model, row_id)
            if obj is not None:
                obj.is_trial = False


def known_org(ctx: Context, credit_code: str, key: str = "credit_code") -> OrgRef:
    org = ctx.refs.org(credit_code)
    if org is None:
        raise invalid(key, "未找到该统一社会信用代码的机构：请先导入“机构”表，或确认机构已在系统登记")
    ctx.adopt(Organization, org.id, org.is_trial)
    return org


def known_person(ctx: Context, id_number: str, key: str) -> PersonRef:
    person = ctx.refs.person(id_number)
    if person is None:
        raise invalid(key, "未找到该身份证号的从业人员：请先导入“从业人员及证书”表")
    ctx.adopt(Practitioner, person.id, person.is_trial)
    return person


def known_project(ctx: Context, project_no: str) -> ProjectRef:
    project = ctx.refs.project(project_no)
    if project is None:
        raise invalid("project_no", "未找到该项目编号：请先导入“项目及委托单位”表")
    ctx.adopt(Project, project.id, project.is_trial)
    return project


def user_for_phone(ctx: Context, phone: str, name: str) -> tuple[User, bool]:
    """The account of that phone, created if it never logged in (the first SMS login finds it, roles and all);
    and whether it existed before."""
    user = ctx.refs.user(phone)
    if user is not None:
        if not user.display_name:
            user.display_name = name
        return user, True
    user = create_user(phone, name)
    ctx.refs.users[user.phone_hash] = user
    return user, False


def history_events(ctx: Context) -> None:
    """One timeline entry per project for the visits and documents a batch added to it."""
    for project_id, counts in sorted(ctx.history.items()):
        project = project_by_id(project_id)
        assert project is not None
        parts = [f"现场签到 {counts['visits']} 次"] if counts.get("visits") else []
        parts += [f"书面结论文件 {counts['documents']} 份"] if counts.get("documents") else []
        ctx.event(
            "import.history",
            f"项目{project.project_no}导入原系统历史记录：{'、'.join(parts)}",
            org_id=project.org_id,
            project_id=project.id,
            district_code=project.district_code,
            special_zone=project.special_zone,
            visibility="org",
            data=dict(counts),
        )


def finish_batch(ctx: Context, kind: Kind[Any]) -> None:
    """The batch's rows written, its kind sums it up (timeline entries per organisation, practitioner or
    project, practice conditions re-evaluated) and the events are appended in one go."""
    db.session.flush()
    kind.finish(ctx)
    if not ctx.dry_run:
        append_many(ctx.pending_events)
    ctx.end_batch()
