"""Messages to the outside world (SMS, WeChat) as recorded by the simulators, shown on the admin pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .crypto import EncryptedText
from .db import Base, BigIntPK, db
from .timeutil import utcnow
from .validators import mask_phone


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __audit__ = False

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(sa.String(32), index=True)
    recipient: Mapped[str] = mapped_column(EncryptedText)
    recipient_masked: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def record_outbox(channel: str, recipient: str, payload: dict[str, Any]) -> None:
    """Outbox sink handed to the SMS and WeChat simulators. Part of the caller's transaction."""
    masked = mask_phone(recipient) if channel == "sms" else recipient[:6] + "…"
    db.session.add(OutboxMessage(channel=channel, recipient=recipient, recipient_masked=masked or "", payload=payload))
    db.session.flush()
