from __future__ import annotations

import enum
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class Phase(enum.StrEnum):
    draft = "draft"
    upcoming = "upcoming"
    open = "open"
    closed = "closed"
    results = "results"


class Consultation(CouncilOwned, table=True):
    __table_args__ = (
        # Unique within a council: two councils may both run "marktplatz" and code 4711.
        UniqueConstraint("council_id", "slug", name="uq_consultation_council_slug"),
        UniqueConstraint("council_id", "code", name="uq_consultation_council_code"),
    )

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80)
    #: Short digits for SMS, phone and posters ("4711").
    code: str = Field(max_length=6)
    default_locale: str = Field(default="de", max_length=8)
    #: False while staff prepare it: the draft phase.
    is_published: bool = Field(default=False)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    results_published_at: datetime | None = None
    #: Months after closing until contact data is deleted (DSGVO Art. 5(1)(e)).
    retention_days: int = Field(default=180)
    #: Collect online answers without a confirmed phone number too; they are counted and
    #: shown apart from the result, never added to it.
    allow_unverified_votes: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def phase(self, now: datetime | None = None) -> Phase:
        return phase_of(self, now)


def phase_of(consultation: Any, now: datetime | None = None) -> Phase:
    """A consultation's phase; also for a plain row of its columns (the public page reads
    those, without ORM objects)."""
    now = now or utcnow()
    if not consultation.is_published:
        return Phase.draft
    if consultation.results_published_at is not None:
        return Phase.results
    if consultation.opens_at is not None and now < consultation.opens_at:
        return Phase.upcoming
    if consultation.closes_at is not None and now >= consultation.closes_at:
        return Phase.closed
    return Phase.open


def phase_once_open(consultation: Any) -> Phase:
    """The phase a draft takes when it is opened now (its dates decide): what its
    previews show."""
    as_opened = SimpleNamespace(
        is_published=True,
        results_published_at=consultation.results_published_at,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
    )
    return phase_of(as_opened)


class ConsultationText(CouncilOwned, table=True):
    """One language's text of a consultation; German is the fallback for missing ones."""

    __tablename__ = "consultation_text"
    __table_args__ = (UniqueConstraint("consultation_id", "locale"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    locale: str = Field(max_length=8)
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=1000)
    body_md: str = Field(default="")
    #: Read out by the phone line and sent by SMS "INFO": plain words, no Markdown.
    phone_summary: str = Field(default="", max_length=1000)
    poll_question: str = Field(default="", max_length=300)
    results_summary: str = Field(default="")


class PollOption(CouncilOwned, table=True):
    __tablename__ = "poll_option"
    __table_args__ = (UniqueConstraint("consultation_id", "position"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    #: 1-9: the keypad digit and the SMS number for this option.
    position: int
    #: "yes", "no", "undecided" get keyword aliases in every language; others are by number.
    key: str = Field(default="", max_length=20)
    labels: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    def label(self, locale: str) -> str:
        return label_of(self, locale)


def label_of(option: Any, locale: str) -> str:
    """An option's label in a language; also for a plain row of its columns."""
    return option.labels.get(locale) or option.labels.get("de") or str(option.position)


def label_fallback(option: Any, locale: str) -> str:
    """The language label_of() fell back to ("de"), or "" when the label is in ``locale``
    (or is the bare position): pages mark such a label and say it is in German."""
    if option.labels.get(locale) or not option.labels.get("de"):
        return ""
    return "de"
