"""Demo data for `make run`: a realistic Shanghai set, with accounts for every role.

Each module adds a loader; loaders are idempotent so `flask demo load` can run on every start.
"""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.db import db

# Demo phone numbers (the simulator's SMS outbox shows their codes; the admin login page says so).
CORPS_ADMIN_PHONE = "13900000001"
SUPERVISORS = [
    ("13900000002", "黄浦支队 王监督", "310101", ["read_personal_data", "issue_penalties"]),
    ("13900000003", "徐汇支队 李监督", "310104", []),
    ("13900000004", "浦东支队 陈监督", "310115", ["issue_penalties"]),
    ("13900000005", "化工区支队 赵监督", "chem", []),
]


def _accounts() -> list[str]:
    from backend.core.crypto import phone_hash
    from backend.core.db import unit_of_work
    from backend.modules.accounts.queries import SupervisorAssignment
    from backend.modules.accounts.services import _activate_assignment, create_corps_admin, create_user, user_by_phone

    create_corps_admin(CORPS_ADMIN_PHONE, "总队 张管理")
    with unit_of_work() as uow:
        for phone, name, jurisdiction, perms in SUPERVISORS:
            ph = phone_hash(phone)
            if db.session.scalar(sa.select(SupervisorAssignment.id).where(SupervisorAssignment.phone_hash == ph)):
                continue
            db.session.add(
                SupervisorAssignment(
                    phone=phone, phone_hash=ph, name=name, jurisdiction=jurisdiction, permissions=perms
                )
            )
        # Demo accounts are usable at once: create their users so the roles are active before first login.
        db.session.flush()
        for phone in [CORPS_ADMIN_PHONE] + [s[0] for s in SUPERVISORS]:
            user = user_by_phone(phone) or create_user(phone)
            _activate_assignment(user)
        uow.commit()
    return [f"总队管理员 {CORPS_ADMIN_PHONE}"] + [f"{name} {phone}（{j}）" for phone, name, j, _ in SUPERVISORS]


def load_demo() -> list[str]:
    """Accounts first, then each module's demo.load() in dependency order. Every loader is idempotent."""
    from backend.modules import submodules

    lines = ["演示账号（验证码见 `flask outbox list`，或管理端发件箱）："]
    lines += _accounts()
    for module in submodules("demo"):
        lines += module.load()
    return lines
