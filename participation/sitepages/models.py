"""Pages a German council must offer (accessibility statement, privacy, imprint, Leichte
Sprache, sign language), as edited by the installation, and barrier reports."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class SitePage(CouncilOwned, table=True):
    """One language of one page as an installation wrote it; absent rows use the defaults."""

    __tablename__ = "site_page"
    __table_args__ = (
        UniqueConstraint("council_id", "slug", "locale", name="uq_site_page_council_slug_locale"),
    )

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, index=True)
    locale: str = Field(max_length=8)
    title: str = Field(max_length=200)
    #: Markdown, rendered with participation.markdown.render_markdown.
    body_md: str = Field(default="")
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(
        default=None, foreign_key="staff_user.id", ondelete="SET NULL"
    )


class ReportStatus(enum.StrEnum):
    new = "new"
    answered = "answered"


class BarrierReport(CouncilOwned, table=True):
    """A resident's report of a barrier (BITV 2.0 feedback mechanism)."""

    __tablename__ = "barrier_report"

    id: int = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    #: The page the person came from (our own path only).
    page: str = Field(default="", max_length=500)
    description: str = Field(max_length=5000)
    #: Only for an answer; cleared when staff mark the report answered.
    contact_email: str | None = Field(default=None, max_length=254)
    locale: str = Field(default="de", max_length=8)
    status: ReportStatus = Field(default=ReportStatus.new, index=True)
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(
        default=None, foreign_key="staff_user.id", ondelete="SET NULL"
    )
