"""The phone simulator (SMS part): the same signed webhook, for the demo and training."""

from urllib.parse import quote

import pytest
from sqlmodel import Session, select
from starlette.routing import NoMatchFound
from starlette.testclient import TestClient

from participation.app import create_app
from participation.channels.sms.models import InboundSms
from participation.contributions.models import Channel, Contribution
from participation.contributions.reference import format_reference
from participation.db import session_scope
from participation.outbox.service import enqueue_sms
from participation.phones import phone_key
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import csrf_token, login, make_consultation, soup

#: One of the Bundesnetzagentur's numbers for fiction (Berlin 030 23125 000-999).
NUMBER = "+493023125001"
#: A number that could be a resident's.
REAL = "+4915123456789"
PAGE = "/de/simulator/sms"


@pytest.fixture
def local_client(settings, engine):
    """No Twilio credentials: the simulator signs with the token derived from SECRET_KEY.
    A member of staff is logged in: nobody else may use the simulator."""
    local = settings.with_(twilio_account_sid="", twilio_auth_token="", twilio_phone_number="")
    with TestClient(create_app(local, engine), base_url=PUBLIC_BASE) as client:
        login(client, engine)
        yield client


def send(client, body: str, number: str = NUMBER, **extra):
    token = csrf_token(client, PAGE)
    return client.post(
        PAGE,
        data={"csrf_token": token, "number": number, "body": body, **extra},
        follow_redirects=False,
    )


def test_simulated_sms_goes_through_the_real_webhook(local_client, engine):
    make_consultation(engine, code="4711")
    sent = send(local_client, "4711 Bitte mehr Bänke")
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{PAGE}?number={quote(NUMBER)}"
    with Session(engine) as session:
        [stored] = session.exec(select(Contribution)).all()
        [logged] = session.exec(select(InboundSms)).all()
    assert stored.channel is Channel.sms and stored.body == "Bitte mehr Bänke"
    assert logged.contribution_id == stored.id  # the webhook's own bookkeeping
    page = soup(local_client.get(sent.headers["location"]).text)
    thread = page.select("ol.sms-thread li")
    assert "Bitte mehr Bänke" in thread[0].get_text()
    assert format_reference(stored.reference) in thread[1].get_text()


def test_later_outbound_messages_show_and_can_be_sent(local_client, engine, settings):
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, NUMBER, "Die Ergebnisse sind da.")
    page = local_client.get(f"{PAGE}?number={quote(NUMBER)}")
    [entry] = soup(page.text).select("li.sms-out")
    assert "Die Ergebnisse sind da." in entry.get_text()
    before = entry.get_text(" ", strip=True)
    form = soup(page.text).select_one("#conversation form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    done = local_client.post(
        form["action"], data={"csrf_token": token, "number": NUMBER}, follow_redirects=True
    )
    [entry] = soup(done.text).select("li.sms-out")
    assert entry.get_text(" ", strip=True) != before  # waiting -> sent


def test_htmx_gets_only_the_conversation(local_client, engine):
    make_consultation(engine, code="4711")
    token = csrf_token(local_client, PAGE)
    response = local_client.post(
        PAGE,
        data={"csrf_token": token, "number": NUMBER, "body": "HILFE"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="conversation"')
    assert "4711" in soup(response.text).select("li.sms-reply")[0].get_text()


def test_picture_without_text_is_an_mms(local_client, engine):
    make_consultation(engine, code="4711")
    send(local_client, "", picture="1")
    with Session(engine) as session:
        [logged] = session.exec(select(InboundSms)).all()
    assert logged.num_media == 1
    assert logged.reply


def test_invalid_input_shows_the_form_again(local_client, engine):
    response = send(local_client, "4711 Hallo", number="keine Nummer")
    assert response.status_code == 422
    html = soup(response.text)
    assert html.select_one(".error-summary a[href='#sim-number']")
    assert html.find("textarea", attrs={"name": "body"}).get_text() == "4711 Hallo"
    empty = send(local_client, "  ")
    assert empty.status_code == 422


def test_not_there_with_twilio_credentials_unless_demo_mode(client, settings, engine):
    login(client, engine)
    assert client.get("/de/simulator").status_code == 404
    assert client.get(PAGE).status_code == 404
    assert client.get("/de/simulator/phone").status_code == 404
    demo = settings.with_(demo_mode=True)
    with TestClient(create_app(demo, engine), base_url=PUBLIC_BASE) as demo_client:
        login(demo_client, engine)
        make_consultation(engine, code="4711")
        assert demo_client.get(PAGE).status_code == 200
        assert (
            send(demo_client, "4711 Im Demo-Modus").status_code == 303
        )  # signed with Twilio's token
        page = demo_client.get(f"{PAGE}?number={quote(NUMBER)}").text
        # With real credentials the worker sends; no "send now" shortcut to real phones.
        assert "/de/simulator/sms/outbox" not in page
    with Session(engine) as session:
        assert len(session.exec(select(Contribution)).all()) == 1


def test_index_links_to_sms_and_to_phone_if_there(local_client):
    page = local_client.get("/de/simulator")
    assert page.status_code == 200
    links = [a["href"] for a in soup(page.text).select("main a")]
    assert PAGE in links
    try:
        phone = local_client.app.url_path_for("simulator_phone", lang="de")
    except NoMatchFound:
        phone = None
    assert (phone in links) if phone else all("phone" not in link for link in links)


@pytest.mark.parametrize("demo_mode", [False, True])
def test_anonymous_visitors_cannot_use_the_simulator(settings, engine, demo_mode):
    """Without Twilio credentials, and in the demo with them: staff only."""
    configured = settings.with_(demo_mode=True)
    local = settings.with_(twilio_account_sid="", twilio_auth_token="", twilio_phone_number="")
    make_consultation(engine, code="4711", poll=["yes", "no"])
    with TestClient(
        create_app(configured if demo_mode else local, engine), base_url=PUBLIC_BASE
    ) as anonymous:
        for path in ("/de/simulator", PAGE, "/de/simulator/phone"):
            page = anonymous.get(path, follow_redirects=False)
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/de/staff/login?next="), path
        token = csrf_token(anonymous, "/de/staff/login")
        for body in ("4711 JA", "4711 Eine Meinung"):
            sent = anonymous.post(PAGE, data={"csrf_token": token, "number": NUMBER, "body": body})
            assert sent.status_code in (401, 403), body
        call = anonymous.post(
            "/de/simulator/phone/call", data={"csrf_token": token, "from": NUMBER}
        )
        assert call.status_code in (401, 403)
    with Session(engine) as session:
        assert session.exec(select(Contribution)).all() == []
        assert session.exec(select(InboundSms)).all() == []


def test_a_real_number_is_neither_shown_nor_used(local_client, engine):
    make_consultation(engine, code="4711")
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, REAL, "Ihre Vorgangsnummer ist 4711-2093.")
    page = local_client.get(f"{PAGE}?number={quote(REAL)}")
    assert page.status_code == 200
    assert "4711-2093" not in page.text
    assert not soup(page.text).select("li.sms-out")
    for body in ("4711 Im Namen eines anderen", "LÖSCHEN", "LÖSCHEN JA", "STATUS"):
        sent = send(local_client, body, number=REAL)
        assert sent.status_code == 422, body
        html = soup(sent.text)
        assert html.select_one(".error-summary a[href='#sim-number']"), body
        assert html.find("textarea", attrs={"name": "body"}).get_text() == body
    with Session(engine) as session:
        assert session.exec(select(InboundSms)).all() == []
        assert session.exec(select(Contribution)).all() == []
    # A fictional number works, and its own messages show.
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, NUMBER, "Die Ergebnisse sind da.")
    assert send(local_client, "4711 Bitte mehr Bänke").status_code == 303
    page = local_client.get(f"{PAGE}?number={quote(NUMBER)}")
    assert "Die Ergebnisse sind da." in page.text
    with Session(engine) as session:
        [stored] = session.exec(select(Contribution)).all()
    assert stored.author_key == phone_key(TEST_SECRET, NUMBER)
