"""Themes (tags) per consultation and the council's weighing (Abwägung) per theme."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from participation.clock import utcnow


class Theme(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    #: The council's answer to everything said under this theme (Abwägung).
    answer: str = Field(default="")
    position: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow)


class ContributionTheme(SQLModel, table=True):
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
