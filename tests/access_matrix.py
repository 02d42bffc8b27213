"""Walk every API operation and call it as every role: the role gate must let in exactly the declared roles.

Used by tests/test_access_matrix.py and by each module's tests for its own endpoints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask

from backend.core.access import AUTHENTICATED, PUBLIC, REFRESH, Role

ROLES: tuple[str, ...] = ("anonymous", *[r.value for r in Role])
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    endpoint: str
    roles: tuple[str, ...]

    def url(self) -> str:
        return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "999999" if m.group(1) == "int" else "zz-unknown", self.rule)


def operations(app: Flask, prefix: str = "/api/v1") -> list[Operation]:
    ops = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted((rule.methods or set()) & set(METHODS)):
            func = getattr(view_class, method.lower(), None) if view_class else view
            roles = getattr(func, "_access_roles", None)
            if roles is None:
                raise AssertionError(f"{method} {rule.rule} declares no access roles (use @blp.access)")
            ops.append(Operation(rule.rule, method, rule.endpoint, tuple(roles)))
    return ops


def allowed(op: Operation, role: str) -> bool:
    if PUBLIC in op.roles:
        return True
    if REFRESH in op.roles:
        return False  # needs a refresh token: every access token is refused, tested in accounts
    if role == "anonymous":
        return False
    return AUTHENTICATED in op.roles or role in op.roles


def check(client: Any, op: Operation, role: str, headers: dict[str, str]) -> str | None:
    """Return a description of the failure, or None when the gate behaved."""
    kwargs: dict[str, Any] = {"headers": headers}
    if op.method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    response = client.open(op.url(), method=op.method, **kwargs)
    body = response.get_json(silent=True) or {}
    if response.status_code >= 500:
        return f"{op.method} {op.rule} as {role}: {response.status_code} {body}"
    gate_refused = response.status_code == 401 or (
        response.status_code == 403 and body.get("details", {}).get("gate") == "role"
    )
    if allowed(op, role) and gate_refused:
        return f"{op.method} {op.rule} as {role}: refused ({response.status_code}) but declared {op.roles}"
    if not allowed(op, role) and not gate_refused:
        return f"{op.method} {op.rule} as {role}: let in ({response.status_code}) but declared {op.roles}"
    if not allowed(op, role):
        expected = 401 if role == "anonymous" or REFRESH in op.roles else 403
        if response.status_code != expected:
            return f"{op.method} {op.rule} as {role}: {response.status_code}, expected {expected}"
    return None
