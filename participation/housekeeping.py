"""The housekeeping schedule, and the worker process that runs it beside the outbox.

Assembly floor, beside the CLI: the jobs come from several areas (retention, moderation,
results), so only a module above them all may list them. `participation worker` runs
``run_worker`` from here: the outbox sender, with this schedule once every
HOUSEKEEPING_EVERY.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from participation import tables  # noqa: F401 - retention and erasure see every table
from participation.carrier_deletions import delete_due
from participation.contributions.vote_codes import forget_old_codes
from participation.db import session_scope
from participation.moderation.digest import send_staff_digest
from participation.moderation.flags import forget_reporters
from participation.outbox import worker
from participation.results.export_files import prune_exports
from participation.results.notify import notify_waiting_subscribers
from participation.retention import apply_retention
from participation.settings import Settings
from participation.web.submissions import forget_old_claims

log = logging.getLogger(__name__)


def _retention(engine: Engine, settings: Settings) -> dict[str, int]:
    with session_scope(engine, write=True) as session:
        return apply_retention(session, settings)


def _forget_reporters(engine: Engine, settings: Settings) -> dict[str, int]:
    with session_scope(engine, write=True) as session:
        forget_reporters(session)
    return {}


def _result_notifications(engine: Engine, settings: Settings) -> dict[str, int]:
    with session_scope(engine, write=True) as session:
        notified = notify_waiting_subscribers(session, settings)
    return {"result_notifications": notified} if notified else {}


def _staff_digest(engine: Engine, settings: Settings) -> dict[str, int]:
    try:
        return {"digest_emails": send_staff_digest(settings, engine)}
    except OSError:
        # SMTP down: the digest tries again on the next pass; sending SMS must go on.
        log.warning("staff digest not sent: SMTP unreachable", exc_info=True)
        return {}


def _forget_codes_and_claims(engine: Engine, settings: Settings) -> dict[str, int]:
    # Both are otherwise deleted only when somebody asks for a code or sends a form.
    with session_scope(engine, write=True) as session:
        codes = forget_old_codes(session)
        claims = forget_old_claims(session)
    return {key: n for key, n in (("vote_codes", codes), ("form_claims", claims)) if n}


def _prune_exports(engine: Engine, settings: Settings) -> dict[str, int]:
    return prune_exports(engine, settings)


#: Run in this order once every HOUSEKEEPING_EVERY, each in its own transaction. The
#: retention comes before the result notifications: a request whose consultation's
#: period ran out is gone, not sent.
HOUSEKEEPING_JOBS: tuple[tuple[str, Callable[[Engine, Settings], dict[str, int]]], ...] = (
    ("retention", _retention),
    ("forget_reporters", _forget_reporters),
    ("result_notifications", _result_notifications),
    ("staff_digest", _staff_digest),
    ("prune_exports", _prune_exports),
    ("forget_codes_and_claims", _forget_codes_and_claims),
)


def housekeeping(engine: Engine, settings: Settings) -> dict[str, int]:
    """Once every HOUSEKEEPING_EVERY: the deletion concept (participation.retention),
    reporters' address hashes older than a day, result SMS for requests stored after the
    publication, and the staff's daily digest e-mail.

    A job that fails (a bad row, a full disk, a bug) is logged with its name and rolled
    back alone; the others still run, and so does the sending: one broken consultation
    once stopped the outbox for everybody, on every start."""
    done: dict[str, int] = {}
    for name, job in HOUSEKEEPING_JOBS:
        try:
            done.update(job(engine, settings))
        except Exception:
            log.exception("housekeeping job %s failed; the others go on", name)
    return done


def run_worker(settings: Settings, once: bool = False, **options: Any) -> int:
    """The worker process: the outbox sender with the housekeeping schedule and the
    deletions at Twilio."""
    return worker.run_worker(
        settings, once, housekeeping=housekeeping, deletions=delete_due, **options
    )
