"""The voice fallback URL: what a caller hears when the line itself fails.

Twilio calls it when the voice webhook cannot be reached or answers an error; without
it, Twilio plays its own English error message. Ours apologises in German (and once
more in the caller's language, where the call had chosen one) and names the council's
other ways in: its SMS number and its front desk. It reads nothing but the call's
language, so that it still answers when much else is broken.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlmodel import Session
from twilio.twiml.voice_response import VoiceResponse

from participation.channels.voice import service
from participation.channels.voice.speech import say_template
from participation.i18n.spoken import spoken_number
from participation.phone_keys import MENU_LANGUAGES
from participation.settings import Settings

log = logging.getLogger(__name__)


def fallback_answer(session: Session | None, settings: Settings, params: Mapping[str, str]) -> str:
    """TwiML: the apology in German, then in the caller's language, then hang up."""
    # Twilio names what failed: the operator finds it in the log, the caller never hears it.
    log.warning(
        "voice fallback for call %s: Twilio error %s at %s",
        params.get("CallSid", "")[:34],
        params.get("ErrorCode", "")[:10],
        params.get("ErrorUrl", "")[:300],
    )
    languages = ["de"]
    caller = _caller_language(session, params.get("CallSid", ""))
    if caller and caller not in ("de", "ls"):
        languages.append(caller)
    sms = settings.council_sms_number
    response = VoiceResponse()
    for language in languages:
        say_template(
            response,
            "fallback",
            language,
            sms_number=spoken_number(sms, settings.default_region) if sms else "",
            front_desk=settings.front_desk_hours,
        )
    response.hangup()
    return str(response)


def _caller_language(session: Session | None, call_sid: str) -> str | None:
    if session is None or not call_sid:
        return None
    try:
        call = service.get_call(session, call_sid)
    except Exception:
        log.exception("voice fallback: the call's language could not be read")
        return None
    language = call.language if call is not None else None
    return language if language in MENU_LANGUAGES else None
