"""Deletions at Twilio (carrier_deletion) and our own copy of call recordings
(recording_audio). Twilio's recordings, message records and pictures that the database
already knows of are queued for deletion, the recordings to be copied here first.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06 17:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = ("carrier_deletion", "recording_audio")
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
_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_RECORDING = re.compile(r"/Recordings/(RE[0-9a-fA-F]{32})")


def _tables() -> None:
    op.create_table(
        "carrier_deletion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("recording", "message", "media", "call", name="carrierkind"), nullable=False
        ),
        sa.Column("sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("parent_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column(
            "status", sa.Enum("queued", "done", "failed", name="deletionstatus"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "sid", name="uq_carrier_deletion_council_sid"),
    )
    with op.batch_alter_table("carrier_deletion") as batch:
        batch.create_index("ix_carrier_deletion_due", ["status", "next_attempt_at"])
        batch.create_index("ix_carrier_deletion_parent_sid", ["parent_sid"])
        batch.create_index("ix_carrier_deletion_contribution_id", ["contribution_id"])
        batch.create_index("ix_carrier_deletion_council_id", ["council_id"])
    op.create_table(
        "recording_audio",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("recording_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contribution_id"),
    )
    with op.batch_alter_table("recording_audio") as batch:
        batch.create_index("ix_recording_audio_council_id", ["council_id"])


def _queue_what_twilio_holds() -> None:
    """What Twilio has kept so far: recordings still wanted are copied here first."""
    bind = op.get_bind()
    jobs = table_of_jobs()
    now = sa.func.now() if bind.dialect.name == "postgresql" else sa.func.current_timestamp()
    seen: set[tuple[str, int]] = set()
    rows = []
    contributions = bind.execute(
        sa.text(
            "SELECT id, recording_url, council_id FROM contribution"
            " WHERE recording_url IS NOT NULL"
        )
    )
    for contribution_id, url, council_id in contributions:
        match = _RECORDING.search(url or "")
        if match and (match.group(1), council_id) not in seen:
            seen.add((match.group(1), council_id))
            rows.append(("recording", match.group(1), contribution_id, council_id))
    for query in (
        "SELECT provider_sid, council_id FROM outbound_message WHERE provider_sid IS NOT NULL",
        "SELECT message_sid, council_id FROM sms_inbound",
    ):
        for sid, council_id in bind.execute(sa.text(query)):
            if _SID.fullmatch(sid or "") and (sid, council_id) not in seen:
                seen.add((sid, council_id))
                rows.append(("message", sid, None, council_id))
    for kind, sid, contribution_id, council_id in rows:
        bind.execute(
            jobs.insert().values(
                kind=kind,
                sid=sid,
                contribution_id=contribution_id,
                council_id=council_id,
                status="queued",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )


def table_of_jobs() -> sa.Table:
    return sa.table(
        "carrier_deletion",
        sa.column("kind"),
        sa.column("sid"),
        sa.column("contribution_id"),
        sa.column("council_id"),
        sa.column("status"),
        sa.column("attempts"),
        sa.column("next_attempt_at"),
        sa.column("created_at"),
        sa.column("updated_at"),
    )


def upgrade() -> None:
    _tables()
    _queue_what_twilio_holds()
    if op.get_bind().dialect.name == "postgresql":
        for table in OWNED:
            op.execute(sa.text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
            op.execute(sa.text(POLICY.format(table=table)))


def downgrade() -> None:
    op.drop_table("recording_audio")
    op.drop_table("carrier_deletion")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP TYPE IF EXISTS carrierkind"))
        op.execute(sa.text("DROP TYPE IF EXISTS deletionstatus"))
