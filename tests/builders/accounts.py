"""Users with real tokens (issued exactly as a login issues them), the Actor a request would carry, and the
SMS login the mini-program does. Call inside an app context."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

_phones = itertools.count(1)


def next_phone() -> str:
    return f"137{next(_phones):08d}"


@dataclass
class Login:
    user_id: int
    phone: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def make_user(
    *,
    phone: str | None = None,
    roles: tuple[str, ...] = (),
    org_id: int | None = None,
    jurisdiction: str | None = None,
    permissions: tuple[str, ...] = (),
    name: str | None = None,
) -> Login:
    """Create a user with roles and return real tokens. Call inside an app context."""
    from backend.core.crypto import phone_hash
    from backend.core.db import db
    from backend.modules.accounts.models import User, UserRole
    from backend.modules.accounts.services import _issue_tokens

    phone = phone or next_phone()
    user = db.session.scalar(sa.select(User).where(User.phone_hash == phone_hash(phone)))
    if user is None:
        user = User(phone=phone, phone_hash=phone_hash(phone), display_name=name)
        db.session.add(user)
    for role in roles:
        if role in ("supervisor", "corps_admin"):
            user.roles.append(
                UserRole(
                    role=role,
                    jurisdiction="corps" if role == "corps_admin" else jurisdiction,
                    permissions=list(permissions),
                )
            )
        else:
            user.roles.append(UserRole(role=role, org_id=org_id if role in ("org_admin", "legal_rep") else None))
    db.session.commit()
    pair = _issue_tokens(user)
    return Login(user.id, phone, pair.access_token, pair.refresh_token)


def latest_sms_code(phone: str) -> str:
    """Read the code the SMS simulator 'sent' (the development outbox), as a user reads their phone."""
    from backend.core.db import db
    from backend.core.outbox import OutboxMessage

    for msg in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.channel == "sms").order_by(OutboxMessage.id.desc())
    ):
        if msg.recipient == phone:
            return str(msg.payload["params"]["code"])
    raise AssertionError(f"no SMS sent to {phone}")


def sms_login(client: Any, phone: str, purpose: str = "login") -> dict[str, Any]:
    """Log in through the HTTP API exactly as the mini-program does."""
    r = client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose})
    assert r.status_code == 202, r.get_json()
    code = latest_sms_code(phone)
    r = client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def actor_of(login: Login) -> Any:
    """The Actor a request with this login's token would carry."""
    from backend.core.db import db
    from backend.modules.accounts.models import User
    from backend.modules.accounts.services import actor_for

    user = db.session.get(User, login.user_id)
    assert user is not None
    return actor_for(user)


def relogin(phone: str) -> Login:
    """Fresh tokens for an existing user (a role grant revokes the tokens issued before it)."""
    return make_user(phone=phone)


def supervisor(jurisdiction: str, *, permissions: tuple[str, ...] = ()) -> Login:
    return make_user(roles=("supervisor",), jurisdiction=jurisdiction, permissions=permissions)


def corps_admin() -> Login:
    return make_user(roles=("corps_admin",))


def org_admin(org_id: int) -> Login:
    return make_user(roles=("org_admin",), org_id=org_id)
