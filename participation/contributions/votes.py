"""Votes: one person, one vote, whatever the door.

submit_vote() is the one write path for a poll answer, next to submit_contribution() for
texts; web (after an SMS code), SMS, phone and front desk all call it. A vote belongs to
a voter, never to a text: a vote without text makes no queue item, and a text with a
vote is two calls (the text to moderation, the vote here, linked to the text).

Who a voter is, by door:
- SMS and phone: the keyed hash of the phone number (phones.phone_key);
- web: the same keyed hash, once the visitor confirmed a code sent by SMS to the number
  (contributions/vote_codes.py), so an SMS vote and a web vote from one number are one;
- front desk: a resident whom staff attest: their phone hash if they gave a number,
  otherwise a key of its own for this attestation; the staff member is recorded.
A person's latest answer counts. Online answers without a confirmed number are stored
apart (UnverifiedVote), only where the consultation allows them, and never counted in.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.consultations.models import Consultation, Phase, PollOption
from participation.contributions.errors import (
    ConsultationNotOpen,
    ContributionRefused,
    InvalidPollOption,
)
from participation.contributions.models import (
    Channel,
    Contribution,
    PollVote,
    Status,
    UnverifiedVote,
)
from participation.contributions.service import STAFF_CHANNELS
from participation.db import dialect_insert, dialect_of, table_of

#: Rejection reasons (moderation.models.RejectionReason values) that mean the text was
#: not a real person's: a vote sent with it is not counted. Kept as strings here, as the
#: domain of votes sits below moderation.
NOT_A_PERSON_REASONS = ("spam", "advertising")


class UnverifiedVotesOff(ContributionRefused):
    """This consultation takes online answers only with a confirmed phone number."""

    code = "unverified_off"


@dataclass(frozen=True)
class Voter:
    """Who votes, as a door vouches for them."""

    key: str
    #: The staff member who attested a front-desk voter.
    attested_by_id: int | None = None

    @classmethod
    def attested(cls, staff_id: int, phone_key: str | None = None) -> Voter:
        """A resident at the front desk: their phone hash if they gave a number (then a
        later SMS or web vote from it replaces this one), else a key for this attestation."""
        return cls(phone_key or f"desk:{secrets.token_hex(16)}", attested_by_id=staff_id)


@dataclass(frozen=True)
class VoteRecorded:
    id: int
    option: PollOption
    #: True when this voter had answered before (through any door): the earlier answer
    #: no longer counts.
    replaced: bool


def checked_option(
    session: Session, consultation: Consultation, option_id: int | None
) -> PollOption:
    # Beyond a database integer is no option (and would be an error on PostgreSQL).
    in_range = option_id is not None and 0 < option_id < 2**31
    option = session.get(PollOption, option_id) if in_range else None
    if option is None or option.consultation_id != consultation.id:
        raise InvalidPollOption(option_id)
    return option


def check_open(consultation: Consultation, channel: Channel, received_at: datetime | None):
    moment = received_at if channel in STAFF_CHANNELS and received_at else utcnow()
    phase = consultation.phase(moment)
    if phase is not Phase.open:
        raise ConsultationNotOpen(phase)


def submit_vote(
    session: Session,
    *,
    consultation: Consultation,
    option_id: int | None,
    channel: Channel,
    voter: Voter,
    contribution_id: int | None = None,
    received_at: datetime | None = None,
) -> VoteRecorded:
    """Records ``voter``'s answer; their earlier answer, from any door, is replaced.

    Raises InvalidPollOption or ConsultationNotOpen (a letter received while the
    consultation was open still counts when entered later, as for texts)."""
    option = checked_option(session, consultation, option_id)
    check_open(consultation, channel, received_at)
    earlier = session.exec(
        select(PollVote.id).where(
            PollVote.consultation_id == consultation.id, PollVote.voter_key == voter.key
        )
    ).first()
    values = {
        "consultation_id": consultation.id,
        "council_id": consultation.council_id,
        "option_id": option.id,
        "channel": channel,
        "voter_key": voter.key,
        "contribution_id": contribution_id,
        "attested_by_id": voter.attested_by_id,
        "updated_at": utcnow(),
    }
    vote_id = session.execute(_vote_upsert(dialect_of(session)), values).scalar_one()
    return VoteRecorded(vote_id, option, earlier is not None)


@functools.cache
def _vote_upsert(dialect: str):
    # One statement for a first vote and a changed one: two answers at the same moment
    # meet at the unique key instead of failing there. The latest answer replaces the
    # whole vote, its door, its text and its attestation included: a later bare vote is
    # not discounted for a text sent with an earlier one.
    table = table_of(PollVote)
    statement = dialect_insert(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=["consultation_id", "voter_key"],
        set_={
            name: statement.excluded[name]
            for name in ("option_id", "channel", "contribution_id", "attested_by_id", "updated_at")
        },
    ).returning(table.c.id)


def submit_unverified_vote(
    session: Session, *, consultation: Consultation, option_id: int | None, client_key: str
) -> UnverifiedVote:
    """An online answer nobody confirmed: stored apart, only where the council allows it."""
    option = checked_option(session, consultation, option_id)
    check_open(consultation, Channel.web, None)
    if not consultation.allow_unverified_votes:
        raise UnverifiedVotesOff()
    vote = UnverifiedVote(
        consultation_id=consultation.id,
        option_id=option.id,
        client_key=client_key,
    )
    session.add(vote)
    session.flush()
    return vote


def has_votes(session: Session, consultation_id: int) -> bool:
    """Whether anybody answered the poll (verified or not): its options then stay."""
    for model in (PollVote, UnverifiedVote):
        found = session.exec(
            select(model.id).where(model.consultation_id == consultation_id).limit(1)
        ).first()
        if found is not None:
            return True
    return False


def counted_votes(session: Session, consultation_id: int) -> dict[int, int]:
    """option id -> votes that count: one a voter, without those whose text moderation
    rejected as spam or fake. One GROUP BY."""
    not_a_person = select(Contribution.id).where(
        Contribution.consultation_id == consultation_id,
        Contribution.status == Status.rejected,
        col(Contribution.rejection_reason).in_(NOT_A_PERSON_REASONS),
    )
    rows = session.exec(
        select(PollVote.option_id, func.count())
        .where(
            PollVote.consultation_id == consultation_id,
            or_(
                col(PollVote.contribution_id).is_(None),
                col(PollVote.contribution_id).not_in(not_a_person),
            ),
        )
        .group_by(col(PollVote.option_id))
    ).all()
    return dict(rows)


def unverified_votes(session: Session, consultation_id: int) -> dict[int, int]:
    """option id -> online answers without a confirmed number (shown apart)."""
    rows = session.exec(
        select(UnverifiedVote.option_id, func.count())
        .where(UnverifiedVote.consultation_id == consultation_id)
        .group_by(col(UnverifiedVote.option_id))
    ).all()
    return dict(rows)
