"""A questionnaire answered by SMS through signed webhooks: the replies and the rows."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.questionnaires.models import (
    QuestionnaireAnswer,
    QuestionnaireProgress,
    QuestionnaireResponse,
)
from tests.channels.sms.conftest import ALICE
from tests.factories import make_consultation
from tests.questionnaires.helpers import five_questions


def rows(engine, model, *where):
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where).order_by(col(model.id))).all())


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, code="4711", poll=["yes", "no"])
    return consultation, five_questions(engine, consultation)


def test_smoke(sms, engine, survey):
    for body in ["4711 START", "JA", "bus", "1 3", "Ba", "ZURÜCK", "1,2", "4", "7", "0", "1", "200", "34", "Mehr Licht bitte"]:
        print(">", body)
        print("<", sms(body).text)
