"""The SQL statements a page sends must not grow with the data (no N+1 queries).

Each page is requested twice over real HTTP: with 5 contributions per status (and 3
consultations), then with 50 (and 9). The statements are counted on the engine as the database sees
them; the second count must equal the first. No timings here: those are for
`make bench`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.db import session_scope
from participation.moderation import service as moderation
from participation.moderation.models import RejectionReason
from tests.factories import login, make_consultation
from tests.querycount import statements_for

CHANNELS = [Channel.web, Channel.sms, Channel.voice, Channel.paper, Channel.in_person]
LOCALES = ["de", "en", "tr", "ar", "de@easy"]


def add_contributions(engine: Engine, consultation: Consultation, per_status: int) -> None:
    """per_status published, pending and rejected contributions each, cycling through
    every channel and language, most with a poll answer, some published ones answered.
    Already the small set holds every kind of row, so a statement that is only needed
    for some kind (SMS senders, poll answers) is counted on both sides."""
    with session_scope(engine, write=True) as session:
        options = consultations.poll_options(session, consultation.id)  # type: ignore[arg-type]
        for status in ("published", "pending", "rejected"):
            for i in range(per_status):
                contribution = submit_contribution(
                    session,
                    Submission(
                        consultation=consultation,
                        body=f"Beitrag {status} {i}: mehr Bänke und Bäume.",
                        channel=CHANNELS[i % len(CHANNELS)],
                        locale=LOCALES[i % len(LOCALES)],
                        pseudonym=f"Person {i}" if i % 2 else None,
                        poll_option_id=options[i % len(options)].id if options and i % 3 else None,
                        details=ChannelDetails(
                            author_key=f"key-{consultation.id}-{status}-{i}"
                            if i % 5 == 1
                            else None,
                        ),
                    ),
                ).contribution
                if status == "rejected":
                    moderation.reject(session, contribution, None, RejectionReason.off_topic)
                elif status == "published":
                    moderation.approve(session, contribution, None)
                    if i % 2 == 0:
                        contribution.answer = "Danke, der Rat prüft das."
                        contribution.answered_at = utcnow()
                        session.add(contribution)


def publish_results(engine: Engine, consultation: Consultation) -> None:
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        assert row is not None
        now = utcnow()
        row.closes_at = now - timedelta(minutes=1)
        row.results_published_at = now
        row.updated_at = now
        session.add(row)


def grow(engine: Engine, open_one: Consultation, results_one: Consultation) -> None:
    """From 5 to 50 contributions per status each, and from 3 to 9 consultations."""
    add_contributions(engine, open_one, 45)
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, results_one.id)
        assert row is not None
        row.results_published_at = None
        row.closes_at = utcnow() + timedelta(days=1)
        session.add(row)
    add_contributions(engine, results_one, 45)
    publish_results(engine, results_one)
    for phase in ("open", "upcoming", "closed", "open", "results", "open"):
        make_consultation(engine, phase=phase, poll=["yes", "no"])


@pytest.fixture
def world(engine: Engine):
    """An open consultation and one with published results, 5 contributions per status each."""
    open_one = make_consultation(engine, phase="open", poll=["yes", "no", "undecided"])
    results_one = make_consultation(engine, phase="open", poll=["yes", "no", "undecided"])
    make_consultation(engine, phase="upcoming")
    add_contributions(engine, open_one, 5)
    add_contributions(engine, results_one, 5)
    publish_results(engine, results_one)
    return open_one, results_one


def paths(open_one: Consultation, results_one: Consultation) -> dict[str, str]:
    return {
        "home": "/de/",
        "home in Arabic": "/ar/",
        "consultation page": f"/de/c/{open_one.slug}",
        "consultation page in Leichte Sprache": f"/ls/c/{open_one.slug}",
        "consultation page of a published result": f"/de/c/{results_one.slug}",
        "results page": f"/de/c/{results_one.slug}/results",
    }


def test_public_pages_send_as_many_statements_for_50_contributions_as_for_5(client, engine, world):
    open_one, results_one = world
    pages = paths(open_one, results_one)
    small = {name: statements_for(client, engine, path) for name, path in pages.items()}
    grow(engine, open_one, results_one)
    large = {name: statements_for(client, engine, path) for name, path in pages.items()}
    for name in pages:
        assert len(large[name]) == len(small[name]), (
            f"{name}: {len(small[name])} statements with 5 contributions, "
            f"{len(large[name])} with 50:\n" + "\n".join(large[name])
        )


def test_older_comments_page_sends_as_many_statements_as_the_first(client, engine, world):
    open_one, results_one = world
    grow(engine, open_one, results_one)
    first = client.get(f"/de/c/{open_one.slug}")
    assert "?before=" in first.text, "50 contributions should need a second page"
    cursor = first.text.split("?before=", 1)[1].split('"', 1)[0].split("#", 1)[0]
    older = statements_for(client, engine, f"/de/c/{open_one.slug}?before={cursor}")
    newest = statements_for(client, engine, f"/de/c/{open_one.slug}")
    assert len(older) <= len(newest), "\n".join(older)


def test_moderation_queue_sends_as_many_statements_for_50_contributions_as_for_5(
    client, engine, world
):
    open_one, results_one = world
    login(client, engine, Role.moderator)
    views = {
        "pending": "/de/staff/moderation",
        "published of one consultation": (
            f"/de/staff/moderation?status=published&consultation={open_one.id}"
        ),
        "rejected": "/de/staff/moderation?status=rejected",
    }
    small = {name: statements_for(client, engine, path) for name, path in views.items()}
    grow(engine, open_one, results_one)
    large = {name: statements_for(client, engine, path) for name, path in views.items()}
    for name in views:
        assert len(large[name]) == len(small[name]), (
            f"moderation queue, {name}: {len(small[name])} statements with 5 contributions, "
            f"{len(large[name])} with 50:\n" + "\n".join(large[name])
        )


def test_the_counter_sees_every_statement(client, engine, world):
    """Guards the guard: a page that reads the database is seen doing so."""
    open_one, _results_one = world
    statements = statements_for(client, engine, f"/de/c/{open_one.slug}")
    assert any("contribution" in s.lower() for s in statements)
