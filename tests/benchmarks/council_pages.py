"""Time the council's heavy pages on a consultation with 100,000 contributions.

Run by hand (not collected by pytest, no timing assertions anywhere):

    .venv/bin/python -m tests.benchmarks.council_pages            # SQLite in a temp dir
    DATABASE_URL=postgresql://127.0.0.1:5432/bench_empty \\
        .venv/bin/python -m tests.benchmarks.council_pages       # an EMPTY PostgreSQL db

Seeds with tests/benchmarks/seed.py (SQLAlchemy Core executemany, no ORM objects), then
adds what the council side needs on the big consultation, also in bulk: themes and
theme assignments, answers, open reports, and the moderation log's consultation column.
Each page is requested in-process through the whole ASGI app (middleware, session,
templates) with Starlette's TestClient, after one warm-up request; the table shows the
median and the spread of N runs, the SQL statements per request, and for downloads the
size and how far the process's peak resident memory rose above where it was.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import bindparam, event, func, select, update
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from participation.app import create_app
from participation.contributions.models import Contribution, Status
from participation.db import make_engine
from participation.moderation.models import Flag, ModerationDecision
from participation.results.models import ContributionTheme, Theme
from participation.settings import Settings
from tests.benchmarks.seed import insert_rows, seed

THEMES = [
    "Bäume und Schatten",
    "Parkplätze",
    "Wochenmarkt",
    "Sitzbänke",
    "Trinkbrunnen",
    "Radverkehr",
    "Bauzeit",
    "Spielplatz",
]
BASE = "https://bench.example"


def add_council_rows(engine: Engine, consultation_id: int, rng: random.Random) -> dict[str, int]:
    """Themes, assignments, answers and reports on the big consultation, in bulk."""
    with engine.begin() as db:
        insert_rows(
            db,
            Theme,
            [
                {"consultation_id": consultation_id, "name": name, "answer": f"Abwägung {n}"}
                for n, name in enumerate(THEMES, start=1)
            ],
        )
        theme_ids = list(
            db.execute(select(Theme.id).where(Theme.consultation_id == consultation_id)).scalars()
        )
        published = list(
            db.execute(
                select(Contribution.id).where(
                    Contribution.consultation_id == consultation_id,
                    Contribution.status == Status.published,
                )
            ).scalars()
        )
        links = [
            {"contribution_id": cid, "theme_id": theme}
            for cid in published
            if rng.random() < 0.6
            for theme in rng.sample(theme_ids, rng.randint(1, 2))
        ]
        for chunk in range(0, len(links), 20_000):
            insert_rows(db, ContributionTheme, links[chunk : chunk + 20_000])
        answered = [
            {"cid": cid, "answer": "Danke, der Rat hat das abgewogen."}
            for cid in published
            if rng.random() < 0.3
        ]
        statement = (
            update(Contribution.__table__)
            .where(Contribution.__table__.c.id == bindparam("cid"))
            .values(answer=bindparam("answer"))
        )
        for chunk in range(0, len(answered), 20_000):
            db.execute(statement, answered[chunk : chunk + 20_000])
        reported = rng.sample(published, 200)
        insert_rows(
            db,
            Flag,
            [{"contribution_id": cid, "reason": "insult", "note": None} for cid in reported],
        )
        db.execute(
            update(Contribution.__table__)
            .where(Contribution.__table__.c.id.in_(reported))
            .values(flag_count=1)
        )
        # The seed writes decisions without the log's consultation column.
        db.execute(
            update(ModerationDecision.__table__)
            .where(
                ModerationDecision.__table__.c.contribution_id.in_(
                    select(Contribution.id).where(Contribution.consultation_id == consultation_id)
                )
            )
            .values(consultation_id=consultation_id)
        )
        total = db.execute(
            select(func.count())
            .select_from(Contribution)
            .where(Contribution.consultation_id == consultation_id)
        ).scalar_one()
    # Statistics and the visibility map as autovacuum leaves them on a live server (without
    # the map PostgreSQL cannot count from an index alone and reads the whole table).
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as db:
            db.exec_driver_sql("ANALYZE")
    return {
        "contributions": total,
        "published": len(published),
        "theme links": len(links),
        "answers": len(answered),
        "reports": len(reported),
    }


@contextmanager
def counting(engine: Engine):
    seen = [0]

    def record(*_args) -> None:
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Linux: resets the process's peak resident size (VmHWM) to the current one."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _forget_cached_figures() -> None:
    """Large counts may be kept for a few seconds per process (participation/caching/figures.py);
    the "recounted" rows clear them first, to show what a request costs without them."""
    try:
        from participation.caching.figures import forget
    except ImportError:
        return
    forget()


def measure(
    client: TestClient, engine: Engine, path: str, runs: int, recount: bool = False
) -> dict:
    warm = client.get(path)
    assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
    times = []
    with counting(engine) as seen:
        for _ in range(runs):
            if recount:
                _forget_cached_figures()
            started = time.perf_counter()
            response = client.get(path)
            _ = response.content
            times.append((time.perf_counter() - started) * 1000)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "statements": seen[0] // runs,
        "bytes": len(warm.content),
    }


def download(client: TestClient, path: str) -> dict:
    reset_peak()
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    size = 0
    with client.stream("GET", path) as response:
        assert response.status_code == 200, path
        for chunk in response.iter_bytes():
            size += len(chunk)
    return {
        "seconds": time.perf_counter() - started,
        "bytes": size,
        "peak_growth_mb": _status_mb("VmHWM") - before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="contributions, big one")
    parser.add_argument("--runs", type=int, default=9, help="requests per page")
    parser.add_argument("--skip-downloads", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PARTICIPATION_QUIET", "1")
    url = os.environ.get("DATABASE_URL")
    folder = tempfile.TemporaryDirectory(prefix="council-bench-")
    if not url:
        url = f"sqlite:///{Path(folder.name) / 'bench.db'}"
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = make_engine(url)
    started = time.perf_counter()
    seeded = seed(engine, big=args.size, open_size=3_000)
    extra = add_council_rows(engine, seeded.big_id, random.Random(6))
    print(f"database: {engine.dialect.name}; seeded in {time.perf_counter() - started:.1f} s")
    print("big consultation:", extra, "by status:", seeded.counts)

    settings = Settings(database_url=url, secret_key="bench-secret", public_base_url=BASE)
    client = TestClient(create_app(settings, engine), base_url=BASE)
    login = client.get("/de/staff/login")
    token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/de/staff/login",
        data={"email": seeded.staff_email, "password": seeded.staff_password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]

    big, slug = seeded.big_id, seeded.big_slug
    queue = client.get(f"/de/staff/moderation?consultation={big}").text
    cursor = queue.split("after=", 1)[1].split('"', 1)[0] if "after=" in queue else ""
    results = client.get(f"/de/c/{slug}/results").text
    after = results.split("?after=", 1)[1].split('"', 1)[0].split("#", 1)[0]
    pages = {
        "queue: waiting, all consultations": "/de/staff/moderation",
        "queue: waiting, big consultation": f"/de/staff/moderation?consultation={big}",
        "queue: waiting, big, 2nd page": (
            f"/de/staff/moderation?consultation={big}&status=pending&after={cursor}"
        ),
        "queue: reported": "/de/staff/moderation?status=flagged",
        "queue: published, big, SMS, Turkish": (
            f"/de/staff/moderation?status=published&consultation={big}&channel=sms&language=tr"
        ),
        "staff overview": "/de/staff/",
        "answers (staff), by theme": f"/de/staff/consultations/{big}/answers?theme=1",
        "results page": f"/de/c/{slug}/results",
        "results page, figures recounted": f"/de/c/{slug}/results#recount",
        "results page, 2nd page": f"/de/c/{slug}/results?after={after}",
        "results page in Arabic": f"/ar/c/{slug}/results",
        "moderation log": f"/de/c/{slug}/moderation",
        "consultation page": f"/de/c/{slug}",
        "consultation page, figures recounted": f"/de/c/{slug}#recount",
    }
    print(f"\n{'page':42} {'median ms':>10} {'min':>8} {'max':>8} {'SQL':>5} {'KB':>7}")
    for name, path in pages.items():
        m = measure(client, engine, path.split("#")[0], args.runs, path.endswith("#recount"))
        print(
            f"{name:42} {m['median']:10.1f} {m['min']:8.1f} {m['max']:8.1f} "
            f"{m['statements']:5d} {m['bytes'] / 1024:7.1f}"
        )
    if args.skip_downloads:
        return
    print(f"\n{'download (streamed)':42} {'seconds':>10} {'MB':>8} {'peak +MB':>9}")
    for name, path in {
        "CSV": f"/de/c/{slug}/results.csv",
        "JSON": f"/de/c/{slug}/results.json",
        "XLSX": f"/de/c/{slug}/results.xlsx",
        "printable report (HTML)": f"/de/c/{slug}/results/report",
    }.items():
        d = download(client, path)
        print(f"{name:42} {d['seconds']:10.2f} {d['bytes'] / 1e6:8.1f} {d['peak_growth_mb']:9.1f}")
    folder.cleanup()


if __name__ == "__main__":
    main()
