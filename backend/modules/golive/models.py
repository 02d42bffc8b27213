"""Go-live: system settings (trial / live mode), import runs with their checkpoint and row errors, and the
background jobs created during the trial (so the clearing can remove them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.adapters.registry import ORG_STATUS_CANCELLED, ORG_STATUS_NORMAL, ORG_STATUS_SUSPENDED
from backend.core.db import Base, BigIntPK, IdMixin, TimestampMixin
from backend.core.jobs import BackgroundJob
from backend.core.timeutil import utcnow
from backend.core.vocabulary import Labelled


class Mode(Labelled):
    """The system's mode (the first system setting)."""

    TRIAL = "trial", "试运行"
    LIVE = "live", "正式运行"


class RunStatus(Labelled):
    """An import run's progress."""

    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "已中断（可续传）"


class RegistryOrgStanding(Labelled):
    """An imported organisation's standing as the old system and the national registry word it (正常、停业、注销),
    and the organisation status each becomes here."""

    VERIFIED = "verified", ORG_STATUS_NORMAL
    SUSPENDED = "suspended", ORG_STATUS_SUSPENDED
    DEREGISTERED = "deregistered", ORG_STATUS_CANCELLED


class MissingInfo(Labelled):
    """What an imported project still lacks before it can go on (the project is left needs_supplement)."""

    COORDINATES = "coordinates", "项目坐标（含电子围栏）"
    CLIENT_CONTACT = "client_contact", "委托单位联系人"
    MAINTENANCE_PLAN = "maintenance_plan", "维保计划"


# The code lists as the rest of the backend reads them (value -> label).
MODES = Mode.labels()
RUN_STATUSES = RunStatus.labels()


class SystemSetting(Base):
    """One row per setting; `mode` is the first (trial | live). Writes are audited by the flush hook."""

    __tablename__ = "system_settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(sa.BigInteger)


class ImportRun(IdMixin, TimestampMixin, Base):
    """One import of v1 history: its files, where it stopped (checkpoint) and what it did.

    Not audited row by row (the checkpoint moves every batch); the start and the outcome are recorded in the
    audit log explicitly, and every row it creates is audited by the flush hook.
    """

    __tablename__ = "import_runs"
    __audit__ = False

    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    dry_run: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(sa.String(16))  # upload | cli
    directory: Mapped[str] = mapped_column(sa.String(500))
    # [{"path": stored file name, "name": the name the user gave it}]
    files: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    job_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # {"file": index of the file in import order, "line": last line committed in it}
    checkpoint: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {object: {"created": n, "unchanged": n, "failed": n}}
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rows_total: Mapped[int | None] = mapped_column()
    rows_done: Mapped[int] = mapped_column(default=0)
    errors_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class ImportRowError(Base):
    """A rejected row (or file): written in the same transaction as the batch, so a resumed run never
    reports a row twice. No cell values are kept: they may be ID numbers."""

    __tablename__ = "import_row_errors"
    __audit__ = False

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(sa.String(255))
    line: Mapped[int] = mapped_column()
    field: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(500))

    __table_args__ = (sa.Index("ix_import_row_errors_run_id_id", "run_id", "id"),)


class TrialJob(Base):
    """A background job enqueued while the system was in trial: removed with the trial data."""

    __tablename__ = "trial_jobs"
    __audit__ = False

    job_id: Mapped[int] = mapped_column(sa.ForeignKey("background_jobs.id", ondelete="CASCADE"), primary_key=True)

    job: Mapped[BackgroundJob] = relationship()
