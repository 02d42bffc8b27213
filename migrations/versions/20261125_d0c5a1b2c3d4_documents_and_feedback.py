"""documents and feedback

Revision ID: d0c5a1b2c3d4
Revises: 07898850490a
Create Date: 2026-11-25 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import backend.core.crypto
import backend.core.db

revision: str = "d0c5a1b2c3d4"
down_revision: str | None = "07898850490a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
