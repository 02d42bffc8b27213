"""The scan: run rules over a window and turn their findings into warnings, once per rule, subject and period.

Two schedules call it. The event scan (every minute) reads the timeline events recorded since it last ran
and runs only the rules those kinds of event can trigger, over the days the events fall in: a refused
check-in becomes a warning within a minute without re-reading the city's data. The periodic scan (hourly)
runs every rule over the days since it last ran, which also covers states rather than events (conditions,
certificates about to expire, plan months that closed, reports past their due day).

Each warning is written in its own unit of work with its notifications and its timeline entry, so a failure
never leaves a warning nobody was told about, and a second scan racing this one meets the unique key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.core.db import db, unit_of_work
from backend.core.timeline import TimelineEvent, append_event
from backend.core.timeutil import to_local, utcnow

from ..models import OPEN_WARNING_STATUSES, MonitoringWarning, ScanState, WarningNotification
from ..readmodel import User, UserRole
from ..sqlutil import local_midnight
from .registry import RULES, Detection, Rule, Settings, Window
from .settings import settings_in_force

log = logging.getLogger(__name__)

EVENT_SCAN = "events"
PERIODIC_SCAN = "periodic"
EVENT_BATCH = 5000
FIRST_LOOKBACK = timedelta(days=2)  # the first periodic scan of a new installation


@dataclass
class ScanResult:
    window: Window
    rules: list[str] = field(default_factory=list)
    raised: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    org_ids: set[int] = field(default_factory=set)
    practitioner_ids: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "window": [self.window.start.isoformat(), self.window.end.isoformat()],
            "rules": self.rules,
            "raised": len(self.raised),
            "updated": len(self.updated),
            "errors": self.errors,
        }


def day_window(start: datetime, end: datetime) -> Window:
    """From the Shanghai midnight before `start`: rules that count per day must see the whole day."""
    return Window(local_midnight(to_local(start).date()), end)


# --- one warning ------------------------------------------------------------------------------------------


def _recipients(warning: MonitoringWarning) -> set[int]:
    """The supervisors of the warning's district or special detachment, and, for a warning the organisation
    may see, its admins and legal representative. The corps sees every warning in its list instead."""
    zones = [z for z in (warning.district_code, warning.special_zone) if z]
    who = sa.and_(UserRole.role == "supervisor", UserRole.jurisdiction.in_(zones or ["-"]))
    if warning.org_visible and warning.org_id is not None:
        who = sa.or_(who, sa.and_(UserRole.role.in_(("org_admin", "legal_rep")), UserRole.org_id == warning.org_id))
    return set(
        db.session.scalars(
            sa.select(UserRole.user_id).join(User, User.id == UserRole.user_id).where(who, User.status == "active")
        )
    )


def timeline_entry(warning: MonitoringWarning, kind: str, summary: str, **data: Any) -> None:
    append_event(
        kind,
        summary,
        org_id=warning.org_id,
        practitioner_id=warning.practitioner_id,
        project_id=warning.project_id,
        district_code=warning.district_code,
        special_zone=warning.special_zone,
        visibility="org" if warning.org_visible else "supervisor",
        data={"warning_id": warning.id, "rule": warning.rule, **data},
        is_trial=warning.is_trial,
    )


def _merge_evidence(warning: MonitoringWarning, found: Detection) -> bool:
    merged = {k: list(v) for k, v in warning.evidence.items()}
    for name, ids in found.evidence.items():
        merged[name] = list(dict.fromkeys([*merged.get(name, []), *ids]))
    if merged == warning.evidence and found.summary == warning.summary:
        return False
    warning.evidence = merged
    warning.summary = found.summary[:500]
    return True


def _new_warning(rule: Rule, settings: Settings, found: Detection) -> MonitoringWarning:
    return MonitoringWarning(
        rule=rule.code,
        rule_version=settings.version,
        severity=settings.severity,
        subject_kind=found.subject_kind,
        subject_id=found.subject_id,
        period_key=found.period_key,
        org_id=found.org_id,
        practitioner_id=found.practitioner_id,
        project_id=found.project_id,
        district_code=found.district_code,
        special_zone=found.special_zone,
        summary=found.summary[:500],
        evidence=found.evidence,
        org_visible=rule.org_visible,
        status="open",
        detected_at=utcnow(),
        is_trial=found.is_trial,
    )


def record(rule: Rule, settings: Settings, found: Detection) -> tuple[str, int | None]:
    """Raise the warning, or add new evidence to the open one. Returns ("raised" | "updated" | "seen", id)."""
    with unit_of_work() as uow:
        existing = db.session.scalar(
            sa.select(MonitoringWarning).where(
                MonitoringWarning.rule == rule.code,
                MonitoringWarning.subject_kind == found.subject_kind,
                MonitoringWarning.subject_id == found.subject_id,
                MonitoringWarning.period_key == found.period_key,
            )
        )
        if existing is not None:
            if existing.status in OPEN_WARNING_STATUSES and _merge_evidence(existing, found):
                uow.commit()
                return "updated", existing.id
            return "seen", existing.id
        warning = _new_warning(rule, settings, found)
        db.session.add(warning)
        try:
            db.session.flush()
        except IntegrityError:  # another scan raised it a moment ago
            uow.rollback()
            return "seen", None
        for user_id in _recipients(warning):
            db.session.add(WarningNotification(warning_id=warning.id, user_id=user_id))
        timeline_entry(
            warning,
            "warning.raised",
            f"预警（{rule.title}）：{warning.summary}",
            severity=warning.severity,
            **found.evidence,
        )
        uow.commit()
        return "raised", warning.id


# --- scans ------------------------------------------------------------------------------------------------


def scan(window: Window, codes: Iterable[str] | None = None) -> ScanResult:
    """Run the enabled rules (all, or those named) over the window."""
    result = ScanResult(window)
    settings = settings_in_force()
    for code in codes if codes is not None else RULES:
        rule, rule_settings = RULES[code], settings[code]
        if not rule_settings.enabled:
            continue
        result.rules.append(code)
        try:
            found = rule.detect(window, rule_settings)
        except Exception as exc:  # one broken rule must not stop the others; the job records the error
            db.session.rollback()
            log.exception("warning rule %s failed", code)
            result.errors[code] = f"{type(exc).__name__}: {exc}"
            continue
        db.session.rollback()  # detection only reads: end its transaction before writing
        for detection in found:
            outcome, warning_id = record(rule, rule_settings, detection)
            if outcome == "raised" and warning_id is not None:
                result.raised.append(warning_id)
            elif outcome == "updated" and warning_id is not None:
                result.updated.append(warning_id)
            if outcome != "seen" and detection.org_id is not None:
                result.org_ids.add(detection.org_id)
            if outcome != "seen" and detection.practitioner_id is not None:
                result.practitioner_ids.add(detection.practitioner_id)
    return result


def _state(name: str) -> ScanState:
    state = db.session.get(ScanState, name, with_for_update=True)
    if state is None:
        state = ScanState(name=name, last_event_id=0)
        db.session.add(state)
        db.session.flush()
    return state


def rules_triggered_by(kinds: Iterable[str]) -> list[str]:
    wanted = set(kinds)
    return [code for code, rule in RULES.items() if wanted & set(rule.triggers)]


@dataclass
class EventBatch:
    kinds: set[str]
    earliest: datetime | None
    org_ids: set[int]
    practitioner_ids: set[int]
    last_id: int


def _read_events(after: int, limit: int) -> EventBatch:
    rows = db.session.execute(
        sa.select(
            TimelineEvent.id,
            TimelineEvent.kind,
            TimelineEvent.occurred_at,
            TimelineEvent.org_id,
            TimelineEvent.practitioner_id,
        )
        .where(TimelineEvent.id > after)
        .order_by(TimelineEvent.id)
        .limit(limit)
    ).all()
    own = [r for r in rows if not r.kind.startswith("warning.")]  # our own entries trigger nothing
    return EventBatch(
        kinds={r.kind for r in own},
        earliest=min((r.occurred_at for r in own), default=None),
        org_ids={r.org_id for r in own if r.org_id is not None},
        practitioner_ids={r.practitioner_id for r in own if r.practitioner_id is not None},
        last_id=rows[-1].id if rows else after,
    )


def scan_new_events(limit: int = EVENT_BATCH) -> tuple[ScanResult | None, EventBatch]:
    """The rules the new timeline events can trigger, over the days they fall in. A new installation starts
    from the newest event (history is the periodic scan's)."""
    with unit_of_work() as uow:
        state = _state(EVENT_SCAN)
        if state.last_run_at is None:
            state.last_event_id = db.session.scalar(sa.select(sa.func.max(TimelineEvent.id))) or 0
        batch = _read_events(state.last_event_id, limit)
        state.last_event_id = batch.last_id
        state.last_run_at = utcnow()
        uow.commit()
    codes = rules_triggered_by(batch.kinds)
    if not codes or batch.earliest is None:
        return None, batch
    now = utcnow()
    return scan(day_window(min(batch.earliest, now), now), codes), batch


def periodic_scan(now: datetime | None = None) -> ScanResult:
    """Every rule over the days since the last periodic scan (the first one looks back two days)."""
    end = now or utcnow()
    with unit_of_work() as uow:
        state = _state(PERIODIC_SCAN)
        since = state.last_run_at or end - FIRST_LOOKBACK
        uow.commit()
    result = scan(day_window(min(since, end), end))
    with unit_of_work() as uow:
        _state(PERIODIC_SCAN).last_run_at = end
        uow.commit()
    return result
