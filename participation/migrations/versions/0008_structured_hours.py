"""Opening hours as days and times: each council's front-desk and phone hours, so every
language can say them in its own words. Hours written as text are read where they can be
("Mo–Fr 8–18 Uhr", "tue,thu 09:00-12:00") and moved; text that cannot be read stays as it
was, shown as written, and the upgrade names it so the operator can set it anew with
`participation council configure <slug> --front-desk-hours "mon-fri 08:00-18:00"`.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06 16:50:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from participation.opening_hours import HoursInvalid, parse_hours

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

#: The free-text column and the column its days and times move to.
HOURS = (("front_desk_hours", "front_desk_schedule"), ("phone_hours", "phone_schedule"))


def upgrade() -> None:
    for _text, schedule in HOURS:
        op.add_column(
            "council", sa.Column(schedule, sa.Text(), nullable=False, server_default="")
        )
    council = sa.table(
        "council",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        *(sa.column(name, sa.Text) for pair in HOURS for name in pair),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(council)).mappings().all():
        changes = {}
        for text, schedule in HOURS:
            written = (row[text] or "").strip()
            if not written:
                continue
            try:
                changes[schedule] = parse_hours(written).to_json()
                changes[text] = ""
            except HoursInvalid:
                log.warning(
                    "Council %s: %s %r are not days and times; they are shown as written. "
                    "Set them with: participation council configure %s --%s "
                    '"mon-fri 08:00-18:00"',
                    row["slug"],
                    text,
                    written,
                    row["slug"],
                    text.replace("_", "-"),
                )
        if changes:
            connection.execute(council.update().where(council.c.id == row["id"]).values(changes))


def downgrade() -> None:
    council = sa.table(
        "council",
        sa.column("id", sa.Integer),
        *(sa.column(name, sa.Text) for pair in HOURS for name in pair),
    )
    connection = op.get_bind()
    # Back to the short form the older code reads (mon-fri 08:00-18:00; ...).
    for row in connection.execute(sa.select(council)).mappings().all():
        changes = {}
        for text, schedule in HOURS:
            if row[schedule]:
                changes[text] = short_form(row[schedule])[:200]
        if changes:
            connection.execute(council.update().where(council.c.id == row["id"]).values(changes))
    for _text, schedule in HOURS:
        op.drop_column("council", schedule)


def short_form(stored: str) -> str:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    groups = []
    for span in parse_hours(stored).spans:
        for day in span.days:
            opens, closes = span.as_dict()["opens"], span.as_dict()["closes"]
            groups.append(f"{names[day]} {opens}-{closes}")
    return "; ".join(groups)
