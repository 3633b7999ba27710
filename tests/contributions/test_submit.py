"""submit_contribution(): the one write path, tested once for every channel."""

import dataclasses
import inspect

import pytest
from sqlmodel import select

from participation.contributions import errors
from participation.contributions.models import Channel, Contribution, PollVote, Status
from participation.contributions.reference import is_valid
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.db import session_scope
from tests.factories import make_consultation


@pytest.mark.parametrize("channel", list(Channel))
def test_stores_one_pending_contribution_with_a_valid_reference(engine, channel):
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine, write=True) as session:
        result = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body="  Mehr Bänke\r\nam Markt  ",
                channel=channel,
                locale="de",
                pseudonym="  Heike   M. ",
            ),
        )
    assert result.created
    with session_scope(engine) as session:
        stored = session.exec(select(Contribution)).one()
    assert stored.body == "Mehr Bänke\nam Markt"
    assert stored.pseudonym == "Heike M."
    assert stored.channel == channel and stored.status == Status.pending
    assert is_valid(stored.reference)


@pytest.mark.parametrize("phase", ["draft", "upcoming", "closed", "results"])
def test_refuses_outside_the_open_phase_and_stores_nothing(engine, phase):
    consultation = make_consultation(engine, phase=phase)
    with pytest.raises(errors.ConsultationNotOpen), session_scope(engine, write=True) as session:
        submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body="Zu spät",
                channel=Channel.web,
                locale="de",
            ),
        )
    with session_scope(engine) as session:
        assert session.exec(select(Contribution)).all() == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", errors.EmptyContribution),
        ("   \n\t ", errors.EmptyContribution),
        ("\x00\x00", errors.EmptyContribution),
        ("x" * 5001, errors.TooLong),
    ],
)
def test_refuses_bad_text(engine, body, error):
    consultation = make_consultation(engine)
    with pytest.raises(error), session_scope(engine, write=True) as session:
        submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=body,
                channel=Channel.web,
                locale="de",
            ),
        )


def test_text_is_normalised_to_nfc_without_control_characters(engine):
    consultation = make_consultation(engine)
    with session_scope(engine, write=True) as session:
        stored = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body="Bu\u0308rger\x00 \x07<script>alert(1)</script>",
                channel=Channel.web,
                locale="de",
            ),
        ).contribution
    assert stored.body == "Bürger <script>alert(1)</script>"


def test_same_external_id_stores_once(engine):
    consultation = make_consultation(engine)
    for _ in range(3):
        with session_scope(engine, write=True) as session:
            result = submit_contribution(
                session,
                Submission(
                    consultation=consultation,
                    body="Hallo",
                    channel=Channel.sms,
                    locale="de",
                    details=ChannelDetails(
                        external_id="SM" + "1" * 32,
                    ),
                ),
            )
    assert not result.created
    with session_scope(engine) as session:
        assert len(session.exec(select(Contribution)).all()) == 1


def test_letter_received_before_closing_is_accepted_after_it(engine):
    from datetime import timedelta

    consultation = make_consultation(engine, phase="closed")
    with session_scope(engine, write=True) as session:
        result = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body="Brief vom Montag",
                channel=Channel.paper,
                locale="de",
                details=ChannelDetails(
                    received_at=consultation.closes_at - timedelta(days=2),
                ),
            ),
        )
    assert result.created
    with pytest.raises(errors.ConsultationNotOpen), session_scope(engine, write=True) as session:
        submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body="Online zu spät",
                channel=Channel.web,
                locale="de",
                details=ChannelDetails(
                    received_at=consultation.closes_at - timedelta(days=2),
                ),
            ),
        )


@pytest.mark.parametrize("channels", [(Channel.sms, Channel.sms), (Channel.voice, Channel.web)])
def test_poll_answer_counts_one_vote_per_voter_latest_wins(engine, channels):
    # Votes go through submit_vote (a bare answer is no contribution): one a voter,
    # whichever door each answer came through.
    from participation.contributions.votes import Voter, submit_vote

    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine) as session:
        from participation.consultations.service import poll_options

        yes, no = poll_options(session, consultation.id)
    for option, channel in zip((yes, no), channels, strict=True):
        with session_scope(engine, write=True) as session:
            submit_vote(
                session,
                consultation=consultation,
                option_id=option.id,
                channel=channel,
                voter=Voter("hash-of-a-number"),
            )
    with session_scope(engine) as session:
        votes = session.exec(select(PollVote)).all()
        assert session.exec(select(Contribution)).all() == []
    assert [(v.option_id, v.voter_key) for v in votes] == [(no.id, "hash-of-a-number")]
    assert votes[0].channel is channels[1]


def test_a_poll_answer_without_text_is_no_contribution(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine) as session:
        from participation.consultations.service import poll_options

        yes = poll_options(session, consultation.id)[0]
    with pytest.raises(errors.EmptyContribution), session_scope(engine, write=True) as session:
        submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body="",
                poll_option_id=yes.id,
                channel=Channel.web,
                locale="de",
            ),
        )
    with session_scope(engine) as session:
        assert session.exec(select(PollVote)).all() == []


def test_poll_option_of_another_consultation_is_refused(engine):
    first = make_consultation(engine, poll=["yes", "no"])
    second = make_consultation(engine)
    with session_scope(engine) as session:
        from participation.consultations.service import poll_options

        foreign = poll_options(session, first.id)[0]
    with pytest.raises(errors.InvalidPollOption), session_scope(engine, write=True) as session:
        submit_contribution(
            session,
            Submission(
                consultation=second,
                body="x",
                poll_option_id=foreign.id,
                channel=Channel.web,
                locale="de",
            ),
        )


def test_a_door_hands_in_one_frozen_submission() -> None:
    """submit_contribution(session, Submission): the common fields and a small part for
    what only some doors know, fixed once handed in (no door changes it on the way)."""
    assert list(inspect.signature(submit_contribution).parameters) == ["session", "submission"]
    submission = Submission(
        consultation=None,
        body="Hallo",
        channel=Channel.sms,
        locale="de",
        details=ChannelDetails(external_id="SM1", author_key="k"),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        submission.body = "anders"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        submission.details.author_key = "x"  # type: ignore[misc]
    assert Submission(None, "x", Channel.web, "de").details == ChannelDetails()
