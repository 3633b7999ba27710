"""Staff side of the phone line: recordings from our storage, transcripts, call-backs, report."""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.carrier_deletions import delete_due
from participation.channels.voice.models import CallbackRequest, VoiceStep
from participation.contributions.models import Channel, Contribution, Status
from participation.contributions.recordings import RecordingAudio
from participation.db import session_scope
from participation.moderation.models import AuditEvent, Decision, ModerationDecision
from participation.outbox.carrier import forget_recording, recording_sid_in
from participation.outbox.worker import CouncilSenders
from tests.channels.voice.phone import ACCOUNT_SID, fetch, open_line, to_consultation
from tests.conftest import TEST_TWILIO_TOKEN
from tests.factories import csrf_token, login, make_consultation, make_contribution, soup
from tests.fakes.twilio_api import FakeTwilioApi, SentRequest, running_fake_twilio

CALLER = "+4915112345678"


class FakeTwilio:
    """The fake Twilio REST API (tests/fakes/twilio_api.py) holding the call's recording."""

    def __init__(self, api: FakeTwilioApi) -> None:
        self.api = api
        self.base = api.base_url
        self.audio = b"ID3" + bytes(range(256)) * 8

    @property
    def requests(self) -> list[SentRequest]:
        """The downloads with credentials (the worker's check of the account's media
        auth setting asks once without)."""
        return [r for r in self.api.downloads if r.auth is not None]

    def recording_url(self, sid: str) -> str:
        self.api.recordings[sid] = (ACCOUNT_SID, self.audio)
        return self.api.recording_url(ACCOUNT_SID, sid)


@pytest.fixture
def fake_twilio():
    with running_fake_twilio() as api:
        api.tokens[ACCOUNT_SID] = TEST_TWILIO_TOKEN
        yield FakeTwilio(api)


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


def run_deletions(engine, settings) -> int:
    return delete_due(engine, CouncilSenders(engine, settings))


# --- The recording, from our own storage --------------------------------------------


def test_moderators_hear_the_recording_from_our_storage_after_twilio_deleted_it(
    client, engine, settings, fake_twilio
):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    audio_path = f"/de/staff/calls/recordings/{contribution.id}/audio"

    assert run_deletions(engine, settings) == 1
    # Fetched once, with the account's credentials ("Enforce HTTP Auth on Media URLs" on),
    # then deleted at Twilio.
    (download,) = fake_twilio.requests
    assert download.path.endswith("/Recordings/RE" + "a" * 32 + ".mp3")
    assert download.auth == (ACCOUNT_SID, TEST_TWILIO_TOKEN)
    assert fake_twilio.api.deleted("Recordings") == ["RE" + "a" * 32]
    assert not fake_twilio.api.held("RE" + "a" * 32)
    (sealed,) = fetch(engine, select(RecordingAudio))
    assert fake_twilio.audio not in sealed.sealed

    anonymous = client.get(audio_path, follow_redirects=False)
    assert anonymous.status_code == 303 and "/staff/login" in anonymous.headers["location"]

    login(client, engine, Role.moderator)
    response = client.get(audio_path)
    assert response.status_code == 200
    assert response.content == fake_twilio.audio
    assert response.headers["content-type"] == "audio/mpeg"
    assert "no-store" in response.headers["cache-control"]
    assert len(fake_twilio.requests) == 1


def test_before_the_worker_copied_it_nothing_is_fetched_from_twilio(client, engine, fake_twilio):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    contribution = voice_contribution(engine)
    login(client, engine, Role.moderator)
    response = client.get(f"/de/staff/calls/recordings/{contribution.id}/audio")
    assert response.status_code == 404
    assert fake_twilio.requests == []


def test_editors_may_not_listen(client, engine, settings, fake_twilio):
    make_consultation(engine)
    recorded_call(client, fake_twilio)
    run_deletions(engine, settings)
    contribution = voice_contribution(engine)
    login(client, engine, Role.editor)
    response = client.get(f"/de/staff/calls/recordings/{contribution.id}/audio")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "recording_url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://api.twilio.com.evil.example/rec",
        "https://evil.example/2010-04-01/Accounts/AC/Recordings/RE" + "b" * 32,
    ],
)
def test_a_recording_url_from_a_webhook_is_never_fetched(
    client, engine, settings, fake_twilio, recording_url
):
    consultation = make_consultation(engine)
    contribution = make_contribution(
        engine,
        consultation,
        body="",
        channel=Channel.voice,
        recording_url=recording_url,
        recording_duration=9,
    )
    with session_scope(engine, write=True) as session:
        forget_recording(session, recording_sid_in(recording_url), contribution.id)
    run_deletions(engine, settings)
    login(client, engine, Role.moderator)
    response = client.get(f"/de/staff/calls/recordings/{contribution.id}/audio")
    assert response.status_code == 404
    # Only Twilio's API of the council's own account is ever asked, by the SID alone.
    assert all(
        r.path.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/") for r in fake_twilio.requests
    )


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
