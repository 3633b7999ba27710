"""The clerk's set-up of a consultation, one step at a time: each step saves only its own
part (the dates and German texts, the way people answer, one language's texts) so a
half-finished consultation stays a draft and nothing of another step is touched; then
opening it to the public.

Beside consultation_edits.py, which saves the whole form at once: both write the audit
log and ask the votes whether the poll may still change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from participation.clock import utcnow
from participation.consultations import service
from participation.consultations.models import Consultation
from participation.contributions.votes import has_votes
from participation.moderation.consultation_edits import CodeTaken, relabel_audit
from participation.moderation.service import audit
from participation.outcomes import get_or_404


@dataclass(frozen=True)
class Basics:
    """Step one: what and when, with the German texts every language falls back to."""

    opens_at: datetime | None
    closes_at: datetime | None
    code: str
    retention_days: int
    title: str
    summary: str
    body_md: str


@dataclass(frozen=True)
class Answers:
    """Step two: how people answer. Comments are always open; a poll is chosen here."""

    #: The poll's options as set_poll() takes them; empty for none.
    poll: list[tuple[str, dict]]
    allow_unverified_votes: bool


@dataclass(frozen=True)
class LanguageTexts:
    """Some of one language's texts (consultation_edits.TEXT_PARTS), stripped."""

    locale: str
    parts: dict[str, str]


def _touched(session: Session, consultation: Consultation, staff_id: int, what: str) -> None:
    consultation.updated_at = utcnow()
    session.add(consultation)
    session.flush()
    audit(
        session,
        "consultation.update",
        "consultation",
        consultation.id,
        staff_id=staff_id,
        step=what,
    )


def _check_code(session: Session, code: str, consultation_id: int) -> None:
    other = service.get_by_code(session, code) if code else None
    if other is not None and other.id != consultation_id:
        raise CodeTaken(code)


def save_basics(
    session: Session, consultation_id: int, basics: Basics, staff_id: int
) -> Consultation:
    consultation = get_or_404(session, Consultation, consultation_id)
    _check_code(session, basics.code, consultation.id)
    consultation.opens_at = basics.opens_at
    consultation.closes_at = basics.closes_at
    if basics.code:
        consultation.code = basics.code
    service.set_retention_days(consultation, basics.retention_days)
    service.save_text(
        session,
        consultation,
        "de",
        title=basics.title,
        summary=basics.summary,
        body_md=basics.body_md,
    )
    _touched(session, consultation, staff_id, "what")
    return consultation


def save_answers(
    session: Session, consultation_id: int, answers: Answers, staff_id: int
) -> Consultation:
    """The poll (PollLocked when votes or a published result forbid the change, before
    anything is changed) and whether unconfirmed online answers are collected."""
    consultation = get_or_404(session, Consultation, consultation_id)
    voted = has_votes(session, consultation.id)
    for change in service.set_poll(session, consultation, answers.poll, has_votes=voted):
        relabel_audit(session, consultation, change, staff_id)
    consultation.allow_unverified_votes = answers.allow_unverified_votes
    _touched(session, consultation, staff_id, "answers")
    return consultation


def save_language(
    session: Session, consultation_id: int, texts: LanguageTexts, staff_id: int
) -> Consultation:
    """Some of one language's texts. Another language than German emptied of all its
    texts loses its row, so that its readers get the German text instead of an empty one
    (the form asks for a title whenever anything else is written)."""
    consultation = get_or_404(session, Consultation, consultation_id)
    locale, parts = texts.locale, texts.parts
    if locale != service.FALLBACK_LOCALE and not any(parts.values()):
        for text in service.texts_for(session, [consultation.id]).get(consultation.id, []):
            if text.locale == locale:
                session.delete(text)
    else:
        service.save_text(session, consultation, locale, **parts)
    _touched(session, consultation, staff_id, f"language:{locale}")
    return consultation


def open_to_public(session: Session, consultation_id: int, staff_id: int) -> Consultation:
    """Published: from now on (or from its opening date) residents see and answer it."""
    consultation = get_or_404(session, Consultation, consultation_id)
    consultation.is_published = True
    consultation.updated_at = utcnow()
    session.add(consultation)
    session.flush()
    audit(session, "consultation.open", "consultation", consultation.id, staff_id=staff_id)
    return consultation


def back_to_draft(session: Session, consultation_id: int, staff_id: int) -> Consultation:
    consultation = get_or_404(session, Consultation, consultation_id)
    consultation.is_published = False
    consultation.updated_at = utcnow()
    session.add(consultation)
    session.flush()
    audit(session, "consultation.draft", "consultation", consultation.id, staff_id=staff_id)
    return consultation
