"""What the simulator keeps of its own beside the real channels' rows: the texts typed
with the webhook's answers, and the keys pressed and recordings made in a simulated call."""

from __future__ import annotations

from sqlmodel import Session

from participation.channels.voice.models import SimulatedCallInput, SimulatedRecording
from participation.phones import phone_key
from participation.simulator.models import SimulatedSms


def record_sms_exchange(
    session: Session,
    secret_key: str,
    number: str,
    body: str,
    num_media: int,
    *,
    reply: str | None,
    error: str | None,
) -> None:
    """The typed text and what came back: the reply, or why there was none."""
    key = phone_key(secret_key, number)
    session.add(SimulatedSms(phone_key=key, direction="in", body=body, num_media=num_media))
    if error is not None:
        session.add(SimulatedSms(phone_key=key, direction="error", body=error))
    elif reply:
        session.add(SimulatedSms(phone_key=key, direction="reply", body=reply))


def record_call_input(session: Session, call_sid: str, answer_id: int | None, label: str) -> None:
    """What the caller did after an answer of the line, for the call's transcript."""
    session.add(SimulatedCallInput(call_sid=call_sid, answer_id=answer_id, label=label))


def record_recording(
    session: Session,
    sid: str,
    stand_in_text: str,
    content_type: str | None,
    audio: bytes | None,
    *,
    call_sid: str,
    answer_id: int | None,
    label: str,
) -> None:
    """A simulated recording, played from this table (never fetched), and its input."""
    session.add(
        SimulatedRecording(
            sid=sid, stand_in_text=stand_in_text, content_type=content_type, audio=audio
        )
    )
    record_call_input(session, call_sid, answer_id, label)
