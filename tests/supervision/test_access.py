"""The role gate of every supervision and timeline endpoint, for every role (object-level checks — jurisdiction,
ownership, permissions — are in test_api.py of both modules)."""

from __future__ import annotations

from typing import Any

from tests.access_matrix import ROLES, check, operations
from tests.builders.accounts import make_user

PREFIXES = ("/api/v1/supervision", "/api/v1/public/penalties", "/api/v1/timeline")


def test_supervision_and_timeline_endpoints_let_in_exactly_the_declared_roles(app: Any, client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import User
    from backend.modules.accounts.services import _issue_tokens

    ops = [op for op in operations(app) if op.rule.startswith(PREFIXES)]
    assert len(ops) == 26
    users = {role: make_user(roles=(role,), org_id=424242, jurisdiction="310101").user_id for role in ROLES[1:]}
    failures = []
    for op in ops:
        for role in ROLES:
            headers = {}
            if role != "anonymous":
                headers = {"Authorization": f"Bearer {_issue_tokens(db.session.get(User, users[role])).access_token}"}
            problem = check(client, op, role, headers)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


def test_writes_are_for_supervisors_and_answers_for_practitioners(app: Any) -> None:
    declared = {(op.method, op.rule): set(op.roles) for op in operations(app) if op.rule.startswith(PREFIXES)}
    supervisors = {"supervisor", "corps_admin"}
    assert declared[("POST", "/api/v1/supervision/inspections")] == supervisors
    assert declared[("POST", "/api/v1/supervision/penalties")] == supervisors
    assert declared[("POST", "/api/v1/supervision/spot-checks/random")] == supervisors
    assert declared[("POST", "/api/v1/supervision/my/spot-checks/<int:spot_check_id>/answer")] == {"practitioner"}
    assert declared[("GET", "/api/v1/public/penalties")] == {"public"}
    assert declared[("GET", "/api/v1/timeline/verify")] == {"corps_admin"}
