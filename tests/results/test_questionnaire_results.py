"""A questionnaire's results: the tables of the public and staff pages, the cross-tabs
and the three downloads all show the figures of the answers given, through several doors
and languages; another council's, an unpublished and a forbidden result stay closed."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import openpyxl
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.contributions.models import Channel, Contribution
from participation.contributions.votes import Voter
from participation.councils.service import add_host, by_slug, create_council
from participation.db import session_scope
from participation.moderation.models import RejectionReason
from participation.moderation.service import approve, reject
from participation.questionnaires.builder import questions_of
from participation.questionnaires.models import QuestionOption
from participation.questionnaires.responses import submit_response
from participation.questionnaires.tallies import median_of
from participation.results.service import publish_results
from tests.factories import log_in_as, login, make_consultation, make_staff, soup
from tests.questionnaires.helpers import five_questions

#: (voter, channel, locale, single, multi, scale, yes/no, age, text, poll)
GIVEN = [
    ("a", Channel.web, "de", 1, [1, 3], "4", "yes", "42", "Mehr Schatten", 1),
    ("b", Channel.sms, "de", 2, [2], "5", "no", "17", "", 2),
    ("c", Channel.voice, "tr", 1, [], "2", "yes", "", "Daha fazla ağaç", 1),
    ("d", Channel.paper, "ar", 3, [1, 2], "4", "yes", "66", "", None),
    ("e", Channel.web, "en", 2, [3], "", "no", "30", "Benches please", 2),
    # "a" again, by phone in Turkish: the latest response replaces the first whole.
    ("a", Channel.voice, "tr", 3, [2, 3], "1", "no", "43", "", 2),
]


def _latest() -> list[tuple]:
    latest = {}
    for row in GIVEN:
        latest[row[0]] = row
    return list(latest.values())


def _option_ids(session, question_id) -> list[int]:
    return [
        o.id
        for o in session.exec(
            select(QuestionOption)
            .where(QuestionOption.question_id == question_id)
            .order_by(QuestionOption.position)
        )
    ]


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    ids = five_questions(engine, consultation)
    with session_scope(engine) as session:
        ids["poll"] = next(q.id for q in questions_of(session, consultation.id) if q.is_poll)
        from participation.consultations.service import poll_options

        poll = [o.id for o in poll_options(session, consultation.id)]
        single, multi = _option_ids(session, ids["single"]), _option_ids(session, ids["multi"])
    for voter, channel, locale, one, many, scale, yes, age, text, vote in GIVEN:
        answers = {
            ids["single"]: [str(single[one - 1])],
            ids["multi"]: [str(multi[m - 1]) for m in many],
            ids["scale"]: [scale] if scale else [],
            ids["yes_no"]: [yes],
            ids["age"]: [age] if age else [],
            ids["text"]: [text] if text else [],
            ids["poll"]: [str(poll[vote - 1])] if vote else [],
        }
        with session_scope(engine, write=True) as session:
            submit_response(session, consultation, answers, channel, locale, Voter(voter * 64))
    with session_scope(engine, write=True) as session:
        texts = session.exec(
            select(Contribution)
            .where(Contribution.question_id == ids["text"])
            .order_by(Contribution.id)
        ).all()
        # The three latest texts: one published, one rejected, one left waiting.
        by_body = {t.body: t for t in texts}
        approve(session, by_body["Daha fazla ağaç"], None)
        reject(session, by_body["Benches please"], None, RejectionReason.off_topic)
    return consultation, ids


def _publish(engine, consultation):
    with session_scope(engine, write=True) as session:
        publish_results(session, session.merge(consultation), None)


def _expected() -> dict[str, Counter]:
    rows = _latest()
    return {
        "single": Counter(r[3] for r in rows),
        "multi": Counter(m for r in rows for m in r[4]),
        "scale": Counter(int(r[5]) for r in rows if r[5]),
        "yes_no": Counter(r[6] for r in rows),
        "age": Counter(int(r[7]) for r in rows if r[7]),
        "poll": Counter(r[9] for r in rows if r[9]),
    }


def _table_counts(page, question_id) -> dict[str, int]:
    """The figures of a question's data table: row heading -> count."""
    article = page.find(id=f"question-{question_id}")
    table = article.find("table", class_="chart-data")
    assert table.find("caption").get_text(strip=True)
    assert [th["scope"] for th in table.find("thead").find_all("th")] == ["col"] * 3
    return {
        row.find("th").get_text(strip=True): int(row.find("td").get_text(strip=True))
        for row in table.find("tbody").find_all("tr")
    }


def test_public_page_tables_and_cross_tabs_show_the_latest_answers(client, engine, survey):
    consultation, ids = survey
    _publish(engine, consultation)
    page = soup(client.get(f"/de/c/{consultation.slug}/results").text)
    expected = _expected()
    assert _table_counts(page, ids["single"]) == {
        "Rad": expected["single"][1],
        "Bus": expected["single"][2],
        "Auto": expected["single"][3],
    }
    assert _table_counts(page, ids["multi"]) == {
        "Bänke": expected["multi"][1],
        "Bäume": expected["multi"][2],
        "Licht": expected["multi"][3],
    }
    scale = _table_counts(page, ids["scale"])
    assert list(scale) == ["1 – gar nicht", "2", "3", "4", "5 – sehr"]
    assert list(scale.values()) == [expected["scale"][k] for k in range(1, 6)]
    assert _table_counts(page, ids["yes_no"]) == {
        "Ja": expected["yes_no"]["yes"],
        "Nein": expected["yes_no"]["no"],
    }
    ages = _table_counts(page, ids["age"])
    assert {int(k): v for k, v in ages.items()} == dict(expected["age"])
    median = page.find(id=f"question-{ids['age']}").find(class_="median").get_text()
    assert str(int(median_of(dict(expected["age"])))) in median.replace(",", ".")
    # The chart beside the table has its text alternative.
    svg = page.find(id=f"question-{ids['single']}").find("svg")
    assert svg["role"] == "img" and svg.find("title") and svg.find("desc")
    # The counting rule, in the reader's language.
    assert "eine Antwort pro Person" in page.find(id="questionnaire-rule").get_text()
    # Free texts: the published one only.
    texts = page.find(id=f"question-{ids['text']}").find_all("li")
    assert [li.find(class_="body").get_text(strip=True) for li in texts] == ["Daha fazla ağaç"]
    # Cross-tab of the single choice by channel: every answer counted once, per channel.
    tab = page.find(id=f"cross-{ids['single']}-channel")
    groups = [th["data-group"] for th in tab.find("thead").find_all("th") if th.get("data-group")]
    cells = {
        row.find("th").get_text(strip=True): [int(td.get_text()) for td in row.find_all("td")]
        for row in tab.find("tbody").find_all("tr")
    }
    latest = _latest()
    labels = {1: "Rad", 2: "Bus", 3: "Auto"}
    for option, label in labels.items():
        per_group = [sum(1 for r in latest if r[3] == option and str(r[1]) == g) for g in groups]
        assert cells[label] == [*per_group, expected["single"][option]]
    by_language = page.find(id=f"cross-{ids['yes_no']}-language")
    totals = [int(td.get_text()) for td in by_language.find("tfoot").find_all("td")]
    assert totals[-1] == len(latest)


def test_arabic_page_is_right_to_left_and_formats_figures(client, engine, survey):
    consultation, ids = survey
    _publish(engine, consultation)
    response = client.get(f"/ar/c/{consultation.slug}/results")
    assert response.status_code == 200
    page = soup(response.text)
    assert page.find("html")["dir"] == "rtl"
    article = page.find(id=f"question-{ids['single']}")
    # The bars grow from the right, beside their labels on the right.
    for rect in article.find("svg").find_all("rect"):
        assert float(rect["x"]) + float(rect["width"]) == pytest.approx(640 - 210)
    # Shares as Arabic writes a percentage (Babel): the sign before the figure.
    shares = [tr.find_all("td")[1].get_text() for tr in article.find("tbody").find_all("tr")]
    assert shares and all("٪" in s or "%" in s for s in shares)
    assert article.find("h3").get_text(strip=True) == "Wie kommen Sie?"
    assert article.find("h3").find("bdi")["lang"] == "de"


def test_staff_page_shows_every_text_with_its_state_and_the_queue(client, engine, survey):
    consultation, ids = survey
    login(client, engine, Role.moderator)
    page = soup(client.get(f"/de/staff/consultations/{consultation.id}/results").text)
    article = page.find(id=f"question-{ids['text']}")
    states = {
        li.find(class_="body").get_text(strip=True): li["data-status"]
        for li in article.find_all("li")
    }
    # Staff see every text: the waiting one of a response replaced since stays queued.
    assert states == {
        "Mehr Schatten": "pending",
        "Daha fazla ağaç": "published",
        "Benches please": "rejected",
    }
    assert article.find("a", href=lambda h: h and "/staff/moderation" in h)
    assert page.find(id=f"cross-{ids['poll']}-channel")


def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _check_rows(rows: list[dict], positions: dict[str, int]) -> None:
    """The rows of a download add up to the answers given."""
    expected = _expected()
    latest = _latest()
    assert len(rows) == len(latest)
    assert Counter(r["channel"] for r in rows) == Counter(str(r[1]) for r in latest)
    assert Counter(r["language"] for r in rows) == Counter(r[2] for r in latest)
    single = f"q{positions['single']}"
    assert Counter(int(r[single]) for r in rows) == expected["single"]
    for option in (1, 2, 3):
        column = f"q{positions['multi']}_{option}"
        assert sum(int(r[column]) for r in rows) == expected["multi"][option]
    assert Counter(r[f"q{positions['yes_no']}"] for r in rows) == expected["yes_no"]
    ages = Counter(int(r[f"q{positions['age']}"]) for r in rows if r[f"q{positions['age']}"])
    assert ages == expected["age"]
    poll = Counter(int(r[f"q{positions['poll']}"]) for r in rows if r[f"q{positions['poll']}"])
    assert poll == expected["poll"]
    # Only the published text; no reference, no phone, no voter key.
    assert sorted(r[f"q{positions['text']}"] for r in rows if r[f"q{positions['text']}"]) == [
        "Daha fazla ağaç"
    ]
    assert set(rows[0]) >= {"response", "channel", "language", "date"}
    assert not any("voter" in k or "reference" in k for k in rows[0])


def _positions(engine, consultation, ids) -> dict[str, int]:
    with session_scope(engine) as session:
        by_id = {q.id: q.position for q in questions_of(session, consultation.id)}
    return {name: by_id[i] for name, i in ids.items()}


@pytest.mark.parametrize("side", ["public", "staff"])
def test_the_three_downloads_add_up_to_the_answers(client, engine, survey, side):
    consultation, ids = survey
    positions = _positions(engine, consultation, ids)
    if side == "public":
        _publish(engine, consultation)
        base = f"/de/c/{consultation.slug}/results/responses"
    else:
        login(client, engine, Role.moderator)
        base = f"/de/staff/consultations/{consultation.id}/results/responses"
    as_csv = client.get(base + ".csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    _check_rows(_csv_rows(as_csv.text), positions)
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + ".xlsx").content), read_only=True)
    values = list(book["responses"].iter_rows(values_only=True))
    header = [str(v) for v in values[0]]
    rows = [
        {k: "" if v is None else str(v) for k, v in zip(header, line, strict=True)}
        for line in values[1:]
    ]
    _check_rows(rows, positions)
    document = json.loads(client.get(base + ".json").text)
    expected = _expected()
    assert document["responses"] == len(_latest())
    questions = {q["position"]: q for q in document["questions"]}
    single = questions[positions["single"]]
    assert single["kind"] == "single_choice"
    assert single["words"]["en"]["prompt"] == "How do you come?"
    assert [o["labels"]["de"] for o in single["options"]] == ["Rad", "Bus", "Auto"]
    assert {int(k): v for k, v in single["totals"]["counts"].items()} == expected["single"]
    multi = questions[positions["multi"]]["totals"]["counts"]
    assert {int(k): v for k, v in multi.items()} == expected["multi"]
    age = questions[positions["age"]]["totals"]
    assert age["median"] == median_of(dict(expected["age"]))
    assert questions[positions["yes_no"]]["totals"]["counts"] == dict(expected["yes_no"])
    poll = questions[positions["poll"]]["totals"]["counts"]
    assert {int(k): v for k, v in poll.items()} == expected["poll"]
    assert document["counting_rule"]["latest_response_counts"] is True


def test_the_report_holds_every_question_with_its_figures(client, engine, survey):
    consultation, ids = survey
    _publish(engine, consultation)
    page = soup(client.get(f"/de/c/{consultation.slug}/results/report").text)
    for name in ("single", "multi", "scale", "yes_no", "age", "text"):
        assert page.find(id=f"question-{ids[name]}"), name
    assert _table_counts(page, ids["single"])["Auto"] == _expected()["single"][3]


def test_unpublished_results_are_not_public(client, engine, survey):
    consultation, _ids = survey
    for path in ("", "/responses.csv", "/responses.json", "/responses.xlsx", "/report"):
        assert client.get(f"/de/c/{consultation.slug}/results{path}").status_code == 404


def test_an_editor_may_not_download_the_responses(client, engine, survey):
    consultation, _ids = survey
    login(client, engine, Role.editor)
    path = f"/de/staff/consultations/{consultation.id}/results/responses.csv"
    assert client.get(path, follow_redirects=False).status_code == 403
    client.cookies.clear()
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (302, 303) and "login" in answer.headers["location"]


def test_another_councils_consultation_is_not_found(app, engine):
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(session, "beispieldorf", "Beispieldorf", hosts=["b.localhost"]).id
    app.state.councils.expire()
    theirs = make_consultation(engine, poll=["yes", "no"], phase="results", council_id=other)
    five_questions(engine, theirs, council_id=other)
    staff = make_staff(engine, Role.admin)
    with TestClient(app, base_url="https://musterstadt.localhost") as client:
        assert log_in_as(client, staff.email) == 303
        for path in ("results", "results/responses.csv", "results/responses.json"):
            answer = client.get(f"/de/staff/consultations/{theirs.id}/{path}")
            assert answer.status_code == 404, path
        public = client.get(f"/de/c/{theirs.slug}/results/responses.csv")
        assert public.status_code == 404
