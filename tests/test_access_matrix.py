"""Every endpoint × every role: the declared roles get past the gate, everyone else is refused (401/403)."""

from __future__ import annotations

from typing import Any

from tests.access_matrix import ROLES, check, operations
from tests.builders.accounts import make_user


def test_every_operation_declares_access(app: Any) -> None:
    ops = operations(app)
    assert len(ops) >= 10
    assert all(op.roles for op in ops)


def test_every_endpoint_for_every_role(app: Any, client: Any, ctx: Any) -> None:
    from backend.core.db import db
    from backend.modules.accounts.models import User
    from backend.modules.accounts.services import _issue_tokens

    users = {role: make_user(roles=(role,), org_id=424242, jurisdiction="310101").user_id for role in ROLES[1:]}
    failures = []
    for op in operations(app):
        for role in ROLES:
            # fresh tokens for every call: some operations (logout) end the session they are called with
            headers = {}
            if role != "anonymous":
                user = db.session.get(User, users[role])
                headers = {"Authorization": f"Bearer {_issue_tokens(user).access_token}"}
            problem = check(client, op, role, headers)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)
