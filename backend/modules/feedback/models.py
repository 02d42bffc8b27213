"""Practice feedback (从业反馈) to the client unit, and what the official account sends and hears."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base, IdMixin, TimestampMixin
from backend.core.timeutil import utcnow
from backend.core.vocabulary import Labelled


class FeedbackKind(Labelled):
    VISIT = "visit", "现场服务反馈"
    MONTHLY = "monthly", "月度维保反馈"


class FeedbackStatus(Labelled):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    DISPUTED = "disputed", "有异议"
    EXPIRED = "expired", "已超期"


class FeedbackFlag(Labelled):
    """Why a feedback is flagged for the warning scan."""

    WINDOW_LAPSED = "window_lapsed", "委托单位未在期限内确认"
    DISPUTED = "disputed", "委托单位提出异议"
    LOW_RATING = "low_rating", "委托单位评分较低"
    UNDELIVERED = "undelivered", "未能送达委托单位"


class MessageChannel(Labelled):
    WECHAT_TEMPLATE = "wechat_template", "公众号模板消息"
    SMS = "sms", "短信"


class MessageStatus(Labelled):
    SENT = "sent", "已发送"
    DELIVERED = "delivered", "已送达"
    USER_BLOCKED = "user_blocked", "用户拒收"
    FAILED = "failed", "发送失败"


# The code lists as the rest of the backend reads them (value -> label).
FEEDBACK_KINDS = FeedbackKind.labels()
FEEDBACK_STATUSES = FeedbackStatus.labels()
MESSAGE_CHANNELS = MessageChannel.labels()
MESSAGE_STATUSES = MessageStatus.labels()


class Feedback(IdMixin, TimestampMixin, Base):
    __tablename__ = "feedbacks"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))  # keys of FEEDBACK_KINDS
    # "visit:<first visit id>" or "monthly:<project id>:<YYYY-MM>": one feedback per visit group / month
    dedupe_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    # What the client is asked to confirm, frozen when sent. People are stored by id (names stay encrypted
    # in their own tables) and resolved when the page is shown.
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deadline: Mapped[datetime] = mapped_column()
    channel: Mapped[str | None] = mapped_column(sa.String(16))  # wechat_template | sms | None (no contact)
    link_nonce: Mapped[str] = mapped_column(sa.String(32))
    link_used_at: Mapped[datetime | None] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
    responder_openid: Mapped[str | None] = mapped_column(sa.String(64))
    rating: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(sa.String(500))
    dispute_reason: Mapped[str | None] = mapped_column(sa.String(500))
    expired_at: Mapped[datetime | None] = mapped_column()
    flags: Mapped[list[Any]] = mapped_column(default=list)
    district_code: Mapped[str | None] = mapped_column(sa.String(6))
    special_zone: Mapped[str | None] = mapped_column(sa.String(8))
    is_trial: Mapped[bool] = mapped_column(default=False)

    visits: Mapped[list[FeedbackVisit]] = relationship(
        back_populates="feedback", cascade="all, delete-orphan", lazy="selectin", order_by="FeedbackVisit.id"
    )
    messages: Mapped[list[OfficialMessage]] = relationship(
        back_populates="feedback", lazy="selectin", order_by="OfficialMessage.id"
    )

    __table_args__ = (
        sa.Index("ix_feedbacks_project_id_id", "project_id", "id"),
        sa.Index("ix_feedbacks_org_id_id", "org_id", "id"),
        sa.Index("ix_feedbacks_district_id", "district_code", "id"),
        sa.Index("ix_feedbacks_special_zone", "special_zone"),
        sa.Index("ix_feedbacks_status_deadline", "status", "deadline"),
    )

    @property
    def visit_ids(self) -> list[int]:
        return [v.visit_id for v in self.visits]


class FeedbackVisit(IdMixin, Base):
    """Each site visit is reported to the client once."""

    __tablename__ = "feedback_visits"

    feedback_id: Mapped[int] = mapped_column(sa.ForeignKey("feedbacks.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("site_visits.id"), unique=True)

    feedback: Mapped[Feedback] = relationship(back_populates="visits")


class OfficialMessage(IdMixin, Base):
    """A template message or SMS sent to a client contact, with its delivery status (TEMPLATESENDJOBFINISH)."""

    __tablename__ = "official_messages"

    feedback_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedbacks.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # keys of MESSAGE_CHANNELS
    recipient_masked: Mapped[str] = mapped_column(sa.String(64))
    external_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # WeChat msgid / SMS id
    status: Mapped[str] = mapped_column(sa.String(16))  # keys of MESSAGE_STATUSES
    error: Mapped[str | None] = mapped_column(sa.String(200))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_at: Mapped[datetime | None] = mapped_column()

    feedback: Mapped[Feedback | None] = relationship(back_populates="messages")


class OfficialFollower(IdMixin, Base):
    """Who follows the official account (template messages reach followers only)."""

    __tablename__ = "official_followers"

    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    subscribed_at: Mapped[datetime | None] = mapped_column()
    unsubscribed_at: Mapped[datetime | None] = mapped_column()
    last_scene: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
