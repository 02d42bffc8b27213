"""The trial phase (试运行): a system setting `mode` = trial | live, switched by the corps admin, and the flush
hook that tags every row created during the trial (tables with an `is_trial` column) so that the clearing can
remove exactly those rows before go-live.

The mode is read at most once per transaction and kept in the session until the transaction ends; the switch
drops it at once. A process-wide cache would be cheaper by one primary-key read per writing transaction, but a
worker or another web process would then keep tagging real rows as trial for a while after the switch to live,
and the clearing deletes what is tagged: the read is the price of never losing real data.

Imports and the clearing itself suspend the tagging: imported history is real data, and the record of the
clearing must survive it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import ValidationFailed
from backend.core.jobs import BackgroundJob
from backend.core.timeline import append_event
from backend.core.timeutil import utcnow

from .models import MODES, SystemSetting, TrialJob

MODE_KEY = "mode"
# Absent setting = live: a deployment never tags real rows as disposable unless the corps admin says so.
DEFAULT_MODE = "live"
_MEMO_KEY = "golive_mode"
_SUSPEND_KEY = "golive_tagging_suspended"


@dataclass(frozen=True)
class ModeState:
    mode: str
    changed_at: datetime | None
    changed_by: int | None

    @property
    def mode_name(self) -> str:
        return MODES[self.mode]


def _read_mode(session: Session) -> str:
    # A Core read on the flushing connection: no autoflush, and it sees the transaction's own switch.
    value = session.connection().scalar(sa.select(SystemSetting.value).where(SystemSetting.key == MODE_KEY))
    return value if value in MODES else DEFAULT_MODE


def mode_in_transaction(session: Session | None = None) -> str:
    session = session or db.session()
    if _MEMO_KEY not in session.info:
        session.info[_MEMO_KEY] = _read_mode(session)
    return str(session.info[_MEMO_KEY])


# Per class: whether its table has the is_trial column (what functools.cache did, typed for classes).
_TRIAL_COLUMN: dict[type, bool] = {}


def _has_trial_column(cls: type) -> bool:
    found = _TRIAL_COLUMN.get(cls)
    if found is None:
        mapper: sa.orm.Mapper[Any] | None = sa.inspect(cls, raiseerr=False)
        found = _TRIAL_COLUMN[cls] = mapper is not None and "is_trial" in mapper.columns
    return found


def _tag_trial_rows(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(_SUSPEND_KEY):
        return
    new = [o for o in session.new if isinstance(o, BackgroundJob) or _has_trial_column(type(o))]
    if not new or mode_in_transaction(session) != "trial":
        return
    for obj in new:
        if isinstance(obj, BackgroundJob):
            session.add(TrialJob(job=obj))
        else:
            obj.is_trial = True


def _forget_mode(session: Session, transaction: Any) -> None:
    session.info.pop(_MEMO_KEY, None)


def install() -> None:
    """Installed by the app factory (`golive.hooks.install`), idempotent. `insert=True` puts it before the audit
    hook, so the audit log records the rows as they are stored (is_trial included)."""
    target = db.session
    if not event.contains(target, "before_flush", _tag_trial_rows):
        event.listen(target, "before_flush", _tag_trial_rows, insert=True)
        event.listen(target, "after_transaction_end", _forget_mode)


@contextmanager
def tagging_suspended() -> Iterator[None]:
    """Rows created inside are never trial rows (imported history, the clearing's own records)."""
    session = db.session()
    previous = session.info.get(_SUSPEND_KEY)
    session.info[_SUSPEND_KEY] = True
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(_SUSPEND_KEY, None)
        else:
            session.info[_SUSPEND_KEY] = previous


# --- services ---------------------------------------------------------------------------------------------


def _state(row: SystemSetting | None) -> ModeState:
    if row is None or row.value not in MODES:
        return ModeState(DEFAULT_MODE, None, None)
    return ModeState(row.value, row.updated_at, row.updated_by)


def get_mode(actor: Actor) -> ModeState:
    return _state(db.session.get(SystemSetting, MODE_KEY))


def set_mode(actor: Actor, mode: str, reason: str | None = None) -> ModeState:
    """Switch between trial and live (corps admin). The switch is audited with its reason and put on the
    timeline; switching to the mode already in force changes nothing."""
    if mode not in MODES:
        raise ValidationFailed("system_mode_unknown", details={"fields": {"mode": ["应为 trial 或 live"]}})
    with unit_of_work() as uow, tagging_suspended():
        row = db.session.get(SystemSetting, MODE_KEY, with_for_update=True)
        old = _state(row).mode
        if old == mode:
            return _state(row)
        if row is None:
            row = SystemSetting(key=MODE_KEY, value=mode)
            db.session.add(row)
        row.value, row.updated_at, row.updated_by = mode, utcnow(), actor.user_id
        note = (reason or "").strip() or None
        audit.record("system.mode_changed", "system_settings", MODE_KEY, {"from": old, "to": mode, "reason": note})
        append_event(
            "system.mode_changed",
            f"系统由{MODES[old]}切换为{MODES[mode]}" + (f"：{note}" if note else ""),
            visibility="supervisor",
            data={"from": old, "to": mode},
        )
        db.session.info[_MEMO_KEY] = mode
        uow.commit()
        return _state(row)
