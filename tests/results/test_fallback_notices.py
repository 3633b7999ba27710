"""Every text the results pages show in another language than the reader's says so, and
carries its own language and direction (a German title inside an Arabic page is German)."""

from __future__ import annotations

from datetime import timedelta

from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.moderation.service import approve
from tests.factories import make_consultation, make_contribution, soup


def _result(engine, texts: dict | None = None):
    """A published result whose poll has a custom answer only in German."""
    consultation = make_consultation(engine, texts=texts)
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        consultations.save_text(session, row, "de", results_summary="Eine Mehrheit ist dafür.")
        consultations.set_poll(
            session, row, [("yes", {}), ("bench", {"de": "Mehr Bänke"})], has_votes=False
        )
    with session_scope(engine) as session:
        options = consultations.poll_options(session, consultation.id)
        bench = next(o.id for o in options if o.key == "bench")
    contribution = make_contribution(
        engine, consultation, "Bänke!", Channel.web, poll_option_id=bench, voter_key="v1"
    )
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, contribution.id), None)
        row = session.get(Consultation, consultation.id)
        row.closes_at = utcnow() - timedelta(hours=1)
        row.results_published_at = utcnow()
    return consultation


def test_arabic_reader_is_told_the_title_summary_and_answers_are_german(client, engine):
    consultation = _result(engine)
    html = soup(client.get(f"/ar/c/{consultation.slug}/results").text)
    assert html.find("html")["dir"] == "rtl"
    title = html.find("h1").find("bdi")
    assert (title["lang"], title["dir"]) == ("de", "ltr")
    notice = html.find(id="text-fallback")
    assert notice is not None and "German" not in notice.get_text()  # in Arabic
    summary = html.find(id="summary-title").parent.find("div", class_="prose")
    assert (summary["lang"], summary["dir"]) == ("de", "ltr")
    assert html.find(id="answers-fallback") is not None
    poll = html.find(id="poll-title").parent
    labels = {b.get_text(): b.get("lang") for b in poll.select("table bdi")}
    assert labels["Mehr Bänke"] == "de" and None in labels.values(), labels
    assert poll.find("text", string="Mehr Bänke")["lang"] == "de"
    answer = html.select_one("#result-contributions .meta bdi[lang]")
    assert answer is not None and answer.get_text() == "Mehr Bänke"

    report = soup(client.get(f"/ar/c/{consultation.slug}/results/report").text)
    assert report.find(id="text-fallback") is not None
    assert report.find(id="answers-fallback") is not None
    assert report.select_one(".report-head h1 span")["dir"] == "ltr"


def test_an_empty_summary_in_the_readers_language_shows_the_german_one_and_says_so(client, engine):
    consultation = _result(engine, texts={"en": {"title": "Market square"}})
    html = soup(client.get(f"/en/c/{consultation.slug}/results").text)
    assert html.find(id="text-fallback") is None, "the title is English"
    notice = html.find(id="summary-fallback")
    assert notice is not None and "shown in German" in notice.get_text()
    summary = html.find(id="summary-title").parent.find("div", class_="prose")
    assert summary["lang"] == "de" and "Eine Mehrheit ist dafür." in summary.get_text()
    report = soup(client.get(f"/en/c/{consultation.slug}/results/report").text)
    assert report.find(id="summary-fallback") is not None


def test_german_readers_see_no_fallback_notice(client, engine):
    consultation = _result(engine)
    html = soup(client.get(f"/de/c/{consultation.slug}/results").text)
    assert html.select(".notice") == []
    assert html.find("main").select("[lang='de']") == []
