from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Text, event
from sqlmodel import Field, SQLModel

from participation.clock import utcnow


class CouncilStatus(enum.StrEnum):
    active = "active"
    #: Pages say so in the council's own words, the phone line plays a short notice.
    suspended = "suspended"
    #: Kept for the record; nothing is served.
    archived = "archived"


class Council(SQLModel, table=True):
    """One council (tenant). Profile fields left empty fall back to the installation's
    environment (COUNCIL_NAME, ...), which is how a single-council installation runs."""

    id: int = Field(default=None, primary_key=True)
    #: Short handle for the command line and the path-prefix fallback (/c/<slug>/).
    slug: str = Field(max_length=63, unique=True)
    name: str = Field(max_length=200)
    status: CouncilStatus = Field(default=CouncilStatus.active)
    #: What a suspended council's pages say, in its own words (German).
    suspended_notice: str = Field(default="", max_length=2000)
    address: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    sms_number: str = Field(default="", max_length=40)
    #: Hours as people wrote them, kept only where they could not be read as days and
    #: times (migration 0008): shown as written, in German, in every language.
    front_desk_hours: str = Field(default="", max_length=200)
    phone_hours: str = Field(default="", max_length=200)
    #: The hours as days and times, JSON (participation.opening_hours): each language
    #: says them in its own words, and the phone line opens and closes by them.
    front_desk_schedule: str = Field(
        default="", sa_type=Text, sa_column_kwargs={"server_default": ""}
    )
    phone_schedule: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    data_protection_officer: str = Field(default="", max_length=500)
    timezone: str = Field(default="", max_length=64)
    #: "#rrggbb", checked for contrast against white before it is stored.
    accent_colour: str = Field(default="", max_length=7)
    #: The council's own Twilio account or sub-account; empty: the installation's.
    twilio_account_sid: str = Field(default="", max_length=34)
    #: Its auth token, encrypted with SECRET_KEY (crypto.encrypt); empty: the installation's.
    twilio_auth_token: str = Field(default="", max_length=255)
    #: Twilio Region and Edge of its account ("ie1", "dublin"); empty: the installation's.
    twilio_region: str = Field(default="", max_length=16)
    twilio_edge: str = Field(default="", max_length=32)
    #: An API key (SK...) of its account; the secret encrypted like the auth token.
    twilio_api_key_sid: str = Field(default="", max_length=34)
    twilio_api_key_secret: str = Field(default="", max_length=255)
    #: Its Messaging Service (MG...): messages go out through it instead of its number.
    twilio_messaging_service_sid: str = Field(default="", max_length=34)
    #: That Messaging Service answers opt-out, opt-in and help keywords itself.
    twilio_advanced_opt_out: bool = Field(default=False)
    #: A webhook signing key (webhooks_sharedkey_...) and its secret, encrypted.
    twilio_webhook_key_id: str = Field(default="", max_length=80)
    twilio_webhook_key_secret: str = Field(default="", max_length=255)
    #: The operator may read citizens' texts only while the council grants it.
    operator_may_read: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


def insert_first_council(connection) -> None:
    """The first council's row, as migration 0002 writes it: every row of a
    single-council installation is its."""
    connection.execute(
        Council.__table__.insert().values(  # type: ignore[attr-defined]
            id=1, slug="council", name="", created_at=utcnow(), updated_at=utcnow()
        )
    )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT setval('council_id_seq', 1)")


@event.listens_for(Council.__table__, "after_create")  # type: ignore[attr-defined]
def _first_council(_table, connection, **_kw) -> None:
    # A schema made from the models (tests, a development database) has it too.
    insert_first_council(connection)


class CouncilHost(SQLModel, table=True):
    """A host name a council's pages answer on ("beteiligung.musterstadt.de")."""

    __tablename__ = "council_host"

    host: str = Field(primary_key=True, max_length=253)
    council_id: int = Field(foreign_key="council.id", index=True)


class CouncilNumber(SQLModel, table=True):
    """A phone or SMS number (E.164) of a council: Twilio's `To` picks the council."""

    __tablename__ = "council_number"

    number: str = Field(primary_key=True, max_length=20)
    council_id: int = Field(foreign_key="council.id", index=True)
