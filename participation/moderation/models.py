from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class Decision(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    redact = "redact"
    transcribe = "transcribe"
    assign = "assign"
    reopen = "reopen"
    #: Reports about a published contribution were checked; it stays published.
    keep = "keep"


class RejectionReason(enum.StrEnum):
    insult = "insult"
    personal_data = "personal_data"
    off_topic = "off_topic"
    duplicate = "duplicate"
    advertising = "advertising"
    #: Automated, bought or invented: a vote sent with it is not counted.
    spam = "spam"
    other = "other"


class ModerationDecision(CouncilOwned, table=True):
    """Append-only: the public moderation log and the audit trail of every decision."""

    __tablename__ = "moderation_decision"
    __table_args__ = (
        # The public moderation log of one consultation, newest first, by key.
        Index("ix_moderation_decision_consultation", "consultation_id", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    #: Copied from the contribution at decision time, so the log needs no join to filter.
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation.id", ondelete="CASCADE"
    )
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    decision: Decision
    reason: str | None = Field(default=None, max_length=40)
    public_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(CouncilOwned, table=True):
    """Append-only record of staff actions and automatic deletions (who, what, when)."""

    __tablename__ = "audit_event"

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    action: str = Field(max_length=60)
    object_type: str = Field(default="", max_length=40)
    object_id: str = Field(default="", max_length=40)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Flag(CouncilOwned, table=True):
    """A report from anyone that a published contribution breaks the rules.

    An open report (resolved_at NULL) puts the contribution into the queue's "Reported"
    view; a moderator then keeps it or rejects it, which resolves every open report.
    """

    __tablename__ = "contribution_flag"
    __table_args__ = (
        # The "Reported" view and its count: open reports, by contribution.
        Index("ix_contribution_flag_open", "resolved_at", "contribution_id"),
    )

    id: int = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=300)
    #: Keyed hash of the reporter's address under a key that changes every day, for the
    #: rate limit only; set to NULL after a day, so reports cannot be linked for longer.
    reporter_key: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    resolved_at: datetime | None = None
    resolved_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
