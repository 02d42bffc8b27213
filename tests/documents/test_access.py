"""The role gate of every documents, feedback and public-verification operation, walked for every role with
tests/access_matrix.py (object-level checks — jurisdiction, organisation, project team — are in test_api.py of
tests/documents and tests/feedback)."""

from __future__ import annotations

from typing import Any

from tests.access_matrix import ROLES, check, operations
from tests.builders.accounts import make_user

MINE = ("/api/v1/documents", "/api/v1/feedback", "/api/v1/public/verify")
MINE_UNDER_PROJECTS = ("/documents", "/feedback", "/maintenance-notice", "/contact-binding")


def my_operations(app: Any) -> list[Any]:
    return [
        op
        for op in operations(app)
        if op.rule.startswith(MINE)
        or (op.rule.startswith("/api/v1/projects/") and op.rule.endswith(MINE_UNDER_PROJECTS))
    ]


def test_my_operations_are_gated_for_every_role(app: Any, client: Any, ctx: Any) -> None:
    ops = my_operations(app)
    assert len(ops) == 16
    logins = {role: make_user(roles=(role,), org_id=424242, jurisdiction="310101") for role in ROLES[1:]}
    failures = []
    for op in ops:
        for role in ROLES:
            headers = logins[role].headers if role != "anonymous" else {}
            problem = check(client, op, role, headers)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


def test_declared_roles(app: Any) -> None:
    declared = {(op.method, op.rule): set(op.roles) for op in my_operations(app)}
    assert declared[("POST", "/api/v1/documents/<int:document_id>/signatures")] == {"practitioner"}
    assert declared[("POST", "/api/v1/documents/<int:document_id>/revocation")] == {"supervisor", "corps_admin"}
    assert declared[("GET", "/api/v1/public/verify")] == {"public"}
    assert declared[("POST", "/api/v1/public/verify")] == {"public"}
    assert declared[("GET", "/api/v1/feedback")] == {"org_admin", "legal_rep", "supervisor", "corps_admin"}
    assert "practitioner" not in declared[("POST", "/api/v1/feedback/<int:feedback_id>/resend")]
