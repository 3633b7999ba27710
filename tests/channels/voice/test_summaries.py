"""Recorded readings of the phone summary replace text-to-speech for their language."""

from __future__ import annotations

import io
import wave

from sqlmodel import select

from participation.accounts.models import Role
from participation.channels.voice.models import SummaryAudio
from participation.consultations.models import Consultation
from participation.db import session_scope
from tests.channels.voice.phone import fetch, to_consultation
from tests.conftest import PUBLIC_BASE
from tests.factories import csrf_token, login, make_consultation, soup

PAGE = "/de/staff/calls/summaries"


def wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * 16000)
    return buffer.getvalue()


def upload(client, consultation_id: int, code: str, data: bytes, kind: str = "audio/wav"):
    html = soup(client.get(PAGE).text)
    action = f"/de/staff/calls/summaries/{consultation_id}/{code}/upload"
    form = html.find("form", action=action)
    assert form is not None and form["enctype"] == "multipart/form-data"
    label = form.find("label", attrs={"for": form.find("input", attrs={"type": "file"})["id"]})
    assert label is not None
    return client.post(
        action,
        data={"csrf_token": csrf_token(client, PAGE)},
        files={"audio": ("reading.wav", data, kind)},
        follow_redirects=False,
    )


def test_an_uploaded_reading_is_played_instead_of_the_voice(client, engine):
    consultation = make_consultation(
        engine, texts={"en": {"title": "Market", "phone_summary": "In short."}}
    )
    login(client, engine, Role.editor)
    response = upload(client, consultation.id, "de", wav())
    assert response.status_code == 303 and response.headers["location"].endswith("done=saved")
    (audio,) = fetch(engine, select(SummaryAudio))
    assert audio.locale == "de" and audio.audio == wav()

    client.cookies.clear()
    call = to_consultation(client, "de")
    play = call.find("Play")
    assert play is not None and play.text == f"{PUBLIC_BASE}/twilio/voice/summary-audio/{audio.id}"
    assert "Kurz gesagt." not in call.text()
    # Twilio fetches it without credentials: it reads a public text aloud.
    fetched = client.get(play.text.removeprefix(PUBLIC_BASE))
    assert fetched.status_code == 200 and fetched.content == wav()
    # English callers still hear their own text read by the voice.
    english = to_consultation(client, "en")
    assert english.find("Play") is None and "In short." in english.text()


def test_drafts_are_not_served_publicly_but_staff_can_listen(client, engine):
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.editor)
    upload(client, consultation.id, "de", wav())
    (audio,) = fetch(engine, select(SummaryAudio))
    assert client.get(f"/twilio/voice/summary-audio/{audio.id}").status_code == 404
    assert client.get(f"/de/staff/calls/summaries/audio/{audio.id}").content == wav()
    with session_scope(engine, write=True) as session:
        session.get(Consultation, consultation.id).is_published = True
    assert client.get(f"/twilio/voice/summary-audio/{audio.id}").status_code == 200


def test_wrong_files_are_refused_and_a_reading_can_be_deleted(client, engine):
    consultation = make_consultation(engine)
    login(client, engine, Role.editor)
    refused = upload(client, consultation.id, "de", b"<script>", kind="text/html")
    assert refused.headers["location"].endswith("done=refused")
    too_big = upload(client, consultation.id, "de", b"\x00" * 250_001)
    assert too_big.status_code in (303, 413)
    assert fetch(engine, select(SummaryAudio)) == []
    upload(client, consultation.id, "de", wav())
    (audio,) = fetch(engine, select(SummaryAudio))
    deleted = client.post(
        f"/de/staff/calls/summaries/audio/{audio.id}/delete",
        data={"csrf_token": csrf_token(client, PAGE)},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert fetch(engine, select(SummaryAudio)) == []


def test_moderators_do_not_manage_readings(client, engine):
    make_consultation(engine)
    login(client, engine, Role.moderator)
    assert client.get(PAGE).status_code == 403
