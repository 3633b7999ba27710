"""The demo shows a consultation with a published result: themes, answers, charts."""

from __future__ import annotations

from participation.db import session_scope
from participation.demo import seed_demo
from tests.factories import soup


def test_demo_has_a_published_result_with_themes_and_answers(client, engine):
    with session_scope(engine, write=True) as session:
        assert seed_demo(session)
    page = client.get("/de/c/freibad/results")
    assert page.status_code == 200
    html = soup(page.text)
    themes = html.find(id="themes-title").parent.get_text(" ", strip=True)
    assert "Öffnungszeiten" in themes and "Lärm für die Nachbarn" in themes
    assert "Sprungturm" in themes  # the council's answer to a theme
    answers = html.select("#result-contributions .answer")
    assert len(answers) == 3
    assert len(html.select("figure.chart svg[role=img]")) == 4
    english = soup(client.get("/en/c/freibad/results").text)
    assert "A clear majority wants the longer hours." in english.get_text()
    for kind in ("csv", "json", "xlsx"):
        assert client.get(f"/de/c/freibad/results.{kind}").status_code == 200
