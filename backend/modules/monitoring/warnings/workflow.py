"""A warning's life: open → acknowledged → resolved | dismissed, each step with who, when and a note; who
sees which warnings; and the in-app notification list.

Supervisors see and handle the warnings of their jurisdiction (the corps all). An organisation sees the
warnings about itself, its staff and its projects that it may see (not the 挂证 findings under investigation),
and may acknowledge them with its explanation; closing a warning is the supervisor's decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from backend.core.access import Actor, area_clause
from backend.core.db import column_map, db, unit_of_work
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.pagination import Page, keyset_page
from backend.core.timeutil import utcnow

from ..models import OPEN_WARNING_STATUSES, WARNING_STATUSES, MonitoringWarning, WarningNotification
from ..readmodel import Organization, Practitioner, Project
from .engine import timeline_entry
from .registry import RULES

FILTERS = ("status", "rule", "severity", "subject_kind", "org_id", "practitioner_id", "project_id", "district_code")


@dataclass(frozen=True)
class WarningView:
    warning: MonitoringWarning
    subject_name: str

    def __getattr__(self, name: str) -> Any:
        if name in ("warning", "subject_name"):
            raise AttributeError(name)
        return getattr(self.warning, name)

    @property
    def rule_title(self) -> str:
        rule = RULES.get(self.warning.rule)
        return rule.title if rule else self.warning.rule

    @property
    def family(self) -> str | None:
        rule = RULES.get(self.warning.rule)
        return rule.family if rule else None

    @property
    def status_name(self) -> str:
        return WARNING_STATUSES[self.warning.status]


def _names(model: Any, column: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return column_map(sa.select(model.id, column).where(model.id.in_(ids)))


def views(warnings: list[MonitoringWarning]) -> list[WarningView]:
    """Subjects named for display: organisations by name, practitioners masked, projects by number."""
    by_kind: dict[str, set[int]] = {}
    for w in warnings:
        by_kind.setdefault(w.subject_kind, set()).add(w.subject_id)
    names = {
        "organization": _names(Organization, Organization.name, by_kind.get("organization", set())),
        "practitioner": _names(Practitioner, Practitioner.name_masked, by_kind.get("practitioner", set())),
        "project": _names(Project, Project.project_no, by_kind.get("project", set())),
    }
    return [WarningView(w, names.get(w.subject_kind, {}).get(w.subject_id, "")) for w in warnings]


# --- who sees what ----------------------------------------------------------------------------------------


def visible_clause(actor: Actor) -> sa.ColumnElement[bool]:
    clauses: list[sa.ColumnElement[bool]] = []
    if actor.is_supervisory:
        clauses.append(area_clause(actor, MonitoringWarning.district_code, MonitoringWarning.special_zone))
    if actor.org_ids:
        clauses.append(
            sa.and_(MonitoringWarning.org_id.in_(sorted(actor.org_ids)), MonitoringWarning.org_visible.is_(True))
        )
    return sa.or_(*clauses) if clauses else sa.false()


def _supervises(actor: Actor, warning: MonitoringWarning) -> bool:
    return actor.covers(warning.district_code, warning.special_zone)


def _org_sees(actor: Actor, warning: MonitoringWarning) -> bool:
    return warning.org_visible and warning.org_id is not None and warning.org_id in actor.org_ids


def _load(warning_id: int, *, for_update: bool = False) -> MonitoringWarning:
    warning = db.session.get(MonitoringWarning, warning_id, with_for_update=for_update or None)
    if warning is None:
        raise NotFound("warning_not_found")
    return warning


def _require_reader(actor: Actor, warning: MonitoringWarning) -> None:
    if _supervises(actor, warning) or _org_sees(actor, warning):
        return
    raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "forbidden")


def _require_supervisor(actor: Actor, warning: MonitoringWarning) -> None:
    if not _supervises(actor, warning):
        raise Forbidden("out_of_jurisdiction" if actor.is_supervisory else "warning_close_supervisor_only")


# --- reads ------------------------------------------------------------------------------------------------


def list_warnings(actor: Actor, args: dict[str, Any]) -> Page[WarningView]:
    stmt = sa.select(MonitoringWarning).where(visible_clause(actor))
    for name in FILTERS:
        if args.get(name) is not None:
            stmt = stmt.where(getattr(MonitoringWarning, name) == args[name])
    if args.get("open_only"):
        stmt = stmt.where(MonitoringWarning.status.in_(OPEN_WARNING_STATUSES))
    page = keyset_page(db.session, stmt, [MonitoringWarning.id], limit=args["limit"], cursor=args.get("cursor"))
    return Page(views(page.items), page.next_cursor)


def get_warning(actor: Actor, warning_id: int) -> WarningView:
    warning = _load(warning_id)
    _require_reader(actor, warning)
    return views([warning])[0]


# --- workflow ---------------------------------------------------------------------------------------------


def acknowledge(actor: Actor, warning_id: int, note: str | None) -> WarningView:
    """The supervisor has taken it up, or the organisation has seen it and says what it is doing."""
    with unit_of_work() as uow:
        warning = _load(warning_id, for_update=True)
        _require_reader(actor, warning)
        if warning.status != "open":
            raise Conflict("warning_not_open", details={"status": warning.status})
        warning.status = "acknowledged"
        warning.acknowledged_by = actor.user_id
        warning.acknowledged_at = utcnow()
        warning.acknowledge_note = (note or "").strip() or None
        uow.commit()
        return views([warning])[0]


def _close(actor: Actor, warning_id: int, status: str, note: str) -> WarningView:
    with unit_of_work() as uow:
        warning = _load(warning_id, for_update=True)
        _require_supervisor(actor, warning)
        if warning.status not in OPEN_WARNING_STATUSES:
            raise Conflict("warning_closed", details={"status": warning.status})
        warning.status = status
        warning.closed_by = actor.user_id
        warning.closed_at = utcnow()
        warning.close_note = note.strip()
        verb = "已处置" if status == "resolved" else "经核查排除"
        timeline_entry(warning, f"warning.{status}", f"预警{verb}：{warning.summary}（{warning.close_note}）")
        uow.commit()
        return views([warning])[0]


def resolve(actor: Actor, warning_id: int, note: str) -> WarningView:
    return _close(actor, warning_id, "resolved", note)


def dismiss(actor: Actor, warning_id: int, note: str) -> WarningView:
    return _close(actor, warning_id, "dismissed", note)


# --- notifications ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationView:
    notification: WarningNotification
    warning: WarningView

    def __getattr__(self, name: str) -> Any:
        if name in ("notification", "warning"):
            raise AttributeError(name)
        return getattr(self.notification, name)


def list_notifications(actor: Actor, args: dict[str, Any]) -> Page[NotificationView]:
    stmt = sa.select(WarningNotification).where(WarningNotification.user_id == actor.user_id)
    if args.get("unread"):
        stmt = stmt.where(WarningNotification.read_at.is_(None))
    page = keyset_page(db.session, stmt, [WarningNotification.id], limit=args["limit"], cursor=args.get("cursor"))
    warnings = {
        w.id: w
        for w in views(
            list(
                db.session.scalars(
                    sa.select(MonitoringWarning).where(
                        MonitoringWarning.id.in_({n.warning_id for n in page.items} or {-1})
                    )
                )
            )
        )
    }
    return Page([NotificationView(n, warnings[n.warning_id]) for n in page.items], page.next_cursor)


def mark_read(actor: Actor, notification_id: int) -> NotificationView:
    with unit_of_work() as uow:
        notification = db.session.get(WarningNotification, notification_id)
        if notification is None or notification.user_id != actor.user_id:
            raise NotFound("notification_not_found")
        if notification.read_at is None:
            notification.read_at = utcnow()
        uow.commit()
        warning = _load(notification.warning_id)
        return NotificationView(notification, views([warning])[0])
