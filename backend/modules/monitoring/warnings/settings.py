"""Rule settings, versioned: the corps admin (or a supervisor holding "manage_rules") changes a rule's
thresholds, severity or switch; each change is a new version naming who changed what, when and why, and every
warning records the version it was raised under."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from backend.core.access import Actor, require_permission
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.timeutil import utcnow

from ..models import SEVERITIES, RuleSetting
from .registry import RULES, Param, Rule, Settings


def config_value(param: Param) -> float | int:
    value = current_app.config.get(param.config_key, param.default)
    return int(value) if param.integer else float(value)


def _defaults(rule: Rule) -> Settings:
    return Settings(0, True, rule.severity, {p.key: config_value(p) for p in rule.params})


def _from_row(rule: Rule, row: RuleSetting) -> Settings:
    values = {p.key: row.thresholds.get(p.key, config_value(p)) for p in rule.params}
    return Settings(row.version, row.enabled, row.severity, values)


def latest_rows() -> dict[str, RuleSetting]:
    """The version in force of every rule that has been changed at least once (one query)."""
    newest = sa.select(RuleSetting.rule, sa.func.max(RuleSetting.version).label("version")).group_by(RuleSetting.rule)
    newest_sq = newest.subquery()
    rows = db.session.scalars(
        sa.select(RuleSetting).join(
            newest_sq, sa.and_(RuleSetting.rule == newest_sq.c.rule, RuleSetting.version == newest_sq.c.version)
        )
    )
    return {row.rule: row for row in rows}


def settings_in_force() -> dict[str, Settings]:
    rows = latest_rows()
    return {code: _from_row(rule, rows[code]) if code in rows else _defaults(rule) for code, rule in RULES.items()}


@dataclass(frozen=True)
class RuleView:
    rule: Rule
    settings: Settings
    latest: RuleSetting | None
    config_defaults: dict[str, float | int]

    def __getattr__(self, name: str) -> Any:
        if name in ("rule", "settings", "latest", "config_defaults"):
            raise AttributeError(name)
        return getattr(self.rule, name)

    @property
    def default_severity(self) -> str:
        return self.rule.severity

    @property
    def version(self) -> int:
        return self.settings.version

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @property
    def severity(self) -> str:
        return self.settings.severity

    @property
    def thresholds(self) -> dict[str, float | int]:
        return self.settings.values

    @property
    def changed_by(self) -> int | None:
        return self.latest.changed_by if self.latest else None

    @property
    def changed_at(self) -> datetime | None:
        return self.latest.changed_at if self.latest else None

    @property
    def note(self) -> str | None:
        return self.latest.note if self.latest else None


def _view(rule: Rule, row: RuleSetting | None) -> RuleView:
    settings = _from_row(rule, row) if row is not None else _defaults(rule)
    return RuleView(rule, settings, row, {p.key: config_value(p) for p in rule.params})


def _rule_or_404(code: str) -> Rule:
    rule = RULES.get(code)
    if rule is None:
        raise NotFound("rule_not_found")
    return rule


def list_rules(actor: Actor) -> list[RuleView]:
    rows = latest_rows()
    return [_view(rule, rows.get(code)) for code, rule in RULES.items()]


def rule_versions(actor: Actor, code: str) -> list[RuleSetting]:
    _rule_or_404(code)
    return list(
        db.session.scalars(sa.select(RuleSetting).where(RuleSetting.rule == code).order_by(RuleSetting.version.desc()))
    )


def _checked_thresholds(rule: Rule, given: dict[str, Any]) -> dict[str, float | int]:
    params = {p.key: p for p in rule.params}
    errors: dict[str, list[str]] = {}
    checked: dict[str, float | int] = {}
    for key, value in given.items():
        param = params.get(key)
        if param is None:
            errors[key] = ["该规则没有此阈值项"]
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors[key] = ["阈值须为数字"]
            continue
        if param.integer and float(value) != int(value):
            errors[key] = ["阈值须为整数"]
            continue
        if not param.minimum <= value <= param.maximum:
            errors[key] = [f"阈值须在 {param.minimum:g}～{param.maximum:g} {param.unit}之间"]
            continue
        checked[key] = int(value) if param.integer else float(value)
    if errors:
        raise ValidationFailed("rule_threshold_invalid", details={"fields": {"thresholds": errors}})
    return checked


def update_rule(actor: Actor, code: str, data: dict[str, Any]) -> RuleView:
    """A new version of the rule's settings: the values given replace those in force, the rest carry over."""
    require_permission(actor, "manage_rules")
    rule = _rule_or_404(code)
    if data.get("severity") is not None and data["severity"] not in SEVERITIES:
        raise ValidationFailed("validation_error", details={"fields": {"severity": ["预警等级无效"]}})
    changes = _checked_thresholds(rule, data.get("thresholds") or {})
    with unit_of_work() as uow:
        current = latest_rows().get(code)
        settings = _from_row(rule, current) if current is not None else _defaults(rule)
        row = RuleSetting(
            rule=code,
            version=settings.version + 1,
            enabled=settings.enabled if data.get("enabled") is None else bool(data["enabled"]),
            severity=data.get("severity") or settings.severity,
            thresholds={**settings.values, **changes},
            note=data["note"].strip(),
            changed_by=actor.user_id,
            changed_at=utcnow(),
        )
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            raise Conflict("rule_settings_changed") from None
        uow.commit()
        return _view(rule, row)
