"""Before opening: the readiness check's gaps, the previews of each door (rendered by the
doors' own reply functions and steps), the counts beside the short texts, and who may
use any of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.channels.voice.prompts import CODE_KEY
from participation.clock import set_now
from participation.db import session_scope
from participation.sms_segments import count_segments
from participation.speaking_time import seconds_to_say, spoken_words
from tests.channels.sms.conftest import send_sms
from tests.channels.voice.phone import open_line
from tests.consultations.setup_flow import submit
from tests.councils.test_hosts import BEISPIELDORF, councils  # noqa: F401 - a fixture
from tests.factories import csrf_token, log_in_as, login, make_consultation, make_staff, soup

STEP = "/en/staff/consultations/{id}/setup/{step}"


def _gaps(client, consultation_id: int) -> list[tuple[str, str]]:
    page = soup(client.get(f"/en/staff/consultations/{consultation_id}/readiness").text)
    return [
        (item.get_text(" ", strip=True), item.find("a")["href"])
        for item in page.select("ul.gaps li")
    ]


def _draft_without_phone_texts(engine):
    consultation = make_consultation(engine, phase="draft", poll=["yes", "no"])
    with session_scope(engine, write=True) as session:
        from participation.consultations import service
        from participation.consultations.models import Consultation

        row = session.get(Consultation, consultation.id)
        row.closes_at = None
        session.add(row)
        service.save_text(session, row, "de", phone_summary="", poll_question="")
        service.save_text(session, row, "en", title="Market square")
    return consultation


def test_readiness_names_each_gap_with_its_step_and_they_clear(client, engine):
    login(client, engine, Role.editor)
    consultation = _draft_without_phone_texts(engine)
    gaps = _gaps(client, consultation.id)
    texts = " | ".join(text for text, _href in gaps)
    assert "no closing date" in texts
    assert "Phone (Deutsch): The short text is missing" in texts
    assert "no question" in texts
    assert "Web page (English): Partly translated; missing: Summary, Text" in texts
    steps = {href.rsplit("/", 1)[1] for _text, href in gaps}
    assert steps == {"what", "phone", "en"}

    submit(client, STEP.format(id=consultation.id, step="what"), closes_at="2099-12-31T18:00")
    submit(
        client,
        STEP.format(id=consultation.id, step="phone"),
        **{"phone_summary:de": "Kurz gesagt.", "poll_question:de": "Dafür?"},
    )
    submit(client, STEP.format(id=consultation.id, step="en"), **{"title:en": ""})
    assert _gaps(client, consultation.id) == []
    assert (
        "Nothing is missing"
        in client.get(f"/en/staff/consultations/{consultation.id}/readiness").text
    )


def test_opening_with_gaps_asks_first_and_lists_them(client, engine):
    login(client, engine, Role.editor)
    consultation = _draft_without_phone_texts(engine)
    path = f"/en/staff/consultations/{consultation.id}/open"
    token = csrf_token(client, f"/en/staff/consultations/{consultation.id}/readiness")
    asked = client.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert asked.status_code == 200
    confirm = soup(asked.text).find(class_="error-summary")
    assert "no closing date" in confirm.get_text()
    assert client.get(f"/en/c/{consultation.slug}").status_code == 404
    opened = client.post(path, data={"csrf_token": token, "confirm": "1"}, follow_redirects=False)
    assert opened.status_code == 303
    assert client.get(f"/en/c/{consultation.slug}").status_code == 200


def test_the_sms_preview_is_what_the_sms_door_answers_once_open(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft", poll=["yes", "no"], code="4655")
    page = soup(client.get(f"/en/staff/consultations/{consultation.id}/preview/sms").text)
    previewed = {
        dt.find("q").get_text(): dd.find("q").get_text()
        for dt, dd in zip(page.select("dl dt"), page.select("dl dd"), strict=True)
    }
    # A draft is no consultation to the SMS door yet...
    (draft_reply,) = send_sms(client, "INFO 4655", "+4915100000001").messages
    assert "Kurz gesagt" not in draft_reply and draft_reply != previewed["INFO 4655"]
    token = csrf_token(client, f"/en/staff/consultations/{consultation.id}/readiness")
    client.post(
        f"/en/staff/consultations/{consultation.id}/open",
        data={"csrf_token": token, "confirm": "1"},
    )
    # ... and once open, it answers word for word what the preview showed.
    for sent in ("INFO 4655", "4655 1", "HILFE"):
        (reply,) = send_sms(client, sent, "+4915100000002").messages
        assert previewed[sent] == reply, sent


def test_the_phone_preview_is_what_a_caller_hears_once_open(client, engine):
    set_now(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))  # a Wednesday morning: the line is open
    try:
        login(client, engine, Role.editor)
        consultation = make_consultation(engine, phase="draft", poll=["yes", "no"], code="4656")
        page = soup(client.get(f"/en/staff/consultations/{consultation.id}/preview/phone").text)
        scenes = [
            [li.get_text() for li in ol.find_all("li")] for ol in page.select("ol.phone-preview")
        ]
        assert scenes[0][0] == "Kurz gesagt."
        assert scenes[2][0] == "Sind Sie dafür?"
        token = csrf_token(client, f"/en/staff/consultations/{consultation.id}/readiness")
        client.post(
            f"/en/staff/consultations/{consultation.id}/open",
            data={"csrf_token": token, "confirm": "1"},
        )
        call = open_line(client, "de")
        call.press(str(CODE_KEY))  # the poster's way: the code key, then the code and #
        call.press("4656#")
        assert [text for _voice, _lang, text in call.said()] == scenes[0]
        call.press("2")
        assert [text for _voice, _lang, text in call.said()] == scenes[2]
    finally:
        set_now(None)


def test_the_public_page_and_poster_previews_show_a_draft_to_staff_only(client, engine):
    consultation = make_consultation(engine, phase="draft", title="Geheimer Entwurf")
    for door in ("web", "poster"):
        path = f"/en/staff/consultations/{consultation.id}/preview/{door}"
        assert client.get(path, follow_redirects=False).status_code == 303  # to the login
    login(client, engine, Role.editor)
    web = client.get(f"/en/staff/consultations/{consultation.id}/preview/web").text
    assert "Geheimer Entwurf" in web and "residents cannot see this yet" in web
    assert "Open for comments" in web  # as it will be once opened
    poster = client.get(f"/en/staff/consultations/{consultation.id}/preview/poster").text
    assert "Geheimer Entwurf" in poster and "<svg" in poster
    assert client.get(f"/en/c/{consultation.slug}").status_code == 404
    assert client.get(f"/en/c/{consultation.slug}/poster").status_code == 404


@pytest.mark.parametrize(
    ("text", "segments", "encoding"),
    [
        ("Kurz gesagt.", 1, "GSM-7"),
        ("a" * 161, 2, "GSM-7"),
        ("Коротко: " + "б" * 70, 2, "UCS-2"),
    ],
)
def test_the_phone_step_counts_sms_segments_and_seconds(client, engine, text, segments, encoding):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft")
    response = submit(
        client, STEP.format(id=consultation.id, step="phone"), **{"phone_summary:de": text}
    )
    assert response.status_code == 303
    page = soup(client.get(STEP.format(id=consultation.id, step="phone")).text)
    counts = page.find(id="counts-de").get_text(" ", strip=True)
    assert count_segments(text).segments == segments
    noun = "segment" if segments == 1 else "segments"
    assert f"SMS: {segments} {noun} ({encoding})" in counts
    assert f"about {seconds_to_say(text)} seconds" in counts
    # Live while typing (htmx): the same counts as a fragment, nothing saved.
    live = client.get(
        f"/en/staff/consultations/{consultation.id}/counts",
        params={"locale": "de", "phone_summary:de": text + " " + text},
        headers={"HX-Request": "true"},
    )
    assert live.status_code == 200 and "<html" not in live.text
    assert f"about {seconds_to_say(text + ' ' + text)} seconds" in live.text


def test_seconds_of_speech_follow_the_documented_rate():
    # 2.5 words a second: 25 words take 10 seconds; Leichte Sprache is read at 85 %.
    assert seconds_to_say(" ".join(["Wort"] * 25)) == 11  # 10 s of words, a pause at the end
    assert seconds_to_say(" ".join(["Wort"] * 25), "ls") == 13
    # A figure is read digit by digit (or as a long number word): each digit counts.
    assert spoken_words("Bis 2027 - fertig.") == 6
    assert seconds_to_say("") == 0


def test_a_moderator_may_not_set_up_a_consultation(client, engine):
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.moderator)
    token = csrf_token(client, "/en/staff/")
    for path in (
        STEP.format(id=consultation.id, step="what"),
        f"/en/staff/consultations/{consultation.id}/readiness",
        f"/en/staff/consultations/{consultation.id}/preview/sms",
        "/en/staff/consultations/new",
    ):
        assert client.get(path).status_code == 403, path
    saved = client.post(
        STEP.format(id=consultation.id, step="what"),
        data={"csrf_token": token, "title:de": "Übernommen"},
    )
    opened = client.post(
        f"/en/staff/consultations/{consultation.id}/open",
        data={"csrf_token": token, "confirm": "1"},
    )
    assert (saved.status_code, opened.status_code) == (403, 403)


def test_another_councils_staff_get_404_on_every_page_of_the_set_up(app, engine, councils):  # noqa: F811
    ours, _theirs, other = councils
    editor = make_staff(engine, Role.editor, "editor@beispieldorf.example", council_id=other)
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, editor.email) == 303
        token = csrf_token(dorf, "/de/staff/")
        paths = [
            f"/de/staff/consultations/{ours.id}/setup/{step}"
            for step in ("what", "answers", "phone", "languages", "en")
        ] + [
            f"/de/staff/consultations/{ours.id}/readiness",
            f"/de/staff/consultations/{ours.id}/counts?locale=de",
            *(
                f"/de/staff/consultations/{ours.id}/preview/{d}"
                for d in ("web", "sms", "phone", "poster")
            ),
        ]
        paths.append(f"/de/staff/consultations/{ours.id}")
        for path in paths:
            # Not even a redirect into the steps gives the consultation away.
            assert dorf.get(path, follow_redirects=False).status_code == 404, path
        for path in (
            f"/de/staff/consultations/{ours.id}/setup/what",
            f"/de/staff/consultations/{ours.id}/open",
        ):
            response = dorf.post(
                path, data={"csrf_token": token, "title:de": "Fremd", "confirm": "1"}
            )
            assert response.status_code == 404, path
    with session_scope(engine, council_id=1) as session:
        from participation.consultations.models import Consultation

        assert session.get(Consultation, ours.id).is_published is True


def test_a_language_without_text_still_shows_its_counts_for_htmx_to_replace(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft")
    page = soup(client.get(STEP.format(id=consultation.id, step="uk")).text)
    textarea = page.find(id="field-phone_summary-uk")
    assert textarea["hx-target"] == "#counts-uk"
    assert "keyup changed delay" in textarea["hx-trigger"]
    # The live region stays (and is announced); htmx replaces what is inside it.
    assert textarea["hx-swap"] == "innerHTML"
    assert page.find(id="counts-uk")["aria-live"] == "polite"
    assert "SMS: 0" in page.find(id="counts-uk").get_text()
