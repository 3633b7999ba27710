from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from participation.clock import utcnow


class Decision(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    redact = "redact"
    transcribe = "transcribe"
    assign = "assign"
    reopen = "reopen"


class RejectionReason(enum.StrEnum):
    insult = "insult"
    personal_data = "personal_data"
    off_topic = "off_topic"
    duplicate = "duplicate"
    advertising = "advertising"
    other = "other"


class ModerationDecision(SQLModel, table=True):
    """Append-only: the public moderation log and the audit trail of every decision."""

    __tablename__ = "moderation_decision"

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    decision: Decision
    reason: str | None = Field(default=None, max_length=40)
    public_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only record of staff actions and automatic deletions (who, what, when)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    action: str = Field(max_length=60)
    object_type: str = Field(default="", max_length=40)
    object_id: str = Field(default="", max_length=40)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
