"""Several councils for the scale-out check: each with its own number, Twilio account
and the same consultation codes as the first council, so that only the number texted
tells them apart (tests/benchmarks/scaleout.py --councils N)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.councils.service import (
    add_number,
    by_slug,
    create_council,
    set_twilio_account,
)
from participation.db import session_scope
from tests.benchmarks.server import BENCH_TWILIO_SID, BENCH_TWILIO_TOKEN

FIRST_NUMBER = "+4915100000000"


@dataclass(frozen=True)
class BenchCouncil:
    id: int
    number: str
    account_sid: str
    token: str
    #: The consultation whose result is published mid-load, and the one taking comments.
    notify_id: int


def add_councils(
    engine: Engine,
    count: int,
    secret_key: str,
    notify_code: str,
    comment_code: str,
    first_notify_id: int,
) -> list[BenchCouncil]:
    """The first council (the seeded one) and ``count - 1`` more; returns all of them."""
    with session_scope(engine, write=True) as session:
        add_number(session, by_slug(session, "council"), FIRST_NUMBER)
    made = [BenchCouncil(1, FIRST_NUMBER, BENCH_TWILIO_SID, BENCH_TWILIO_TOKEN, first_notify_id)]
    now = utcnow()
    for n in range(2, count + 1):
        number = f"+4930231255{n:02d}"
        sid, token = "AC" + f"{n:x}" * 32, f"council-{n}-twilio-token-0123456789"
        with session_scope(engine, write=True) as session:
            council = create_council(session, f"gemeinde-{n}", f"Gemeinde {n}", numbers=[number])
            set_twilio_account(session, council.slug, sid[:34], token, secret_key)
            council_id = council.id
        ids = []
        with session_scope(engine, write=True, council_id=council_id) as session:
            for code in (notify_code, comment_code):
                consultation = Consultation(
                    slug=f"beteiligung-{code}",
                    code=code,
                    is_published=True,
                    opens_at=now - timedelta(days=1),
                    closes_at=now + timedelta(days=10),
                )
                session.add(consultation)
                session.flush()
                consultations.save_text(
                    session, consultation, "de", title=f"Gemeinde {n}: {code}", summary="."
                )
                ids.append(consultation.id)
        made.append(BenchCouncil(council_id, number, sid[:34], token, ids[0]))
    return made
