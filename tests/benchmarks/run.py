"""The benchmark: `make bench` (or `python -m tests.benchmarks.run --help`).

Seeds a fresh database (SQLite in a temporary directory, or DATABASE_URL), starts the app
under uvicorn as production does, drives every page with wrk at 32 connections, and
prints a table; the same figures go to bench-results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from participation import tables
from participation.contributions.models import Contribution
from participation.db import make_engine
from tests.benchmarks import load
from tests.benchmarks.questionnaire_results import NAME as QUESTIONNAIRE
from tests.benchmarks.questionnaire_results import measure_questionnaire, seed_questionnaire
from tests.benchmarks.seed import Seeded, seed
from tests.benchmarks.server import BENCH_TWILIO_SID, BENCH_TWILIO_TOKEN, ROOT, Server, read_status

RESULTS_DIR = ROOT / "bench-results"
#: Requests per download once it is built (the first request builds it).
SERVED_EXPORTS = 20
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
REFERENCE = re.compile(r"/r/(\d{8})")
#: The name of the many-council part (tests/benchmarks/many_councils.py) for --only.
MANY_COUNCILS = "many councils"


def database_url_from_env() -> str | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def prepare_database(url: str, reset: bool) -> Engine:
    engine = make_engine(url)
    with engine.connect() as db:
        present = engine.dialect.has_table(db, "consultation")
    if present:
        if not reset:
            raise SystemExit(
                f"{url} already holds tables; the benchmark needs an empty database. "
                "Pass --reset to drop the application's tables there first."
            )
        tables.metadata.drop_all(engine)
    return engine


# --- things measured once per server -------------------------------------------------------


def staff_cookie(base: str, facts: Seeded, host: str | None = None) -> str:
    """The seeded staff member's session cookie (at ``host``'s council, where given)."""
    headers = {"Host": host} if host else {}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        page = client.get("/de/staff/login")
        token = CSRF_FIELD.search(page.text)
        assert token, f"no CSRF field on {host or base}'s login page"
        answer = client.post(
            "/de/staff/login",
            data={
                "email": facts.staff_email,
                "password": facts.staff_password,
                "csrf_token": token.group(1),
                "next": "",
            },
            follow_redirects=False,
        )
        if answer.status_code != 303:
            raise RuntimeError(f"staff login at {host or base} failed: {answer.status_code}")
        return f"staff_session={client.cookies['staff_session']}"


def log_in_apart(server: Server, facts: Seeded, host: str | None = None) -> tuple[str, dict]:
    """A staff login before the load: its cookie and the memory right after it. A login
    hashes with argon2id (64 MiB for a moment), so its peak is kept apart; the peak
    under load is read from here on."""
    cookie = staff_cookie(server.base, facts, host)
    login = server.memory()
    server.reset_peaks()
    server.peak_kib = 0
    return cookie, login


def transfer_size(base: str, path: str) -> dict:
    """Bytes on the wire (gzip) for the page and the CSS and JS it links to."""
    with httpx.Client(base_url=base, headers={"Accept-Encoding": "gzip"}, timeout=30) as client:
        page = client.get(path)
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        assets += re.findall(r'<script src="([^"]+)"', page.text)
        items = [
            {
                "path": path,
                "bytes": page.num_bytes_downloaded,
                "uncompressed": len(page.content),
                "encoding": page.headers.get("content-encoding", ""),
                "cache_control": page.headers.get("cache-control", ""),
            }
        ]
        for asset in assets:
            answer = client.get(asset)
            items.append(
                {
                    "path": asset,
                    "bytes": answer.num_bytes_downloaded,
                    "uncompressed": len(answer.content),
                    "encoding": answer.headers.get("content-encoding", ""),
                    "cache_control": answer.headers.get("cache-control", ""),
                }
            )
    return {"items": items, "total_bytes": sum(i["bytes"] for i in items)}


def measure_export(server: Server, path: str, headers: dict[str, str] | None = None) -> dict:
    """Streams one export and watches the serving process's memory while it runs."""
    pids = server.worker_pids()
    reset = server.reset_peaks()
    before = {pid: read_status(pid)["VmRSS"] for pid in pids}
    sampled = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in pids:
                sampled[pid] = max(sampled[pid], read_status(pid)["VmRSS"])
            time.sleep(0.005)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    started = time.perf_counter()
    size, first_byte = 0, None
    with httpx.stream("GET", server.base + path, timeout=600, headers=headers) as answer:
        status = answer.status_code
        for chunk in answer.iter_raw():
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    peaks = {pid: read_status(pid)["VmHWM"] if reset else sampled[pid] for pid in pids}
    growth = max(max(peaks[pid], sampled[pid]) - before[pid] for pid in pids)
    server.memory()
    return {
        "path": path,
        "status": status,
        "bytes": size,
        "seconds": round(elapsed, 2),
        "first_byte_ms": round((first_byte or 0) * 1000, 1),
        "memory_growth_mib": round(growth / 1024, 1),
        "peak_method": "VmHWM after clear_refs" if reset else "VmRSS sampled every 5 ms",
    }


def first_byte(server: Server, path: str) -> dict:
    """One download as a browser asks for it (a new connection, gzip accepted): the time
    to its first byte and to its end. No memory watching, which would slow the server."""
    # The client is made before the clock starts: making one (its TLS context) takes
    # longer than the answer, and a browser has its own long before.
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        size, first = 0, None
        with client.stream("GET", server.base + path) as answer:
            status = answer.status_code
            for chunk in answer.iter_raw():
                if first is None:
                    first = time.perf_counter() - started
                size += len(chunk)
    return {
        "status": status,
        "bytes": size,
        "seconds": round(time.perf_counter() - started, 3),
        "first_byte_ms": round((first or 0) * 1000, 1),
    }


# --- the load runs --------------------------------------------------------------------------


class Suite:
    def __init__(self, server: Server, engine: Engine, facts: Seeded, args: argparse.Namespace):
        self.server, self.engine, self.facts, self.args = server, engine, facts, args
        self.results: list[load.LoadResult] = []
        #: The number the signed SMS are sent to (a council's own, where it has one).
        self.sms_to = "+4915100000000"
        self.scratch = Path(tempfile.mkdtemp(prefix="bench-"))
        #: Each SMS run texts from a block of numbers of its own (the hourly limit per
        #: number), the blocks taken in turn from one picked by the clock.
        self.sms_block = int(time.time()) % 50

    def wanted(self, name: str) -> bool:
        return not self.args.only or any(word in name for word in self.args.only)

    def measure(
        self,
        name: str,
        path: str,
        *,
        connections: int | None = None,
        headers: dict[str, str] | None = None,
        **options,
    ) -> load.LoadResult | None:
        if not self.wanted(name):
            return None
        url = self.server.base + path
        headers = dict(headers or {})
        if self.args.gzip and "script" not in options:
            # Browsers always ask for it, and compressing is part of the page's cost.
            headers["Accept-Encoding"] = "gzip"
        beside = [] if name.startswith("hello") else [self.hello_now()]
        warm = None
        for pass_name, duration in (("warm-up", self.args.warmup), ("measure", self.args.duration)):
            if duration <= 0:
                continue
            if warm is not None and options.get("script") is load.SIGNED_LUA:
                # Past every message the warm-up may have sent, answered or in flight.
                skip = warm.requests + 2 * (connections or self.args.connections)
                options["script_args"] = [*options["script_args"][:2], str(skip)]
            result = load.run_wrk(
                url,
                name=name,
                connections=connections or self.args.connections,
                duration=duration,
                headers=headers,
                server_cpu=self.server.cpu,
                **options,
            )
            if pass_name == "warm-up":
                warm = result
        result.extra["warmup"] = {
            "requests": warm.requests if warm else 0,
            "counted_ok": warm.counted_ok if warm else 0,
        }
        if beside:
            beside = [rps for rps in (*beside, self.hello_now()) if rps]
        if beside:
            result.extra["hello_beside_rps"] = [round(rps) for rps in beside]
            result.extra["hello_beside_mean"] = round(sum(beside) / len(beside))
        memory = self.server.memory()
        result.extra["rss_after_mib"] = round(memory["rss_kib"] / 1024, 1)
        result.extra["peak_so_far_mib"] = round(memory["peak_kib"] / 1024, 1)
        self.results.append(result)
        print(
            f"  {name:<44} {result.rps:>8.0f} req/s  p50 {result.p50_ms:>7.1f} ms  "
            f"p99 {result.p99_ms:>7.1f} ms  bad {result.bad_status + result.errors}",
            flush=True,
        )
        return result

    def hello_now(self) -> float:
        """The plain-text hello right before and after a run: on a shared virtual machine
        the speed of the whole machine changes within minutes (hello between 8,500 and
        15,000 req/s in one hour), so each run's ratio is taken to the hello beside it."""
        if self.args.hello_seconds <= 0:
            return 0.0
        return load.run_wrk(
            self.server.base + "/bench/hello",
            name="hello beside",
            connections=self.args.connections,
            duration=self.args.hello_seconds,
        ).rps

    def check(self, path: str, expected: int = 200, **kwargs) -> httpx.Response:
        answer = httpx.get(self.server.base + path, timeout=60, **kwargs)
        if answer.status_code != expected:
            raise RuntimeError(f"{path} answered {answer.status_code}, expected {expected}")
        return answer

    def reads(self, cookie: str) -> None:
        facts = self.facts
        self.check("/bench/hello")
        self.measure("hello (plain text, same server)", "/bench/hello")
        self.check("/de/")
        self.measure("consultation list", "/de/")
        self.check(f"/de/c/{facts.open_slug}")
        self.measure(f"consultation page (open, {facts.open_size:,})", f"/de/c/{facts.open_slug}")
        # A visitor with any cookie skips the page cache (caching/pages.py): the page
        # is built on every request, as it is for staff and with PAGE_CACHE_SECONDS=0.
        self.measure(
            "consultation page, built every time",
            f"/de/c/{facts.open_slug}",
            headers={"Cookie": "visitor=1"},
        )
        self.check(f"/de/c/{facts.big_slug}")
        self.measure("consultation page (100k, results)", f"/de/c/{facts.big_slug}")
        results = f"/de/c/{facts.big_slug}/results"
        self.check(results)
        self.measure("results page (100k)", results)
        self.measure("results page (100k), built every time", results, headers={"Cookie": "v=1"})
        # Staff pages: under the full load, and as one moderator alone sees them.
        queue = f"/de/staff/moderation?consultation={facts.big_id}"
        self.check(queue, headers={"Cookie": cookie})
        # As served: 32 requests of one login share a page kept for a second
        # (caching/staff_pages.py). A hard reload (Cache-Control: no-cache) builds it.
        self.measure("moderation queue (100k)", queue, headers={"Cookie": cookie})
        self.measure(
            "moderation queue (100k), built every time",
            queue,
            headers={"Cookie": cookie, "Cache-Control": "no-cache"},
        )
        self.measure(
            "results page (100k), built, 1 connection",
            results,
            headers={"Cookie": "v=1"},
            connections=1,
        )
        self.measure(
            "moderation queue (100k), built, 1 connection",
            queue,
            headers={"Cookie": cookie, "Cache-Control": "no-cache"},
            connections=1,
        )

    def comment_submissions(self) -> dict | None:
        name = "comment submission (POST, full write)"
        if not self.wanted(name):
            return None
        facts = self.facts
        page = self.check(f"/de/c/{facts.open_slug}")
        token = CSRF_FIELD.search(page.text)
        assert token, "no CSRF field on the consultation page"
        body_file = self.scratch / "comment.txt"
        body_file.write_text(
            urlencode(
                {
                    "csrf_token": token.group(1),
                    "poll_option": str(facts.open_poll_option_id),
                    "pseudonym": "Lasttest",
                    "body": "Bitte mehr Bänke und Schatten auf dem Marktplatz. "
                    "Und einen Trinkbrunnen für den Sommer.",
                }
            )
        )
        before = self._count(Contribution.consultation_id == facts.open_id)
        refs_file = self.scratch / "references"
        result = self.measure(
            name,
            f"/de/c/{facts.open_slug}/contribute",
            script=load.POST_FORM_LUA,
            script_args=[str(body_file), str(refs_file)],
        )
        time.sleep(1)  # requests still in flight when wrk stopped
        after = self._count(Contribution.consultation_id == facts.open_id)
        references = set()
        for file in self.scratch.glob("references.*"):
            references.update(REFERENCE.findall(file.read_text()))
        found = self._existing(references)
        acknowledged = result.counted_ok + result.extra["warmup"]["counted_ok"]
        check = {
            "acknowledged": acknowledged,
            "references_recorded": len(references),
            "found_in_database": found,
            "rows_added": after - before,
            "nothing_lost": found == len(references) == acknowledged
            and after - before >= acknowledged,
        }
        result.extra["write_check"] = check
        print(f"    write check: {check}", flush=True)
        return check

    def comments_beside_wrong_logins(self) -> dict | None:
        """A citizen's comment while N clients post wrong logins (issue 15, break 4).

        One connection of comments, so the figure is one person's wait; first alone,
        then beside the wrong logins. Each wrong login comes from its own forwarded
        address (the server trusts 127.0.0.1, as behind the README's nginx), so no
        address lock cuts them short and every one ends in a write (the failure count).
        Figures only: printed and in the JSON, no target.
        """
        name = f"comment beside {self.args.wrong_logins} clients of wrong logins"
        if not self.wanted(name) and not self.wanted("wrong logins"):
            return None
        facts = self.facts
        page = self.check(f"/de/c/{facts.open_slug}")
        token = CSRF_FIELD.search(page.text)
        assert token, "no CSRF field on the consultation page"
        body_file = self.scratch / "comment-beside.txt"
        body_file.write_text(
            urlencode(
                {
                    "csrf_token": token.group(1),
                    "pseudonym": "Lasttest",
                    "body": "Ein Kommentar, während andere falsche Passwörter schicken.",
                }
            )
        )
        refs = str(self.scratch / "references-beside")
        options = {"script": load.POST_FORM_LUA, "script_args": [str(body_file), refs]}
        path = f"/de/c/{facts.open_slug}/contribute"
        alone = self.measure(
            "comment alone, before the wrong logins", path, connections=1, **options
        )
        stop = threading.Event()
        attempts = [0] * self.args.wrong_logins

        def guess(n: int) -> None:
            with httpx.Client(base_url=self.server.base, timeout=60) as client:
                form = CSRF_FIELD.search(client.get("/de/staff/login").text)
                assert form, "no CSRF field on the login page"
                while not stop.is_set():
                    attempt = attempts[n]
                    client.post(
                        "/de/staff/login",
                        data={
                            "email": f"guess{n}-{attempt}@example.org",
                            "password": "wrong password 1234",
                            "csrf_token": form.group(1),
                        },
                        headers={"X-Forwarded-For": f"198.18.{n}.{attempt % 250 + 1}"},
                    )
                    attempts[n] += 1

        guessers = [
            threading.Thread(target=guess, args=(n,), daemon=True)
            for n in range(self.args.wrong_logins)
        ]
        for thread in guessers:
            thread.start()
        started = time.monotonic()
        try:
            beside = self.measure(name, path, connections=1, **options)
        finally:
            stop.set()
            for thread in guessers:
                thread.join(timeout=120)
        seconds = time.monotonic() - started
        figures = {
            "wrong_login_clients": self.args.wrong_logins,
            "wrong_logins_per_s": round(sum(attempts) / seconds, 1),
            "comment_alone_p50_ms": alone.p50_ms if alone else None,
            "comment_alone_p99_ms": alone.p99_ms if alone else None,
            "comment_beside_p50_ms": beside.p50_ms if beside else None,
            "comment_beside_p99_ms": beside.p99_ms if beside else None,
        }
        if beside:
            beside.extra["wrong_logins"] = figures
        print(f"    beside wrong logins: {figures}", flush=True)
        return figures

    def sms_webhook(self) -> dict | None:
        name = "SMS webhook (signed POST /twilio/sms)"
        if not self.wanted(name):
            return None
        # To: where councils have numbers, the number texted names the council.
        probe = httpx.post(self.server.base + "/twilio/sms", data={"To": self.sms_to}, timeout=30)
        if probe.status_code == 404:
            note = "skipped: POST /twilio/sms does not exist yet (404)"
            print(f"  {name:<44} {note}")
            self.results.append(load.LoadResult(name=name, path="/twilio/sms", note=note))
            return None
        from twilio.request_validator import RequestValidator

        validator = RequestValidator(BENCH_TWILIO_TOKEN)
        url = self.server.base + "/twilio/sms"
        count = int((self.args.duration + self.args.warmup) * self.args.sms_rate)
        run_id = f"{int(time.time()) % 100000:05d}"
        senders = self.sms_block * 1_000_000
        self.sms_block = (self.sms_block + 1) % 50
        lines = []
        for i in range(count):
            sid = f"SM{run_id}{i:027d}"
            params = {
                "MessageSid": sid,
                "SmsSid": sid,
                "SmsMessageSid": sid,
                "AccountSid": BENCH_TWILIO_SID,
                # A number of its own each: the per-number hourly limit must not kick in.
                "From": f"+49151{senders + i:08d}",
                "To": self.sms_to,
                "Body": f"{self.facts.open_code} Mehr Bänke am Marktplatz, bitte! ({i})",
                "NumMedia": "0",
                "NumSegments": "1",
                "SmsStatus": "received",
                "ApiVersion": "2010-04-01",
                "FromCountry": "DE",
                "ToCountry": "DE",
            }
            lines.append(f"{validator.compute_signature(url, params)}\t{urlencode(params)}")
        signed_file = self.scratch / "sms.txt"
        signed_file.write_text("\n".join(lines) + "\n")
        prefix = f"SM{run_id}%"
        before = self._sms_rows(prefix)
        result = self.measure(
            name,
            "/twilio/sms",
            script=load.SIGNED_LUA,
            script_args=[str(signed_file), "/twilio/sms"],
        )
        time.sleep(1)
        logged, contributions = self._sms_rows(prefix)
        sent = result.requests + result.extra["warmup"]["requests"]
        acknowledged = result.counted_ok + result.extra["warmup"]["counted_ok"]
        check = {
            "prepared_messages": count,
            "wrapped_around": sent + 2 * self.args.connections > count,
            "acknowledged": acknowledged,
            "inbound_logged": logged - before[0],
            "contributions_added": contributions - before[1],
            # Every acknowledged message is in the inbound log (one row per MessageSid).
            "nothing_lost": logged - before[0] >= min(acknowledged, count),
        }
        result.extra["write_check"] = check
        print(f"    write check: {check}", flush=True)
        return check

    def exports(self) -> list[dict]:
        """Each download twice over: the first request builds it (its time is the build;
        memory watched), then SERVED_EXPORTS requests are sent from what was built; their
        time to the first byte is the target (< 100 ms on 100,000 contributions)."""
        found = []
        for kind in ("csv", "json", "xlsx"):
            path = f"/de/c/{self.facts.big_slug}/results.{kind}"
            if self.args.only and not self.wanted(f"export {kind}"):
                continue
            built = measure_export(self.server, path)
            if built["status"] == 404:
                found.append({"path": path, "status": 404, "note": "no such export"})
                continue
            print(
                f"  export {kind}, first request (builds) {built['seconds']:>8.2f} s      "
                f"{built['bytes'] / 1e6:.1f} MB, memory +{built['memory_growth_mib']} MiB",
                flush=True,
            )
            served = [first_byte(self.server, path) for _ in range(SERVED_EXPORTS)]
            first_bytes = sorted(s["first_byte_ms"] for s in served)
            built["build_seconds"] = built["seconds"]
            built["served"] = {
                "requests": len(served),
                "statuses": sorted({s["status"] for s in served}),
                "first_byte_ms": first_bytes,
                "first_byte_ms_median": first_bytes[len(first_bytes) // 2],
                "first_byte_ms_p90": first_bytes[int(len(first_bytes) * 0.9) - 1],
                "first_byte_ms_max": first_bytes[-1],
                "seconds_median": sorted(s["seconds"] for s in served)[len(served) // 2],
                "bytes": served[-1]["bytes"],
            }
            print(
                f"  export {kind}, from the build: first byte median "
                f"{built['served']['first_byte_ms_median']} ms, p90 "
                f"{built['served']['first_byte_ms_p90']} ms, max "
                f"{built['served']['first_byte_ms_max']} ms, whole download "
                f"{built['served']['seconds_median']} s ({built['served']['bytes'] / 1e6:.1f} MB "
                "as sent)",
                flush=True,
            )
            found.append(built)
        return found

    def _count(self, condition) -> int:
        with self.engine.connect() as db:
            return db.execute(
                select(func.count()).select_from(Contribution).where(condition)
            ).scalar_one()

    def _sms_rows(self, like: str) -> tuple[int, int]:
        """Inbound-log rows and contributions whose MessageSid matches."""
        from participation.channels.sms.models import InboundSms

        with self.engine.connect() as db:
            logged = db.execute(
                select(func.count())
                .select_from(InboundSms)
                .where(InboundSms.message_sid.like(like))  # type: ignore[attr-defined]
            ).scalar_one()
            stored = db.execute(
                select(func.count())
                .select_from(Contribution)
                .where(Contribution.external_id.like(like))  # type: ignore[union-attr]
            ).scalar_one()
        return logged, stored

    def _existing(self, references: set[str]) -> int:
        found = 0
        pending = sorted(references)
        with self.engine.connect() as db:
            for start in range(0, len(pending), 500):
                chunk = pending[start : start + 500]
                found += db.execute(
                    select(func.count())
                    .select_from(Contribution)
                    .where(Contribution.reference.in_(chunk))  # type: ignore[attr-defined]
                ).scalar_one()
        return found

    def cleanup(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def run_cycle(url: str, engine: Engine, facts: Seeded, workers: int, args) -> dict:
    print(f"\n== {workers} worker(s), {args.connections} connections, {args.duration:g} s per run")
    # As behind the README's nginx: the wrong-login run gives each guess its own address.
    proxy = {"TRUSTED_PROXIES": "127.0.0.1"}
    with Server(database_url=url, workers=workers, extra_env=proxy) as server:
        suite = Suite(server, engine, facts, args)
        try:
            idle = server.memory()
            cookie, login = log_in_apart(server, facts)
            transfer = transfer_size(server.base, f"/de/c/{facts.open_slug}")
            suite.reads(cookie)
            writes = {
                "comment": suite.comment_submissions(),
                "sms": suite.sms_webhook(),
                "comment_beside_wrong_logins": suite.comments_beside_wrong_logins(),
            }
            exports = suite.exports()
            questionnaire = (
                measure_questionnaire(suite, cookie) if suite.wanted(QUESTIONNAIRE) else None
            )
            memory = server.memory()
        finally:
            suite.cleanup()
    hello = next((r for r in suite.results if r.name.startswith("hello")), None)
    for result in suite.results:
        yardstick = result.extra.get("hello_beside_mean") or (hello.rps if hello else 0)
        if yardstick and result.rps:
            result.ratio_rps = round(result.rps / yardstick, 4)
        if hello and hello.p50_ms and result.p50_ms:
            result.ratio_p50 = round(result.p50_ms / hello.p50_ms, 1)
    return {
        "workers": workers,
        "runs": [r.as_dict() for r in suite.results],
        "writes": writes,
        "exports": exports,
        "questionnaire": questionnaire,
        "transfer": transfer,
        "memory": {
            "idle_rss_mib": round(idle["rss_kib"] / 1024, 1),
            "login_peak_mib": round(login["hwm_kib"] / 1024, 1),
            "end_rss_mib": round(memory["rss_kib"] / 1024, 1),
            "peak_rss_mib": round(memory["peak_kib"] / 1024, 1),
        },
    }


# --- report ---------------------------------------------------------------------------------


def evaluate(cycles: list[dict], backend: str) -> list[dict]:
    """Each target of issue 8 with the measured value and whether it was met."""
    targets = []

    def add(name: str, value: object, met: bool | None, note: str = "") -> None:
        targets.append({"target": name, "value": value, "met": met, "note": note})

    for cycle in cycles:
        w = cycle["workers"]
        runs = {r["name"]: r for r in cycle["runs"]}

        def run(prefix: str, runs: dict = runs) -> dict | None:
            return next((r for n, r in runs.items() if n.startswith(prefix) and r["rps"]), None)

        need = 600 if w == 1 else 1000
        for prefix, how in (
            ("consultation page (open", "page cache on, as served"),
            ("consultation page, built every time", "built on every request"),
        ):
            page = run(prefix)
            if page:
                add(
                    f"consultation page >= {need} req/s"
                    + (", p99 < 100 ms" if w == 1 else "")
                    + f" ({w} worker(s), {backend}, {how})",
                    f"{page['rps']:.0f} req/s, p99 {page['p99_ms']:.0f} ms",
                    page["rps"] >= need and (w > 1 or page["p99_ms"] < 100),
                )
        comment = run("comment submission")
        if comment:
            lost = comment["extra"].get("write_check", {}).get("nothing_lost")
            add(
                f"comment submission >= 300 req/s, nothing lost ({w} w)",
                f"{comment['rps']:.0f} req/s, nothing lost: {lost}",
                comment["rps"] >= 300 and bool(lost),
            )
        sms = run("SMS webhook")
        if sms:
            add(f"SMS webhook >= 500 req/s ({w} w)", f"{sms['rps']:.0f} req/s", sms["rps"] >= 500)
        elif any(r["name"].startswith("SMS") for r in cycle["runs"]):
            add(f"SMS webhook >= 500 req/s ({w} w)", "not measured", None, "webhook missing")
        for prefix in ("moderation queue", "results page"):
            for r in runs.values():
                if r["name"].startswith(prefix) and r["rps"]:
                    add(
                        f"{r['name']} at {r['connections']} connection(s): p50 < 50 ms ({w} w)",
                        f"p50 {r['p50_ms']:.1f} ms ({r['rps']:.0f} req/s)",
                        r["p50_ms"] < 50,
                    )
        for r in runs.values():
            if r["name"].startswith(QUESTIONNAIRE) and r["rps"]:
                served = "as served" in r["name"]
                add(
                    f"{r['name']}: p50 < 50 ms ({w} w)",
                    f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms ({r['rps']:.0f} req/s)",
                    r["p50_ms"] < 50 if served else None,
                    "" if served else "(figure only)",
                )
        for export in cycle["exports"]:
            if export.get("status") == 200:
                kind = export["path"].rsplit(".", 1)[1]
                add(
                    f"export {kind} built, growth < 100 MB ({w} w)",
                    f"+{export['memory_growth_mib']} MiB in {export['seconds']} s",
                    export["memory_growth_mib"] < 100,
                )
                served = export.get("served")
                if served:
                    add(
                        f"export {kind} from the build: first byte < 100 ms, p90 ({w} w)",
                        f"p90 {served['first_byte_ms_p90']} ms of {served['requests']} "
                        f"(median {served['first_byte_ms_median']}, max "
                        f"{served['first_byte_ms_max']} ms; first build "
                        f"{export['build_seconds']} s)",
                        served["first_byte_ms_p90"] < 100 and served["statuses"] == [200],
                    )
        if w == cycles[0]["workers"]:
            total = cycle["transfer"]["total_bytes"]
            add(
                "consultation page + CSS + JS <= 50 KB transferred",
                f"{total / 1000:.1f} KB",
                total <= 50_000,
            )
        peak = cycle["memory"]["peak_rss_mib"]
        add(
            f"web process RSS < 150 MB ({w} w)",
            f"peak under load {peak * 1.048576:.1f} MB ({peak} MiB)",
            peak * 1.048576 < 150,
            f"(a staff login's argon2id hash peaks at {cycle['memory']['login_peak_mib']} MiB)",
        )
    return targets


def print_report(report: dict) -> None:
    print(f"\nBenchmark {report['started']} · {report['backend']} · commit {report['commit']}")
    print(
        f"machine: {report['machine']['cpus']} CPUs, load average before "
        f"{report['machine']['load_before']}, after {report['machine']['load_after']}"
    )
    print(f"seed: {report['seed']}")
    for cycle in report["cycles"]:
        print(
            f"\n{cycle['workers']} worker(s) · wrk -t1 -c{report['wrk']['connections']} "
            f"-d{report['wrk']['duration']}s"
        )
        header = (
            f"| {'what':<42} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'× hello':>8} "
            f"| {'hello beside':>12} | {'bad':>4} | {'server CPU':>10} | {'wrk CPU':>7} |"
        )
        print(header)
        print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
        for run in cycle["runs"]:
            if run["note"]:
                print(f"| {run['name']:<42} | {run['note']}")
                continue
            ratio = f"{run['ratio_rps']:.3f}" if run["ratio_rps"] else "–"
            yardstick = run["extra"].get("hello_beside_mean") or "–"
            print(
                f"| {run['name']:<42} | {run['rps']:>7.0f} | {run['p50_ms']:>7.1f} "
                f"| {run['p99_ms']:>7.1f} | {ratio:>8} | {yardstick:>12} "
                f"| {run['bad_status'] + run['errors']:>4} "
                f"| {run['server_cpu_percent']:>9.0f}% | {run['wrk_cpu_percent']:>6.0f}% |"
            )
        for export in cycle["exports"]:
            if export.get("status") == 200:
                kind = export["path"].rsplit(".", 1)[1]
                print(
                    f"| {'export ' + kind + ', first build':<42} | {export['seconds']:>6.2f}s "
                    f"| {export['bytes'] / 1e6:.1f} MB | memory +{export['memory_growth_mib']} MiB "
                    f"| first byte {export['first_byte_ms']} ms"
                )
                served = export.get("served")
                if served:
                    print(
                        f"| {'export ' + kind + ', from the build':<42} "
                        f"| {served['seconds_median']:>6.2f}s "
                        f"| {served['bytes'] / 1e6:.1f} MB as sent "
                        f"| first byte median {served['first_byte_ms_median']} ms, "
                        f"p90 {served['first_byte_ms_p90']} ms, "
                        f"max {served['first_byte_ms_max']} ms"
                    )
        t = cycle["transfer"]
        parts = ", ".join(
            f"{i['path'].rsplit('/', 1)[1] or i['path']} {i['bytes']:,} B" for i in t["items"]
        )
        print(f"transferred: {t['total_bytes']:,} B ({parts})")
        m = cycle["memory"]
        print(
            f"server RSS per worker: idle {m['idle_rss_mib']} MiB, peak under load "
            f"{m['peak_rss_mib']} MiB, after {m['end_rss_mib']} MiB; peak at the staff login "
            f"(argon2id) {m['login_peak_mib']} MiB"
        )
        for name, check in cycle["writes"].items():
            if check:
                print(f"write check {name}: {check}")
    print("\nTargets")
    for target in report["targets"]:
        mark = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        print(f"  [{mark:>6}] {target['target']}: {target['value']} {target['note']}")


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn workers")
    parser.add_argument("--duration", type=float, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--no-gzip", dest="gzip", action="store_false", help="GET without Accept-Encoding"
    )
    parser.add_argument("--big", type=int, default=100_000, help="contributions in the big one")
    parser.add_argument(
        "--hello-seconds",
        type=float,
        default=2,
        help="hello measured before and after each run, for its ratio (0: the first hello)",
    )
    parser.add_argument("--sms-rate", type=float, default=3000, help="signed SMS prepared per s")
    parser.add_argument(
        "--wrong-logins", type=int, default=16, help="clients posting wrong logins beside"
    )
    parser.add_argument("--only", nargs="*", help="run only the runs whose names contain these")
    parser.add_argument(
        "--responses", type=int, default=100_000, help="questionnaire responses in the big one"
    )
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up: for debugging")
    parser.add_argument("--reset", action="store_true", help="drop the tables at DATABASE_URL")
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite file")
    parser.add_argument(
        "--councils", type=int, default=1000, help="councils of the many-council run (PostgreSQL)"
    )
    parser.add_argument(
        "--council-rounds",
        type=int,
        default=3,
        help="rounds of the many-council run, both installations measured in turns",
    )
    parser.add_argument(
        "--council-contributions",
        type=int,
        default=10_000_000,
        help="contributions in all in the many-council run",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 3, 1
        args.hello_seconds = min(args.hello_seconds, 1)
    load.wrk_path()

    # Imported here: that module builds on this one's Suite.
    from tests.benchmarks.many_councils import (
        evaluate_many_councils,
        print_many_councils,
        run_many_councils,
    )

    url = database_url_from_env()
    # --only "many councils" (or "councils") runs that part alone: nothing else is seeded.
    only_many = bool(args.only) and all(word in MANY_COUNCILS for word in args.only)
    many = None
    if not args.only or any(word in MANY_COUNCILS for word in args.only):
        many = run_many_councils(url, args)
    if only_many:
        return finish_many_councils(many, args)
    scratch = None
    if url is None:
        scratch = Path(tempfile.mkdtemp(prefix="participation-bench-"))
        url = f"sqlite:///{scratch / 'bench.db'}"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    load_before = os.getloadavg()
    print(f"Seeding {backend} ({url.split('@')[-1]}) ...", flush=True)
    engine = prepare_database(url, args.reset)
    facts = seed(engine, big=args.big)
    print(
        f"  {facts.consultations} consultations, {facts.contributions:,} contributions "
        f"in {facts.seconds:.1f} s",
        flush=True,
    )
    questionnaire_seed = None
    if not args.only or any(word in QUESTIONNAIRE for word in args.only):
        questionnaire_seed = seed_questionnaire(engine, facts.big_id, args.responses)
        print(
            f"  questionnaire: {questionnaire_seed['responses']:,} responses, "
            f"{questionnaire_seed['answers']:,} answers in {questionnaire_seed['seconds']} s",
            flush=True,
        )
    started = datetime.now(UTC)
    cycles = []
    try:
        for workers in args.workers:
            cycles.append(run_cycle(url, engine, facts, workers, args))
    finally:
        engine.dispose()
        if scratch and not args.keep_db:
            shutil.rmtree(scratch, ignore_errors=True)
        elif scratch:
            print(f"database kept: {url}")
    report = {
        "started": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "backend": backend,
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        "wrk": {"threads": 1, "connections": args.connections, "duration": args.duration},
        "seed": {
            "consultations": facts.consultations,
            "contributions": facts.contributions,
            "big": facts.counts,
            "seconds": round(facts.seconds, 1),
            "questionnaire": questionnaire_seed,
        },
        "cycles": cycles,
    }
    report["targets"] = evaluate(cycles, backend)
    if many:
        report["many_councils"] = many
        report["targets"] += evaluate_many_councils(many)
    print_report(report)
    if many:
        print_many_councils(many)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{backend}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


def finish_many_councils(many: dict | None, args: argparse.Namespace) -> int:
    """The many-council part alone: its table, and its figures in bench-results/."""
    from tests.benchmarks.many_councils import evaluate_many_councils, print_many_councils

    if many is None:
        return 0
    started = datetime.now(UTC)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "backend": "postgresql",
        "machine": {
            "cpus": os.cpu_count(),
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        "wrk": {"threads": 1, "connections": args.connections, "duration": args.duration},
        "many_councils": many,
        "targets": evaluate_many_councils(many),
    }
    print_many_councils(many)
    print("\nTargets")
    for target in report["targets"]:
        mark = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        print(f"  [{mark:>6}] {target['target']}: {target['value']} {target['note']}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}-many-councils.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
