from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.crypto import EncryptedText
from backend.core.db import Base, BigIntPK, IdMixin, TimestampMixin
from backend.core.timeutil import utcnow
from backend.core.vocabulary import Labelled


class AssignmentStatus(Labelled):
    """A supervisor or corps admin account set up by the corps: pending until its holder first logs in."""

    PENDING = "pending", "待激活"
    ACTIVE = "active", "已启用"
    REVOKED = "revoked", "已停用"


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    wechat_openid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active")  # active | disabled
    # Bumped on role changes: every token issued before carries an older version and stops working.
    token_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column()
    is_trial: Mapped[bool] = mapped_column(default=False)

    roles: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan", lazy="selectin")


class UserRole(IdMixin, Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    # org_admin / legal_rep: the organisation (FK added by the realname module's table, kept loose here so
    # accounts does not depend on it); supervisor / corps_admin: the jurisdiction and permission flags.
    org_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    jurisdiction: Mapped[str | None] = mapped_column(sa.String(16))
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")

    __table_args__ = (sa.UniqueConstraint("user_id", "role", "org_id", name="uq_user_roles_user_role_org"),)


class SupervisorAssignment(IdMixin, TimestampMixin, Base):
    """Pre-assigned by the corps admin; becomes the user's supervisor role when that phone first logs in."""

    __tablename__ = "supervisor_assignments"

    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(32), default="supervisor")  # supervisor | corps_admin
    jurisdiction: Mapped[str] = mapped_column(sa.String(16), index=True)
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # AssignmentStatus
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    activated_at: Mapped[datetime | None] = mapped_column()


class SmsCode(Base):
    __tablename__ = "sms_codes"
    __audit__ = False

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(16), default="login")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        sa.Index("ix_sms_codes_phone_created", "phone_hash", "created_at"),
        sa.Index("ix_sms_codes_ip_created", "ip", "created_at"),
    )


class RevokedSession(Base):
    """Logged-out sessions (access + refresh pair share a session id) until their tokens would expire anyway."""

    __tablename__ = "revoked_sessions"
    __audit__ = False

    sid: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
