"""Votes found by the contribution they came with, indexed.

Deleting a contribution (an erasure, the retention) sets poll_vote.contribution_id to
NULL; without an index each deleted row read the whole vote table (seen on a database of
ten million contributions).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_poll_vote_contribution_id", "poll_vote", ["contribution_id"])


def downgrade() -> None:
    op.drop_index("ix_poll_vote_contribution_id", table_name="poll_vote")
