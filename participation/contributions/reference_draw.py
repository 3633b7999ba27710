"""The one place reference numbers are drawn: free in their council among contributions
and questionnaire responses alike, so a number names one thing on every status door.

Each table's unique constraint still guards its own rows against a racing insert (the
callers insert with ON CONFLICT DO NOTHING and draw again); the check here keeps the
two tables apart.
"""

from __future__ import annotations

from sqlalchemy import exists, select, union_all
from sqlmodel import Session

from participation.contributions.models import Contribution
from participation.contributions.reference import new_reference
from participation.db import table_of
from participation.questionnaires.models import QuestionnaireResponse

DRAWS = 8


class NoFreeReference(RuntimeError):
    """Eight numbers drawn in a row were all taken: the council's numbers are nearly used up."""


def is_taken(session: Session, council_id: int, reference: str) -> bool:
    """Whether a contribution or a questionnaire response of the council has this number."""
    taken = [
        select(table.c.id).where(table.c.council_id == council_id, table.c.reference == reference)
        for table in (table_of(Contribution), table_of(QuestionnaireResponse))
    ]
    return bool(session.execute(select(exists(union_all(*taken).subquery()))).scalar())


def draw_reference(session: Session, council_id: int) -> str:
    """A new reference number no contribution or response of the council has yet."""
    for _attempt in range(DRAWS):
        reference = new_reference()
        if not is_taken(session, council_id, reference):
            return reference
    raise NoFreeReference(f"no free reference number in {DRAWS} draws")
