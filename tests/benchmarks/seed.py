"""A realistic load for the benchmark, inserted in bulk (SQLAlchemy Core, no ORM objects).

20 consultations in every phase; one closed consultation with published results and
100,000 contributions across every channel and language (the big one), and an open one
with a few thousand (the page people comment on). Deterministic: the same seed gives the
same rows, so runs compare across commits.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from participation import tables
from participation.accounts.models import Role, StaffUser
from participation.accounts.passwords import hash_password
from participation.clock import utcnow
from participation.consultations.models import Consultation, ConsultationText, PollOption
from participation.consultations.service import standard_options
from participation.contributions.models import Channel, Contribution, PollVote, Status
from participation.contributions.reference import check_digit
from participation.demo import MARKET
from participation.moderation.models import Decision, ModerationDecision
from participation.tenancy import FIRST_COUNCIL

STAFF_EMAIL = "bench-moderator@musterstadt.example"
STAFF_PASSWORD = "bench-passwort-2026-lang"

CHANNELS = [
    (Channel.web, 60),
    (Channel.sms, 25),
    (Channel.voice, 5),
    (Channel.paper, 8),
    (Channel.in_person, 2),
]
LOCALES = [
    ("de", 68),
    ("de@easy", 5),
    ("en", 5),
    ("tr", 7),
    ("ar", 5),
    ("ru", 3),
    ("uk", 5),
    ("pl", 2),
]
SENTENCES = {
    "de": [
        "Mehr Bäume auf dem Marktplatz wären schön.",
        "Bitte denken Sie an die Parkplätze für ältere Menschen.",
        "Ich bin dafür, aber der Umbau darf nicht zu lange dauern.",
        "Der Wochenmarkt braucht weiterhin genug Platz.",
        "Ein Trinkbrunnen wäre im Sommer eine große Hilfe.",
        "Die Bänke sollten Rückenlehnen haben.",
        "Warum wird nicht zuerst die Bahnhofstraße saniert?",
        "Für Kinder fehlt ein Spielplatz in der Innenstadt.",
    ],
    "de@easy": ["Ich finde das gut.", "Ich brauche einen Park-Platz.", "Mehr Bänke bitte."],
    "en": ["More shade please.", "Keep the Saturday market.", "Fewer cars would be better."],
    "tr": ["Daha fazla ağaç lütfen.", "Pazar yeri kalmalı.", "Otopark da önemli."],
    "ar": ["نريد المزيد من الأشجار.", "يجب الحفاظ على السوق الأسبوعي.", "المقاعد مهمة لكبار السن."],
    "ru": ["Больше деревьев, пожалуйста.", "Рынок должен остаться.", "Нужны скамейки."],
    "uk": ["Більше дерев, будь ласка.", "Ринок має залишитися.", "Потрібні лавки."],
    "pl": ["Więcej drzew, proszę.", "Targ musi zostać.", "Potrzebne są ławki."],
}
PSEUDONYMS = [None, None, None, "Heike", "Anwohner", "Mehmet K.", "Oma Inge", "Jonas", "Leyla"]


@dataclass
class Seeded:
    """What the benchmark needs to know about the rows it made."""

    big_id: int = 0
    big_slug: str = ""
    open_id: int = 0
    open_slug: str = ""
    open_code: str = ""
    open_poll_option_id: int = 0
    open_size: int = 0
    consultations: int = 0
    contributions: int = 0
    seconds: float = 0.0
    staff_email: str = STAFF_EMAIL
    staff_password: str = STAFF_PASSWORD
    counts: dict[str, int] = field(default_factory=dict)


def _weighted(rng: random.Random, pairs: list[tuple], n: int) -> list:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=n)


def _body(rng: random.Random, locale: str) -> str:
    sentences = SENTENCES[locale]
    return " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 6)))


def _references(rng: random.Random, n: int) -> list[str]:
    """n distinct valid reference numbers (7 digits, first not 0, plus the check digit)."""
    return [
        f"{body}{check_digit(str(body))}" for body in rng.sample(range(1_000_000, 9_999_999), n)
    ]


def insert_rows(db, model, rows) -> None:
    """Bulk rows of the first council: the benchmark measures a single-council
    installation (a council's rows name it; nothing fills it in for a bulk insert)."""
    db.execute(insert(model), [{"council_id": FIRST_COUNCIL, **row} for row in rows])


def seed(
    engine: Engine,
    *,
    big: int = 100_000,
    open_size: int = 3_000,
    rng_seed: int = 8,
    fill_to: int | None = None,
    small: tuple[int, int] = (20, 600),
) -> Seeded:
    """Creates the schema from the models and fills it; the database must be empty.
    ``fill_to``: the big consultation is sized so the council holds that many in all;
    ``small``: the range of the other consultations' sizes."""
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    tables.metadata.create_all(engine)
    now = utcnow()
    result = Seeded()
    with engine.begin() as db:
        if db.execute(select(func.count()).select_from(Consultation)).scalar_one():
            raise RuntimeError("the benchmark database is not empty; use a fresh one (--reset)")
        insert_rows(
            db,
            StaffUser,
            [
                {
                    "email": STAFF_EMAIL,
                    "name": "Benchmark",
                    "role": Role.moderator,
                    "password_hash": hash_password(STAFF_PASSWORD),
                }
            ],
        )
        staff_id = db.execute(select(StaffUser.id)).scalar_one()

        # Phases: 0 = the big closed one with results, 1 = the open one, then a mix.
        plan = ["results", "open"] + ["open"] * 6 + ["upcoming"] * 3 + ["closed"] * 4
        plan += ["results"] * 4 + ["draft"]
        sizes = [big, open_size] + [rng.randint(*small) for _ in plan[2:]]
        if fill_to is not None:
            others = sum(
                sizes[2 + n] for n, p in enumerate(plan[2:]) if p in ("open", "closed", "results")
            )
            sizes[0] = max(fill_to - open_size - others, 100)
        consultation_rows = []
        for n, phase in enumerate(plan):
            opens, closes, results = now - timedelta(days=20), now + timedelta(days=20), None
            if phase == "upcoming":
                opens, closes = now + timedelta(days=5), now + timedelta(days=40)
            elif phase in ("closed", "results"):
                opens, closes = now - timedelta(days=60), now - timedelta(days=2)
                results = now - timedelta(days=1) if phase == "results" else None
            consultation_rows.append(
                {
                    "slug": f"beteiligung-{n + 1:02d}" if n > 1 else ("haushalt", "marktplatz")[n],
                    "code": str(4700 + n),
                    "default_locale": "de",
                    "is_published": phase != "draft",
                    "opens_at": opens,
                    "closes_at": closes,
                    "results_published_at": results,
                }
            )
        insert_rows(db, Consultation, consultation_rows)
        ids = list(db.execute(select(Consultation.id).order_by(Consultation.id)).scalars())
        insert_rows(
            db,
            ConsultationText,
            [
                {"consultation_id": cid, "locale": locale, **MARKET[locale]}
                for cid in ids
                for locale in MARKET
            ],
        )
        insert_rows(
            db,
            PollOption,
            [
                {
                    "consultation_id": cid,
                    "position": position,
                    "key": key,
                    "labels": standard_options()[key],
                }
                for cid in ids
                for position, key in enumerate(("yes", "no", "undecided"), start=1)
            ],
        )
        options: dict[int, list[int]] = {}
        for cid, oid in db.execute(
            select(PollOption.consultation_id, PollOption.id).order_by(PollOption.id)
        ):
            options.setdefault(cid, []).append(oid)

        total = sum(sizes[: len(plan) - 1])  # the draft gets none
        references = iter(_references(rng, total))
        for cid, phase, size in zip(ids, plan, sizes, strict=True):
            if phase in ("draft", "upcoming"):
                continue
            _contributions(db, rng, cid, size, options[cid], references, staff_id, now)
        result.contributions = db.execute(
            select(func.count()).select_from(Contribution)
        ).scalar_one()
        result.counts = {
            str(status): n
            for status, n in db.execute(
                select(Contribution.status, func.count())
                .where(Contribution.consultation_id == ids[0])
                .group_by(Contribution.status)
            )
        }
    if engine.dialect.name == "postgresql":
        # Statistics and the visibility map as autovacuum leaves them on a live server:
        # without the map PostgreSQL cannot count from an index alone (the queue's counts
        # took 17 ms instead of 3 after a bare ANALYZE, where autovacuum is switched off).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as db:
            db.exec_driver_sql("ANALYZE")
    result.big_id, result.big_slug = ids[0], consultation_rows[0]["slug"]
    result.open_id, result.open_slug = ids[1], consultation_rows[1]["slug"]
    result.open_code = consultation_rows[1]["code"]
    result.open_poll_option_id = options[ids[1]][0]
    result.open_size = open_size
    result.consultations = len(ids)
    result.seconds = time.perf_counter() - started
    return result


def _contributions(db, rng, cid, size, option_ids, references, staff_id, now) -> None:
    channels = _weighted(rng, CHANNELS, size)
    locales = _weighted(rng, LOCALES, size)
    statuses = _weighted(
        rng, [(Status.published, 80), (Status.pending, 15), (Status.rejected, 5)], size
    )
    # Oldest first, so ids grow with time as they do in a live database.
    start = now - timedelta(days=20)
    step = timedelta(days=18) / size
    rows = []
    for i in range(size):
        created = start + step * i
        status = statuses[i]
        option = rng.choice(option_ids) if rng.random() < 0.7 else None
        rows.append(
            {
                "consultation_id": cid,
                "reference": next(references),
                "channel": channels[i],
                "locale": locales[i],
                "body": _body(rng, locales[i]),
                "pseudonym": rng.choice(PSEUDONYMS) if channels[i] is Channel.web else None,
                "status": status,
                "poll_option_id": option,
                "external_id": f"SMbench{cid:03d}{i:07d}" if channels[i] is Channel.sms else None,
                "author_key": f"{rng.getrandbits(128):032x}"
                if channels[i] is Channel.sms
                else None,
                "created_at": created,
                "published_at": created + timedelta(hours=5)
                if status is Status.published
                else None,
                "rejection_reason": "off_topic" if status is Status.rejected else None,
                "flag_count": 0,
            }
        )
    for chunk in range(0, size, 20_000):
        insert_rows(db, Contribution, rows[chunk : chunk + 20_000])
    ids = db.execute(
        select(Contribution.id).where(Contribution.consultation_id == cid).order_by(Contribution.id)
    ).scalars()
    votes, decisions = [], []
    for contribution_id, row in zip(ids, rows, strict=True):
        if row["poll_option_id"]:
            votes.append(
                {
                    "consultation_id": cid,
                    "option_id": row["poll_option_id"],
                    "channel": row["channel"],
                    "voter_key": row["author_key"] or f"ref:{row['reference']}",
                    "contribution_id": contribution_id,
                    "updated_at": row["created_at"],
                }
            )
        if row["status"] is not Status.pending:
            approved = row["status"] is Status.published
            decisions.append(
                {
                    "contribution_id": contribution_id,
                    "staff_id": staff_id,
                    "decision": Decision.approve if approved else Decision.reject,
                    "reason": None if approved else "off_topic",
                    "created_at": row["published_at"] or row["created_at"],
                }
            )
    for chunk in range(0, len(votes), 20_000):
        insert_rows(db, PollVote, votes[chunk : chunk + 20_000])
    for chunk in range(0, len(decisions), 20_000):
        insert_rows(db, ModerationDecision, decisions[chunk : chunk + 20_000])
