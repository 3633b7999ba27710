"""Themes (tags) per consultation, the council's weighing (Abwägung) per theme, and the
requests to be told the result by SMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class Theme(CouncilOwned, table=True):
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    #: The council's answer to everything said under this theme (Abwägung).
    answer: str = Field(default="")
    position: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow)


class ContributionTheme(CouncilOwned, table=True):
    """Which contribution belongs to which theme (many to many)."""

    __tablename__ = "contribution_theme"
    __table_args__ = (
        # Counting per theme and listing a theme's contributions.
        Index("ix_contribution_theme_theme", "theme_id", "contribution_id"),
    )

    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, ondelete="CASCADE"
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, ondelete="CASCADE")


class SmsNotifyRequest(CouncilOwned, table=True):
    """ "Text me the results" by SMS: the only place a plain number is kept, encrypted.
    The SMS door stores the request; publishing the result turns it into an SMS."""

    __tablename__ = "sms_notify_request"
    __table_args__ = (UniqueConstraint("consultation_id", "phone_key"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    phone_key: str = Field(max_length=64, index=True)
    #: Fernet token of the E.164 number (participation.crypto.encrypt).
    number_encrypted: str = Field(max_length=500)
    language: str = Field(default="de", max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
