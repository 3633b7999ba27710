"""Migration 0012 makes each poll a one-question questionnaire and changes no figure."""

from __future__ import annotations

import sqlalchemy as sa

from participation.consultations.models import Consultation
from participation.db import make_engine, session_scope
from participation.migrate import upgrade
from participation.questionnaires.tallies import question_results
from participation.results.service import summarise
from tests.test_migration_0005 import _drop
from tests.test_migrations import _fresh_url, fill_every_table

#: Votes per option position on the filled poll: 3 for 1, 1 for 2, 2 for 3.
VOTES = [1, 1, 1, 2, 3, 3]


def _fill_a_poll(connection: sa.Connection) -> int:
    rows = fill_every_table(connection)
    consultation = rows["consultation"]["id"]
    council = rows["council"]["id"]
    connection.execute(sa.text("DELETE FROM poll_vote"))
    connection.execute(sa.text("DELETE FROM vote_code"))
    connection.execute(sa.text("DELETE FROM unverified_vote"))
    connection.execute(sa.text("UPDATE contribution SET poll_option_id = NULL"))
    connection.execute(sa.text("DELETE FROM poll_option"))
    for position in (1, 2, 3):
        connection.execute(
            sa.text(
                "INSERT INTO poll_option (council_id, consultation_id, position, key, labels)"
                " VALUES (:c, :k, :p, '', :l)"
            ),
            {"c": council, "k": consultation, "p": position, "l": f'{{"de": "Option {position}"}}'},
        )
    ids = dict(connection.execute(sa.text("SELECT position, id FROM poll_option")).all())
    for n, position in enumerate(VOTES):
        connection.execute(
            sa.text(
                "INSERT INTO poll_vote (council_id, consultation_id, option_id, channel,"
                " voter_key, updated_at) VALUES (:c, :k, :o, 'sms', :v, :t)"
            ),
            {
                "c": council,
                "k": consultation,
                "o": ids[position],
                "v": f"voter-{n}",
                "t": "2027-01-01 12:00:00",
            },
        )
    return consultation


def _poll_totals(engine, consultation_id: int) -> list[tuple[int, int]]:
    with session_scope(engine) as session:
        consultation = session.get_one(Consultation, consultation_id)
        summary = summarise(session, consultation)
        return [(option.id, n) for option, n in summary.poll] + [(0, summary.total_votes)]


def test_0012_makes_the_poll_a_question_with_the_same_totals(backend, request, tmp_path):
    url = _fresh_url(backend, request, tmp_path, "questionnaire")
    upgrade(url, "0009")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            consultation_id = _fill_a_poll(connection)
        before = _poll_totals(engine, consultation_id)
        upgrade(url, "0012")
        after = _poll_totals(engine, consultation_id)
        with session_scope(engine) as session:
            consultation = session.get_one(Consultation, consultation_id)
            results = question_results(session, consultation, "de")
        with engine.connect() as connection:
            questions = connection.execute(
                sa.text("SELECT consultation_id, position, kind, is_poll FROM question")
            ).all()
    finally:
        engine.dispose()
        _drop(url)
    assert [n for _id, n in before] == [3, 1, 2, 6]
    assert after == before
    assert [tuple(q) for q in questions] == [(consultation_id, 1, "single_choice", True)]
    (poll,) = results
    assert poll.question.is_poll and poll.question.kind == "single_choice"
    assert [(o.id, poll.counts.get(o.id, 0)) for o in poll.question.options] == before[:-1]
    assert poll.respondents == 6
    assert [o.label for o in poll.question.options] == ["Option 1", "Option 2", "Option 3"]
