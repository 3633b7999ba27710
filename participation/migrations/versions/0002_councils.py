"""Many councils in one installation: the council tables, and council_id on every row a
council owns. The rows already there become the first council's (id 1), whose profile
stays empty so that the environment (COUNCIL_NAME, ...) keeps describing it, as before.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every table whose rows belong to one council (participation.tenancy.CouncilOwned).
OWNED = (
    "audit_event",
    "barrier_report",
    "callback_request",
    "consultation",
    "consultation_text",
    "contribution",
    "contribution_flag",
    "contribution_theme",
    "moderation_decision",
    "outbound_message",
    "poll_option",
    "poll_vote",
    "simulated_call_input",
    "simulated_recording",
    "simulator_sms",
    "site_page",
    "sms_contact",
    "sms_inbound",
    "sms_notify_request",
    "staff_user",
    "theme",
    "unverified_vote",
    "voice_call",
    "voice_call_event",
    "voice_step",
    "voice_summary_audio",
    "vote_code",
)

#: Unique within a council now: (table, old constraint or index, new name, columns).
PER_COUNCIL = (
    ("consultation", "index:ix_consultation_slug", "uq_consultation_council_slug", ["slug"]),
    ("consultation", "index:ix_consultation_code", "uq_consultation_council_code", ["code"]),
    ("staff_user", "index:ix_staff_user_email", "uq_staff_user_council_email", ["email"]),
    ("sms_contact", "unique:phone_key", "uq_sms_contact_council_phone_key", ["phone_key"]),
    (
        "site_page",
        "unique:slug,locale",
        "uq_site_page_council_slug_locale",
        ["slug", "locale"],
    ),
)


#: The council's profile columns (text, empty by default) and their lengths.
PROFILE = (
    ("suspended_notice", 2000),
    ("address", 300),
    ("email", 254),
    ("phone", 40),
    ("sms_number", 40),
    ("front_desk_hours", 200),
    ("phone_hours", 200),
    ("data_protection_officer", 500),
    ("timezone", 64),
    ("accent_colour", 7),
    ("twilio_account_sid", 34),
    ("twilio_auth_token", 255),
)


def _string(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _council_tables() -> None:
    op.create_table(
        "council",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", _string(63), nullable=False),
        sa.Column("name", _string(200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "suspended", "archived", name="councilstatus"),
            nullable=False,
        ),
        *(sa.Column(name, _string(length), nullable=False) for name, length in PROFILE),
        sa.Column("operator_may_read", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    for name, key, length in (("council_host", "host", 253), ("council_number", "number", 20)):
        op.create_table(
            name,
            sa.Column(key, _string(length), nullable=False),
            sa.Column("council_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
            sa.PrimaryKeyConstraint(key),
        )
        op.create_index(f"ix_{name}_council_id", name, ["council_id"])
    # The first council: every row so far is its. Empty profile fields mean "from the
    # environment", so an upgraded single-council installation looks as it did.
    profile = [name for name, _length in PROFILE]
    op.execute(
        sa.text(
            f"INSERT INTO council (id, slug, name, status, {', '.join(profile)},"
            " operator_may_read, created_at, updated_at) VALUES (1, 'council', '', 'active', "
            + "'', " * len(profile)
            + "false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("SELECT setval('council_id_seq', 1)"))


def _drop_old_unique(batch: object, table: str, old: str, columns: list[str]) -> None:
    kind, name = old.split(":", 1)
    if kind == "index":
        batch.drop_index(name)  # type: ignore[attr-defined]
    elif op.get_bind().dialect.name == "postgresql":
        # PostgreSQL's own name for an unnamed UNIQUE (table_columns_key).
        batch.drop_constraint(f"{table}_{'_'.join(columns)}_key", type_="unique")  # type: ignore[attr-defined]
    else:
        # SQLite: the unnamed constraint gets this name from the naming convention below.
        batch.drop_constraint(f"uq_{table}_{columns[0]}", type_="unique")  # type: ignore[attr-defined]


#: PostgreSQL's second wall behind the application's scoping (tenancy.py): a role that
#: does not own the tables (the application's, see README "Many councils") sees only
#: the rows of the council its transaction names in participation.council_id, or every
#: council's where that says "all"; naming none shows nothing.
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


def _row_level_security() -> None:
    for table in OWNED:
        op.execute(sa.text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        op.execute(sa.text(POLICY.format(table=table)))


def upgrade() -> None:
    _council_tables()
    changes = {table: [c for c in PER_COUNCIL if c[0] == table] for table in OWNED}
    for table in OWNED:
        # Batch mode: SQLite rebuilds the table, as it cannot add a foreign key in place.
        with op.batch_alter_table(
            table, naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}
        ) as batch:
            batch.add_column(
                sa.Column("council_id", sa.Integer(), nullable=False, server_default="1")
            )
        with op.batch_alter_table(
            table, naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}
        ) as batch:
            # Only the rows there now get the first council by default; new rows name theirs.
            batch.alter_column("council_id", server_default=None)
            batch.create_index(f"ix_{table}_council_id", ["council_id"])
            batch.create_foreign_key(f"fk_{table}_council_id", "council", ["council_id"], ["id"])
            for _table, old, new, columns in changes[table]:
                _drop_old_unique(batch, table, old, columns)
                batch.create_unique_constraint(new, ["council_id", *columns])
            if table == "contribution":
                # The queue reads a council's contributions by status and id.
                batch.drop_index("ix_contribution_status_id")
                batch.create_index(
                    "ix_contribution_council_status_id", ["council_id", "status", "id"]
                )
    if op.get_bind().dialect.name == "postgresql":
        _row_level_security()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in OWNED:
            op.execute(sa.text(f'DROP POLICY IF EXISTS council_isolation ON "{table}"'))
            op.execute(sa.text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
    for table in reversed(OWNED):
        with op.batch_alter_table(table) as batch:
            if table == "contribution":
                batch.drop_index("ix_contribution_council_status_id")
                batch.create_index("ix_contribution_status_id", ["status", "id"])
            for _table, old, new, columns in (c for c in PER_COUNCIL if c[0] == table):
                batch.drop_constraint(new, type_="unique")
                kind, name = old.split(":", 1)
                if kind == "index":
                    batch.create_index(name, columns, unique=True)
                else:
                    batch.create_unique_constraint(f"uq_{table}_{columns[0]}", columns)
            batch.drop_constraint(f"fk_{table}_council_id", type_="foreignkey")
            batch.drop_index(f"ix_{table}_council_id")
            batch.drop_column("council_id")
    op.drop_table("council_number")
    op.drop_table("council_host")
    op.drop_table("council")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP TYPE IF EXISTS councilstatus"))
