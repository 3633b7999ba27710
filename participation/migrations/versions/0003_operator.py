"""The operator's own tables: its accounts, their used one-time codes, and its audit log.
None of them belongs to a council (no council_id, no row-level security): the operator
stands above the councils.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _moment() -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "operator_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", _string(254), nullable=False),
        sa.Column("password_hash", _string(255), nullable=False),
        sa.Column("totp_secret", _string(255), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _moment(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "operator_totp_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("used_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operator_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id", "counter"),
    )
    op.create_index("ix_operator_totp_use_used_at", "operator_totp_use", ["used_at"])
    op.create_table(
        "operator_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _moment(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("action", _string(60), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operator_account.id"]),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_operator_event_at", "operator_event", ["at"])
    op.create_index("ix_operator_event_council_id", "operator_event", ["council_id"])


def downgrade() -> None:
    op.drop_table("operator_event")
    op.drop_table("operator_totp_use")
    op.drop_table("operator_account")
