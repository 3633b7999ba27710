"""Creating and editing a consultation as the staff's form does: its dates, code,
retention, texts per language and poll, in one transaction, with the audit entries.

In the moderation area, which stands above consultations and contributions: it asks
contributions.votes whether anybody answered the poll, which the consultations
themselves must not know, and writes the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from participation.clock import utcnow
from participation.consultations import service
from participation.consultations.models import Consultation, ConsultationText, PollOption
from participation.contributions.votes import has_votes
from participation.moderation.service import audit
from participation.outcomes import get_or_404

#: The parts of a consultation's text in each language.
TEXT_PARTS = ("title", "summary", "body_md", "phone_summary", "poll_question")


class CodeTaken(Exception):
    """The code asked for is another consultation's."""


@dataclass(frozen=True)
class ConsultationEdit:
    """What the staff's form sets, already validated."""

    opens_at: datetime | None
    closes_at: datetime | None
    is_published: bool
    allow_unverified_votes: bool
    retention_days: int
    #: Empty: a new consultation draws one, an edited one keeps its own.
    code: str
    #: Per language, TEXT_PARTS stripped; saved when titled, and German always.
    texts: dict[str, dict[str, str]]
    #: The poll's options as set_poll() takes them.
    poll: list[tuple[str, dict]]


@dataclass(frozen=True)
class Editing:
    """A consultation as its edit form shows it."""

    consultation: Consultation
    texts: list[ConsultationText]
    options: list[PollOption]
    has_votes: bool


def for_editing(session: Session, consultation_id: int) -> Editing:
    consultation = get_or_404(session, Consultation, consultation_id)
    return Editing(
        consultation=consultation,
        texts=service.texts_for(session, [consultation.id]).get(consultation.id, []),
        options=service.poll_options(session, consultation.id),
        has_votes=has_votes(session, consultation.id),
    )


def find(session: Session, consultation_id: int) -> Consultation | None:
    return session.get(Consultation, consultation_id)


def create_consultation(session: Session, edit: ConsultationEdit, staff_id: int) -> Consultation:
    """A new consultation; CodeTaken when its code is another's."""
    if edit.code and service.get_by_code(session, edit.code):
        raise CodeTaken(edit.code)
    consultation = Consultation(
        slug=service.unique_slug(session, edit.texts["de"]["title"]),
        code=edit.code or service.new_code(session),
    )
    _save(session, consultation, edit, staff_id)
    audit(session, "consultation.create", "consultation", consultation.id, staff_id=staff_id)
    return consultation


def update_consultation(
    session: Session, consultation_id: int, edit: ConsultationEdit, staff_id: int
) -> Consultation:
    """The consultation as edited; CodeTaken, or PollLocked when votes or a published
    result forbid the poll's change (the transaction is then rolled back whole)."""
    consultation = get_or_404(session, Consultation, consultation_id)
    other = service.get_by_code(session, edit.code) if edit.code else None
    if other is not None and other.id != consultation.id:
        raise CodeTaken(edit.code)
    _save(session, consultation, edit, staff_id)
    audit(session, "consultation.update", "consultation", consultation.id, staff_id=staff_id)
    return consultation


def _save(
    session: Session, consultation: Consultation, edit: ConsultationEdit, staff_id: int | None
) -> None:
    consultation.opens_at = edit.opens_at
    consultation.closes_at = edit.closes_at
    consultation.is_published = edit.is_published
    consultation.allow_unverified_votes = edit.allow_unverified_votes
    service.set_retention_days(consultation, edit.retention_days)
    consultation.updated_at = utcnow()
    if edit.code:
        consultation.code = edit.code
    session.add(consultation)
    session.flush()
    for locale, parts in edit.texts.items():
        if parts["title"] or locale == "de":
            service.save_text(session, consultation, locale, **parts)
    # Raises PollLocked, before changing an option, when votes or a published result
    # forbid it; a wording fix keeps the option and goes to the audit log.
    voted = has_votes(session, consultation.id)
    for change in service.set_poll(session, consultation, edit.poll, has_votes=voted):
        relabel_audit(session, consultation, change, staff_id)


def relabel_audit(
    session: Session, consultation: Consultation, change: service.Relabelled, staff_id: int | None
) -> None:
    """A poll option's wording fix, with before and after, in the audit log."""
    audit(
        session,
        "poll_option.relabel",
        "poll_option",
        change.option_id,
        staff_id=staff_id,
        consultation=consultation.id,
        position=change.position,
        before=change.before,
        after=change.after,
    )
