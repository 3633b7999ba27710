"""A council's Twilio region, edge, API key, Messaging Service (with Advanced Opt-Out)
and webhook signing key: each empty (or off) means the installation's setting.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (column, length): text columns, empty by default.
TEXT_COLUMNS = (
    ("twilio_region", 16),
    ("twilio_edge", 32),
    ("twilio_api_key_sid", 34),
    ("twilio_api_key_secret", 255),
    ("twilio_messaging_service_sid", 34),
    ("twilio_webhook_key_id", 80),
    ("twilio_webhook_key_secret", 255),
)


def upgrade() -> None:
    with op.batch_alter_table("council") as batch:
        for name, length in TEXT_COLUMNS:
            batch.add_column(
                sa.Column(
                    name,
                    sqlmodel.sql.sqltypes.AutoString(length=length),
                    nullable=False,
                    server_default="",
                )
            )
        batch.add_column(
            sa.Column(
                "twilio_advanced_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("council") as batch:
        batch.drop_column("twilio_advanced_opt_out")
        for name, _length in reversed(TEXT_COLUMNS):
            batch.drop_column(name)
