"""The phone simulator: a whole call with form buttons, no JavaScript, no Twilio."""

from __future__ import annotations

import io
import re
import wave

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.channels.voice.models import SimulatedRecording, VoiceCall
from participation.channels.voice.speech import spoken
from participation.contributions.models import Channel, Contribution, PollVote
from participation.i18n.catalogs import translations
from tests.channels.voice.phone import fetch
from tests.factories import csrf_token, login, make_consultation, soup

PAGE = "/de/simulator/phone"


def de(message: str, **values: object) -> str:
    """A page text as the German page shows it."""
    text = translations("de").gettext(message)
    return text % values if values else text


@pytest.fixture
def settings(settings):
    return settings.with_(demo_mode=True)


@pytest.fixture(autouse=True)
def staff(client, engine):
    """Only staff may use the simulator."""
    return login(client, engine, Role.editor)


def wav_bytes(seconds: float = 4.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * int(8000 * seconds))
    return buffer.getvalue()


class Browser:
    """Submits the simulator's forms as a browser without JavaScript would."""

    def __init__(self, client) -> None:
        self.client = client
        self.page = client.get(PAGE)
        assert self.page.status_code == 200

    @property
    def html(self):
        return soup(self.page.text)

    def submit(self, form, button=None, files=None, **values):
        data = {
            i["name"]: i.get("value", "")
            for i in form.find_all("input")
            if i.get("name") and i.get("type") not in ("radio", "checkbox", "file", "submit")
        }
        for radio in form.find_all("input", attrs={"type": "radio", "checked": True}):
            data[radio["name"]] = radio["value"]
        if button is not None:
            data[button["name"]] = button["value"]
        data.update(values)
        self.page = self.client.post(form["action"], data=data, files=files)
        assert self.page.status_code == 200, self.page.text[:500]
        return self.page

    def heard(self) -> str:
        now = self.html.find(id="now-heading").find_parent("section")
        return " ".join(li.bdi.get_text(" ", strip=True) for li in now.find_all("li") if li.bdi)

    def press(self, key: str):
        form = self.html.find("form", action="/de/simulator/phone/key")
        assert form is not None, "no keypad shown"
        button = form.find("button", attrs={"name": "key", "value": key})
        return self.submit(form, button)


def test_a_whole_call_in_the_browser(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4711")
    browser = Browser(client)
    start = browser.html.find("form", action="/de/simulator/phone/call")
    assert start.find("input", attrs={"name": "csrf_token"})
    browser.submit(start)
    assert spoken("greeting", "de", council="Gemeinde Musterstadt") in browser.heard()
    keys = [b["value"] for b in browser.html.select(".keypad button")]
    assert keys == list("123456789*0#")

    browser.press("1")  # German
    assert spoken("consultation_code", "de", digit=9) in browser.heard()
    browser.press("9")  # one key: the line moves on at once
    assert spoken("code_entry", "de") in browser.heard()
    for key in "4711":  # a code is typed key by key, the line waits for #
        browser.press(key)
    assert browser.html.find("output").get_text() == "4711"
    browser.press("#")
    assert "Kurz gesagt." in browser.heard()

    browser.press("1")  # comment
    record = browser.html.find("form", action="/de/simulator/phone/record")
    assert record is not None and record.get("enctype") == "multipart/form-data"
    finish = record.find("button", attrs={"value": "finish"})
    browser.submit(
        record,
        finish,
        files={"audio": ("comment.wav", wav_bytes(4.0), "audio/wav")},
        text="Bitte mehr Bänke und einen Trinkbrunnen.",
    )
    (stored,) = fetch(engine, select(Contribution).where(Contribution.channel == Channel.voice))
    assert stored.consultation_id == consultation.id
    assert stored.recording_url.startswith("simulator:RE")
    assert stored.recording_duration == 4
    spaced = " ".join(stored.reference[:4])
    assert spaced in browser.heard()

    browser.press("0")  # back to the menu
    browser.press("2")  # vote
    browser.press("1")
    assert len(fetch(engine, select(PollVote))) == 1
    assert spoken("vote_saved", "de", label="Ja", replaced=False) in browser.heard()

    history = browser.html.find("details", class_="call-history")
    assert de("Pressed %(keys)s", keys="4711#") in history.get_text()
    assert history.find("pre") is not None  # the TwiML of each answer

    hangup = browser.html.find("form", action="/de/simulator/phone/hangup")
    browser.submit(hangup)
    assert de("The call has ended.") in browser.page.text
    (call,) = fetch(engine, select(VoiceCall))
    assert call.ended_at is not None and call.contributed and call.voted

    # Staff hear the uploaded audio and see the typed stand-in next to it.
    login(client, engine, Role.moderator)
    page = client.get(f"/de/staff/calls/recordings/{stored.id}")
    assert "Bitte mehr Bänke und einen Trinkbrunnen." in page.text
    audio = client.get(f"/de/staff/calls/recordings/{stored.id}/audio")
    assert audio.status_code == 200 and audio.content == wav_bytes(4.0)


def test_arabic_lines_are_marked_right_to_left(client, engine):
    make_consultation(engine)
    browser = Browser(client)
    browser.submit(browser.html.find("form", action="/de/simulator/phone/call"))
    browser.press("4")
    lines = browser.html.find(id="now-heading").find_parent("section").find_all("li")
    marks = {(li["lang"], li["dir"], li.find(class_="voice").get_text()) for li in lines}
    # Arabic prompts right to left; the title, written only in German, in German.
    assert marks == {("ar", "rtl", "(Polly.Zeina)"), ("de", "ltr", "(Polly.Vicki)")}


def test_waiting_times_out_and_hanging_up_while_recording_keeps_the_comment(client, engine):
    make_consultation(engine)
    browser = Browser(client)
    browser.submit(browser.html.find("form", action="/de/simulator/phone/call"))
    form = browser.html.find("form", action="/de/simulator/phone/key")
    browser.submit(form, form.find("button", attrs={"value": "wait"}))
    assert spoken("reprompt", "de", reason="timeout") in browser.heard()
    browser.press("1")
    browser.press("1")
    browser.press("#")
    browser.press("1")
    record = browser.html.find("form", action="/de/simulator/phone/record")
    browser.submit(
        record,
        record.find("button", attrs={"value": "hangup"}),
        text="Ich wollte nur sagen, dass der Platz schön ist.",
    )
    assert de("The call has ended.") in browser.page.text
    (stored,) = fetch(engine, select(Contribution))
    assert stored.recording_duration and stored.recording_duration > 2
    (recording,) = fetch(engine, select(SimulatedRecording))
    assert recording.audio is None and recording.stand_in_text.startswith("Ich wollte")


def test_withheld_number(client, engine):
    make_consultation(engine)
    browser = Browser(client)
    start = browser.html.find("form", action="/de/simulator/phone/call")
    browser.submit(start, **{"from": "anonymous"})
    browser.press("1")
    assert browser.html.find("input", attrs={"name": "from"})["value"] == "anonymous"
    (call,) = fetch(engine, select(VoiceCall))
    assert call.caller_key is None


def test_the_simulator_needs_a_csrf_token(client, engine):
    make_consultation(engine)
    response = client.post("/de/simulator/phone/call", data={"from": "+4915111111111"})
    assert response.status_code == 403
    assert fetch(engine, select(VoiceCall)) == []


def test_forged_action_urls_are_not_followed(client, engine):
    make_consultation(engine)
    browser = Browser(client)
    browser.submit(browser.html.find("form", action="/de/simulator/phone/call"))
    sid = re.search(r'name="call" value="(CA[0-9a-f]{32})"', browser.page.text).group(1)
    token = csrf_token(client, PAGE)
    # Garbage state is ignored: no such call, nothing sent.
    response = client.post(
        "/de/simulator/phone/key",
        data={"csrf_token": token, "call": "CA" + "0" * 32, "from": "", "key": "1"},
    )
    assert response.status_code == 200
    assert len(fetch(engine, select(VoiceCall))) == 1
    assert sid


def test_the_simulator_is_off_with_a_real_twilio_account(client, engine, app):
    app.state.settings = app.state.settings.with_(demo_mode=False)
    assert client.get(PAGE).status_code == 404


def test_a_real_call_is_neither_shown_nor_driven(client, engine):
    """The simulator shows and presses keys only in calls it made for this login."""
    from tests.channels.voice.phone import open_line

    make_consultation(engine)
    real = open_line(client, from_number="+4915123456789")
    real.press("3")  # the resident is asked about a call-back
    (call,) = fetch(engine, select(VoiceCall))
    seq = call.seq
    page = client.get(f"{PAGE}?call={real.sid}&from=%2B4915123456789")
    assert page.status_code == 200
    html = soup(page.text)
    assert html.find("details", class_="call-history") is None
    assert "4 5 6 7 8 9" not in page.text and "+4915123456789" not in page.text
    token = csrf_token(client, PAGE)
    for path, data in (
        ("/de/simulator/phone/key", {"key": "1"}),
        ("/de/simulator/phone/hangup", {}),
    ):
        client.post(path, data={"csrf_token": token, "call": real.sid, "from": "", **data})
    (after,) = fetch(engine, select(VoiceCall))
    assert after.seq == seq and after.ended_at is None
    # Another login does not see this login's simulated call either.
    browser = Browser(client)
    browser.submit(browser.html.find("form", action="/de/simulator/phone/call"))
    sid = re.search(r'name="call" value="(CA[0-9a-f]{32})"', browser.page.text).group(1)
    login(client, engine, Role.moderator)
    other = soup(client.get(f"{PAGE}?call={sid}").text)
    assert other.find("details", class_="call-history") is None


def test_only_fictional_numbers_call(client, engine):
    make_consultation(engine)
    token = csrf_token(client, PAGE)
    response = client.post(
        "/de/simulator/phone/call", data={"csrf_token": token, "from": "+4915123456789"}
    )
    assert response.status_code == 422
    assert fetch(engine, select(VoiceCall)) == []
