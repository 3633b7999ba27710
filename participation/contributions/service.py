"""THE write path for texts: every channel submits through submit_contribution().

Poll answers go through contributions.votes.submit_vote(); ``poll_option_id`` here only
notes which answer a text was sent with, to show beside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from participation.clock import utcnow
from participation.consultations.models import Consultation, Phase, PollOption
from participation.contributions.errors import (
    ConsultationNotOpen,
    ContributionRefused,
    EmptyContribution,
    InvalidPollOption,
    PseudonymTooLong,
    TooLong,
)
from participation.contributions.models import Channel, Contribution, Status
from participation.contributions.reference import parse_reference
from participation.contributions.reference_draw import NoFreeReference, draw_reference
from participation.contributions.text import normalise_line, normalise_text
from participation.db import insert_or_skip, table_of
from participation.questionnaires.models import Question
from participation.tenancy import council_for_new

MAX_CHARS = 5000
MAX_PSEUDONYM = 80
#: Staff enter letters and front-desk visits received before the closing date.
STAFF_CHANNELS = frozenset({Channel.paper, Channel.in_person})


@dataclass
class Submitted:
    """What a channel needs to confirm: the id and reference number of what was stored."""

    id: int
    reference: str
    #: False when the same external id was seen before (a webhook delivered twice).
    created: bool
    session: Session = field(repr=False)

    @functools.cached_property
    def contribution(self) -> Contribution:
        """The stored row as an ORM object, loaded only for a caller that needs it: the
        insert returns the id alone, as loading the row through the ORM cost an SMS or
        a web comment 0.15 ms."""
        return self.session.get_one(Contribution, self.id)

    @classmethod
    def earlier(cls, session: Session, contribution: Contribution) -> Submitted:
        # .contribution then comes from the session's identity map, without a query.
        return cls(contribution.id, contribution.reference, False, session)


@dataclass(frozen=True)
class ChannelDetails:
    """What only some doors know about a contribution; each field is stored as given."""

    #: The webhook's message or call id: a second delivery finds what the first stored.
    external_id: str | None = None
    #: Keyed hash of the sender's phone number (SMS, phone), for the sender's own texts.
    author_key: str | None = None
    recording_url: str | None = None
    recording_duration: int | None = None
    #: The staff member who typed in a letter or a front-desk visit.
    entered_by_id: int | None = None
    #: When a letter or visit arrived; the closing date is checked against it.
    received_at: datetime | None = None


@dataclass(frozen=True)
class Submission:
    """One contribution as a door hands it in; submit_contribution() checks all of it.

    ``consultation=None`` stores an unassigned contribution (an SMS nobody could place)
    for staff to assign."""

    consultation: Consultation | None
    body: str | None
    channel: Channel
    locale: str
    pseudonym: str | None = None
    poll_option_id: int | None = None
    details: ChannelDetails = ChannelDetails()
    max_chars: int = MAX_CHARS
    #: The questionnaire's free-text question this text answers (questionnaires.responses).
    question_id: int | None = None


def submit_contribution(session: Session, submission: Submission) -> Submitted:
    """Check, validate, store in the caller's transaction, and return with a reference.

    Raises a ContributionRefused subclass and stores nothing when the contribution
    cannot be taken.
    """
    consultation = submission.consultation
    details = submission.details
    external_id = details.external_id
    try:
        text, name, option = _checked(session, submission)
    except ContributionRefused:
        # A webhook retried after the consultation closed still finds what it stored.
        earlier = _by_external_id(session, external_id) if external_id else None
        if earlier is None:
            raise
        return Submitted.earlier(session, earlier)

    values = {
        "consultation_id": consultation.id if consultation else None,
        "channel": submission.channel,
        "locale": submission.locale,
        "body": text,
        "pseudonym": name,
        "status": Status.pending,
        "poll_option_id": option.id if option else None,
        "external_id": external_id or None,
        "author_key": details.author_key,
        "recording_url": details.recording_url,
        "recording_duration": details.recording_duration,
        "entered_by_id": details.entered_by_id,
        "received_at": details.received_at,
        "question_id": submission.question_id,
    }
    stored = _insert_with_unique_reference(session, values)
    if stored is None:
        # A webhook delivered twice: the first delivery stored it (and, racing on
        # PostgreSQL, this insert waited for that one to commit).
        # None comes back only when this external id was stored before, so it is found.
        return Submitted.earlier(session, _by_external_id(session, external_id))  # type: ignore[arg-type]
    contribution_id, reference = stored
    return Submitted(contribution_id, reference, True, session)


def _checked(session: Session, submission: Submission) -> tuple[str, str | None, PollOption | None]:
    consultation = submission.consultation
    received_at = submission.details.received_at
    max_chars = submission.max_chars
    if consultation is not None:
        moment = received_at if submission.channel in STAFF_CHANNELS and received_at else utcnow()
        phase = consultation.phase(moment)
        if phase is not Phase.open:
            raise ConsultationNotOpen(phase)

    text = normalise_text(submission.body)
    if len(text) > max_chars:
        raise TooLong(len(text), max_chars)
    name = normalise_line(submission.pseudonym) or None
    if name and len(name) > MAX_PSEUDONYM:
        raise PseudonymTooLong(name)

    option: PollOption | None = None
    poll_option_id = submission.poll_option_id
    if poll_option_id is not None:
        option = session.get(PollOption, poll_option_id)
        if option is None or consultation is None or option.consultation_id != consultation.id:
            raise InvalidPollOption(poll_option_id)
    question_id = submission.question_id
    if question_id is not None:
        question = session.get(Question, question_id)
        if question is None or consultation is None or question.consultation_id != consultation.id:
            raise InvalidPollOption(question_id)
    # An answer to the poll alone is a vote (contributions.votes.submit_vote), never an
    # empty item in the moderation queue.
    if not text and not submission.details.recording_url:
        raise EmptyContribution()
    return text, name, option


def _insert_with_unique_reference(session: Session, values: dict) -> tuple[int, str] | None:
    """The stored contribution's id and reference, or None when its external id was stored
    before.

    Without a check before the insert: ON CONFLICT DO NOTHING tells both cases apart in
    one statement, and the reference is drawn again on the rare clash within its council
    (reference_draw keeps it apart from the questionnaire responses' too).
    """
    external_id = values["external_id"]
    council_id = council_for_new(session, table_of(Contribution), values)
    values = {**values, "council_id": council_id}
    for _attempt in range(8):
        reference = draw_reference(session, council_id)
        stored = insert_or_skip(session, Contribution, {**values, "reference": reference})
        if stored is not None:
            return stored, reference
        if external_id and _by_external_id(session, external_id) is not None:
            return None
    raise NoFreeReference("no free reference number in 8 draws")


def _by_external_id(session: Session, external_id: str) -> Contribution | None:
    return session.exec(select(Contribution).where(Contribution.external_id == external_id)).first()


def find_by_reference(session: Session, text: str) -> Contribution | None:
    reference = parse_reference(text)
    if reference is None:
        return None
    return session.exec(select(Contribution).where(Contribution.reference == reference)).first()


@functools.cache
def _published_statement() -> Select[int]:
    contribution = table_of(Contribution)
    return (
        core_select(func.count())
        .select_from(contribution)
        .where(
            contribution.c.consultation_id == bindparam("consultation_id"),
            contribution.c.status == Status.published,
        )
    )


def count_published(session: Session, consultation_id: int) -> int:
    """Exact below participation.caching.figures.THRESHOLD; a large count may be 30 s old."""
    from participation.caching.figures import large_figure

    def count() -> int:
        return (
            session.connection()
            .execute(_published_statement(), {"consultation_id": consultation_id})
            .scalar_one()
        )

    return large_figure(("published", session.get_bind(), consultation_id), count, int)
