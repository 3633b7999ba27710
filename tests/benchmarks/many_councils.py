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

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

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


def measure_installation(
    label: str, url: str, engine: Engine, facts: Seeded, council: int, args: argparse.Namespace
) -> dict:
    host = host_of(council)
    big_id, open_id = council_ids(engine, council, facts)
    mine = Seeded(**{**facts.__dict__, "big_id": big_id, "open_id": open_id})
    print(f"\n== {label}: council {council} at {host}, 2 web processes, 2 workers", flush=True)
    with running_fake_twilio() as api:
        server = Server(database_url=url, workers=2, extra_env={"TWILIO_API_BASE": api.base_url})
        server.start()
        suite = Suite(server, engine, mine, args)
        suite.sms_to = number_of(council)
        # Every run is wanted here: --only chose this part as a whole.
        suite.args = argparse.Namespace(**{**vars(args), "only": None})
        try:
            with running_workers(server, 2):
                at_host = {"Host": host}
                suite.check(f"/de/c/{facts.open_slug}", headers=at_host)
                cookie, login = log_in_apart(server, facts, host)
                sms = measure_runs(suite, label, at_host, cookie, big_id)
                added = add_council_live(server, engine) if label == NAME else None
                processes = [
                    {
                        "pid": pid,
                        "rss_mib": round(read_status(pid)["VmRSS"] / 1024, 1),
                        "peak_mib": round(read_status(pid)["VmHWM"] / 1024, 1),
                    }
                    for pid in server.worker_pids()
                ]
        finally:
            server.stop()
            suite.cleanup()
    return {
        "label": label,
        "council": council,
        "host": host,
        "runs": [r.as_dict() for r in suite.results],
        "sms_check": sms,
        "web_processes": processes,
        "login_peak_mib": round(login["hwm_kib"] / 1024, 1),
        "council_added_live": added,
    }


def measure_runs(
    suite: Suite, label: str, at_host: dict[str, str], cookie: str, big_id: int
) -> dict | None:
    """The consultation page (kept and built), the moderation queue (built) and the SMS
    webhook of the council at ``at_host``; returns the SMS write check."""
    page = f"/de/c/{suite.facts.open_slug}"
    suite.measure(f"{label}: consultation page", page, headers=at_host)
    suite.measure(
        f"{label}: consultation page, built every time",
        page,
        headers={**at_host, "Cookie": "visitor=1"},
    )
    queue = f"/de/staff/moderation?consultation={big_id}"
    built = {**at_host, "Cookie": cookie, "Cache-Control": "no-cache"}
    suite.check(queue, headers=built)
    suite.measure(f"{label}: moderation queue, built every time", queue, headers=built)
    sms = suite.sms_webhook()
    if suite.results and suite.results[-1].name.startswith("SMS"):
        suite.results[-1].name = f"{label}: SMS webhook"
    return sms


def compare(one: dict, many: dict) -> list[dict]:
    """Each run of the many-council installation beside the same run with one council."""
    rows = []
    alone = {r["name"].split(": ", 1)[1]: r for r in one["runs"] if ": " in r["name"]}
    for run in many["runs"]:
        what = run["name"].split(": ", 1)[-1]
        base = alone.get(what)
        if not base or not base["rps"] or not run["rps"]:
            continue
        ratio = run["rps"] / base["rps"]
        hello_one = base["extra"].get("hello_beside_mean")
        hello_many = run["extra"].get("hello_beside_mean")
        # The machine is shared: the ratio to the hello measured beside each run as well.
        steady = (
            round((run["rps"] / hello_many) / (base["rps"] / hello_one), 3)
            if hello_one and hello_many
            else None
        )
        rows.append(
            {
                "what": what,
                "one_rps": round(base["rps"]),
                "many_rps": round(run["rps"]),
                "one_p50_ms": base["p50_ms"],
                "many_p50_ms": run["p50_ms"],
                "one_p99_ms": base["p99_ms"],
                "many_p99_ms": run["p99_ms"],
                "rps_ratio": round(ratio, 3),
                "rps_ratio_to_hello": steady,
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
    council = measured_council(args.councils)
    installations = []
    # Both seeded first, then measured one right after the other: on a shared machine
    # the minutes of seeding between them would be minutes of another load.
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
        installations.append((label, target, facts, seed_figures))
    results = {}
    for label, target, facts, seed_figures in installations:
        engine = make_engine(target)
        try:
            measured = measure_installation(
                label, target, engine, facts, council if seed_figures["councils"] > 1 else 1, args
            )
        finally:
            engine.dispose()
        measured["seed"] = seed_figures
        measured["load_average"] = [round(x, 2) for x in os.getloadavg()]
        results[label] = measured
    comparison = compare(results["one council"], results[NAME])
    return {"installations": results, "comparison": comparison}


def print_many_councils(part: dict) -> None:
    many = part["installations"][NAME]
    one = part["installations"]["one council"]
    print(
        f"\nMany councils: council {many['council']} of {many['seed']['councils']:,} "
        f"({many['seed']['contributions']:,} contributions in all) beside the same council "
        f"alone ({one['seed']['contributions']:,})"
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
                "note": f"(÷ hello beside: {row['rps_ratio_to_hello']})",
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
