"""Lists and details for each role, with keyset pagination: a practitioner sees their projects and visits, an
organisation its own, a supervisor its jurisdiction, the public the projects in publicity."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, load_only

from backend.core import audit, geo
from backend.core.access import Actor, Role, area_clause, can_manage_org
from backend.core.db import db, unit_of_work
from backend.core.errors import Forbidden, NotFound
from backend.core.pagination import Page, keyset_page
from backend.modules.realname import queries

from ..models import Defect, Project, ProjectMember, SiteVisit
from . import views
from .common import PUBLIC_STATUSES, ProjectAccess, has_plan, load_project, missing_for_practice, require_view

DETAIL_VISITS = 20


def _filters(stmt: sa.Select[Any], model: Any, args: dict[str, Any], names: tuple[str, ...]) -> sa.Select[Any]:
    for name in names:
        if args.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == args[name])
    return stmt


# ----------------------------------------------------------------------------------------------------
# Projects


def _project_scope(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    # Only a practitioner has projects as a member (the role is granted with the practitioner record).
    practitioner = queries.practitioner_for_user(actor.user_id) if actor.has_role(Role.PRACTITIONER) else None
    if practitioner is not None:
        mine = sa.select(ProjectMember.project_id).where(ProjectMember.practitioner_id == practitioner.id)
        clauses.append(Project.id.in_(mine))
    if actor.org_ids:
        clauses.append(Project.org_id.in_(sorted(actor.org_ids)))
    if actor.is_supervisory:
        clauses.append(area_clause(actor, Project.district_code, Project.special_zone))
    return sa.or_(*clauses) if clauses else sa.false()


PROJECT_FILTERS = ("district_code", "service_type", "status", "org_id")


def _search_clauses(args: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """Look-up on site (the supervisors' mini-program): a keyword in the name, number or building, and projects
    within radius_m of a point. The distance is the equirectangular approximation in degrees (error < 0.1 % over
    a few kilometres at Shanghai's latitude), which both SQLite and PostgreSQL evaluate in plain arithmetic."""
    clauses: list[sa.ColumnElement[bool]] = []
    if args.get("q"):
        pattern = "%" + args["q"].strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            sa.or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (Project.name, Project.project_no, Project.building_name, Project.building_address)
                )
            )
        )
    if args.get("near"):
        raw_lng, raw_lat = (float(v) for v in args["near"].split(","))
        lng, lat = geo.to_wgs84(*geo.validate_lnglat(raw_lng, raw_lat), args.get("near_crs") or geo.CRS.GCJ02)
        radius_deg = args.get("radius_m", 1000.0) / (math.pi * geo.EARTH_RADIUS_M / 180.0)
        cos_lat = math.cos(math.radians(lat))
        dx = (Project.lng - lng) * cos_lat
        dy = Project.lat - lat
        clauses += [
            Project.lng.is_not(None),
            Project.lat.between(lat - radius_deg, lat + radius_deg),
            dx * dx + dy * dy <= radius_deg * radius_deg,
        ]
    return clauses


def _summary_select() -> sa.Select[Any]:
    """A summary reads these columns only: no collection, no geofence or checklist JSON, nothing decrypted."""
    return sa.select(Project).options(lazyload("*"), load_only(*(getattr(Project, c) for c in views.SUMMARY_COLUMNS)))


def list_projects(actor: Actor, args: dict[str, Any]) -> Page[views.ProjectSummary]:
    base = _summary_select().where(_project_scope(actor))
    stmt = _filters(base, Project, args, PROJECT_FILTERS)
    stmt = stmt.where(*_search_clauses(args))
    page = keyset_page(db.session, stmt, [Project.id], limit=args["limit"], cursor=args.get("cursor"))
    return Page(views.summaries(page.items), page.next_cursor)


def list_public_projects(args: dict[str, Any]) -> Page[views.ProjectSummary]:
    stmt = _filters(
        _summary_select().where(Project.status.in_(PUBLIC_STATUSES), Project.is_trial.is_(False)),
        Project,
        args,
        ("district_code", "service_type", "org_id"),
    )
    page = keyset_page(db.session, stmt, [Project.id], limit=args["limit"], cursor=args.get("cursor"))
    return Page(views.summaries(page.items), page.next_cursor)


def public_project(project_id: int) -> views.ProjectSummary:
    project = db.session.get(Project, project_id)
    if project is None or project.status not in PUBLIC_STATUSES or project.is_trial:
        raise NotFound("project_not_found")
    return views.summaries([project])[0]


def _disclosure_for_visits(actor: Actor) -> Callable[[SiteVisit], views.Disclosure]:
    """Per visit: evidence for the organisation and the supervisor of its district; names masked in lists."""

    def disclosure(visit: SiteVisit) -> views.Disclosure:
        evidence = can_manage_org(actor, visit.org_id) or actor.covers(visit.district_code, visit.special_zone)
        return views.Disclosure(evidence=evidence, personal=False)

    return disclosure


def _record_personal_read(actor: Actor, project: Project, disclosure: views.Disclosure) -> None:
    """A supervisor reading unmasked personal data leaves a trace in the audit log (docs/design.md §5)."""
    if disclosure.personal and actor.is_supervisory and not can_manage_org(actor, project.org_id):
        with unit_of_work() as uow:
            audit.record(
                "personal_data.read",
                "projects",
                project.id,
                {"fields": ["client_contact_name", "client_contact_phone", "practitioner_names"]},
            )
            uow.commit()


def project_detail(actor: Actor, project_id: int) -> views.ProjectDetail:
    project = load_project(project_id)
    access = require_view(actor, project)
    disclosure = views.Disclosure.of(actor, access)
    recent = list(
        db.session.scalars(
            sa.select(SiteVisit)
            .where(SiteVisit.project_id == project.id)
            .order_by(SiteVisit.id.desc())
            .limit(DETAIL_VISITS)
        )
    )
    open_defects = db.session.scalar(
        sa.select(sa.func.count()).select_from(Defect).where(Defect.project_id == project.id, Defect.status != "closed")
    )
    result = views.detail(
        project,
        disclosure,
        has_plan=has_plan(project.id),
        missing=missing_for_practice(project),
        open_defects=int(open_defects or 0),
        visits=views.visit_views(recent, lambda _visit: disclosure),
    )
    _record_personal_read(actor, project, disclosure)
    return result


# ----------------------------------------------------------------------------------------------------
# Visits


def _visit_scope(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    # Only a practitioner has projects as a member (the role is granted with the practitioner record).
    practitioner = queries.practitioner_for_user(actor.user_id) if actor.has_role(Role.PRACTITIONER) else None
    if practitioner is not None:
        clauses.append(SiteVisit.practitioner_id == practitioner.id)
    if actor.org_ids:
        clauses.append(SiteVisit.org_id.in_(sorted(actor.org_ids)))
    if actor.is_supervisory:
        clauses.append(area_clause(actor, SiteVisit.district_code, SiteVisit.special_zone))
    return sa.or_(*clauses) if clauses else sa.false()


VISIT_FILTERS = ("project_id", "status", "district_code", "org_id", "practitioner_id")


def list_visits(actor: Actor, args: dict[str, Any]) -> Page[views.VisitView]:
    stmt = _filters(sa.select(SiteVisit).where(_visit_scope(actor)), SiteVisit, args, VISIT_FILTERS)
    if args.get("flagged"):
        # JSON and JSONB both render an empty list as "[]" once cast to text.
        stmt = stmt.where(sa.cast(SiteVisit.flags, sa.String) != "[]")
    page = keyset_page(db.session, stmt, [SiteVisit.id], limit=args["limit"], cursor=args.get("cursor"))
    return Page(views.visit_views(page.items, _disclosure_for_visits(actor)), page.next_cursor)


def list_project_visits(actor: Actor, project_id: int, args: dict[str, Any]) -> Page[views.VisitView]:
    project = load_project(project_id)
    access = require_view(actor, project)
    shown = views.Disclosure(evidence=access.sees_evidence, personal=False)
    stmt = _filters(sa.select(SiteVisit).where(SiteVisit.project_id == project.id), SiteVisit, args, ("status",))
    page = keyset_page(db.session, stmt, [SiteVisit.id], limit=args["limit"], cursor=args.get("cursor"))
    return Page(views.visit_views(page.items, lambda _visit: shown), page.next_cursor)


def visit_detail(actor: Actor, visit_id: int) -> views.VisitView:
    visit = db.session.get(SiteVisit, visit_id)
    if visit is None:
        raise NotFound("visit_not_found")
    project = load_project(visit.project_id)
    practitioner = queries.practitioner_for_user(actor.user_id)
    own = practitioner is not None and practitioner.id == visit.practitioner_id
    try:
        access = require_view(actor, project)
    except Forbidden:
        if practitioner is None or not own:
            raise
        access = ProjectAccess(org=False, supervisor=False, member=False, practitioner_id=practitioner.id)
    disclosure = views.Disclosure.of(actor, access)
    result = views.visit_views([visit], lambda _visit: disclosure, with_records=True)[0]
    _record_personal_read(actor, project, disclosure)
    return result
