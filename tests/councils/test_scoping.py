"""A session kept to one council reads, changes and writes only that council's rows,
whatever the statement forgets to say (participation/tenancy.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from participation.consultations.models import Consultation, ConsultationText
from participation.contributions.models import Contribution
from participation.contributions.service import find_by_reference
from participation.councils.service import create_council
from participation.db import session_scope
from participation.tenancy import CrossCouncilWrite
from tests.factories import make_consultation, make_contribution


@pytest.fixture
def two(engine):
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    ours = make_consultation(engine, code="4711", council_id=1)
    theirs = make_consultation(engine, code="4711", council_id=other)
    return ours, theirs, other


def test_the_same_code_may_serve_two_councils(two):
    ours, theirs, other = two
    assert (ours.council_id, theirs.council_id) == (1, other)
    assert ours.code == theirs.code


def test_a_scoped_session_finds_no_foreign_row_by_id_select_or_join(engine, two):
    ours, theirs, _other = two
    with session_scope(engine, council_id=1) as session:
        assert session.get(Consultation, theirs.id) is None
        assert session.get(Consultation, ours.id) is not None
        found = session.exec(select(Consultation.id).where(Consultation.code == "4711")).all()
        assert found == [ours.id]
        joined = session.exec(
            select(ConsultationText.consultation_id).join(
                Consultation, col(Consultation.id) == ConsultationText.consultation_id
            )
        ).all()
        assert set(joined) == {ours.id}


def test_an_unscoped_session_sees_every_council(engine, two):
    ours, theirs, _other = two
    with session_scope(engine) as session:
        ids = set(session.exec(select(Consultation.id)).all())
    assert {ours.id, theirs.id} <= ids


def test_updates_and_deletes_of_a_scoped_session_leave_foreign_rows_alone(engine, two):
    ours, theirs, other = two
    with session_scope(engine, write=True, council_id=other) as session:
        session.execute(update(Consultation).values(retention_days=31))
        session.execute(delete(ConsultationText))
    with session_scope(engine) as session:
        assert session.get(Consultation, ours.id).retention_days == 180
        assert session.get(Consultation, theirs.id).retention_days == 31
        left = set(session.exec(select(ConsultationText.consultation_id)).all())
    assert left == {ours.id}


def test_new_rows_take_the_session_council_and_a_foreign_one_is_refused(engine, two):
    _ours, _theirs, other = two
    with session_scope(engine, write=True, council_id=other) as session:
        row = Consultation(slug="neu", code="4800")
        session.add(row)
        session.flush()
        assert row.council_id == other
    with (
        pytest.raises(CrossCouncilWrite),
        session_scope(engine, write=True, council_id=other) as session,
    ):
        session.add(Consultation(slug="fremd", code="4801", council_id=1))
        session.flush()
    with session_scope(engine) as session:
        assert (
            session.exec(select(Consultation).where(Consultation.slug == "fremd")).first() is None
        )


def test_a_foreign_row_loaded_elsewhere_cannot_be_changed_in_a_scoped_session(engine, two):
    _ours, theirs, _other = two
    with (
        pytest.raises(CrossCouncilWrite),
        session_scope(engine, write=True, council_id=1) as session,
    ):
        foreign = session.merge(theirs, load=False)
        foreign.retention_days = 40
        session.flush()


def test_a_reference_is_unique_within_a_council_and_found_only_in_its_own(engine, two):
    # Nine million references cannot number every contribution of hundreds of councils;
    # unique within a council they do, and a lookup never leaves its council.
    ours, theirs, other = two
    mine = make_contribution(engine, ours, body="Bänke am Markt")
    pond = make_contribution(engine, theirs, body="Teich")
    with session_scope(engine, write=True) as session:
        session.execute(
            update(Contribution)
            .where(col(Contribution.id) == pond.id)
            .values(reference=mine.reference)
        )
    with session_scope(engine, council_id=1) as session:
        assert find_by_reference(session, mine.reference).body == "Bänke am Markt"
    with session_scope(engine, council_id=other) as session:
        assert find_by_reference(session, mine.reference).body == "Teich"
    second = make_contribution(engine, ours, body="Brunnen")
    with pytest.raises(IntegrityError), session_scope(engine, write=True) as session:
        session.execute(
            update(Contribution)
            .where(col(Contribution.id) == second.id)
            .values(reference=mine.reference)
        )
