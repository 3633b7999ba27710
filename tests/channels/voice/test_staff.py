"""Staff side of the phone line: the recording proxy, transcripts, call-backs, the report."""

from __future__ import annotations

import base64
import io
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.channels.voice.models import CallbackRequest, VoiceStep
from participation.contributions.models import Channel, Contribution, Status
from participation.moderation.models import AuditEvent, Decision, ModerationDecision
from tests.channels.voice.phone import ACCOUNT_SID, fetch, open_line, to_consultation
from tests.conftest import TEST_TWILIO_TOKEN
from tests.factories import csrf_token, login, make_consultation, make_contribution, soup

CALLER = "+4915112345678"


def small_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x00\x01" * 4000)
    return buffer.getvalue()


class FakeTwilio:
    """Twilio's recording endpoint on 127.0.0.1: a WAV for the right credentials only."""

    def __init__(self) -> None:
        self.wav = small_wav()
        self.requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                auth = self.headers.get("Authorization", "")
                fake.requests.append((self.path, auth))
                expected = (
                    "Basic "
                    + base64.b64encode(f"{ACCOUNT_SID}:{TEST_TWILIO_TOKEN}".encode()).decode()
                )
                if auth != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "audio/x-wav")
                self.send_header("Content-Length", str(len(fake.wav)))
                self.end_headers()
                self.wfile.write(fake.wav)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def recording_url(self, sid: str) -> str:
        return f"{self.base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def settings(settings, fake_twilio):
    return settings.with_(twilio_api_base=fake_twilio.base)


def recorded_call(client, fake_twilio, seconds: int = 17) -> Contribution:
    call = to_consultation(client, from_number=CALLER)
    call.press("1")
    sid = "RE" + "a" * 32
    call.record(seconds, recording_sid=sid, recording_url=fake_twilio.recording_url(sid))
    return call


def voice_contribution(engine) -> Contribution:
    (contribution,) = fetch(engine, select(Contribution).where(Contribution.channel == "voice"))
    return contribution


# --- The recording proxy ----------------------------------------------------------------


def test_moderators_hear_the_recording_through_the_proxy(client, engine, fake_twilio):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    audio_path = f"/de/staff/calls/recordings/{contribution.id}/audio"

    anonymous = client.get(audio_path, follow_redirects=False)
    assert anonymous.status_code == 303 and "/staff/login" in anonymous.headers["location"]
    assert fake_twilio.requests == []

    login(client, engine, Role.moderator)
    response = client.get(audio_path)
    assert response.status_code == 200
    assert response.content == fake_twilio.wav
    assert response.headers["content-type"] == "audio/x-wav"
    assert "no-store" in response.headers["cache-control"]
    ((path, _auth),) = fake_twilio.requests
    assert path.endswith("/Recordings/RE" + "a" * 32)


def test_editors_may_not_listen(client, engine, fake_twilio):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    login(client, engine, Role.editor)
    response = client.get(f"/de/staff/calls/recordings/{contribution.id}/audio")
    assert response.status_code == 403
    assert fake_twilio.requests == []


@pytest.mark.parametrize(
    "recording_url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://api.twilio.com.evil.example/rec",
        "http://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE",
    ],
)
def test_the_proxy_fetches_nothing_but_twilio(client, engine, fake_twilio, recording_url):
    consultation = make_consultation(engine)
    contribution = make_contribution(
        engine,
        consultation,
        body="",
        channel=Channel.voice,
        recording_url=recording_url,
        recording_duration=9,
    )
    login(client, engine, Role.moderator)
    response = client.get(f"/de/staff/calls/recordings/{contribution.id}/audio")
    assert response.status_code == 404
    assert fake_twilio.requests == []


def test_the_recording_page_and_unknown_ids(client, engine, fake_twilio):
    consultation = make_consultation(engine)
    web = make_contribution(engine, consultation, body="Online")
    login(client, engine, Role.moderator)
    assert client.get(f"/de/staff/calls/recordings/{web.id}").status_code == 404
    assert client.get(f"/de/staff/calls/recordings/{web.id}/audio").status_code == 404
    assert client.get("/de/staff/calls/recordings/999999").status_code == 404


# --- Transcripts ------------------------------------------------------------------------


def test_transcript_typed_in_the_queue_is_the_only_thing_published(client, engine, fake_twilio):
    consultation = make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    moderator = login(client, engine, Role.moderator)

    queue = client.get("/de/staff/moderation")
    assert queue.status_code == 200
    html = soup(queue.text)
    item = html.find(id=f"item-{contribution.id}")
    audio = item.find("audio")
    assert audio["src"] == f"/de/staff/calls/recordings/{contribution.id}/audio"
    assert fake_twilio.base not in queue.text and "api.twilio.com" not in queue.text
    form = item.find("form", action=f"/de/staff/calls/recordings/{contribution.id}/transcript")
    label = form.find("label", attrs={"for": form.find("textarea")["id"]})
    assert label is not None

    # Nothing to publish before the transcript.
    token = csrf_token(client, "/de/staff/moderation")
    back = form.find("input", attrs={"name": "back"})["value"]
    client.post(
        f"/de/staff/moderation/{contribution.id}/approve",
        data={"csrf_token": token, "back": back},
    )
    assert voice_contribution(engine).status is Status.pending

    empty = client.post(
        form["action"], data={"csrf_token": token, "transcript": "  ", "back": back}
    )
    assert empty.status_code == 422
    saved = client.post(
        form["action"],
        data={"csrf_token": token, "transcript": "Mehr Bänke am Marktplatz.", "back": back},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == back
    stored = voice_contribution(engine)
    assert stored.body == "Mehr Bänke am Marktplatz."
    decisions = fetch(
        engine,
        select(ModerationDecision).where(ModerationDecision.contribution_id == stored.id),
    )
    assert [d.decision for d in decisions] == [Decision.transcribe]
    assert decisions[0].staff_id == moderator.id
    assert decisions[0].consultation_id == consultation.id

    client.post(
        f"/de/staff/moderation/{contribution.id}/approve",
        data={"csrf_token": token, "back": back},
    )
    assert voice_contribution(engine).status is Status.published
    client.cookies.clear()
    page = client.get(f"/de/c/{consultation.slug}")
    assert "Mehr Bänke am Marktplatz." in page.text
    assert "<audio" not in page.text and "/recordings/" not in page.text
    assert "Recordings" not in page.text


def test_transcript_saved_in_place_with_htmx(client, engine, fake_twilio):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    login(client, engine, Role.moderator)
    token = csrf_token(client, f"/de/staff/calls/recordings/{contribution.id}")
    response = client.post(
        f"/de/staff/calls/recordings/{contribution.id}/transcript",
        data={"csrf_token": token, "transcript": "Bitte mehr Bäume."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = soup(response.text)
    assert fragment.find(id=f"transcript-{contribution.id}") is not None
    assert fragment.find(attrs={"role": "status"}) is not None
    assert "<html" not in response.text


def test_changing_the_transcript_of_a_published_comment_needs_approval_again(
    client, engine, fake_twilio
):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    login(client, engine, Role.moderator)
    path = f"/de/staff/calls/recordings/{contribution.id}"
    token = csrf_token(client, path)
    client.post(path + "/transcript", data={"csrf_token": token, "transcript": "Erste Fassung"})
    client.post(
        f"/de/staff/moderation/{contribution.id}/approve",
        data={"csrf_token": token, "back": "/de/staff/moderation"},
    )
    assert voice_contribution(engine).status is Status.published
    client.post(path + "/transcript", data={"csrf_token": token, "transcript": "Zweite Fassung"})
    stored = voice_contribution(engine)
    assert stored.status is Status.pending and stored.body == "Zweite Fassung"


# --- Call-backs -------------------------------------------------------------------------


def test_callback_numbers_are_shown_to_staff_only_there_and_deleted_when_done(
    client, engine, fake_twilio
):
    make_consultation(engine, title="Neue Buslinie")
    call = to_consultation(client, from_number=CALLER)
    call.press("3")
    call.press("1")
    (request,) = fetch(engine, select(CallbackRequest))

    assert client.get("/de/staff/calls/callbacks", follow_redirects=False).status_code == 303
    login(client, engine, Role.editor)
    assert client.get("/de/staff/calls/callbacks").status_code == 403

    client.cookies.clear()
    moderator = login(client, engine, Role.moderator)
    page = client.get("/de/staff/calls/callbacks")
    html = soup(page.text)
    link = html.find("a", href=f"tel:{CALLER}")
    assert link is not None and link.get_text() == CALLER
    assert "Neue Buslinie" in page.text
    assert CALLER not in client.get("/de/staff/moderation").text
    assert CALLER not in client.get("/de/staff/calls/report").text

    form = html.find("form", action=f"/de/staff/calls/callbacks/{request.id}/done")
    outcomes = [i["value"] for i in form.find_all("input", attrs={"name": "outcome"})]
    assert outcomes == ["reached", "no_answer", "wrong_number", "resolved"]
    token = csrf_token(client, "/de/staff/calls/callbacks")
    done = client.post(
        form["action"],
        data={"csrf_token": token, "outcome": "reached", "note": "Frage geklärt"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    (request,) = fetch(engine, select(CallbackRequest))
    assert request.status == "done" and request.outcome == "reached"
    assert request.number_encrypted is None and request.number_key is None
    assert request.done_by_id == moderator.id
    assert fetch(engine, select(VoiceStep).where(VoiceStep.call_sid == call.sid)) == []
    assert fetch(engine, select(AuditEvent.action).where(AuditEvent.action == "callback_done"))
    after = client.get("/de/staff/calls/callbacks")
    assert CALLER not in after.text
    assert "Frage geklärt" in after.text


def test_marking_done_needs_an_outcome(client, engine, fake_twilio):
    make_consultation(engine)
    call = to_consultation(client, from_number=CALLER)
    call.press("3")
    call.press("1")
    (request,) = fetch(engine, select(CallbackRequest))
    login(client, engine, Role.moderator)
    token = csrf_token(client, "/de/staff/calls/callbacks")
    response = client.post(
        f"/de/staff/calls/callbacks/{request.id}/done", data={"csrf_token": token}
    )
    assert response.status_code == 400
    assert fetch(engine, select(CallbackRequest))[0].number_encrypted is not None


# --- The service report -------------------------------------------------------------------


def test_service_report_counts_calls_and_where_they_were_abandoned(client, engine, fake_twilio):
    make_consultation(engine, poll=["yes", "no"])
    commented = recorded_call(client, fake_twilio)
    voted = to_consultation(client)
    voted.press("2")
    voted.press("1")
    called_back = to_consultation(client)
    called_back.press("3")
    called_back.press("1")
    gave_up = open_line(client)  # hangs up at the consultation menu
    failed = to_consultation(client)
    for _ in range(3):
        failed.press("7")
    for call in (commented, voted, called_back, gave_up, failed):
        call.hang_up(95)
    still_talking = open_line(client)  # not ended: not counted as abandoned
    assert still_talking

    login(client, engine, Role.editor)
    page = soup(client.get("/de/staff/calls/report").text)
    totals = {
        row["data-figure"]: row.td.get_text(strip=True)
        for row in page.find(id="report-totals").find_all("tr")
    }
    assert totals["calls"] == "6"
    assert totals["contribution"] == "1"
    assert totals["vote"] == "1"
    assert totals["callback"] == "1"
    assert totals["failed_out"] == "1"
    assert totals["abandoned"] == "2"
    assert totals["median"]
    abandoned = {
        row.th["data-step"]: row.td.get_text(strip=True)
        for row in page.find(id="report-abandoned").find("tbody").find_all("tr")
    }
    assert abandoned == {"consultation": "1", "action": "1"}
    days = page.find(id="report-days").find("tbody").find_all("tr")
    assert len(days) == 1 and days[0].find_all("td")[0].get_text(strip=True) == "6"
