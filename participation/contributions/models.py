from __future__ import annotations

import enum
from collections import namedtuple
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


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


class Contribution(CouncilOwned, table=True):
    __table_args__ = (
        # The consultation page and the moderation queue: newest first within a status.
        Index("ix_contribution_consultation_status_created", "consultation_id", "status", "id"),
        # The queue of a council by status, newest or oldest first (moderation/queue.py).
        Index("ix_contribution_council_status_id", "council_id", "status", "id"),
        # Unique within a council (migration 0009): every lookup by reference is scoped.
        UniqueConstraint("council_id", "reference", name="uq_contribution_council_reference"),
        # The few rows that still link a recording, for the retention's passes every ten
        # minutes (migration 0015): without it each pass read the whole table twice.
        Index(
            "ix_contribution_recording",
            "id",
            postgresql_where=text("recording_url IS NOT NULL"),
            sqlite_where=text("recording_url IS NOT NULL"),
        ),
    )

    id: int = Field(default=None, primary_key=True)
    #: NULL for texts the SMS parser could not place: staff assign them by hand.
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation.id", ondelete="CASCADE"
    )
    #: Digits only, the last one a check digit; shown as 4711-2093.
    reference: str = Field(max_length=8)
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
    #: The questionnaire's free-text question this text answers, shown beside it.
    question_id: int | None = Field(default=None, foreign_key="question.id", index=True)


class ContributionRow(NamedTuple):
    """A contribution's columns as a plain tuple, for pages that list many read-only: making
    an ORM object costs ~30 us, reading an attribute of a database row 0.35 us, of this 0.04.
    The table's columns in their order (tests/contributions/test_models.py holds them equal)."""

    council_id: int
    id: int
    consultation_id: int | None
    reference: str
    channel: Channel
    locale: str
    body: str
    body_original: str | None
    pseudonym: str | None
    status: Status
    poll_option_id: int | None
    external_id: str | None
    author_key: str | None
    recording_url: str | None
    recording_duration: int | None
    entered_by_id: int | None
    received_at: datetime | None
    created_at: datetime
    published_at: datetime | None
    rejection_reason: str | None
    rejection_note: str | None
    answer: str | None
    answered_at: datetime | None
    flag_count: int
    question_id: int | None


#: What the public lists of a consultation and of its result show of a contribution.
#: Fewer columns than ContributionRow: each date column is parsed from text in every row,
#: and a listed comment is kept under its values (caching/fragments.py).
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


class PollVote(CouncilOwned, table=True):
    """One vote per voter per consultation; a later vote replaces the earlier one.

    Only what contributions.votes.submit_vote() writes: each row is a voter whose
    identity a door vouched for (a phone number, a confirmed code, a staff attestation).
    Answers nobody vouched for live apart, in UnverifiedVote."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("consultation_id", "voter_key"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    #: No cascade: an option with votes is never deleted (consultations/service.set_poll).
    option_id: int = Field(foreign_key="poll_option.id")
    channel: Channel
    #: Keyed phone hash for SMS, phone and a web vote confirmed by SMS code (the same
    #: person whatever the door); "desk:<random>" for a resident attested at the front
    #: desk without a number; "anon:<id>" once retention removed the phone link.
    voter_key: str = Field(max_length=80)
    #: The text sent with the vote, if any: rejected as spam or fake, the vote is not counted.
    #: Indexed: deleting a contribution (erasure, retention) sets this NULL, and without
    #: the index each deleted row scanned the whole vote table.
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL", index=True
    )
    #: The staff member who attested a front-desk vote.
    attested_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class UnverifiedVote(CouncilOwned, table=True):
    """An online answer without a confirmed phone number, collected only where a council
    switched that on for the consultation. Counted and shown apart, never added to the
    result: nothing stops one person from giving many."""

    __tablename__ = "unverified_vote"

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    option_id: int = Field(foreign_key="poll_option.id")
    #: Keyed hash of the client address, for the rate limit only.
    client_key: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class VoteCode(CouncilOwned, table=True):
    """A 6-digit code sent by SMS to confirm a web vote. Neither the code nor the number is
    stored, only their keyed hashes; the browser holds a random token naming this row."""

    __tablename__ = "vote_code"

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    #: The poll answer the code confirms; None for a questionnaire's response, whose
    #: answers the browser carries signed until the code comes back.
    option_id: int | None = Field(default=None, foreign_key="poll_option.id", ondelete="CASCADE")
    #: Keyed hash of the token in the browser's form.
    token_key: str = Field(max_length=64, unique=True)
    #: The same keyed phone hash SMS and phone votes use: the voter once confirmed.
    number_key: str = Field(max_length=64, index=True)
    client_key: str = Field(max_length=64, index=True)
    code_key: str = Field(max_length=64)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    expires_at: datetime
    used_at: datetime | None = None
