"""The operator's own tables: its accounts and what it did. Not council-owned: the
operator stands above the councils, and no council's session ever reads these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from participation.clock import utcnow


class OperatorAccount(SQLModel, table=True):
    """A person at the provider who runs the installation; never a council's staff."""

    __tablename__ = "operator_account"

    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    #: The TOTP secret, encrypted (accounts/totp.py); None while the second factor is off.
    totp_secret: str | None = Field(default=None, max_length=255)
    #: Raised by logging out: sessions carry the version they were issued with.
    session_version: int = Field(default=1)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = None
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class OperatorTotpUse(SQLModel, table=True):
    """A one-time code an operator used: kept a few minutes, to refuse its second use."""

    __tablename__ = "operator_totp_use"
    __table_args__ = (UniqueConstraint("operator_id", "counter"),)

    id: int = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator_account.id", ondelete="CASCADE")
    counter: int
    used_at: datetime = Field(default_factory=utcnow, index=True)


class OperatorEvent(SQLModel, table=True):
    """Append-only: what an operator (or, with None, the command line) did to which council."""

    __tablename__ = "operator_event"

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    operator_id: int | None = Field(default=None, foreign_key="operator_account.id")
    action: str = Field(max_length=60)
    council_id: int | None = Field(default=None, foreign_key="council.id", index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
