"""Nothing lost: hundreds of contributions at once through every door — the web form,
Twilio's SMS webhook, the phone line's recording callback and the front desk — from
several client processes against a live uvicorn server with two worker processes, on
PostgreSQL and on SQLite. Every one is stored exactly once with its own reference
number, and every webhook Twilio delivers twice is absorbed.

The figures (requests fired, contributions stored, duplicates absorbed) are printed and
kept small enough for CI on two cores; NOTHING_LOST_SCALE=4 fires four times as many.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.contributions.models import Channel, Contribution
from participation.contributions.reference import format_reference, is_valid
from participation.db import session_scope
from tests.factories import STAFF_PASSWORD, make_consultation, make_staff
from tests.trust.firing import fire_share
from tests.trust.live import live_server

SCALE = int(os.environ.get("NOTHING_LOST_SCALE", "1"))
PROCESSES = 4
#: Unique contributions per door; SMS and voice are each delivered twice.
WEB, SMS, VOICE, FRONT_DESK = 150 * SCALE, 60 * SCALE, 40 * SCALE, 50 * SCALE


def _jobs(consultation, moderator) -> list[dict]:
    today = utcnow().date().isoformat()
    jobs: list[dict] = []
    for n in range(WEB):
        jobs.append(
            {
                "door": "web",
                "key": f"web-{n}",
                "slug": consultation.slug,
                "body": f"web-{n}: Mehr Bänke am Marktplatz – أكثر مقاعد",
            }
        )
    for n in range(SMS):
        sid = "SM" + secrets.token_hex(16)
        job = {
            "door": "sms",
            "key": sid,
            "from": "+49151" + str(10_000_000 + n),
            "body": f"{consultation.code} sms-{n}: Bitte mehr Schatten",
        }
        jobs += [job, dict(job)]  # Twilio delivers it twice
    for _ in range(VOICE):
        sid = "RE" + secrets.token_hex(16)
        job = {
            "door": "voice",
            "key": sid,
            "call_sid": "CA" + secrets.token_hex(16),
            "consultation_id": consultation.id,
        }
        jobs += [job, dict(job)]  # the <Record> action and the status callback
    for n in range(FRONT_DESK):
        jobs.append(
            {
                "door": "front_desk",
                "key": f"desk-{n}",
                "consultation_id": consultation.id,
                "received": today,
                "body": f"desk-{n}: Brief von Frau M.",
            }
        )
    return jobs


def _shares(jobs: list[dict]) -> list[list[dict]]:
    # Round-robin: the two deliveries of one webhook go to different processes at
    # about the same moment, the race a unique constraint must settle.
    return [jobs[start::PROCESSES] for start in range(PROCESSES)]


def test_every_contribution_through_every_door_is_stored_exactly_once(
    engine, database_url, backend, capsys
):
    consultation = make_consultation(engine, code="4711")
    moderator = make_staff(engine, Role.moderator)
    jobs = _jobs(consultation, moderator)
    started = utcnow()
    with (
        live_server(database_url) as base,
        ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        futures = [
            pool.submit(fire_share, base, share, (moderator.email, STAFF_PASSWORD))
            for share in _shares(jobs)
        ]
        results = [result for future in futures for result in future.result()]
    seconds = (utcnow() - started).total_seconds()

    expected_status = {"web": 303, "sms": 200, "voice": 200, "front_desk": 303}
    wrong = [r for r in results if r["status"] != expected_status[r["door"]]]
    assert wrong == [], wrong[:5]
    assert len(results) == len(jobs)

    with session_scope(engine) as session:
        rows = list(session.exec(select(Contribution)).all())
    by_channel = Counter(row.channel for row in rows)
    assert by_channel == {
        Channel.web: WEB,
        Channel.sms: SMS,
        Channel.voice: VOICE,
        Channel.paper: FRONT_DESK,
    }
    # Exactly once: every text, every provider id, every reference a single time.
    bodies = Counter(row.body for row in rows if row.body)
    assert max(bodies.values()) == 1
    assert {f"web-{n}" for n in range(WEB)} == {
        row.body.split(":")[0] for row in rows if row.channel is Channel.web
    }
    assert {f"sms-{n}" for n in range(SMS)} == {
        row.body.split(":")[0] for row in rows if row.channel is Channel.sms
    }
    assert {f"desk-{n}" for n in range(FRONT_DESK)} == {
        row.body.split(":")[0] for row in rows if row.channel is Channel.paper
    }
    external = Counter(row.external_id for row in rows if row.external_id)
    assert max(external.values()) == 1
    assert {job["key"] for job in jobs if job["door"] == "voice"} == {
        row.external_id for row in rows if row.channel is Channel.voice
    }
    references = [row.reference for row in rows]
    assert len(set(references)) == len(rows) and all(is_valid(r) for r in references)

    # What each person was told is what was stored.
    by_reference = {row.reference: row for row in rows}
    for result in results:
        if result["door"] in ("web", "front_desk"):
            assert by_reference[result["reference"]].body.startswith(result["key"] + ":")
    replies: dict[str, set[str]] = {}
    for result in results:
        if result["door"] == "sms":
            replies.setdefault(result["key"], set()).add(result["reply"])
    sms_rows = {row.external_id: row for row in rows if row.channel is Channel.sms}
    for sid, texts in replies.items():
        assert len(texts) == 1, f"two different replies to one message {sid}: {texts}"
        reference = format_reference(sms_rows[sid].reference)
        assert reference in next(iter(texts))

    duplicates = len(jobs) - len(rows)
    with capsys.disabled():
        print(
            f"\n[nothing lost, {backend}] {len(jobs)} requests from {PROCESSES} processes in "
            f"{seconds:.1f} s: {len(rows)} contributions stored once each "
            f"(web {WEB}, SMS {SMS}, phone {VOICE}, front desk {FRONT_DESK}), "
            f"{duplicates} duplicate webhooks absorbed"
        )
    assert duplicates == SMS + VOICE
