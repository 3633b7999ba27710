"""The benchmark's questionnaire part at a tiny scale (300 responses), so that its seed
cannot rot between the rare full runs. Figures are not timed: only that what it seeds is
what the pages and the downloads it measures count."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
from sqlalchemy import func, select

from participation.accounts.models import Role
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse
from tests.benchmarks.questionnaire_results import NAME, QUESTIONS, seed_questionnaire
from tests.benchmarks.run import QUESTIONNAIRE
from tests.benchmarks.seed import seed
from tests.factories import login, soup

RESPONSES = 300


def test_the_seeded_questionnaire_is_what_the_pages_and_downloads_count(client, engine):
    assert NAME == QUESTIONNAIRE
    facts = seed(engine, big=400, open_size=20, small=(2, 4))
    seeded = seed_questionnaire(engine, facts.big_id, RESPONSES)
    with engine.connect() as db:
        stored = db.execute(select(func.count()).select_from(QuestionnaireResponse)).scalar_one()
        answers = db.execute(select(func.count()).select_from(QuestionnaireAnswer)).scalar_one()
    assert stored == seeded["responses"] == RESPONSES
    assert answers == seeded["answers"] > RESPONSES * 3

    page = soup(client.get(f"/de/c/{facts.big_slug}/results").text)
    articles = page.find_all("article", class_="question-result")
    kinds = [a["data-kind"] for a in articles]
    assert kinds == [kind for kind, _prompt, _options in QUESTIONS]
    scale = next(a for a in articles if a["data-kind"] == "scale")
    counts = [int(td.get_text()) for td in scale.select("table.chart-data tbody td:nth-of-type(1)")]
    # Every seeded response answered the scale: the five figures add up to all of them.
    assert sum(counts) == RESPONSES

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/de/c/{facts.big_slug}/results/responses.csv").text.lstrip("\ufeff")
            )
        )
    )
    assert len(rows) == RESPONSES
    totals = json.loads(client.get(f"/de/c/{facts.big_slug}/results/responses.json").text)
    assert totals["responses"] == RESPONSES
    assert sum(totals["questions"][2]["totals"]["counts"].values()) == RESPONSES

    login(client, engine, Role.moderator)
    staff = f"/de/staff/consultations/{facts.big_id}/results"
    assert client.get(staff).status_code == 200
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(staff + "/responses.xlsx").content), read_only=True
    )
    assert book["responses"].max_row == RESPONSES + 1
