"""Input no person would type, but anyone can send: never a 500, and a clear answer.

Each case below answered 500 (or lost the text) before: superscript digits that
str.isdigit() accepts, integers beyond the database's INTEGER, a NUL byte in a path or a
text on PostgreSQL, and the # key alone at the phone line's consultation menu.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.clock import set_now
from participation.contributions.models import Contribution
from participation.db import session_scope
from participation.sitepages.models import BarrierReport
from tests.channels.sms.conftest import send_sms
from tests.channels.voice.conftest import WEDNESDAY_MORNING
from tests.channels.voice.phone import fetch, open_line
from tests.factories import csrf_token, make_consultation, soup

HUGE = "99999999999999999999"


def _stored(engine) -> list[Contribution]:
    with session_scope(engine) as session:
        return list(session.exec(select(Contribution)).all())


def test_superscript_digits_in_a_web_reference_are_not_found(client, engine):
    response = client.get("/en/r/²²²²²²²²")
    assert response.status_code == 404
    assert "We could not find the reference number ²²²²²²²²" in response.text


def test_superscript_digits_in_the_lookup_form_are_refused(client, engine):
    response = client.get("/en/r", params={"ref": "²²²²-²²²²"})
    assert response.status_code == 422
    assert soup(response.text).find("input", attrs={"name": "ref"})["value"] == "²²²²-²²²²"


def test_superscript_digits_by_sms_get_a_reply(client, engine):
    reply = send_sms(client, "STATUS ²²²²²²²²")
    assert reply.status == 200
    assert reply.text


def test_huge_poll_option_is_refused_with_the_number_kept(client, engine):
    # The answer goes through the vote form (the comment form carries none any more).
    consultation = make_consultation(engine, poll=["yes", "no"])
    page = soup(client.get(f"/en/c/{consultation.slug}").text)
    form = page.find("form", id="vote-form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        form["action"],
        data={"csrf_token": token, "poll_option": HUGE, "phone": "0151 11111111", "action": "code"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    page = soup(response.text)
    assert "Please choose one of the answers shown" in page.find(class_="error-summary").get_text()
    assert page.find("input", attrs={"name": "phone"})["value"] == "0151 11111111"
    assert _stored(engine) == []


@pytest.mark.parametrize(
    "path",
    [
        "/en/c/{slug}?before=" + HUGE,
        "/en/c/{slug}/moderation?before=" + HUGE,
        "/en/c/{slug}/moderation?before=-" + HUGE,
        "/en/c/{slug}/results?after=" + HUGE,
    ],
)
def test_cursor_beyond_the_database_range_is_a_bad_request(client, engine, path):
    consultation = make_consultation(engine, phase="results")
    response = client.get(path.format(slug=consultation.slug))
    assert response.status_code == 400
    assert "Something in the request was not right" in response.text


def test_summary_audio_with_a_huge_id_is_not_found(client, engine):
    assert client.get("/twilio/voice/summary-audio/" + HUGE).status_code == 404
    assert client.get("/twilio/voice/summary-audio/2147483648").status_code == 404


def test_nul_byte_in_a_static_path_is_not_found(client):
    assert client.get("/static/app%00.css").status_code == 404


def test_nul_byte_in_a_barrier_report_is_stripped_and_the_text_kept(client, engine):
    token = csrf_token(client, "/en/barrier-report")
    response = client.post(
        "/en/barrier-report",
        data={
            "csrf_token": token,
            "description": "Der Knopf\x00 fehlt\x07.",
            "page": "/de/c/x\x00",
            "contact_email": "a\x00@example.org",
        },
        follow_redirects=False,
    )
    assert response.status_code in (303, 422), response.text
    if response.status_code == 422:
        # Refused for the address: the description is still in the form.
        assert "Der Knopf" in soup(response.text).find("textarea").get_text()
        return
    with session_scope(engine) as session:
        report = session.exec(select(BarrierReport)).one()
    assert report.description == "Der Knopf fehlt."
    assert report.page == "/de/c/x"


@pytest.mark.parametrize("keys", ["#", "²", "1#2", HUGE])
def test_odd_keys_at_the_consultation_menu_reprompt(client, engine, keys):
    set_now(WEDNESDAY_MORNING)  # inside the line's opening hours
    make_consultation(engine)
    call = open_line(client)
    gather = call.gather
    exchange = call.post(gather.get("action", ""), {"Digits": keys}, f"press {keys}")
    assert exchange.status == 200
    assert call.gather is not None  # asked again, the call goes on
    from participation.channels.voice.models import VoiceCall

    assert fetch(engine, select(VoiceCall))[0].consultation_id is None


@pytest.mark.parametrize(
    ("typed", "stored"), [("٤٧١١", "4711"), ("４７１１", "4711"), ("²²²", None)]
)
def test_consultation_code_is_read_as_keypad_digits(client, engine, typed, stored):
    from participation.accounts.models import Role
    from participation.consultations.models import Consultation
    from tests.factories import login

    login(client, engine, Role.admin)
    token = csrf_token(client, "/en/staff/consultations/new")
    response = client.post(
        "/en/staff/consultations/new",
        data={
            "csrf_token": token,
            "title:de": "Marktplatz",
            "poll_kind": "none",
            "code": typed,
            "opens_at": "2020-01-01T08:00",
            "closes_at": "2099-12-31T18:00",
            "retention_days": "180",
        },
        follow_redirects=False,
    )
    with session_scope(engine) as session:
        codes = [c.code for c in session.exec(select(Consultation)).all()]
    if stored is None:
        assert response.status_code == 422
        assert "The code must have 3 to 6 digits." in response.text
        assert codes == []
    else:
        assert response.status_code == 303, response.text
        assert codes == [stored]
