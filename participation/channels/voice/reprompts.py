"""What every menu of the line does with a key it cannot use: the problem said and the
same menu again, and after the third failure a goodbye with the other ways in; and the
way back to a consultation's menu."""

from __future__ import annotations

from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from participation.channels.voice import service
from participation.channels.voice.prompts import (
    Turn,
    goodbye_failed,
    prompt_actions,
    prompt_consultation,
)
from participation.channels.voice.speech import say_template
from participation.consultations.models import Consultation
from participation.numbers import bounded_int

#: Failed inputs at one prompt before the line says goodbye.
MAX_TRIES = 3

Prompt = Callable[[Turn, VoiceResponse], None]


def input_kind(digits: str) -> str:
    if not digits:
        return "timeout"
    if "*" in digits:
        return "star"
    return "input"


def retry(turn: Turn, reason: str, prompt: Prompt, message: str | None = None) -> VoiceResponse:
    """A helpful re-prompt of the same menu; the third failure ends the call politely."""
    turn.failed = True
    turn.call.tries += 1
    service.log_event(turn.session, turn.call, turn.step, reason)
    response = VoiceResponse()
    if turn.call.tries >= MAX_TRIES:
        service.log_event(turn.session, turn.call, turn.step, "failed_out")
        goodbye_failed(turn, response)
        return response
    say_template(response, "reprompt", turn.language, reason=reason, message=message)
    prompt(turn, response)
    return response


def failure(turn: Turn, prompt: Prompt) -> VoiceResponse:
    """Re-prompt for silence, the star key, or a key that is not on the menu."""
    kind = input_kind(turn.digits)
    return retry(turn, "invalid" if kind == "input" else kind, prompt)


def current_consultation(turn: Turn) -> Consultation | None:
    raw = turn.query.get("c") or ""
    consultation_id = bounded_int(raw, low=1) or turn.call.consultation_id
    return turn.session.get(Consultation, consultation_id) if consultation_id else None


def back_to_actions(turn: Turn, response: VoiceResponse | None = None) -> VoiceResponse:
    if response is None:
        response = VoiceResponse()
    consultation = current_consultation(turn)
    if consultation is None:
        prompt_consultation(turn, response)
    else:
        prompt_actions(turn, response, consultation, summary=False)
    return response
