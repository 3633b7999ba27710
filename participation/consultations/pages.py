"""What the consultation pages show, read in one transaction: the public list and a
consultation's poster. Plain data for the templates; the doors add what comes from the
request. A consultation's page with its comments is the moderation area's
(moderation/consultation_pages.py): it shows what moderation let through."""

from __future__ import annotations

from sqlmodel import Session

from participation.consultations import service
from participation.consultations.models import Consultation, phase_once_open
from participation.outcomes import NotFound, get_or_404
from participation.settings import LANGUAGES


def public_list(session: Session, lang: str) -> dict:
    """The public consultations by phase, each with its text in the reader's language."""
    consultations = service.public_consultations(session)
    texts = service.texts_for(session, [c.id for c in consultations])
    groups: dict[str, list] = {"open": [], "upcoming": [], "closed": [], "results": []}
    for c in consultations:
        phase = c.phase()
        text = service.pick_text(texts.get(c.id, []), LANGUAGES[lang], c.default_locale)
        groups.setdefault(phase.value, []).append((c, text))
    return {"groups": groups}


def poster(session: Session, slug: str, lang: str) -> dict:
    """A public consultation's poster (NotFound otherwise)."""
    consultation = service.public_by_slug(session, slug)
    if consultation is None:
        raise NotFound
    return {
        "consultation": consultation,
        "text": service.text_for(session, consultation, LANGUAGES[lang]),
        "phase": consultation.phase(),
    }


def poster_preview(session: Session, consultation_id: int, lang: str) -> dict:
    """Any consultation's poster, drafts too, for staff to print before it opens."""
    consultation = get_or_404(session, Consultation, consultation_id)
    return {
        "consultation": consultation,
        "text": service.text_for(session, consultation, LANGUAGES[lang]),
        "phase": phase_once_open(consultation),
    }
