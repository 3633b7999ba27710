"""Reference numbers unique within a council, not across the installation.

Eight digits with a check digit give nine million references; an installation serving
hundreds of councils runs out of them long before any one council does, and the draws
clash ever more often. Every lookup by reference is scoped to the council of the
request (the page's host, the number texted or called), so a reference of council A
never finds council B's contribution, whichever number B gave its own.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 17:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: SQLite's copy of 0001's unnamed UNIQUE gets this name from the convention below.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_name() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "contribution_reference_key"
    return "uq_contribution_reference"


def upgrade() -> None:
    with op.batch_alter_table("contribution", naming_convention=NAMING) as batch:
        batch.drop_constraint(_old_name(), type_="unique")
        batch.create_unique_constraint(
            "uq_contribution_council_reference", ["council_id", "reference"]
        )


def downgrade() -> None:
    with op.batch_alter_table("contribution", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_contribution_council_reference", type_="unique")
        batch.create_unique_constraint(_old_name(), ["reference"])
