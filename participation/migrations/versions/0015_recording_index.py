"""The contributions that still link a recording, indexed alone.

The retention looks for them every ten minutes (a published transcript stands in for its
recording, which then goes); without this partial index each pass read the whole
contribution table twice, 5-12 s on ten million rows.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("recording_url IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_contribution_recording",
        "contribution",
        ["id"],
        postgresql_where=WHERE,
        sqlite_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_contribution_recording", table_name="contribution")
