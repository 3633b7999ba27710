"""The benchmark's questionnaire part: a questionnaire's results with 100,000 responses.

Part of `make bench`; alone with ``--only "questionnaire results"``:

    .venv/bin/python -m tests.benchmarks.run --only "questionnaire results" --workers 1

The big consultation (published results, 100,000 comments) gets six questions (its
poll, a multiple choice, a scale, a yes/no, a number, a free text) and --responses
responses (100,000) across every channel and language, inserted in bulk; one in twenty
of its comments is the free-text answer of a response. Measured: the public results
page as served (page cache) and built every time, the staff results page as served
(kept per login for a second) and built every time (a hard reload), and each download
of the responses: the public ones' first build with its memory growth, the staff's
streamed on every request.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from participation.clock import utcnow
from participation.contributions.models import Contribution
from participation.questionnaires.models import (
    Question,
    QuestionnaireAnswer,
    QuestionnaireResponse,
    QuestionOption,
    QuestionText,
)
from participation.tenancy import FIRST_COUNCIL
from tests.benchmarks.seed import CHANNELS, LOCALES, _weighted, insert_rows

if TYPE_CHECKING:
    from tests.benchmarks.run import Suite

NAME = "questionnaire results"
BATCH = 20_000
#: (kind, German prompt, options) of the five questions after the poll.
QUESTIONS = [
    ("multiple_choice", "Was fehlt auf dem Platz?", ["Bänke", "Bäume", "Licht", "Wasser"]),
    ("scale", "Wie zufrieden sind Sie heute?", []),
    ("yes_no", "Wohnen Sie in der Innenstadt?", []),
    ("number", "Wie alt sind Sie?", []),
    ("free_text", "Was möchten Sie noch sagen?", []),
]


def seed_questionnaire(
    engine: Engine, consultation_id: int, responses: int = 100_000, rng_seed: int = 9
) -> dict:
    """Six questions and ``responses`` responses with their answers, in bulk."""
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    now = utcnow()
    with engine.begin() as db:
        ids = _questions(db, consultation_id, now)
        options = [
            oid
            for (oid,) in db.execute(
                select(QuestionOption.id)
                .where(QuestionOption.question_id == ids["multiple_choice"])
                .order_by(QuestionOption.position)
            )
        ]
        texts = list(
            db.execute(
                select(Contribution.id)
                .where(Contribution.consultation_id == consultation_id)
                .order_by(Contribution.id)
            ).scalars()
        )[::20]
        db.execute(
            update(Contribution)
            .where(Contribution.id.in_(texts))  # type: ignore[attr-defined]
            .values(question_id=ids["free_text"])
        )
        channels = _weighted(rng, CHANNELS, responses)
        locales = _weighted(rng, LOCALES, responses)
        for start in range(0, responses, BATCH):
            count = min(BATCH, responses - start)
            insert_rows(
                db,
                QuestionnaireResponse,
                [
                    {
                        "consultation_id": consultation_id,
                        "voter_key": f"bench-q-{n}",
                        "reference": f"{n:08d}",
                        "channel": str(channels[n]),
                        "locale": locales[n],
                        "updated_at": now,
                    }
                    for n in range(start, start + count)
                ],
            )
        first = db.execute(
            select(func.min(QuestionnaireResponse.id)).where(
                QuestionnaireResponse.consultation_id == consultation_id
            )
        ).scalar_one()
        text_iter = iter(texts)
        answers = 0
        for rows in _answer_batches(rng, first, responses, ids, options, text_iter):
            db.execute(insert(QuestionnaireAnswer), rows)
            answers += len(rows)
    with engine.begin() as db:
        if engine.dialect.name == "sqlite":
            db.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql("VACUUM ANALYZE")
    return {
        "responses": responses,
        "answers": answers,
        "free_texts": len(texts),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _questions(db, consultation_id: int, now) -> dict[str, int]:
    stamps = {"created_at": now, "updated_at": now}
    insert_rows(
        db,
        Question,
        [
            {
                "consultation_id": consultation_id,
                "position": 1,
                "kind": "single_choice",
                "required": False,
                "max_choices": None,
                "min_value": None,
                "max_value": None,
                "is_poll": True,
                **stamps,
            }
        ]
        + [
            {
                "consultation_id": consultation_id,
                "position": position,
                "kind": kind,
                "required": False,
                "is_poll": False,
                "max_choices": 2 if kind == "multiple_choice" else None,
                "min_value": 14 if kind == "number" else None,
                "max_value": 110 if kind == "number" else None,
                **stamps,
            }
            for position, (kind, _prompt, _options) in enumerate(QUESTIONS, start=2)
        ],
    )
    ids = {
        kind: qid
        for kind, qid, poll in db.execute(
            select(Question.kind, Question.id, Question.is_poll).where(
                Question.consultation_id == consultation_id
            )
        )
        if not poll
    }
    insert_rows(
        db,
        QuestionText,
        [
            {
                "question_id": ids[kind],
                "locale": "de",
                "prompt": prompt,
                "low_label": "gar nicht" if kind == "scale" else "",
                "high_label": "sehr" if kind == "scale" else "",
            }
            for kind, prompt, _options in QUESTIONS
        ],
    )
    insert_rows(
        db,
        QuestionOption,
        [
            {"question_id": ids[kind], "position": n, "labels": {"de": label}}
            for kind, _prompt, labels in QUESTIONS
            for n, label in enumerate(labels, start=1)
        ],
    )
    return ids


def _answer_batches(
    rng: random.Random,
    first: int,
    responses: int,
    ids: dict[str, int],
    options: list[int],
    texts: Iterator[int],
) -> Iterator[list[dict]]:
    rows: list[dict] = []
    # Every row with the same keys: one executemany statement for the whole batch.
    council = {
        "council_id": FIRST_COUNCIL,
        "option_id": None,
        "number": None,
        "contribution_id": None,
    }
    for response_id in range(first, first + responses):
        chosen = rng.sample(options, rng.choice((1, 1, 2)))
        rows += [
            {
                **council,
                "response_id": response_id,
                "question_id": ids["multiple_choice"],
                "option_id": o,
            }
            for o in chosen
        ]
        rows.append(
            {
                **council,
                "response_id": response_id,
                "question_id": ids["scale"],
                "number": rng.randint(1, 5),
            }
        )
        rows.append(
            {
                **council,
                "response_id": response_id,
                "question_id": ids["yes_no"],
                "number": rng.randint(0, 1),
            }
        )
        if rng.random() < 0.8:
            age = min(110, max(14, int(rng.gauss(45, 18))))
            rows.append(
                {**council, "response_id": response_id, "question_id": ids["number"], "number": age}
            )
        text = next(texts, None) if rng.random() < 0.1 else None
        if text is not None:
            rows.append(
                {
                    **council,
                    "response_id": response_id,
                    "question_id": ids["free_text"],
                    "contribution_id": text,
                }
            )
        if len(rows) >= BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def measure_questionnaire(suite: Suite, cookie: str) -> dict:
    """The pages (wrk, as every other page) and the downloads of the responses."""
    from tests.benchmarks.run import first_byte, measure_export

    facts = suite.facts
    public = f"/de/c/{facts.big_slug}/results"
    staff = f"/de/staff/consultations/{facts.big_id}/results"
    suite.check(public)
    suite.check(staff, headers={"Cookie": cookie})
    timings = {}
    for name, path, headers in (
        (f"{NAME}: public page, as served", public, {}),
        (f"{NAME}: public page, built every time", public, {"Cookie": "v=1"}),
        (f"{NAME}: staff page, as served", staff, {"Cookie": cookie}),
        (
            f"{NAME}: staff page, built every time",
            staff,
            {"Cookie": cookie, "Cache-Control": "no-cache"},
        ),
    ):
        built = time.perf_counter()
        suite.check(path, headers=headers)
        timings[name] = round((time.perf_counter() - built) * 1000, 1)
        suite.measure(name, path, headers=headers)
    downloads = []
    for kind in ("csv", "xlsx", "json"):
        path = f"/de/c/{facts.big_slug}/results/responses.{kind}"
        built = measure_export(suite.server, path)
        built["served_first_byte_ms"] = first_byte(suite.server, path)["first_byte_ms"]
        downloads.append(built)
        print(
            f"  {NAME}: public {kind}, built {built['seconds']:>6.2f} s "
            f"{built['bytes'] / 1e6:.1f} MB, memory +{built['memory_growth_mib']} MiB, "
            f"then first byte {built['served_first_byte_ms']} ms",
            flush=True,
        )
    for kind in ("csv", "xlsx", "json"):
        path = f"/de/staff/consultations/{facts.big_id}/results/responses.{kind}"
        streamed = measure_export(suite.server, path, headers={"Cookie": cookie})
        downloads.append(streamed)
        print(
            f"  {NAME}: staff {kind}, streamed {streamed['seconds']:>6.2f} s "
            f"{streamed['bytes'] / 1e6:.1f} MB, first byte {streamed['first_byte_ms']} ms, "
            f"memory +{streamed['memory_growth_mib']} MiB",
            flush=True,
        )
    return {"first_request_ms": timings, "downloads": downloads}
