"""A questionnaire answered one question at a time (SMS, phone): where the person is and
what they answered so far, until the whole response goes through submit_response().

Nothing counts before the end: the answers wait here, encrypted, and are checked
question by question so that a door can say at once what it did not understand. The
last answer stores the response in the door's transaction and forgets the progress.
A conversation left alone is forgotten a day after its last answer (PROGRESS_HOURS).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.crypto import decrypt, encrypt
from participation.questionnaires.answers import AnswerProblem, Recording, checked_answers
from participation.questionnaires.builder import questions_of
from participation.questionnaires.models import PROGRESS_HOURS, QuestionnaireProgress
from participation.questionnaires.responses import ResponseRecorded, submit_response


@dataclass(frozen=True)
class Holder:
    """Whose conversation: the door, its key (a sender's hash, a CallSid), the phone hash."""

    door: str
    key: str
    phone_key: str | None = None


def current_progress(
    session: Session, holder: Holder, now: datetime | None = None
) -> QuestionnaireProgress | None:
    """The holder's conversation, unless a day has passed since its last answer."""
    found = session.exec(
        select(QuestionnaireProgress).where(
            QuestionnaireProgress.door == holder.door,
            QuestionnaireProgress.holder == holder.key,
        )
    ).first()
    moment = now or utcnow()
    if found is not None and found.updated_at <= moment - timedelta(hours=PROGRESS_HOURS):
        session.delete(found)
        session.flush()
        return None
    return found


def start_progress(
    session: Session, consultation: Consultation, holder: Holder, locale: str, secret: str
) -> QuestionnaireProgress:
    """A new conversation at the first question; an earlier one of the holder is replaced."""
    found = current_progress(session, holder)
    progress = found or QuestionnaireProgress(
        council_id=consultation.council_id,
        consultation_id=consultation.id,
        door=holder.door,
        holder=holder.key,
        locale=locale,
    )
    progress.consultation_id = consultation.id
    progress.phone_key = holder.phone_key
    progress.locale = locale
    progress.position = 0
    progress.answers = encrypt(secret, "{}")
    progress.updated_at = utcnow()
    session.add(progress)
    session.flush()
    return progress


#: The key, beside the question ids, of the spoken answers (question id -> recording).
_RECORDINGS = "recordings"


def _stored(progress: QuestionnaireProgress, secret: str) -> dict:
    plain = decrypt(secret, progress.answers) if progress.answers else None
    return json.loads(plain) if plain else {}


def _keep(session: Session, progress: QuestionnaireProgress, stored: dict, secret: str) -> None:
    progress.answers = encrypt(secret, json.dumps(stored))
    progress.position += 1
    progress.updated_at = utcnow()
    session.add(progress)
    session.flush()


def answers_so_far(progress: QuestionnaireProgress, secret: str) -> dict[int, list[str]]:
    """question id -> the raw values given; empty when the token cannot be read."""
    stored = _stored(progress, secret)
    return {int(key): list(values) for key, values in stored.items() if key.isdecimal()}


def recordings_so_far(progress: QuestionnaireProgress, secret: str) -> dict[int, Recording]:
    """question id -> the spoken answer recorded for it (the phone line)."""
    stored = _stored(progress, secret).get(_RECORDINGS, {})
    return {int(key): Recording(**fields) for key, fields in stored.items()}


def check_answer(
    session: Session, consultation: Consultation, question_id: int, values: Sequence[str]
) -> AnswerProblem | None:
    """The problem with this one answer, as submit_response() would find it, or None."""
    question = next(
        (q for q in questions_of(session, consultation.id) if q.id == question_id), None
    )
    if question is None:
        return None
    _checked, problems = checked_answers(session, consultation, [question], {question_id: values})
    return problems.get(question_id)


def record_answer(
    session: Session,
    progress: QuestionnaireProgress,
    question_id: int,
    values: Sequence[str],
    secret: str,
) -> None:
    """Keeps this answer (an empty one skips an optional question) and moves on; it
    replaces a recording given to the same question before."""
    stored = _stored(progress, secret)
    stored[str(question_id)] = [str(value) for value in values]
    stored.get(_RECORDINGS, {}).pop(str(question_id), None)
    _keep(session, progress, stored, secret)


def record_recording(
    session: Session,
    progress: QuestionnaireProgress,
    question_id: int,
    recording: Recording,
    secret: str,
) -> None:
    """Keeps a spoken answer to a free-text question and moves on."""
    stored = _stored(progress, secret)
    stored[str(question_id)] = []
    stored.setdefault(_RECORDINGS, {})[str(question_id)] = {
        "url": recording.url,
        "duration": recording.duration,
        "external_id": recording.external_id,
    }
    _keep(session, progress, stored, secret)


def step_back(session: Session, progress: QuestionnaireProgress) -> None:
    """Back to the previous question (its answer is kept until answered again)."""
    progress.position = max(0, progress.position - 1)
    progress.updated_at = utcnow()
    session.add(progress)
    session.flush()


def forget_progress(session: Session, progress: QuestionnaireProgress) -> None:
    session.delete(progress)
    session.flush()


def finish_progress(
    session: Session,
    consultation: Consultation,
    progress: QuestionnaireProgress,
    channel: Channel,
    voter: Voter,
    secret: str,
) -> ResponseRecorded:
    """Stores the answers as the voter's response (raising ResponseRefused or
    ConsultationNotOpen as submit_response does, the progress then kept) and forgets
    the progress in the same transaction."""
    recorded = submit_response(
        session,
        consultation,
        answers_so_far(progress, secret),
        channel,
        progress.locale,
        voter,
        recordings=recordings_so_far(progress, secret),
    )
    forget_progress(session, progress)
    return recorded
