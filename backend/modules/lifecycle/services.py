"""Timeline views (全生命周期): one organisation's, practitioner's or project's events, each viewer seeing only
its slice (docs/design.md §5), and the drill-down organisation → projects → visits → work records.

Slices, OR-ed together for a viewer who has several:
- public (everyone): events marked "public" of verified organisations;
- client contact: "public" and "client" events of its own projects (identified by the official-account openid);
- organisation managers: "public", "client" and "org" events of their organisations;
- a practitioner: the same levels of the events about themselves;
- supervisors: every event in their jurisdiction; the corps: all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause
from backend.core.db import column_map, db
from backend.core.errors import Forbidden, NotFound
from backend.core.pagination import Page, decode_cursor, encode_cursor, keyset_page
from backend.core.timeline import ChainReport, TimelineEvent, verify_chain
from backend.modules.projects.queries import PlanItem, Project, SiteVisit, WorkRecord
from backend.modules.realname.queries import Organization, Practitioner, practitioner_for_user

OWN_LEVELS = ("public", "client", "org")
CLIENT_LEVELS = ("public", "client")
# A project is shown to the public from its publicity (信息公示) on.
PUBLICITY_STATUSES = ("published", "in_service", "concluded", "archived")


def _get(model: type[Any], ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


# --- slices -----------------------------------------------------------------------------------------------


def public_clause() -> sa.ColumnElement[bool]:
    verified = sa.select(Organization.id).where(Organization.status == "verified")
    return sa.and_(TimelineEvent.visibility == "public", TimelineEvent.org_id.in_(verified))


def client_clause(project_ids: list[int]) -> sa.ColumnElement[bool]:
    return sa.and_(TimelineEvent.project_id.in_(project_ids or [-1]), TimelineEvent.visibility.in_(CLIENT_LEVELS))


def _supervisor_clause(actor: Actor) -> sa.ColumnElement[bool]:
    """Events carry the jurisdiction of where they happened; one without a district (a practitioner's
    certificate, say) belongs to the jurisdiction of the organisation it names."""
    orgs_in_area = sa.select(Organization.id).where(
        area_clause(actor, Organization.district_code, Organization.special_zone)
    )
    return sa.or_(
        area_clause(actor, TimelineEvent.district_code, TimelineEvent.special_zone),
        sa.and_(TimelineEvent.district_code.is_(None), TimelineEvent.org_id.in_(orgs_in_area)),
    )


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    practitioner_id: int | None

    @classmethod
    def of(cls, actor: Actor) -> Viewer:
        me = practitioner_for_user(actor.user_id)
        return cls(actor, me.id if me is not None else None)

    def clause(self) -> sa.ColumnElement[bool]:
        clauses = [public_clause()]
        if self.actor.org_ids:
            clauses.append(
                sa.and_(TimelineEvent.org_id.in_(sorted(self.actor.org_ids)), TimelineEvent.visibility.in_(OWN_LEVELS))
            )
        if self.practitioner_id is not None:
            clauses.append(
                sa.and_(TimelineEvent.practitioner_id == self.practitioner_id, TimelineEvent.visibility.in_(OWN_LEVELS))
            )
        if self.actor.is_supervisory:
            clauses.append(_supervisor_clause(self.actor))
        return sa.or_(*clauses)

    def sees_details(self, event: TimelineEvent) -> bool:
        """Evidence ids and the acting user are for those with more than the public view."""
        return (
            self.actor.is_supervisory
            or event.org_id in self.actor.org_ids
            or (self.practitioner_id is not None and event.practitioner_id == self.practitioner_id)
        )


@dataclass
class EventView:
    event: TimelineEvent
    detailed: bool


# --- timelines --------------------------------------------------------------------------------------------


def _filtered(stmt: sa.Select[Any], args: dict[str, Any]) -> sa.Select[Any]:
    if args.get("since") is not None:
        stmt = stmt.where(TimelineEvent.occurred_at >= args["since"])
    if args.get("until") is not None:
        stmt = stmt.where(TimelineEvent.occurred_at < args["until"])
    kinds = args.get("kind") or []
    if kinds:
        # "visit" selects visit.checked_in, visit.checked_out…; "visit.checked_in" only itself.
        stmt = stmt.where(
            sa.or_(
                *(sa.or_(TimelineEvent.kind == k, TimelineEvent.kind.like(_like_prefix(k), escape="\\")) for k in kinds)
            )
        )
    return stmt


def _like_prefix(kind: str) -> str:
    return kind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"


def _page_events(stmt: sa.Select[Any], args: dict[str, Any]) -> Page[TimelineEvent]:
    """Keyset on (occurred_at, id), newest first by default, or in the order things happened."""
    ascending = args.get("order") == "asc"
    at, ident = TimelineEvent.occurred_at, TimelineEvent.id
    if args.get("cursor"):
        last_at, last_id = decode_cursor(args["cursor"], ["datetime", "int"])
        if ascending:
            stmt = stmt.where(sa.or_(at > last_at, sa.and_(at == last_at, ident > last_id)))
        else:
            stmt = stmt.where(sa.or_(at < last_at, sa.and_(at == last_at, ident < last_id)))
    order = (at.asc(), ident.asc()) if ascending else (at.desc(), ident.desc())
    limit = args["limit"]
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].occurred_at, rows[-1].id])
    return Page(rows, next_cursor)


def _timeline(viewer: Viewer, subject: sa.ColumnElement[bool], args: dict[str, Any]) -> Page[EventView]:
    stmt = _filtered(sa.select(TimelineEvent).where(subject, viewer.clause()), args)
    page = _page_events(stmt, args)
    return Page([EventView(e, viewer.sees_details(e)) for e in page.items], page.next_cursor)


def org_timeline(actor: Actor, org_id: int, args: dict[str, Any]) -> Page[EventView]:
    _get(Organization, org_id)
    return _timeline(Viewer.of(actor), TimelineEvent.org_id == org_id, args)


def practitioner_timeline(actor: Actor, practitioner_id: int, args: dict[str, Any]) -> Page[EventView]:
    _get(Practitioner, practitioner_id)
    return _timeline(Viewer.of(actor), TimelineEvent.practitioner_id == practitioner_id, args)


def project_timeline(actor: Actor, project_id: int, args: dict[str, Any]) -> Page[EventView]:
    _get(Project, project_id)
    return _timeline(Viewer.of(actor), TimelineEvent.project_id == project_id, args)


def client_project_timeline(openid: str, project_id: int, args: dict[str, Any]) -> Page[EventView]:
    """The client unit's contact, identified by the official-account openid of a signed message link (the
    feedback module authenticates it), sees the public and client events of its own projects."""
    project = _get(Project, project_id)
    if not openid or project.client_contact_openid != openid:
        raise Forbidden()
    stmt = _filtered(
        sa.select(TimelineEvent).where(TimelineEvent.project_id == project.id, client_clause([project.id])), args
    )
    page = _page_events(stmt, args)
    return Page([EventView(e, False) for e in page.items], page.next_cursor)


# --- drill-down -------------------------------------------------------------------------------------------


@dataclass
class ProjectSummary:
    project: Project
    visits: int
    work_records: int
    events: int


def _counts(column: Any, ids: list[int], *where: Any) -> dict[int, int]:
    if not ids:
        return {}
    stmt = sa.select(column, sa.func.count()).where(column.in_(ids), *where).group_by(column)
    return {key: int(count) for key, count in db.session.execute(stmt).all()}


def _visible_projects(actor: Actor, org: Organization) -> sa.ColumnElement[bool]:
    if org.id in actor.org_ids or actor.is_citywide:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = []
    if org.status == "verified":
        clauses.append(Project.status.in_(PUBLICITY_STATUSES))
    if actor.is_supervisory:
        clauses.append(area_clause(actor, Project.district_code, Project.special_zone))
    return sa.or_(*clauses) if clauses else sa.false()


def org_projects(actor: Actor, org_id: int, args: dict[str, Any]) -> Page[ProjectSummary]:
    org = _get(Organization, org_id)
    stmt = sa.select(Project).where(Project.org_id == org.id, _visible_projects(actor, org))
    page = keyset_page(db.session, stmt, [Project.id], limit=args["limit"], cursor=args["cursor"])
    ids = [p.id for p in page.items]
    visits = _counts(SiteVisit.project_id, ids, SiteVisit.status != "rejected")
    records = _counts(WorkRecord.project_id, ids)
    events = _counts(TimelineEvent.project_id, ids, Viewer.of(actor).clause())
    items = [ProjectSummary(p, visits.get(p.id, 0), records.get(p.id, 0), events.get(p.id, 0)) for p in page.items]
    return Page(items, page.next_cursor)


def _project_scope(actor: Actor, project: Project) -> int | None:
    """Who sees a project's visits: its organisation and the supervisors over it see all (None); a
    practitioner sees their own (their practitioner id); anyone else nothing."""
    if project.org_id in actor.org_ids or actor.covers(project.district_code, project.special_zone):
        return None
    me = practitioner_for_user(actor.user_id)
    if me is None:
        raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "forbidden")
    return me.id


@dataclass
class VisitSummary:
    visit: SiteVisit
    practitioner: Practitioner
    work_records: int


def project_visits(actor: Actor, project_id: int, args: dict[str, Any]) -> Page[VisitSummary]:
    project = _get(Project, project_id)
    only = _project_scope(actor, project)
    stmt = sa.select(SiteVisit).where(SiteVisit.project_id == project.id)
    if only is not None:
        stmt = stmt.where(SiteVisit.practitioner_id == only)
    page = keyset_page(db.session, stmt, [SiteVisit.id], limit=args["limit"], cursor=args["cursor"])
    ids = [v.id for v in page.items]
    records = _counts(WorkRecord.visit_id, ids)
    people = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Practitioner).where(Practitioner.id.in_({v.practitioner_id for v in page.items} or {-1}))
        )
    }
    items = [VisitSummary(v, people[v.practitioner_id], records.get(v.id, 0)) for v in page.items]
    return Page(items, page.next_cursor)


@dataclass
class RecordView:
    record: WorkRecord
    plan_item_name: str | None


def visit_records(actor: Actor, visit_id: int, args: dict[str, Any]) -> Page[RecordView]:
    visit = _get(SiteVisit, visit_id)
    only = _project_scope(actor, _get(Project, visit.project_id))
    if only is not None and visit.practitioner_id != only:
        raise Forbidden()
    stmt = sa.select(WorkRecord).where(WorkRecord.visit_id == visit.id)
    page = keyset_page(db.session, stmt, [WorkRecord.id], limit=args["limit"], cursor=args["cursor"])
    item_ids = {r.plan_item_id for r in page.items if r.plan_item_id is not None}
    names = column_map(sa.select(PlanItem.id, PlanItem.name).where(PlanItem.id.in_(item_ids or {-1})))
    return Page([RecordView(r, names.get(r.plan_item_id)) for r in page.items], page.next_cursor)


# --- integrity --------------------------------------------------------------------------------------------


def verify(actor: Actor) -> ChainReport:
    """Walk the whole hash chain (the same check as `flask timeline verify`)."""
    return verify_chain()
