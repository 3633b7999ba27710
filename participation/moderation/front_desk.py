"""The front desk's data and its one write: the consultations that take entries, the
entry form's data, an entry stored (a letter's or a visit's text and/or the answer the
resident gave, each with its audit entry) and the receipt to print.

In the moderation area, which stands above consultations and contributions: an entry
writes to the audit log. A consultation or reference not there raises NotFound; a
refused entry raises ContributionRefused, so nothing of it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.contributions import errors
from participation.contributions.models import Channel
from participation.contributions.service import (
    ChannelDetails,
    Submission,
    Submitted,
    find_by_reference,
    submit_contribution,
)
from participation.contributions.votes import Voter, VoteRecorded, submit_vote
from participation.i18n.formatting import local_zone
from participation.moderation.service import audit, audit_contribution
from participation.outcomes import NotFound, get_or_404
from participation.questionnaires.models import Question
from participation.settings import LANGUAGE_NAMES, LANGUAGES

#: The phases in which a letter or visit can still be entered (submit_contribution checks
#: the date received against the consultation's dates).
ENTERABLE = (Phase.open, Phase.closed)


@dataclass(frozen=True)
class Entry:
    """A checked entry (frontdesk/forms.py), ready to store."""

    channel: Channel
    received: date
    received_at: datetime
    locale: str
    body: str
    pseudonym: str
    #: The answer as typed, and as the number of an option when it is one.
    poll_option: str
    option_id: int | None
    #: The resident's phone hash when they gave a number (a later SMS or web vote from
    #: it replaces this one); else the vote is a voter of its own.
    voter_key: str | None


def enterable(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.phase() not in ENTERABLE:
        raise NotFound
    return consultation


def enterable_rows(session: Session) -> dict:
    """The index: each consultation taking entries, with its German text."""
    every = [c for c in consultations.public_consultations(session) if c.phase() in ENTERABLE]
    texts = consultations.texts_for(session, [c.id for c in every])
    ids = [c.id for c in every]
    asking = session.exec(
        select(Question.consultation_id).where(col(Question.consultation_id).in_(ids)).distinct()
    ).all()
    return {
        "rows": [(c, consultations.pick_text(texts.get(c.id, []), "de")) for c in every],
        # The consultations with a questionnaire: the front desk types those in too.
        "with_questions": set(asking),
    }


def entry_form(session: Session, consultation_id: int, values: dict) -> dict:
    """What the entry form shows, with ``values`` in its fields."""
    consultation = enterable(session, consultation_id)
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, "de"),
        "options": consultations.poll_options(session, consultation.id),
        "values": values,
        "errors": {},
        "locale_choices": [(locale, LANGUAGE_NAMES[code]) for code, locale in LANGUAGES.items()],
        "today": utcnow().astimezone(local_zone()).date().isoformat(),
    }


def enter(
    session: Session, consultation: Consultation, staff_id: int, entry: Entry, max_chars: int
) -> Submitted | None:
    """Stores the text and/or the attested answer, each with its audit entry; returns
    the text stored, None for an answer alone."""
    if entry.poll_option and entry.option_id is None:
        # Not a number we could ever have sent (a word, 20 digits).
        raise errors.InvalidPollOption(entry.poll_option)
    submitted = None
    if entry.body.strip():
        submitted = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=entry.body,
                channel=entry.channel,
                locale=entry.locale,
                pseudonym=entry.pseudonym,
                poll_option_id=entry.option_id,
                max_chars=max_chars,
                details=ChannelDetails(entered_by_id=staff_id, received_at=entry.received_at),
            ),
        )
    if entry.option_id is not None:
        vote = submit_vote(
            session,
            consultation=consultation,
            option_id=entry.option_id,
            channel=entry.channel,
            voter=Voter.attested(staff_id, entry.voter_key),
            contribution_id=submitted.id if submitted else None,
            received_at=entry.received_at,
        )
        _audit_attested_vote(session, staff_id, vote, consultation.id, entry)
    if submitted is not None:
        audit_contribution(
            session,
            "contribution.enter",
            submitted.id,
            staff_id=staff_id,
            reference=submitted.reference,
            channel=entry.channel.value,
            received=entry.received.isoformat(),
            consultation=consultation.id,
        )
    return submitted


def _audit_attested_vote(
    session: Session, staff_id: int, vote: VoteRecorded, consultation_id: int, entry: Entry
) -> None:
    audit(
        session,
        "vote.attest",
        staff_id=staff_id,
        object_type="poll_vote",
        object_id=vote.id,
        consultation=consultation_id,
        option=vote.option.id,
        channel=entry.channel.value,
        received=entry.received.isoformat(),
        by_phone_number=entry.voter_key is not None,
        replaced=vote.replaced,
    )


def receipt(session: Session, reference: str) -> dict:
    """The receipt of an entry by its reference, with the answer given."""
    contribution = find_by_reference(session, reference)
    if contribution is None or contribution.consultation_id is None:
        raise NotFound
    consultation = get_or_404(session, Consultation, contribution.consultation_id)
    option = None
    if contribution.poll_option_id:
        option = next(
            (
                o
                for o in consultations.poll_options(session, consultation.id)
                if o.id == contribution.poll_option_id
            ),
            None,
        )
    return {
        "contribution": contribution,
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, contribution.locale),
        "option": option,
    }
