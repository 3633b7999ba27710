"""Twilio retries, or two app workers get the same delivery: one MessageSid, one
contribution and one reply, enforced by the unique constraint when the two really race."""

import threading

from sqlalchemy import func
from sqlmodel import Session, select

from participation.channels.sms.models import InboundSms
from participation.channels.sms.service import handle_sms
from participation.contributions.models import Contribution, PollVote
from participation.db import session_scope
from participation.outbox.consent import SmsContact
from tests.channels.sms.conftest import ALICE, send_sms
from tests.factories import make_consultation

THREADS = 8


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def race(target, n: int = THREADS) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_same_message_sid_delivered_concurrently_stores_once(engine, settings):
    make_consultation(engine, code="4711")
    for round_ in range(3):
        sid = f"SM{round_:032d}"

        def deliver(_index: int, sid: str = sid) -> str | None:
            with session_scope(engine, write=True) as session:
                return handle_sms(session, settings, ALICE, "4711 Bitte mehr Bänke", sid)

        replies = race(deliver)
        assert len(set(replies)) == 1 and replies[0]
    assert count(engine, Contribution) == 3
    assert count(engine, InboundSms) == 3
    assert count(engine, SmsContact) == 1


def test_same_message_sid_through_the_webhook_concurrently(client, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    sid = "SM" + "5" * 32
    replies = race(lambda _i: send_sms(client, "4711 Ja, gute Idee", ALICE, sid=sid))
    assert {r.status for r in replies} == {200}
    assert len({r.text for r in replies}) == 1
    assert count(engine, Contribution) == 1
    assert count(engine, PollVote) == 1


def test_one_number_many_messages_at_once(engine, settings):
    """Different MessageSids from one new number: one conversation row, one vote."""
    make_consultation(engine, code="4711", poll=["yes", "no"])

    def deliver(index: int) -> str | None:
        with session_scope(engine, write=True) as session:
            body = "4711 JA" if index % 2 else "4711 NEIN"
            return handle_sms(session, settings, ALICE, body, f"SM{index:032d}")

    assert all(race(deliver))
    assert count(engine, SmsContact) == 1
    assert count(engine, PollVote) == 1
    assert count(engine, InboundSms) == THREADS
