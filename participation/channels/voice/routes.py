"""Twilio's voice webhooks: POST /twilio/voice and the step URLs under /twilio/voice/.

Every request must carry a valid X-Twilio-Signature over PUBLIC_BASE_URL + path + query
(403 otherwise). The steps run in one write transaction each; a second delivery of the
same (CallSid, step) gets the cached TwiML back and writes nothing.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.twiml.voice_response import VoiceResponse

from participation.channels.suspended import notice_text
from participation.channels.voice import callbacks, fallback, readings, service, steps
from participation.councils.models import CouncilStatus
from participation.outcomes import NotFound
from participation.settings import Settings
from participation.text import without_controls
from participation.twilio import is_signed_by_twilio, webhook_params
from participation.web.councils import settings_of
from participation.web.transactions import read, write

log = logging.getLogger(__name__)
TWIML = "text/xml; charset=utf-8"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def _signed_params(request: Request) -> dict[str, str] | None:
    form = await request.form()
    settings = settings_of(request)
    if not is_signed_by_twilio(settings, request, form):
        log.warning("voice webhook with a missing or wrong signature: %s", request.url.path)
        return None
    return webhook_params(form)


def _forbidden() -> Response:
    return PlainTextResponse("invalid signature", status_code=403)


async def voice_step(request: Request) -> Response:
    step = request.path_params.get("step", "incoming")
    if step not in steps.STEPS:
        return PlainTextResponse("unknown step", status_code=404)
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    if not params.get("CallSid"):
        return PlainTextResponse("CallSid missing", status_code=400)
    settings = settings_of(request)
    council = request.scope["council"]
    if council.status is CouncilStatus.suspended:
        # A short notice with where to go instead, then the line hangs up.
        answer = VoiceResponse()
        answer.say(notice_text(settings, council.suspended_notice), language="de-DE")
        answer.hangup()
        return Response(str(answer), media_type=TWIML)
    query = {key: without_controls(value) for key, value in request.query_params.items()}

    try:
        twiml = await write(request, steps.answer, settings, step, query, params)
    except IntegrityError:
        # Two deliveries of the same step raced; the winner's answer is the answer.
        key = steps.answer_key(step, query)
        cached = await read(request, service.cached_answer, settings, params["CallSid"], key)
        if cached is None:
            cached = await _answer_once_more(request, settings, step, query, params)
        twiml = cached
    return Response(twiml, media_type=TWIML)


async def _answer_once_more(
    request: Request, settings: Settings, step: str, query: dict, params: dict[str, str]
) -> str:
    """The second try after a race; a CallSid another council's call holds (only a
    forged request can bring one here) gets a hang-up, never an error page."""
    try:
        return await write(request, steps.answer, settings, step, query, params)
    except IntegrityError:
        log.warning("voice webhook with another council's CallSid: %s", request.url.path)
        answer = VoiceResponse()
        answer.hangup()
        return str(answer)


async def recording_status(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    settings = settings_of(request)
    query = {key: without_controls(value) for key, value in request.query_params.items()}
    # An IntegrityError means the <Record> action stored this recording a moment earlier.
    with contextlib.suppress(IntegrityError):
        await write(request, callbacks.recording_callback, settings, query, params)
    return Response(EMPTY_TWIML, media_type=TWIML)


async def call_status(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    await write(request, callbacks.call_status, settings_of(request), params)
    return Response(EMPTY_TWIML, media_type=TWIML)


async def voice_fallback(request: Request) -> Response:
    """Twilio's voice fallback URL: an apology and the other ways in, never Twilio's
    English error; set on the number by `participation twilio-setup`."""
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    settings = settings_of(request)
    try:
        twiml = await read(request, fallback.fallback_answer, settings, params)
    except Exception:
        log.exception("voice fallback: answering without the call's language")
        twiml = fallback.fallback_answer(None, settings, params)
    return Response(twiml, media_type=TWIML)


async def summary_audio(request: Request) -> Response:
    """A recorded summary for <Play>: public like the summary text it reads out."""
    try:
        data, content_type = await read(
            request, readings.published_audio, request.path_params["id"]
        )
    except NotFound:
        # Twilio's <Play> gets a plain answer, never the HTML error page.
        return PlainTextResponse("not found", status_code=404)
    return Response(data, media_type=content_type, headers={"Cache-Control": "public, max-age=300"})


#: Top-level (not localized): Twilio calls these.
routes = [
    Route("/twilio/voice", voice_step, methods=["POST"], name="twilio_voice"),
    Route("/twilio/voice/recording", recording_status, methods=["POST"], name="twilio_recording"),
    Route("/twilio/voice/call-status", call_status, methods=["POST"], name="twilio_call_status"),
    Route("/twilio/voice/fallback", voice_fallback, methods=["POST"], name="twilio_voice_fallback"),
    Route("/twilio/voice/summary-audio/{id:int}", summary_audio, name="twilio_summary_audio"),
    Route("/twilio/voice/{step}", voice_step, methods=["POST"], name="twilio_voice_step"),
]
