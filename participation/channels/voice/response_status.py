"""The status menu's answer for a questionnaire response's reference number."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from participation.channels.voice import service
from participation.channels.voice.prompts import Turn, prompt_after
from participation.channels.voice.speech import say_template, speaking
from participation.i18n.formatting import local_date
from participation.i18n.spoken import spoken_digits
from participation.questionnaires.status import ResponseStatus


def response_status_reply(turn: Turn, found: ResponseStatus) -> VoiceResponse:
    """Which answers count and since when, and what became of the written ones."""
    service.log_event(turn.session, turn.call, "lookup", "status", "questionnaire")
    with speaking(turn.language):
        date = local_date(found.changed_at)
    response = VoiceResponse()
    say_template(
        response,
        "response_status",
        turn.language,
        digits=spoken_digits(found.reference),
        date=date,
        texts=bool(found.texts),
        published=found.count("published"),
        pending=found.count("pending"),
        rejected=found.count("rejected"),
    )
    prompt_after(turn, response)
    return response
