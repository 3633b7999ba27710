"""What a consultation's pages show of its comments, read in one transaction: the public
page with the published ones, and the staff's overview of what waits. Plain data for
the templates; the doors add what comes from the request.

In the moderation area, which stands above consultations and contributions: a page
counts the comments and asks the moderation queue for them, which the consultations
themselves must not know.
"""

from __future__ import annotations

from sqlalchemy import Row
from sqlmodel import Session

from participation.consultations import service
from participation.consultations.models import (
    Consultation,
    Phase,
    label_of,
    phase_of,
    phase_once_open,
)
from participation.contributions.service import count_published
from participation.moderation.queue import Waiting, public_page, waiting_overview
from participation.outcomes import NotFound, get_or_404
from participation.questionnaires.builder import questions_of
from participation.settings import LANGUAGES

PAGE_SIZE = 20


def published_page(
    session: Session, consultation_id: int, before: int | None
) -> tuple[list, int | None]:
    """Newest first, keyset pagination; removed-after-publication ones in their place."""
    return public_page(session, consultation_id, before, PAGE_SIZE)


def consultation_context(
    session: Session, consultation: Consultation | Row, lang: str, before: int | None = None
) -> dict:
    """The page's data; ``consultation`` a model or the plain row of row_by_slug()."""
    locale = LANGUAGES[lang]
    text = service.text_row_for(session, consultation, locale)
    contributions, next_before = published_page(session, consultation.id, before)
    options = service.option_rows(session, consultation.id)
    questions = questions_of(session, consultation.id)
    return {
        "consultation": consultation,
        "text": text,
        "phase": phase_of(consultation),
        "options": options,
        "option_labels": {o.id: label_of(o, locale) for o in options},
        "contributions": contributions,
        "next_before": next_before,
        "published_count": count_published(session, consultation.id),
        # A questionnaire beyond the poll gets its own link: the poll alone is voted here.
        "questionnaire_size": (len(questions) if any(not q.is_poll for q in questions) else 0),
        "locale": locale,
        # The vote form's values and problems (contributions/vote_routes.py).
        "vote": {},
        "vote_errors": {},
    }


def public_consultation(session: Session, slug: str, lang: str, before: int | None) -> dict:
    """A consultation's public page (NotFound for a draft or none)."""
    consultation = service.row_by_slug(session, slug)
    if consultation is None or phase_of(consultation) is Phase.draft:
        raise NotFound
    return consultation_context(session, consultation, lang, before)


def staff_overview(session: Session) -> dict:
    """What waits, per consultation, and since when: a fixed number of statements."""
    consultations = service.all_consultations(session)
    texts = service.texts_for(session, [c.id for c in consultations])
    overview = waiting_overview(session)
    rows = [
        (
            c,
            service.pick_text(texts.get(c.id, []), "de"),
            overview.get(c.id) or Waiting(c.id),
        )
        for c in consultations
    ]
    totals = Waiting(None)
    for line in overview.values():
        totals.pending += line.pending
        totals.published += line.published
        totals.rejected += line.rejected
        totals.flagged += line.flagged
    return {
        "rows": rows,
        "totals": totals,
        "unassigned": overview.get(None) or Waiting(None),
    }


def staff_preview(session: Session, consultation_id: int, lang: str) -> dict:
    """The public page of any consultation of this council, drafts too, as residents will
    see it once it is open: for staff only (the endpoint checks the role)."""
    consultation = get_or_404(session, Consultation, consultation_id)
    context = consultation_context(session, consultation, lang)
    context["phase"] = phase_once_open(consultation)
    return context
