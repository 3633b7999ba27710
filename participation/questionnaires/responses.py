"""submit_response(): one voter's answers to a consultation's questionnaire, whatever the door.

The voter is the one contributions.votes.Voter names (a phone hash, a confirmed web
number, a front-desk attestation), so a response and a poll vote from one person are one
person's. One response per voter and consultation: a later one replaces the earlier one
whole, through any door. The poll's answer goes through submit_vote() into poll_vote, as
from every other door; free texts go through submit_contribution() into the moderation
queue, linked to their question; everything else is stored here, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.errors import ContributionRefused
from participation.contributions.models import Channel, PollVote
from participation.contributions.reference_draw import NoFreeReference, draw_reference
from participation.contributions.service import (
    ChannelDetails,
    Submission,
    submit_contribution,
)
from participation.contributions.votes import Voter, check_open, submit_vote
from participation.db import insert_or_skip
from participation.questionnaires.answers import Checked, Recording, checked_answers
from participation.questionnaires.builder import questions_of
from participation.questionnaires.models import (
    QuestionnaireAnswer,
    QuestionnaireResponse,
)


class ResponseRefused(ContributionRefused):
    """Some answers do not fit their questions; nothing was stored."""

    code = "invalid_answers"

    def __init__(self, problems: dict) -> None:
        super().__init__(", ".join(f"{q}: {p.code}" for q, p in problems.items()))
        #: question id -> answers.AnswerProblem
        self.problems = problems


@dataclass(frozen=True)
class ResponseRecorded:
    id: int
    reference: str
    #: True when this voter had answered before: the earlier response no longer counts.
    replaced: bool
    contribution_ids: list[int] = field(default_factory=list)


def submit_response(
    session: Session,
    consultation: Consultation,
    answers: Mapping[int, Sequence[str]],
    channel: Channel,
    locale: str,
    voter: Voter,
    *,
    received_at: datetime | None = None,
    recordings: Mapping[int, Recording] | None = None,
) -> ResponseRecorded:
    """Checks every answer against its question and stores the response in the caller's
    transaction; raises ResponseRefused (with a problem per question) or
    ConsultationNotOpen and stores nothing. ``answers``: question id -> the raw values a
    door received (option ids, a number, "yes"/"no", a text); ids of no question of this
    consultation are ignored. ``recordings``: question id -> a spoken free-text answer
    (the phone line), stored as that answer's contribution, a recorded comment."""
    check_open(consultation, channel, received_at)
    questions = questions_of(session, consultation.id)
    checked, problems = checked_answers(session, consultation, questions, answers, recordings)
    if problems:
        raise ResponseRefused(problems)
    response_id, reference, replaced = _response_row(session, consultation, channel, locale, voter)
    session.execute(
        delete(QuestionnaireAnswer).where(QuestionnaireAnswer.response_id == response_id)  # type: ignore[arg-type]
    )
    contribution_ids = []
    for item in checked:
        contribution_id = _store(
            session, consultation, response_id, item, (channel, locale), voter, received_at
        )
        if contribution_id is not None:
            contribution_ids.append(contribution_id)
    if not any(item.question.is_poll for item in checked):
        # The latest response is the whole answer: a poll left empty takes back the
        # voter's earlier poll answer.
        session.execute(
            delete(PollVote).where(
                PollVote.consultation_id == consultation.id,  # type: ignore[arg-type]
                PollVote.voter_key == voter.key,  # type: ignore[arg-type]
            )
        )
    session.flush()
    return ResponseRecorded(response_id, reference, replaced, contribution_ids)


def _response_row(
    session: Session, consultation: Consultation, channel: Channel, locale: str, voter: Voter
) -> tuple[int, str, bool]:
    """The voter's response row, made or taken over: (id, reference, whether it existed)."""
    for _attempt in range(8):
        earlier = session.exec(
            select(QuestionnaireResponse).where(
                QuestionnaireResponse.consultation_id == consultation.id,
                QuestionnaireResponse.voter_key == voter.key,
            )
        ).first()
        if earlier is not None:
            earlier.channel, earlier.locale = channel, locale
            earlier.attested_by_id = voter.attested_by_id
            earlier.updated_at = utcnow()
            session.add(earlier)
            session.flush()
            return earlier.id, earlier.reference, True
        reference = draw_reference(session, consultation.council_id)
        values = {
            "consultation_id": consultation.id,
            "council_id": consultation.council_id,
            "voter_key": voter.key,
            "reference": reference,
            "channel": str(channel),
            "locale": locale,
            "attested_by_id": voter.attested_by_id,
            "updated_at": utcnow(),
        }
        # ON CONFLICT DO NOTHING: a racing first response of the same voter is found by
        # the next round, a clashing reference is drawn again.
        stored = insert_or_skip(session, QuestionnaireResponse, values)
        if stored is not None:
            return stored, reference, False
    raise NoFreeReference("no free reference number in 8 draws")


def _store(
    session: Session,
    consultation: Consultation,
    response_id: int,
    item: Checked,
    door: tuple[Channel, str],
    voter: Voter,
    received_at: datetime | None,
) -> int | None:
    channel, locale = door
    question = item.question
    if question.is_poll:
        submit_vote(
            session,
            consultation=consultation,
            option_id=item.option_ids[0],
            channel=channel,
            voter=voter,
            received_at=received_at,
        )
        return None
    contribution_id = None
    recording = item.recording
    if item.text or recording is not None:
        details = ChannelDetails(
            # A phone hash, not a front-desk or anonymised key.
            author_key=None if ":" in voter.key else voter.key,
            entered_by_id=voter.attested_by_id,
            received_at=received_at,
            external_id=recording.external_id if recording else None,
            recording_url=recording.url if recording else None,
            recording_duration=recording.duration if recording else None,
        )
        contribution_id = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=item.text,
                channel=channel,
                locale=locale,
                details=details,
                question_id=question.id,
            ),
        ).id
    rows = [{"option_id": option_id} for option_id in item.option_ids]
    if item.number is not None:
        rows.append({"number": item.number})
    if contribution_id is not None:
        rows.append({"contribution_id": contribution_id})
    for row in rows:
        session.add(QuestionnaireAnswer(response_id=response_id, question_id=question.id, **row))
    return contribution_id
