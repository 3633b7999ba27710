from __future__ import annotations

import enum
from collections import namedtuple
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from participation.clock import utcnow


class Channel(enum.StrEnum):
    web = "web"
    sms = "sms"
    voice = "voice"
    paper = "paper"
    in_person = "in_person"


class Status(enum.StrEnum):
    pending = "pending"
    published = "published"
    rejected = "rejected"


class Contribution(SQLModel, table=True):
    __table_args__ = (
        # The consultation page and the moderation queue: newest first within a status.
        Index("ix_contribution_consultation_status_created", "consultation_id", "status", "id"),
        Index("ix_contribution_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: NULL for texts the SMS parser could not place: staff assign them by hand.
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation.id", ondelete="CASCADE"
    )
    #: Digits only, the last one a check digit; shown as 4711-2093.
    reference: str = Field(max_length=8, unique=True)
    channel: Channel
    locale: str = Field(max_length=8)
    body: str = Field(default="")
    #: Before a moderator's redaction; shown to admins only, deleted with the retention.
    body_original: str | None = None
    pseudonym: str | None = Field(default=None, max_length=80)
    status: Status = Field(default=Status.pending)
    poll_option_id: int | None = Field(
        default=None, foreign_key="poll_option.id", ondelete="SET NULL"
    )
    #: A provider's message or call id, so a webhook delivered twice stores once.
    external_id: str | None = Field(default=None, max_length=80, unique=True)
    #: Keyed hash of the sender's phone number (never the number itself).
    author_key: str | None = Field(default=None, max_length=64, index=True)
    recording_url: str | None = Field(default=None, max_length=500)
    recording_duration: int | None = None
    entered_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    received_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    rejection_reason: str | None = Field(default=None, max_length=40)
    rejection_note: str | None = Field(default=None, max_length=500)
    answer: str | None = None
    answered_at: datetime | None = None
    flag_count: int = Field(default=0)


#: A contribution's columns as a plain tuple, for pages that list many read-only: making
#: an ORM object costs ~30 us, reading an attribute of a database row 0.35 us, of this 0.04.
ContributionRow = namedtuple("ContributionRow", Contribution.__table__.columns.keys())  # type: ignore[attr-defined,misc]

#: What the public lists of a consultation and of its result show of a contribution.
#: Fewer columns than ContributionRow: each date column is parsed from text in every row,
#: and a listed comment is kept under its values (web/fragments.py).
PublicContribution = namedtuple(
    "PublicContribution",
    [
        "id",
        "reference",
        "channel",
        "body",
        "pseudonym",
        "status",
        "poll_option_id",
        "created_at",
        "rejection_reason",
        "rejection_note",
        "answer",
    ],
)


class PollVote(SQLModel, table=True):
    """One vote per voter per consultation; a later vote replaces the earlier one."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("consultation_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    option_id: int = Field(foreign_key="poll_option.id", ondelete="CASCADE")
    channel: Channel
    #: Keyed phone hash for SMS and phone; "ref:<reference>" for a web or paper contribution.
    voter_key: str = Field(max_length=80)
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL"
    )
    updated_at: datetime = Field(default_factory=utcnow)
