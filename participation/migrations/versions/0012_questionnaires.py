"""Questionnaires: ordered questions per consultation, their texts, options and answers.

Each consultation's poll becomes its first question, a single choice marked ``is_poll``.
Its words stay in consultation_text.poll_question and poll_option and its answers in
poll_vote, the rows every door and the results already read: not one vote is copied, so
no total can change (tests/questionnaires/test_migration_0012.py).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-06 17:28:41
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

OWNED = (
    "question",
    "question_text",
    "question_option",
    "questionnaire_response",
    "questionnaire_answer",
)
#: As in 0002: PostgreSQL's second wall behind the application's council scoping.
POLICY = """
CREATE POLICY council_isolation ON "{table}"
USING (
    current_setting('participation.council_id', true) = 'all'
    OR council_id::text = current_setting('participation.council_id', true)
)
WITH CHECK (
    current_setting('participation.council_id', true) = 'all'
    OR council_id::text = current_setting('participation.council_id', true)
)
"""

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _tables()
    with op.batch_alter_table("contribution") as batch:
        batch.add_column(sa.Column("question_id", sa.Integer(), nullable=True))
        batch.create_index("ix_contribution_question_id", ["question_id"])
        batch.create_foreign_key(
            "fk_contribution_question_id_question", "question", ["question_id"], ["id"]
        )
    with op.batch_alter_table("vote_code") as batch:
        batch.alter_column("option_id", existing_type=sa.Integer(), nullable=True)
    _polls_become_questions()
    if op.get_bind().dialect.name == "postgresql":
        for table in OWNED:
            op.execute(sa.text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
            op.execute(sa.text(POLICY.format(table=table)))


def _polls_become_questions() -> None:
    """One single-choice question, first in order, per consultation with poll options."""
    poll_option = sa.table("poll_option", sa.column("consultation_id"), sa.column("council_id"))
    polls = op.get_bind().execute(
        sa.select(poll_option.c.council_id, poll_option.c.consultation_id)
        .group_by(poll_option.c.council_id, poll_option.c.consultation_id)
        .order_by(poll_option.c.consultation_id)
    )
    question = sa.table(
        "question",
        sa.column("council_id", sa.Integer()),
        sa.column("consultation_id", sa.Integer()),
        sa.column("position", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("required", sa.Boolean()),
        sa.column("is_poll", sa.Boolean()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    now = datetime.now(UTC)
    rows = [
        {
            "council_id": council_id,
            "consultation_id": consultation_id,
            "position": 1,
            "kind": "single_choice",
            "required": False,
            "is_poll": True,
            "created_at": now,
            "updated_at": now,
        }
        for council_id, consultation_id in polls
    ]
    if rows:
        op.bulk_insert(question, rows)


def _tables() -> None:
    op.create_table(
        "question",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("min_value", sa.Integer(), nullable=True),
        sa.Column("max_value", sa.Integer(), nullable=True),
        sa.Column("is_poll", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(
            "ix_question_consultation_position", ["consultation_id", "position"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_question_council_id"), ["council_id"], unique=False)

    op.create_table(
        "questionnaire_response",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("attested_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attested_by_id"],
            ["staff_user.id"],
        ),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consultation_id", "voter_key"),
        sa.UniqueConstraint("council_id", "reference", name="uq_questionnaire_response_reference"),
    )
    with op.batch_alter_table("questionnaire_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_response_consultation_id"),
            ["consultation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_response_council_id"), ["council_id"], unique=False
        )

    op.create_table(
        "question_option",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "position"),
    )
    with op.batch_alter_table("question_option", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_option_council_id"), ["council_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_question_option_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "question_text",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("prompt", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("help_text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("low_label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("high_label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "locale"),
    )
    with op.batch_alter_table("question_text", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_text_council_id"), ["council_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_question_text_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "questionnaire_answer",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["council_id"],
            ["council.id"],
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["question_option.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.ForeignKeyConstraint(["response_id"], ["questionnaire_response.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("questionnaire_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_answer_contribution_id"), ["contribution_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_answer_council_id"), ["council_id"], unique=False
        )
        batch_op.create_index(
            "ix_questionnaire_answer_question", ["question_id", "option_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_questionnaire_answer_response_id"), ["response_id"], unique=False
        )


def downgrade() -> None:
    # The poll's words and votes never left poll_option and poll_vote: nothing to copy back.
    op.execute(sa.text("DELETE FROM vote_code WHERE option_id IS NULL"))
    with op.batch_alter_table("vote_code") as batch:
        batch.alter_column("option_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("contribution") as batch:
        batch.drop_constraint("fk_contribution_question_id_question", type_="foreignkey")
        batch.drop_index("ix_contribution_question_id")
        batch.drop_column("question_id")
    with op.batch_alter_table("questionnaire_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_answer_response_id"))
        batch_op.drop_index("ix_questionnaire_answer_question")
        batch_op.drop_index(batch_op.f("ix_questionnaire_answer_council_id"))
        batch_op.drop_index(batch_op.f("ix_questionnaire_answer_contribution_id"))

    op.drop_table("questionnaire_answer")
    with op.batch_alter_table("question_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_text_question_id"))
        batch_op.drop_index(batch_op.f("ix_question_text_council_id"))

    op.drop_table("question_text")
    with op.batch_alter_table("question_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_option_question_id"))
        batch_op.drop_index(batch_op.f("ix_question_option_council_id"))

    op.drop_table("question_option")
    with op.batch_alter_table("questionnaire_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_response_council_id"))
        batch_op.drop_index(batch_op.f("ix_questionnaire_response_consultation_id"))

    op.drop_table("questionnaire_response")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_council_id"))
        batch_op.drop_index("ix_question_consultation_position")

    op.drop_table("question")
