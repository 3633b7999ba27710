"""Site pages (statement, privacy, imprint, Leichte Sprache, DGS) and barrier reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date
from sqlalchemy import update
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.i18n.catalogs import babel_locale
from participation.opening_hours import local_hours
from participation.outcomes import get_or_404
from participation.paths import same_origin_path
from participation.phone_keys import CODE_KEY, language_key
from participation.settings import LANGUAGES, Settings
from participation.sitepages.defaults import DEFAULT_PAGES, DEFAULTS_REVIEWED
from participation.sitepages.models import BarrierReport, ReportStatus, SitePage
from participation.text import normalise_line, normalise_text

#: In the order of the footer and the staff list.
PAGE_SLUGS = ("accessibility", "easy-read", "sign-language", "privacy", "imprint")
FALLBACK_LOCALE = "de"
EDIT_LOCALES = tuple(LANGUAGES.values())
MAX_DESCRIPTION = 5000
#: A barrier report's contact address is deleted once answered, and at the latest then.
CONTACT_KEEP_DAYS = 180
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class ShownPage:
    slug: str
    title: str
    #: Markdown with the settings filled in.
    body_md: str
    #: The locale the text is really in; differs from ``requested`` when it fell back.
    locale: str
    requested: str
    is_custom: bool
    updated_at: datetime | None

    @property
    def is_fallback(self) -> bool:
        # Leichte Sprache readers get the easy-read page in its German (LS) text anyway.
        return self.locale != self.requested

    @property
    def html_lang(self) -> str:
        return "de" if self.locale == "de@easy" else self.locale


def fill(
    body: str,
    settings: Settings,
    lang: str,
    reviewed: datetime | None,
    locale: str = "",
    prefix: str = "",
) -> str:
    """Replaces {council_name} etc.; unknown words in braces stay as they are. Dates are
    written as the text's language (``locale``, else the reader's) writes them. Links to
    our own pages, written ](/{lang}/...), keep a council's path prefix (/c/<slug>)."""
    if prefix:
        body = body.replace("](/{lang}", f"]({prefix}/{{lang}}")
    text_locale = babel_locale(locale or lang)
    values = {
        "council_name": settings.council_name,
        "council_address": settings.council_address,
        "council_email": settings.council_email,
        "council_phone": settings.council_phone,
        "council_sms_number": settings.council_sms_number,
        "front_desk_hours": local_hours(settings.front_desk_hours, locale or lang),
        "data_protection_officer": settings.data_protection_officer,
        # The phone line's keys: its language menu's for the text's language, then the
        # one that opens typing a consultation's code.
        "phone_language_key": str(language_key(locale or lang)),
        "phone_code_key": str(CODE_KEY),
        "lang": lang,
        "reviewed": format_date(
            reviewed.date() if reviewed else DEFAULTS_REVIEWED, "long", locale=text_locale
        ),
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), body)


def stored_page(session: Session, slug: str, locale: str) -> SitePage | None:
    return session.exec(
        select(SitePage).where(SitePage.slug == slug, SitePage.locale == locale)
    ).first()


def raw_page(session: Session, slug: str, locale: str) -> tuple[str, str, bool, datetime | None]:
    """(title, Markdown, is_custom, updated_at) for exactly this locale, or ("", "", ...)."""
    row = stored_page(session, slug, locale)
    if row is not None:
        return row.title, row.body_md, True, row.updated_at
    title, body = DEFAULT_PAGES.get(slug, {}).get(locale, ("", ""))
    return title, body, False, None


def get_page(
    session: Session, slug: str, locale: str, settings: Settings, lang: str, prefix: str = ""
) -> ShownPage | None:
    """The page in the reader's locale, else German (marked as a fallback)."""
    if slug not in PAGE_SLUGS:
        return None
    for candidate in dict.fromkeys((locale, FALLBACK_LOCALE)):
        title, body, custom, updated = raw_page(session, slug, candidate)
        if title:
            return ShownPage(
                slug=slug,
                title=title,
                body_md=fill(body, settings, lang, updated, candidate, prefix),
                locale=candidate,
                requested=locale,
                is_custom=custom,
                updated_at=updated,
            )
    return None


def overview(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(slug, [(locale, "custom"|"default"|"outdated"|"missing")])] for the staff list.
    "outdated": the built-in translation, while the council has its own German text,
    which that translation does not follow."""
    stored = {(p.slug, p.locale) for p in session.exec(select(SitePage)).all()}
    result = []
    for slug in PAGE_SLUGS:
        states = []
        own_german = (slug, FALLBACK_LOCALE) in stored
        for locale in EDIT_LOCALES:
            if (slug, locale) in stored:
                states.append((locale, "custom"))
            elif locale in DEFAULT_PAGES[slug]:
                states.append((locale, "outdated" if own_german else "default"))
            else:
                states.append((locale, "missing"))
        result.append((slug, states))
    return result


def save_page(
    session: Session, slug: str, locale: str, title: str, body_md: str, staff_id: int | None
) -> SitePage:
    row = stored_page(session, slug, locale) or SitePage(slug=slug, locale=locale, title="")
    row.title = title
    row.body_md = body_md
    row.updated_at = utcnow()
    row.updated_by_id = staff_id
    session.add(row)
    return row


def reset_page(session: Session, slug: str, locale: str) -> None:
    """Back to the built-in text (or to none, for languages without one)."""
    row = stored_page(session, slug, locale)
    if row is not None:
        session.delete(row)


class ReportInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def submit_barrier_report(
    session: Session,
    *,
    description: str,
    page: str,
    contact_email: str,
    locale: str,
    messages: dict[str, str],
) -> BarrierReport:
    """Stores a report, or raises ReportInvalid with ``messages`` for the fields at fault."""
    # No control characters reach the database (a NUL would lose the report on PostgreSQL).
    description = normalise_text(description)
    contact_email = normalise_line(contact_email)
    page = normalise_line(page)
    errors = {}
    if not description:
        errors["description"] = messages["empty"]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = messages["long"]
    if contact_email and not _EMAIL.match(contact_email):
        errors["contact_email"] = messages["email"]
    if errors:
        raise ReportInvalid(errors)
    # Only our own paths: the field is shown to staff as a link.
    page = same_origin_path(page) if len(page) <= 500 else ""
    report = BarrierReport(
        description=description,
        page=page,
        contact_email=contact_email[:254] or None,
        locale=locale,
    )
    session.add(report)
    session.flush()
    # Every new report also clears addresses that outlived their purpose: no separate job.
    expire_report_contacts(session)
    return report


def expire_report_contacts(session: Session, now: datetime | None = None) -> int:
    """Deletes contact addresses older than CONTACT_KEEP_DAYS; returns how many."""
    limit = (now or utcnow()) - timedelta(days=CONTACT_KEEP_DAYS)
    result = session.exec(
        update(BarrierReport)
        .where(
            col(BarrierReport.created_at) < limit,
            col(BarrierReport.contact_email).is_not(None),
        )
        .values(contact_email=None)
    )
    return result.rowcount or 0


def barrier_reports(session: Session, status: ReportStatus | None = None) -> list[BarrierReport]:
    query = select(BarrierReport)
    if status is not None:
        query = query.where(BarrierReport.status == status)
    return list(session.exec(query.order_by(col(BarrierReport.created_at).desc())).all())


def mark_answered(session: Session, report_id: int, staff_id: int | None) -> BarrierReport:
    """Answered: the contact address is no longer needed and goes (DSGVO Art. 5(1)(c))."""
    report = get_or_404(session, BarrierReport, report_id)
    report.status = ReportStatus.answered
    report.answered_at = utcnow()
    report.answered_by_id = staff_id
    report.contact_email = None
    session.add(report)
    return report
