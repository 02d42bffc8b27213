"""现场签到: the v1 check-ins, one row each, known by the practitioner and the v1 record number; imported as
finished (checked-out) history, summed up in one timeline entry per project."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from backend.core import geo
from backend.core.db import db
from backend.core.timeutil import utcnow
from backend.modules.projects.queries import SiteVisit

from .common import CREATED, CRS_COLUMN, UNCHANGED, Checker, Column, Kind, Site, invalid
from .run import Context, history_events, known_person, known_project

VISIT_NO_MAX = 40  # the visit's idempotency key is "v1-" + this, within its 64 characters
VISIT_KEY_PREFIX = "v1-"  # idempotency key of an imported visit: unique per practitioner with the v1 number
IMPORTED_FLAG = {"code": "imported", "message": "原系统导入的历史记录"}


@dataclass(frozen=True)
class VisitRow:
    visit_no: str
    project_no: str
    id_number: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    site: Site


class Visits(Kind[VisitRow]):
    key = "visits"
    name = "现场签到"
    description = "原系统的现场签到记录，每次签到一行，以人员与签到记录编号识别；导入后均为已签退的历史记录。"
    columns = (
        Column("visit_no", "签到记录编号", "原系统记录编号，不超过40位", "QD20230315000123", True, True),
        Column("project_no", "项目编号", "已导入或已登记的项目", "WB2023-0001", True, True),
        Column("id_number", "从业人员身份证号", "签到的从业人员（已导入或已登记）", "", True, True),
        Column("checked_in_at", "签到时间", "YYYY-MM-DD HH:MM[:SS]，北京时间", "2023-03-15 09:12", True),
        Column("checked_out_at", "签退时间", "YYYY-MM-DD HH:MM[:SS]，北京时间", "2023-03-15 11:40"),
        Column("lng", "经度", "签到位置", "121.4756", True),
        Column("lat", "纬度", "签到位置", "31.2285", True),
        CRS_COLUMN,
    )
    natural_key = ("id_number", "visit_no")
    aliases = ("签到", "签到记录", "checkins")

    def parse(self, values: dict[str, str]) -> VisitRow:
        check = Checker(self, values)
        checked_in = check.datetime("checked_in_at", required=True)
        checked_out = check.datetime("checked_out_at")
        if checked_in and checked_in > utcnow():
            check.fail("checked_in_at", "签到时间不能晚于当前时间")
        if checked_in and checked_out and checked_out < checked_in:
            check.fail("checked_out_at", "签退时间不能早于签到时间")
        row = VisitRow(
            visit_no=(check.text("visit_no", VISIT_NO_MAX, required=True) or "").upper(),
            project_no=check.project_no() or "",
            id_number=check.id_number("id_number") or "",
            checked_in_at=checked_in or datetime.min,
            checked_out_at=checked_out,
            site=check.site(required=True),  # type: ignore[arg-type]
        )
        check.done()
        return row

    def prefetch(self, ctx: Context, rows: list[VisitRow]) -> None:
        """The batch's people and projects, and its visits already imported (one query, the unique index)."""
        refs = ctx.refs
        refs.prefetch(id_numbers=[r.id_number for r in rows], project_nos=[r.project_no for r in rows])
        people = [ref.id for ref in refs.people.values() if ref is not None]
        keys = [VISIT_KEY_PREFIX + r.visit_no for r in rows]
        if people and keys:
            found = db.session.execute(
                sa.select(SiteVisit.practitioner_id, SiteVisit.idempotency_key, SiteVisit.project_id).where(
                    SiteVisit.practitioner_id.in_(people), SiteVisit.idempotency_key.in_(keys)
                )
            )
            refs.visits.update({(pid, key): project for pid, key, project in found})

    def apply(self, ctx: Context, row: VisitRow) -> str:
        project = known_project(ctx, row.project_no)
        person = known_person(ctx, row.id_number, "id_number")
        key = VISIT_KEY_PREFIX + row.visit_no
        existing = ctx.refs.visits.get((person.id, key))
        if existing is not None:
            if existing != project.id:
                raise invalid("visit_no", "该人员的此签到记录编号已用于其他项目")
            return UNCHANGED
        site = row.site
        distance = (
            round(geo.distance_to_geofence_m(project.geofence, site.lng, site.lat), 1) if project.geofence else None
        )
        flags = [dict(IMPORTED_FLAG)]
        if row.checked_out_at is None:
            flags.append({"code": "not_checked_out", "message": "原系统记录没有签退时间"})
        duration = int((row.checked_out_at - row.checked_in_at).total_seconds()) if row.checked_out_at else None
        ctx.refs.visits[(person.id, key)] = project.id
        db.session.add(
            SiteVisit(
                project_id=project.id,
                practitioner_id=person.id,
                org_id=project.org_id,
                status="checked_out",
                idempotency_key=key,
                checked_in_at=row.checked_in_at,
                lng=site.lng,
                lat=site.lat,
                submitted_crs=site.source_crs,
                distance_to_fence_m=distance,
                identity_method="imported",
                flags=flags,
                reasons=[],
                checked_out_at=row.checked_out_at,
                duration_s=duration,
                district_code=project.district_code,
                special_zone=project.special_zone,
                is_trial=False,
            )
        )
        ctx.history.setdefault(project.id, Counter())["visits"] += 1
        return CREATED

    def finish(self, ctx: Context) -> None:
        history_events(ctx)
