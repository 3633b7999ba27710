"""The council-side pages send as many SQL statements for 100 contributions as for 10.

Counted with a before_cursor_execute listener on the engine, over real HTTP. Already the
small set holds every kind of row these pages look up (reports, front-desk entries with
their staff member, poll answers, themes, answers, unassigned texts), so a statement
needed only for some kind is counted on both sides. No timings here: see
tests/benchmarks/council_pages.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.db import session_scope
from participation.moderation import flags
from participation.moderation import service as moderation
from participation.moderation.models import RejectionReason
from participation.results import service as results
from tests.factories import login, make_consultation, make_staff
from tests.querycount import statements_for

CHANNELS = [Channel.web, Channel.sms, Channel.voice, Channel.paper, Channel.in_person]
LOCALES = ["de", "en", "tr", "ar", "de@easy"]


def add(engine: Engine, consultation: Consultation, n: int, staff_id: int, start: int) -> None:
    """n contributions of every kind, cycling through channels, languages and decisions."""
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        options = consultations.poll_options(session, consultation.id)  # type: ignore[arg-type]
        themes = results.themes_of(session, consultation.id)  # type: ignore[arg-type]
        for i in range(start, start + n):
            channel = CHANNELS[i % len(CHANNELS)]
            contribution = submit_contribution(
                session,
                Submission(
                    consultation=row,
                    body=f"Beitrag {i}: mehr Bänke und Bäume.",
                    channel=channel,
                    locale=LOCALES[i % len(LOCALES)],
                    pseudonym=f"Person {i}" if i % 2 else None,
                    poll_option_id=options[i % len(options)].id if i % 3 else None,
                    details=ChannelDetails(
                        author_key=f"key-{consultation.id}-{i}" if channel is Channel.sms else None,
                        entered_by_id=staff_id
                        if channel in (Channel.paper, Channel.in_person)
                        else None,
                        received_at=utcnow()
                        if channel in (Channel.paper, Channel.in_person)
                        else None,
                    ),
                ),
            ).contribution
            kind = i % 4
            if kind == 1:
                moderation.reject(session, contribution, staff_id, RejectionReason.off_topic)
            elif kind in (2, 3):
                moderation.approve(session, contribution, staff_id)
                results.answer_contribution(
                    session,
                    contribution,
                    answer="Danke." if kind == 2 else "",
                    theme_ids=[themes[i % len(themes)].id],  # type: ignore[list-item]
                    staff_id=staff_id,
                )
                if i % 8 in (2, 3, 6):
                    session.flush()
                    flags.report_contribution(
                        session,
                        secret_key="x",
                        contribution=contribution,
                        reason=flags.ReportReason.insult,
                        note="",
                        client_address=f"198.51.100.{i % 250}",
                    )
            if i % 10 == 0:
                submit_contribution(
                    session,
                    Submission(
                        consultation=None,
                        body="4799?",
                        channel=Channel.sms,
                        locale="de",
                    ),
                )


def set_results(engine: Engine, consultation: Consultation, published: bool) -> None:
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        row.results_published_at = utcnow() if published else None
        row.closes_at = utcnow() - timedelta(minutes=1) if published else None
        session.add(row)


@pytest.fixture
def world(engine: Engine):
    staff = make_staff(engine, Role.moderator)
    open_one = make_consultation(engine, poll=["yes", "no", "undecided"])
    result_one = make_consultation(engine, poll=["yes", "no"])
    for consultation in (open_one, result_one):
        with session_scope(engine, write=True) as session:
            for name in ("Grün", "Verkehr", "Markt"):
                results.add_theme(session, consultation.id, name, None)
    add(engine, open_one, 10, staff.id, 0)
    add(engine, result_one, 10, staff.id, 0)
    set_results(engine, result_one, True)

    def grow(more: int = 90) -> None:
        add(engine, open_one, more, staff.id, 10)
        set_results(engine, result_one, False)
        add(engine, result_one, more, staff.id, 10)
        set_results(engine, result_one, True)
        for phase in ("open", "closed", "results"):
            make_consultation(engine, phase=phase)

    return open_one, result_one, grow


def _compare(client, engine, pages: dict[str, str], grow) -> None:
    small = {name: statements_for(client, engine, path) for name, path in pages.items()}
    grow()
    large = {name: statements_for(client, engine, path) for name, path in pages.items()}
    for name in pages:
        assert len(large[name]) == len(small[name]), (
            f"{name}: {len(small[name])} statements with 10 contributions, "
            f"{len(large[name])} with 100:\n" + "\n".join(large[name])
        )
        # Guards the guard: these pages do read contributions.
        assert any("contribution" in s.lower() for s in large[name]), name


def test_staff_pages_do_not_grow_with_the_data(client, engine, world):
    open_one, result_one, grow = world
    login(client, engine, Role.admin)
    pages = {
        "queue, waiting": "/de/staff/moderation",
        "queue, reported": "/de/staff/moderation?status=flagged",
        "queue, unassigned": "/de/staff/moderation?consultation=unassigned",
        "queue, published, one consultation": (
            f"/de/staff/moderation?status=published&consultation={open_one.id}"
        ),
        "queue, rejected, by text message": "/de/staff/moderation?status=rejected&channel=sms",
        "overview": "/de/staff/",
        "result and themes": f"/de/staff/consultations/{result_one.id}/results",
        "answers": f"/de/staff/consultations/{open_one.id}/answers",
    }
    _compare(client, engine, pages, grow)


def test_public_result_pages_do_not_grow_with_the_data(client, engine, world):
    open_one, result_one, grow = world
    pages = {
        "results page": f"/de/c/{result_one.slug}/results",
        "results page in Arabic": f"/ar/c/{result_one.slug}/results",
        "moderation log": f"/de/c/{result_one.slug}/moderation",
        "consultation page with removed comments": f"/de/c/{open_one.slug}",
    }
    _compare(client, engine, pages, grow)


def test_the_report_reads_in_batches_not_per_contribution(client, engine, world):
    _open_one, result_one, grow = world
    path = f"/de/c/{result_one.slug}/results/report"
    small = statements_for(client, engine, path)
    grow()
    large = statements_for(client, engine, path)
    assert len(large) == len(small), "\n".join(large)
    assert statements_for(client, engine, path)  # and it does read


def test_a_second_results_page_costs_the_same_as_the_first(client, engine, world):
    _open_one, result_one, grow = world
    grow(130)
    first = client.get(f"/de/c/{result_one.slug}/results").text
    assert "?after=" in first, "70 published contributions need a second page"
    cursor = first.split("?after=", 1)[1].split('"', 1)[0].split("#", 1)[0]
    second = statements_for(client, engine, f"/de/c/{result_one.slug}/results?after={cursor}")
    top = statements_for(client, engine, f"/de/c/{result_one.slug}/results")
    assert len(second) == len(top)


def test_pages_are_read_by_key_never_by_offset(client, engine, world):
    _open_one, result_one, grow = world
    grow(130)
    login(client, engine, Role.moderator)
    first = client.get("/de/staff/moderation?status=published").text
    after = first.split("after=", 1)[1].split('"', 1)[0]
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/de/staff/moderation?status=published&after={after}").status_code == 200
        results = client.get(f"/de/c/{result_one.slug}/results").text
        cursor = results.split("?after=", 1)[1].split('"', 1)[0].split("#", 1)[0]
        assert client.get(f"/de/c/{result_one.slug}/results?after={cursor}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # SQLite's dialect always writes "LIMIT ? OFFSET ?"; the offset must stay 0 on every
    # page, the position coming from the key (id > or < the cursor) instead.
    offsets = [
        params[-1] if isinstance(params, tuple | list) else None
        for statement, params in seen
        if "OFFSET" in statement
    ]
    assert all(offset == 0 for offset in offsets), offsets
    assert any("contribution.id >" in s or "contribution.id <" in s for s, _p in seen)
