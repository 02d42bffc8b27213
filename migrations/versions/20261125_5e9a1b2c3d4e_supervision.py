"""supervision

Revision ID: 5e9a1b2c3d4e
Revises: d0c5a1b2c3d4
Create Date: 2026-11-25 12:00:01+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import backend.core.crypto
import backend.core.db

revision: str = "5e9a1b2c3d4e"
down_revision: str | None = "d0c5a1b2c3d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
