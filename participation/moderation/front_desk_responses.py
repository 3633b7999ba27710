"""The front desk's questionnaire entry: a paper form or a visitor's answers typed in by
staff, stored through questionnaires.responses.submit_response() as an attested voter,
with an audit entry; and the receipt of such a response.

Beside front_desk.py (comments and poll answers), for the same reason it stands in the
moderation area: an entry writes to the audit log. A consultation or reference not there
raises NotFound; refused answers raise ResponseRefused, so nothing of them is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.moderation.front_desk import enterable
from participation.moderation.service import audit
from participation.outcomes import NotFound, get_or_404
from participation.questionnaires.builder import questions_of
from participation.questionnaires.models import QuestionnaireResponse
from participation.questionnaires.pages import shown_questions
from participation.questionnaires.responses import ResponseRecorded, submit_response


@dataclass(frozen=True)
class ResponseEntry:
    """A checked questionnaire entry (frontdesk/questionnaire_forms.py), ready to store."""

    channel: Channel
    received: date
    received_at: datetime
    #: The language of the form the resident filled in.
    locale: str
    #: question id -> the raw values typed (option ids, a number, "yes"/"no", a text).
    answers: Mapping[int, Sequence[str]]
    #: The resident's phone hash when they gave a number (a later SMS, web or front-desk
    #: response from it replaces this one); else the response is a voter of its own.
    voter_key: str | None


def with_questions(session: Session, consultation_id: int) -> Consultation:
    """The consultation taking entries, when it has a questionnaire."""
    consultation = enterable(session, consultation_id)
    if not questions_of(session, consultation.id):
        raise NotFound
    return consultation


def entry_form(session: Session, consultation_id: int) -> dict:
    """What the entry screen shows: the questions in German, as staff read them."""
    consultation = with_questions(session, consultation_id)
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, "de"),
        "questions": shown_questions(session, consultation, "de"),
    }


def enter_response(
    session: Session, consultation_id: int, staff_id: int, entry: ResponseEntry
) -> ResponseRecorded:
    """Stores the response as the front desk's attested voter, with its audit entry."""
    consultation = with_questions(session, consultation_id)
    recorded = submit_response(
        session,
        consultation,
        entry.answers,
        entry.channel,
        entry.locale,
        Voter.attested(staff_id, entry.voter_key),
        received_at=entry.received_at,
    )
    audit(
        session,
        "response.enter",
        object_type="questionnaire_response",
        object_id=recorded.id,
        staff_id=staff_id,
        consultation=consultation.id,
        reference=recorded.reference,
        channel=entry.channel.value,
        received=entry.received.isoformat(),
        by_phone_number=entry.voter_key is not None,
        replaced=recorded.replaced,
    )
    return recorded


def response_receipt(session: Session, reference: str) -> dict:
    """The receipt of a response by its reference number."""
    if not (reference.isdecimal() and len(reference) <= 8):
        raise NotFound
    response = session.exec(
        select(QuestionnaireResponse).where(QuestionnaireResponse.reference == reference)
    ).first()
    if response is None:
        raise NotFound
    consultation = get_or_404(session, Consultation, response.consultation_id)
    return {
        "response": response,
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, response.locale),
    }
