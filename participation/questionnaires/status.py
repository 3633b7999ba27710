"""What a questionnaire response's reference number tells its owner on every status door:
which questionnaire, when it was last changed and through which door, and what became of
its written answers in moderation. Nothing of the answers themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse


@dataclass(frozen=True)
class ResponseStatus:
    reference: str
    consultation: Consultation
    #: When the voter last answered (a later response takes over this row and number).
    changed_at: datetime
    channel: str
    #: The moderation state of each written answer ("pending", "published", "rejected").
    texts: tuple[str, ...]

    def count(self, state: str) -> int:
        return sum(1 for text in self.texts if text == state)


def find_response(session: Session, reference: str) -> QuestionnaireResponse | None:
    """The response with this (parsed) reference in the session's council, or None."""
    return session.exec(
        select(QuestionnaireResponse).where(QuestionnaireResponse.reference == reference)
    ).first()


def response_status(session: Session, response: QuestionnaireResponse) -> ResponseStatus | None:
    """The response's status, or None when its consultation is gone."""
    consultation = session.get(Consultation, response.consultation_id)
    if consultation is None:
        return None
    states = session.exec(
        select(Contribution.status)
        .join(QuestionnaireAnswer, col(QuestionnaireAnswer.contribution_id) == Contribution.id)
        .where(QuestionnaireAnswer.response_id == response.id)
        .order_by(col(QuestionnaireAnswer.id))
    ).all()
    return ResponseStatus(
        reference=response.reference,
        consultation=consultation,
        changed_at=response.updated_at,
        channel=response.channel,
        texts=tuple(str(getattr(state, "value", state)) for state in states),
    )
