"""What the public API shows: published consultations and published contributions only.

Rows are read as columns (SQLAlchemy Core), not ORM objects: the API is a hot read path
and the payload is plain data anyway.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.contributions.models import Contribution, Status
from participation.contributions.reference import format_reference
from participation.results.rules import counting_rule_in
from participation.results.service import summarise
from participation.settings import LANGUAGES

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def visible(consultation: Consultation | None) -> bool:
    return consultation is not None and consultation.phase() is not Phase.draft


def _published_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(col(Contribution.consultation_id), func.count())
        .where(col(Contribution.consultation_id).in_(ids))
        .where(col(Contribution.status) == Status.published)
        .group_by(col(Contribution.consultation_id))
    ).all()
    return {row[0]: row[1] for row in rows}


def _summary(
    consultation: Consultation, texts: list, locale: str | None, published: int
) -> dict[str, Any]:
    picked = consultations.pick_text(
        texts, locale or consultation.default_locale, consultation.default_locale
    )
    return {
        "slug": consultation.slug,
        "code": consultation.code,
        "phase": consultation.phase().value,
        "locale": picked.locale if picked else None,
        "title": picked.text.title if picked else consultation.slug,
        "summary": picked.text.summary if picked else "",
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "results_published_at": iso(consultation.results_published_at),
        "published_contributions": published,
    }


def list_consultations(session: Session, locale: str | None) -> list[dict[str, Any]]:
    found = [c for c in consultations.public_consultations(session) if visible(c)]
    ids = [c.id for c in found]
    texts = consultations.texts_for(session, ids)
    counts = _published_counts(session, ids)
    return [_summary(c, texts.get(c.id, []), locale, counts.get(c.id, 0)) for c in found]


def consultation_detail(session: Session, slug: str, locale: str | None) -> dict | None:
    consultation = consultations.get_by_slug(session, slug)
    if not visible(consultation):
        return None
    assert consultation is not None
    texts = consultations.texts_for(session, [consultation.id]).get(consultation.id, [])
    counts = _published_counts(session, [consultation.id])
    detail = _summary(consultation, texts, locale, counts.get(consultation.id, 0))
    picked = consultations.pick_text(
        texts, locale or consultation.default_locale, consultation.default_locale
    )
    label_locale = picked.locale if picked else consultation.default_locale
    detail["body_markdown"] = picked.text.body_md if picked else ""
    detail["poll_question"] = (picked.text.poll_question or None) if picked else None
    options = consultations.poll_options(session, consultation.id)
    # Vote counts are published with the results, not while people still vote.
    votes: dict[int, int] | None = None
    if consultation.phase() is Phase.results:
        summary = summarise(session, consultation)
        votes = {option.id: count for option, count in summary.poll}
        detail["results_summary_markdown"] = picked.text.results_summary if picked else ""
    else:
        detail["results_summary_markdown"] = None
    detail["poll_options"] = [
        {
            "position": o.position,
            "key": o.key or None,
            "label": o.label(label_locale),
            "votes": votes.get(o.id, 0) if votes is not None else None,
        }
        for o in options
    ]
    # The figures are only as good as their rule: it travels with them, in the language
    # asked for (our own text exists in every language, unlike the council's).
    wanted = locale or consultation.default_locale
    language = next((code for code, value in LANGUAGES.items() if value == wanted), "de")
    detail["counting_rule"] = (
        " ".join(counting_rule_in(language, consultation.allow_unverified_votes))
        if options
        else None
    )
    return detail


def contributions_page(
    session: Session, slug: str, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None] | None:
    """Published contributions, oldest first, after a keyset cursor (the last id seen)."""
    consultation = consultations.get_by_slug(session, slug)
    if not visible(consultation):
        return None
    assert consultation is not None
    options = {
        o.id: o.key or str(o.position) for o in consultations.poll_options(session, consultation.id)
    }
    rows = session.execute(
        select(  # type: ignore[call-overload,misc]  # SQLModel types select() for at most four columns
            Contribution.id,
            Contribution.reference,
            Contribution.channel,
            Contribution.locale,
            Contribution.pseudonym,
            Contribution.body,
            Contribution.poll_option_id,
            Contribution.created_at,
            Contribution.published_at,
            Contribution.answer,
            Contribution.answered_at,
        )
        .where(
            Contribution.consultation_id == consultation.id,
            Contribution.status == Status.published,
            col(Contribution.id) > after,
        )
        .order_by(col(Contribution.id))
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "reference": format_reference(row.reference),
            "channel": str(row.channel),
            "locale": row.locale,
            "pseudonym": row.pseudonym,
            "text": row.body,
            "poll_answer": options.get(row.poll_option_id) if row.poll_option_id else None,
            "created_at": iso(row.created_at),
            "published_at": iso(row.published_at),
            "answer": row.answer,
            "answered_at": iso(row.answered_at),
        }
        for row in rows
    ]
    return items, (rows[-1].id if more and rows else None)
