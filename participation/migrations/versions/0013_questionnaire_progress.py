"""Questionnaires by SMS and phone: where a conversation is and its answers so far.

One row per conversation (an SMS sender, a call), its answers encrypted, gone a day
after the last answer (participation.retention) or when the response is stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

#: As in 0002: PostgreSQL's second wall behind the application's council scoping.
POLICY = """
CREATE POLICY council_isolation ON "questionnaire_progress"
USING (
    current_setting('participation.council_id', true) = 'all'
    OR council_id::text = current_setting('participation.council_id', true)
)
WITH CHECK (
    current_setting('participation.council_id', true) = 'all'
    OR council_id::text = current_setting('participation.council_id', true)
)
"""

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_progress",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("door", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phone_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("answers", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "door", "holder"),
        info={"keep_hours": 24},
    )
    with op.batch_alter_table("questionnaire_progress", schema=None) as batch_op:
        batch_op.create_index("ix_questionnaire_progress_updated", ["updated_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_questionnaire_progress_council_id"), ["council_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_progress_phone_key"), ["phone_key"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text('ALTER TABLE "questionnaire_progress" ENABLE ROW LEVEL SECURITY'))
        op.execute(sa.text(POLICY))


def downgrade() -> None:
    op.drop_table("questionnaire_progress")
