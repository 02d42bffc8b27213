"""What other modules ask of feedback (read-side only). Besides the functions, the tables below may be named in
other modules' selects and joins."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.core.db import db

# Tables other modules may select from and join (read-only outside this module).
from .models import Feedback as Feedback
from .models import FeedbackVisit as FeedbackVisit


def feedback_for_period(project_id: int, start: date, end: date) -> list[Feedback]:
    """The client feedback a conclusion covering [start, end] rests on: the monthly feedback of a maintenance
    month when there is one (it summarises the whole month), otherwise the feedback after each visit."""
    overlapping = list(
        db.session.scalars(
            sa.select(Feedback)
            .where(Feedback.project_id == project_id, Feedback.period_start <= end, Feedback.period_end >= start)
            .order_by(Feedback.id)
        )
    )
    monthly = [f for f in overlapping if f.kind == "monthly"]
    return monthly or overlapping


def ratings_of_org(org_id: int) -> list[int]:
    """Client ratings of an organisation's services (the score module weighs them)."""
    return list(
        db.session.scalars(sa.select(Feedback.rating).where(Feedback.org_id == org_id, Feedback.rating.is_not(None)))
    )
