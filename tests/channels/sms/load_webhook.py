"""A short load run of the signed SMS webhook (not part of the test suite).

    .venv/bin/python -m tests.channels.sms.load_webhook --requests 2000 --concurrency 16
    .venv/bin/python -m tests.channels.sms.load_webhook --database postgresql://127.0.0.1/bench

Starts `participation serve` on a free port against a fresh database built from the
models with the demo data, then sends Twilio-shaped, correctly signed SMS (a new
MessageSid each, from many numbers so the per-number rate limit does not kick in) and
prints requests per second and latency percentiles. Run it only on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

TOKEN = "load-test-token"
BODIES = ("4711 Mehr Bänke bitte", "4711 JA", "HILFE", "4712 Haltestelle am Friedhof", "STATUS")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare(database_url: str) -> None:
    from participation import tables
    from participation.db import make_engine, session_scope
    from participation.demo import seed_demo

    engine = make_engine(database_url)
    tables.metadata.drop_all(engine)
    tables.metadata.create_all(engine)
    with session_scope(engine, write=True) as session:
        seed_demo(session)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--database", default="")
    args = parser.parse_args()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite:///{Path(tmp) / 'load.db'}"
        if database.startswith("postgresql://"):
            database = "postgresql+psycopg://" + database.removeprefix("postgresql://")
        _prepare(database)
        env = dict(
            os.environ,
            DATABASE_URL=database,
            SECRET_KEY="load-test-secret",
            PUBLIC_BASE_URL=base,
            TWILIO_ACCOUNT_SID="AC" + "0" * 32,
            TWILIO_AUTH_TOKEN=TOKEN,
            PARTICIPATION_QUIET="1",
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "participation.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    if httpx.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            latencies: list[float] = []
            failures: list[int] = []
            lock = threading.Lock()
            per_thread = args.requests // args.concurrency
            validator = RequestValidator(TOKEN)

            def fire(worker: int) -> None:
                with httpx.Client(base_url=base) as client:
                    for index in range(per_thread):
                        params = {
                            "MessageSid": "SM" + secrets.token_hex(16),
                            "AccountSid": "AC" + "0" * 32,
                            "From": f"+4915{worker:03d}{index:06d}",
                            "To": "+4915100000000",
                            "Body": BODIES[index % len(BODIES)],
                            "NumMedia": "0",
                        }
                        signature = validator.compute_signature(base + "/twilio/sms", params)
                        started = time.perf_counter()
                        response = client.post(
                            "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
                        )
                        took = time.perf_counter() - started
                        with lock:
                            latencies.append(took)
                            if response.status_code != 200:
                                failures.append(response.status_code)

            threads = [threading.Thread(target=fire, args=(n,)) for n in range(args.concurrency)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    done = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"{done} signed SMS webhooks in {elapsed:.1f} s: {done / elapsed:.0f} requests/s "
        f"({args.concurrency} concurrent, {args.workers} worker(s), {database.split(':')[0]}); "
        f"p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
        f"failures {len(failures)}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
