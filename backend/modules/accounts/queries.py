"""What other modules read of accounts: users and their roles. Read-side only: users are created, given roles
and disabled through the accounts services (create_user, ensure_user_for_phone, grant_role, ...).

The tables below are what other modules may name in their own selects and joins (an organisation's
administrators, the recipients of a warning): read them, never add or change their rows from outside this
module."""

from __future__ import annotations

from backend.core.db import db

# Tables other modules may select from and join (read-only outside this module).
from .models import SupervisorAssignment as SupervisorAssignment
from .models import User as User
from .models import UserRole as UserRole


def user_by_id(user_id: int | None) -> User | None:
    return db.session.get(User, user_id)
