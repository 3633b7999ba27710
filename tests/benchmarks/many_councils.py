"""Many councils, one installation: the same council measured alone and among many.

Part of `make bench` on PostgreSQL (``--only "many councils"`` runs it alone):

    DATABASE_URL=postgresql://127.0.0.1:5432/participation_bench \\
        .venv/bin/python -m tests.benchmarks.run --only "many councils"

Two databases beside DATABASE_URL's: ``<name>_one`` holds one council, ``<name>_councils``
holds --councils councils (1,000) with --council-contributions in all (10 million), each
council a copy of the first (tests/benchmarks/councils_seed.py; both are kept between runs
while their fingerprint matches). For each, 2 web processes and 2 `participation worker`s
run; one council's consultation page, moderation queue and SMS webhook are measured
(that council found by its host and its number, as in production), and the figures of
the many-council installation are set beside those of the one-council installation of
the same run. Also: each web process's memory, and a council added while the server runs
(one row and a host) answering at its host without a restart.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from statistics import median

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from participation.consultations.models import Consultation
from participation.councils.models import Council, CouncilHost
from participation.councils.service import create_council
from participation.db import make_engine, session_scope
from tests.benchmarks.councils_seed import ensure_database, host_of, number_of, seeded, sibling_url
from tests.benchmarks.run import MANY_COUNCILS, Suite, log_in_apart
from tests.benchmarks.seed import Seeded
from tests.benchmarks.server import Server, read_status, running_workers
from tests.fakes.twilio_api import running_fake_twilio

NAME = MANY_COUNCILS
#: Bytes in a MiB: RSS is read in KiB, the issue's target is in MB (10^6 bytes).
MIB = 1024 * 1024
#: The runs compared; the many-council figure should be within this of the one-council one.
TOLERANCE = 0.15


def measured_council(councils: int) -> int:
    """Not the first council (its ids come first everywhere), one in the middle."""
    return max(1, councils // 2 + 1)


def council_ids(engine: Engine, council: int, facts: Seeded) -> tuple[int, int]:
    """(big consultation, open consultation) of that council: the same slugs as the first's."""
    with session_scope(engine) as session:
        found = dict(
            session.execute(
                select(Consultation.slug, Consultation.id).where(
                    Consultation.council_id == council,
                    Consultation.slug.in_([facts.big_slug, facts.open_slug]),  # type: ignore[attr-defined]
                )
            ).all()
        )
    return found[facts.big_slug], found[facts.open_slug]


def add_council_live(server: Server, engine: Engine) -> dict:
    """A council added (one row and its host) while the server runs: how long until its
    host answers, and whether the web processes are the same ones."""
    slug = f"neu-{int(time.time())}"
    host = f"{slug}.bench.test"
    pids = sorted(server.worker_pids())
    before = httpx.get(server.base + "/de/", headers={"Host": host}, timeout=30).status_code
    with session_scope(engine, write=True) as session:
        create_council(session, slug, "Neue Gemeinde", hosts=[host])
    added = time.monotonic()
    status, waited = before, 0.0
    while time.monotonic() - added < 60:
        status = httpx.get(server.base + "/de/", headers={"Host": host}, timeout=30).status_code
        waited = time.monotonic() - added
        if status == 200:
            break
        time.sleep(0.25)
    same = sorted(server.worker_pids()) == pids
    # The kept database stays as it was seeded.
    with session_scope(engine, write=True) as session:
        council = session.execute(select(Council).where(Council.slug == slug)).scalar_one()
        session.delete(session.get(CouncilHost, host))
        session.flush()
        session.delete(council)
    return {
        "host": host,
        "status_before": before,
        "status_after": status,
        "seconds_until_it_answered": round(waited, 2),
        "same_processes": same,
        "answers_without_restart": status == 200 and before == 404 and same,
    }


@dataclass
class Installation:
    """One of the two installations, its server running for the whole part."""

    label: str
    url: str
    facts: Seeded
    council: int
    seed: dict
    engine: Engine | None = None
    server: Server | None = None
    suite: Suite | None = None
    at_host: dict[str, str] = field(default_factory=dict)
    cookie: str = ""
    login: dict = field(default_factory=dict)
    big_id: int = 0
    sms_checks: list[dict] = field(default_factory=list)


@contextmanager
def serving(installation: Installation, api_base: str, args: argparse.Namespace) -> Iterator[None]:
    """Its server (2 web processes) and 2 workers, logged in, for as long as the block runs."""
    engine = make_engine(installation.url)
    council, facts = installation.council, installation.facts
    host = host_of(council)
    big_id, open_id = council_ids(engine, council, facts)
    mine = Seeded(**{**facts.__dict__, "big_id": big_id, "open_id": open_id})
    server = Server(
        database_url=installation.url, workers=2, extra_env={"TWILIO_API_BASE": api_base}
    )
    print(f"\n== {installation.label}: council {council} at {host}, 2 web processes, 2 workers")
    server.start()
    suite = Suite(server, engine, mine, args)
    suite.sms_to = number_of(council)
    # Every run is wanted here: --only chose this part as a whole.
    suite.args = argparse.Namespace(**{**vars(args), "only": None})
    installation.engine, installation.server, installation.suite = engine, server, suite
    installation.at_host, installation.big_id = {"Host": host}, big_id
    try:
        with running_workers(server, 2):
            suite.check(f"/de/c/{facts.open_slug}", headers=installation.at_host)
            installation.cookie, installation.login = log_in_apart(server, facts, host)
            yield
    finally:
        server.stop()
        suite.cleanup()
        engine.dispose()


def settle(installations: list[Installation], ahead: float, limit: float = 240) -> None:
    """Waits until neither installation's workers still send the replies of a run before
    or delete its messages at the carrier (due a minute after they came: those due within
    the next run's ``ahead`` seconds are waited for), and no autovacuum runs, then writes
    the dirty pages out: what one run leaves behind is not paid for by the next, which may
    be the other installation's."""
    deadline = time.monotonic() + limit
    for installation in installations:
        assert installation.engine is not None
        with installation.engine.connect() as db:
            while time.monotonic() < deadline:
                waiting = db.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM outbound_message WHERE status = 'queued' "
                    "AND next_attempt_at <= now()) + (SELECT count(*) FROM carrier_deletion "
                    "WHERE status = 'queued' "
                    "AND next_attempt_at <= now() + %(ahead)s * interval '1 s') "
                    "+ (SELECT count(*) "
                    "FROM pg_stat_activity WHERE backend_type = 'autovacuum worker')",
                    {"ahead": ahead},
                ).scalar_one()
                db.rollback()
                if not waiting:
                    break
                time.sleep(0.5)
    with installations[0].engine.connect() as db:  # type: ignore[union-attr]
        try:
            db.exec_driver_sql("CHECKPOINT")
        except DBAPIError:
            # Only a superuser or pg_checkpoint may; the runs are then a little noisier.
            db.rollback()


RUNS = (
    "consultation page",
    "consultation page, built every time",
    "moderation queue, built every time",
    "SMS webhook",
)


def measure_run(installation: Installation, what: str) -> None:
    """One run of ``what`` against the council of ``installation``."""
    suite, label = installation.suite, installation.label
    assert suite is not None
    page = f"/de/c/{suite.facts.open_slug}"
    if what == "consultation page":
        suite.measure(f"{label}: {what}", page, headers=installation.at_host)
    elif what == "consultation page, built every time":
        visitor = {**installation.at_host, "Cookie": "visitor=1"}
        suite.measure(f"{label}: {what}", page, headers=visitor)
    elif what == "moderation queue, built every time":
        queue = f"/de/staff/moderation?consultation={installation.big_id}"
        built = {**installation.at_host, "Cookie": installation.cookie}
        built["Cache-Control"] = "no-cache"
        suite.check(queue, headers=built)
        suite.measure(f"{label}: {what}", queue, headers=built)
    else:
        check = suite.sms_webhook()
        if check is not None:
            installation.sms_checks.append(check)
            suite.results[-1].name = f"{label}: {what}"


def measure_side_by_side(installations: list[Installation], args: argparse.Namespace) -> None:
    """Both servers run; each run is measured on one installation right after the other,
    in turns (one first in odd rounds, the other in even ones): on a shared machine the
    speed drifts within minutes, and a drift then falls on both alike."""
    rounds = max(1, getattr(args, "council_rounds", 3))
    # How long one run lasts, its hellos beside included, and a little more.
    ahead = args.warmup + args.duration + 2 * args.hello_seconds + 5
    for number in range(rounds):
        order = installations if number % 2 == 0 else installations[::-1]
        print(f"\n-- round {number + 1} of {rounds}", flush=True)
        for what in RUNS:
            for installation in order:
                settle(installations, ahead)
                measure_run(installation, what)


def summary(installation: Installation, added: dict | None) -> dict:
    assert installation.server is not None and installation.suite is not None
    return {
        "label": installation.label,
        "council": installation.council,
        "host": host_of(installation.council),
        "runs": [r.as_dict() for r in installation.suite.results],
        "sms_check": installation.sms_checks[-1] if installation.sms_checks else None,
        "sms_checks": installation.sms_checks,
        "web_processes": [
            {
                "pid": pid,
                "rss_mib": round(read_status(pid)["VmRSS"] / 1024, 1),
                "peak_mib": round(read_status(pid)["VmHWM"] / 1024, 1),
            }
            for pid in installation.server.worker_pids()
        ],
        "login_peak_mib": round(installation.login["hwm_kib"] / 1024, 1),
        "council_added_live": added,
        "seed": installation.seed,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def compare(one: dict, many: dict) -> list[dict]:
    """Each run of the many-council installation beside the same run with one council,
    round by round; the median of the rounds' ratios is the figure."""
    rows = []
    for what in RUNS:
        alone = [r for r in one["runs"] if r["name"].split(": ", 1)[-1] == what and r["rps"]]
        among = [r for r in many["runs"] if r["name"].split(": ", 1)[-1] == what and r["rps"]]
        pairs = list(zip(alone, among, strict=False))
        if not pairs:
            continue
        ratios = [m["rps"] / o["rps"] for o, m in pairs]
        # The machine is shared: the ratio to the hello measured beside each run as well.
        steady = [
            (m["rps"] / m["extra"]["hello_beside_mean"])
            / (o["rps"] / o["extra"]["hello_beside_mean"])
            for o, m in pairs
            if o["extra"].get("hello_beside_mean") and m["extra"].get("hello_beside_mean")
        ]
        ratio = median(ratios)
        rows.append(
            {
                "what": what,
                "rounds": len(pairs),
                "one_rps": round(median(o["rps"] for o, _ in pairs)),
                "many_rps": round(median(m["rps"] for _, m in pairs)),
                "one_p50_ms": median(o["p50_ms"] for o, _ in pairs),
                "many_p50_ms": median(m["p50_ms"] for _, m in pairs),
                "one_p99_ms": median(o["p99_ms"] for o, _ in pairs),
                "many_p99_ms": median(m["p99_ms"] for _, m in pairs),
                "rps_ratios": [round(r, 3) for r in ratios],
                "rps_ratio": round(ratio, 3),
                "rps_ratio_to_hello": round(median(steady), 3) if steady else None,
                "within_15_percent": ratio >= 1 - TOLERANCE,
            }
        )
    return rows


def run_many_councils(url: str | None, args: argparse.Namespace) -> dict | None:
    """The whole part; None (after a loud notice) where there is no PostgreSQL."""
    if url is None or not url.startswith("postgresql"):
        print(
            "\n" + "!" * 78 + "\n!!! MANY COUNCILS SKIPPED: it needs PostgreSQL "
            "(DATABASE_URL=postgresql://...).\n" + "!" * 78,
            flush=True,
        )
        return None
    installations = seed_both(url, args)
    with running_fake_twilio() as api, ExitStack() as stack:
        for installation in installations:
            stack.enter_context(serving(installation, api.base_url, args))
        measure_side_by_side(installations, args)
        many = installations[1]
        assert many.server is not None and many.engine is not None
        added = add_council_live(many.server, many.engine)
        results = {
            each.label: summary(each, added if each.label == NAME else None)
            for each in installations
        }
    comparison = compare(results["one council"], results[NAME])
    return {"installations": results, "comparison": comparison}


def seed_both(url: str, args: argparse.Namespace) -> list[Installation]:
    """Both databases seeded (or kept) before anything is measured."""
    council = measured_council(args.councils)
    installations = []
    for label, suffix, councils, total in (
        ("one council", "one", 1, args.council_contributions // args.councils),
        (NAME, "councils", args.councils, args.council_contributions),
    ):
        target = sibling_url(url, suffix)
        ensure_database(target)
        engine = make_engine(target)
        started = time.perf_counter()
        print(f"\nSeeding {label} ({councils:,} councils, ~{total:,} contributions)", flush=True)
        try:
            facts, kept = seeded(engine, councils, total, reset=args.reset)
        finally:
            engine.dispose()
        seed_figures = {
            "database": target.rsplit("/", 1)[-1],
            "councils": councils,
            "contributions": facts.contributions,
            "kept_from_an_earlier_run": kept,
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"  {seed_figures}", flush=True)
        installations.append(
            Installation(label, target, facts, council if councils > 1 else 1, seed_figures)
        )
    return installations


def print_many_councils(part: dict) -> None:
    many = part["installations"][NAME]
    one = part["installations"]["one council"]
    print(
        f"\nMany councils: council {many['council']} of {many['seed']['councils']:,} "
        f"({many['seed']['contributions']:,} contributions in all) beside the same council "
        f"alone ({one['seed']['contributions']:,}); both running, measured in turns, "
        "medians of the rounds"
    )
    header = (
        f"| {'what':<36} | {'1: req/s':>8} | {'N: req/s':>8} | {'N/1':>6} | {'N/1 ÷ hello':>11} "
        f"| {'1: p50':>7} | {'N: p50':>7} | {'1: p99':>7} | {'N: p99':>7} | {'≥ 85 %':>6} |"
    )
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for row in part["comparison"]:
        steady = f"{row['rps_ratio_to_hello']:.3f}" if row["rps_ratio_to_hello"] else "–"
        print(
            f"| {row['what']:<36} | {row['one_rps']:>8} | {row['many_rps']:>8} "
            f"| {row['rps_ratio']:>6.3f} | {steady:>11} | {row['one_p50_ms']:>7.1f} "
            f"| {row['many_p50_ms']:>7.1f} | {row['one_p99_ms']:>7.1f} "
            f"| {row['many_p99_ms']:>7.1f} | {'yes' if row['within_15_percent'] else 'NO':>6} |"
        )
    for row in part["comparison"]:
        print(f"N/1 round by round, {row['what']}: {row['rps_ratios']}")
    for label, installation in part["installations"].items():
        memory = ", ".join(
            f"{p['rss_mib']} MiB (peak {p['peak_mib']})" for p in installation["web_processes"]
        )
        print(f"web processes, {label}: {memory}")
        print(f"seed, {label}: {installation['seed']}")
    print(f"council added while running: {many['council_added_live']}")


def evaluate_many_councils(part: dict) -> list[dict]:
    targets = []
    for row in part["comparison"]:
        targets.append(
            {
                "target": f"many councils: {row['what']} within 15 % of one council",
                "value": f"{row['many_rps']} vs {row['one_rps']} req/s ({row['rps_ratio']:.3f})",
                "met": row["within_15_percent"],
                "note": f"(median of {row['rounds']} rounds {row['rps_ratios']}; "
                f"÷ hello beside: {row['rps_ratio_to_hello']})",
            }
        )
    many = part["installations"][NAME]
    peak = max(p["peak_mib"] for p in many["web_processes"])
    targets.append(
        {
            "target": "many councils: web process RSS < 150 MB",
            "value": f"peak {peak * MIB / 1e6:.1f} MB ({peak} MiB)",
            "met": peak * MIB < 150e6,
            "note": "(the issue's MB: 150 MB = 143.1 MiB)",
        }
    )
    added = many["council_added_live"] or {}
    targets.append(
        {
            "target": "many councils: a council added is one row, not a process",
            "value": f"answered after {added.get('seconds_until_it_answered')} s, "
            f"same processes: {added.get('same_processes')}",
            "met": bool(added.get("answers_without_restart")),
            "note": "",
        }
    )
    return targets
