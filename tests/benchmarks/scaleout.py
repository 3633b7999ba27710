"""Scale-out check: 2 web processes and 2 `participation worker` processes on PostgreSQL.

    DATABASE_URL=postgresql://127.0.0.1:5432/participation_bench \\
        .venv/bin/python -m tests.benchmarks.scaleout

While wrk sends signed SMS ("ERGEBNIS 4701": text me the result; "4702 ...": a comment)
and comment forms at both web processes, the consultation's result is published (one
outbox SMS per request) and a further burst of messages is queued; both workers send
them to the fake Twilio API of tests/fakes. Afterwards: every acknowledged SMS is in the
inbound log, every acknowledged comment is stored, every outbox message was sent, and
no message reached the API twice.

With several councils (`--councils 3`, the default), each has its own number and Twilio
account and the same consultation codes: the SMS go to all their numbers, each signed
with that council's token, each council's result is published mid-load, and the burst
is queued for all of them. Also checked: every SMS landed in the council whose number it
was sent to, and every message left with its own council's number and account.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from participation.channels.sms.models import InboundSms
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.db import session_scope
from participation.housekeeping import housekeeping
from participation.outbox.models import OutboundMessage
from participation.outbox.service import enqueue_sms
from participation.results.models import SmsNotifyRequest
from participation.results.service import publish_results
from participation.settings import load_settings
from tests.benchmarks import load
from tests.benchmarks.councils_setup import BenchCouncil, add_councils
from tests.benchmarks.run import (
    CSRF_FIELD,
    REFERENCE,
    RESULTS_DIR,
    database_url_from_env,
    git_commit,
    prepare_database,
)
from tests.benchmarks.seed import seed
from tests.benchmarks.server import ROOT, Server, running_workers
from tests.fakes.twilio_api import running_fake_twilio


def signed_sms(
    base: str, bodies: list[tuple[str, str]], path: Path, councils: list[BenchCouncil]
) -> None:
    """One signed webhook request per (MessageSid, body), each from its own number, to the
    councils' numbers in turn, each signed with that council's own token."""
    url = base + "/twilio/sms"
    lines = []
    for i, (sid, body) in enumerate(bodies):
        council = councils[i % len(councils)]
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": council.account_sid,
            "From": f"+49152{i:08d}",
            "To": council.number,
            "Body": body,
            "NumMedia": "0",
        }
        signature = RequestValidator(council.token).compute_signature(url, params)
        lines.append(f"{signature}\t{urlencode(params)}")
    path.write_text("\n".join(lines) + "\n")


def wait_for_outbox(engine, deadline: float) -> None:
    while time.monotonic() < deadline:
        waiting = count(
            engine,
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.status.in_(["queued", "sending"])),  # type: ignore[attr-defined]
        )
        if waiting == 0:
            return
        time.sleep(0.5)


def sid_prefix(started: str) -> str:
    """SM and 11 of a Twilio id's 32 hex digits, the run's own: "5ca1e" and the start
    time's digits. (Ids not shaped like Twilio's are dropped by the webhook, which made
    every SMS of this check a 400 for a while, and the check then counted none.)"""
    return f"SM5ca1e{started[-7:-1]}"


def council_mix_ups(
    engine, accepted: list, councils: list[BenchCouncil], started: str
) -> tuple[int, int]:
    """(messages sent with another council's number or account, SMS stored in a council
    other than the one whose number they were sent to)."""
    by_id = {c.id: c for c in councils}
    with engine.connect() as db:
        owner = dict(db.execute(select(OutboundMessage.id, OutboundMessage.council_id)).all())
        inbound = db.execute(
            select(InboundSms.council_id, InboundSms.message_sid).where(
                InboundSms.message_sid.like(f"{sid_prefix(started)}%")  # type: ignore[attr-defined]
            )
        ).all()
    wrong_sender = 0
    for request in accepted:
        message_id = int(request.form.get("StatusCallback", "0").rsplit("/", 1)[-1])
        council = by_id.get(owner.get(message_id, -1))
        sent_as = (request.form.get("From"), (request.auth or ("", ""))[0])
        if council is None or sent_as != (council.number, council.account_sid):
            wrong_sender += 1
    # The load file sends message i to councils[i % n] (signed_sms).
    wrong_council = sum(
        1
        for council_id, sid in inbound
        if councils[int(sid[-21:]) % len(councils)].id != council_id
    )
    return wrong_sender, wrong_council


def count(engine, query) -> int:
    with engine.connect() as db:
        return db.execute(query).scalar_one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.scaleout")
    parser.add_argument("--web", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--workers", type=int, default=2, help="`participation worker`s")
    parser.add_argument("--duration", type=float, default=20, help="seconds of load")
    parser.add_argument("--connections", type=int, default=16, help="per wrk (two run)")
    parser.add_argument("--extra", type=int, default=1000, help="SMS queued in one burst")
    parser.add_argument("--reset", action="store_true", help="drop the tables first")
    parser.add_argument("--councils", type=int, default=3, help="councils sharing the load")
    args = parser.parse_args(argv)

    url = database_url_from_env()
    if url is None or not url.startswith("postgresql"):
        raise SystemExit(
            "The scale-out check needs DATABASE_URL=postgresql://... (a fresh database)."
        )
    engine = prepare_database(url, args.reset)
    facts = seed(engine, big=5_000, open_size=500)
    with session_scope(engine) as session:
        notify_code, comment_code = facts.open_code, str(int(facts.open_code) + 1)
        notify_id = facts.open_id
        comment_slug = session.execute(
            select(Consultation.slug).where(Consultation.code == comment_code)
        ).scalar_one()
    scratch = Path(tempfile.mkdtemp(prefix="scaleout-"))
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    print(
        f"Scale-out on {url.split('@')[-1]}: {args.web} web processes, {args.workers} workers, "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    with running_fake_twilio() as api:
        api.delay = 0.002  # an API call takes a moment, so the workers' batches overlap
        server = Server(
            database_url=url, workers=args.web, extra_env={"TWILIO_API_BASE": api.base_url}
        )
        councils = add_councils(
            engine, args.councils, server.secret_key, notify_code, comment_code, notify_id
        )
        server.start()
        worker_logs = [open(scratch / f"worker-{n}.log", "w") for n in range(args.workers)]  # noqa: SIM115
        # Stopped first in the finally below: the memory is read and the server stopped after.
        workers = ExitStack()
        workers.enter_context(running_workers(server, args.workers, worker_logs))
        try:
            # Half of the signed SMS ask for the result, half are comments.
            n = int(args.duration * 400)
            bodies = [
                (
                    f"{sid_prefix(started)}{i:021d}",
                    f"ERGEBNIS {notify_code}" if i % 2 == 0 else f"{comment_code} Mehr Licht ({i})",
                )
                for i in range(n)
            ]
            signed_sms(server.base, bodies, scratch / "sms.txt", councils)
            page = server.base + f"/de/c/{comment_slug}"
            token = CSRF_FIELD.search(httpx.get(page, timeout=30).text)
            assert token, "no CSRF field"
            (scratch / "comment.txt").write_text(
                urlencode(
                    {
                        "csrf_token": token.group(1),
                        "body": "Zwei Prozesse, nichts verloren.",
                    }
                )
            )

            results: dict[str, load.LoadResult] = {}

            def drive(name: str, **options) -> None:
                results[name] = load.run_wrk(
                    options.pop("url"),
                    name=name,
                    connections=args.connections,
                    duration=args.duration,
                    **options,
                )

            runs = [
                threading.Thread(
                    target=drive,
                    args=("sms",),
                    kwargs={
                        "url": server.base + "/twilio/sms",
                        "script": load.SIGNED_LUA,
                        "script_args": [str(scratch / "sms.txt"), "/twilio/sms"],
                    },
                ),
                threading.Thread(
                    target=drive,
                    args=("comments",),
                    kwargs={
                        "url": page + "/contribute",
                        "script": load.POST_FORM_LUA,
                        "script_args": [str(scratch / "comment.txt"), str(scratch / "refs")],
                    },
                ),
            ]
            for run in runs:
                run.start()
            # Mid-load: the result is published (one SMS per request so far) and a burst
            # of other messages is queued, while the web processes stay under load.
            time.sleep(args.duration / 2)
            settings = load_settings(server.env())
            publishing = time.monotonic()
            notified = 0
            for council in councils:
                with session_scope(engine, write=True, council_id=council.id) as session:
                    consultation = session.get(Consultation, council.notify_id)
                    notified += publish_results(session, consultation, None, settings)
            publishing = time.monotonic() - publishing
            for i in range(args.extra):
                council = councils[i % len(councils)]
                with session_scope(engine, write=True, council_id=council.id) as session:
                    enqueue_sms(
                        session,
                        server.secret_key,
                        f"+49153{i:08d}",
                        f"Nachricht {i}",
                        idempotency_key=f"scaleout:{started}:{i}",
                    )
            for run in runs:
                run.join()
            time.sleep(1)

            # The workers drain the outbox. Then the housekeeping the workers run every
            # few minutes runs once more here: it answers the "text me the result"
            # requests stored while the publication's transaction ran, and the workers
            # send those too.
            waiting_since = time.monotonic()
            wait_for_outbox(engine, waiting_since + 300)
            late = housekeeping(engine, settings).get("result_notifications", 0)
            wait_for_outbox(engine, time.monotonic() + 300)
            queued = notified + args.extra + late
            drained = time.monotonic()
        finally:
            workers.close()
            for log in worker_logs:
                log.close()
            memory = server.memory()
            server.stop()

        accepted = api.accepted
        ids = Counter(r.form.get("StatusCallback", "").rsplit("/", 1)[-1] for r in accepted)
        pairs = Counter((r.form.get("To"), r.form.get("Body")) for r in accepted)
        sms, comments = results["sms"], results["comments"]
        references = set()
        for file in scratch.glob("refs.*"):
            references.update(REFERENCE.findall(file.read_text()))
        stored = count(
            engine,
            select(func.count())
            .select_from(Contribution)
            # The comments went to the first council's page; a reference is unique within a
            # council only, and another council's SMS may carry the same eight digits.
            .where(Contribution.council_id == 1)
            .where(Contribution.reference.in_(sorted(references))),  # type: ignore[attr-defined]
        )
        logged = count(
            engine,
            select(func.count())
            .select_from(InboundSms)
            .where(InboundSms.message_sid.like(f"{sid_prefix(started)}%")),  # type: ignore[attr-defined]
        )
        status_counts = {
            str(s): c
            for s, c in engine.connect().execute(
                select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
            )
        }
        left_requests = count(
            engine,
            select(func.count())
            .select_from(SmsNotifyRequest)
            .where(SmsNotifyRequest.consultation_id.in_([c.notify_id for c in councils])),  # type: ignore[attr-defined]
        )
        wrong_sender, wrong_council = council_mix_ups(engine, accepted, councils, started)
    report = {
        "started": started,
        "commit": git_commit(),
        "database": "postgresql",
        "web_processes": args.web,
        "workers": args.workers,
        "load": {
            "sms": {"rps": round(sms.rps), "p50_ms": sms.p50_ms, "p99_ms": sms.p99_ms},
            "comments": {
                "rps": round(comments.rps),
                "p50_ms": comments.p50_ms,
                "p99_ms": comments.p99_ms,
            },
        },
        "inbound": {"acknowledged": sms.counted_ok, "logged": logged},
        "comments": {
            "acknowledged": comments.counted_ok,
            "references": len(references),
            "stored": stored,
        },
        "outbox": {
            "queued": queued,
            "result_notifications": notified,
            "result_notifications_by_housekeeping": late,
            "statuses": status_counts,
            "accepted_by_api": len(accepted),
            "api_requests": len(api.requests),
            "messages_sent_twice": sum(1 for n in ids.values() if n > 1),
            "same_text_to_same_number_twice": sum(1 for n in pairs.values() if n > 1),
            "drain_seconds_after_load": round(drained - waiting_since, 1),
            "notify_requests_left": left_requests,
            # Requests stored while the publication's transaction ran are answered by the
            # next housekeeping: the publication queued those it read when it began.
            "publication_transaction_seconds": round(publishing, 2),
        },
        "web_peak_rss_mib": round(memory["peak_kib"] / 1024, 1),
    }
    checks = {
        # Most SMS are answered: a check that counted none would prove nothing.
        "every acknowledged SMS logged": logged >= sms.counted_ok > sms.requests // 2,
        "every acknowledged comment stored": stored == len(references) == comments.counted_ok,
        "every queued message sent once": len(accepted) == queued
        and report["outbox"]["messages_sent_twice"] == 0
        and report["outbox"]["same_text_to_same_number_twice"] == 0,
        "nothing left waiting": status_counts.get("queued", 0) == 0
        and status_counts.get("sending", 0) == 0,
        # A request stored by an SMS whose transaction overlapped the publication is
        # answered by the housekeeping, once.
        "no 'text me the result' request left behind": left_requests == 0,
        "every SMS stored in the council whose number it was sent to": wrong_council == 0,
        "every message sent with its own council's number and account": wrong_sender == 0,
    }
    report["councils"] = {
        "count": len(councils),
        "messages_with_another_councils_sender": wrong_sender,
        "sms_stored_in_another_council": wrong_council,
    }
    report["checks"] = checks
    print(json.dumps(report, indent=2, ensure_ascii=False))
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started}-scaleout.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written: {out.relative_to(ROOT)}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED':>6}] {name}")
    if all(checks.values()):
        shutil.rmtree(scratch, ignore_errors=True)
        return 0
    print(f"worker logs and request files kept in {scratch}")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
