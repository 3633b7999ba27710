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

from participation.channels.voice import callbacks, service, steps
from participation.channels.voice.models import SummaryAudio
from participation.consultations.models import Consultation, Phase
from participation.text import without_controls
from participation.twilio import is_signed_by_twilio, webhook_params
from participation.web.forms import in_transaction

log = logging.getLogger(__name__)
TWIML = "text/xml; charset=utf-8"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def _signed_params(request: Request) -> dict[str, str] | None:
    form = await request.form()
    settings = request.app.state.settings
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
    settings = request.app.state.settings
    query = {key: without_controls(value) for key, value in request.query_params.items()}

    def run(session):
        return steps.answer(session, settings, step, query, params)

    try:
        twiml = await in_transaction(request, run, write=True)
    except IntegrityError:
        # Two deliveries of the same step raced; the winner's answer is the answer.
        key = steps.answer_key(step, query)
        cached = await in_transaction(
            request, lambda s: service.cached_answer(s, settings, params["CallSid"], key)
        )
        twiml = cached if cached is not None else await in_transaction(request, run, write=True)
    return Response(twiml, media_type=TWIML)


async def recording_status(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    settings = request.app.state.settings
    query = {key: without_controls(value) for key, value in request.query_params.items()}
    # An IntegrityError means the <Record> action stored this recording a moment earlier.
    with contextlib.suppress(IntegrityError):
        await in_transaction(
            request, lambda s: callbacks.recording_callback(s, settings, query, params), write=True
        )
    return Response(EMPTY_TWIML, media_type=TWIML)


async def call_status(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    await in_transaction(request, lambda s: callbacks.call_status(s, params), write=True)
    return Response(EMPTY_TWIML, media_type=TWIML)


async def summary_audio(request: Request) -> Response:
    """A recorded summary for <Play>: public like the summary text it reads out."""
    audio_id = request.path_params["id"]

    def load(session):
        audio = session.get(SummaryAudio, audio_id)
        if audio is None:
            return None
        consultation = session.get(Consultation, audio.consultation_id)
        if consultation is None or consultation.phase() is Phase.draft:
            return None
        return audio.audio, audio.content_type

    found = await in_transaction(request, load)
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    data, content_type = found
    return Response(data, media_type=content_type, headers={"Cache-Control": "public, max-age=300"})


#: Top-level (not localized): Twilio calls these.
routes = [
    Route("/twilio/voice", voice_step, methods=["POST"], name="twilio_voice"),
    Route("/twilio/voice/recording", recording_status, methods=["POST"], name="twilio_recording"),
    Route("/twilio/voice/call-status", call_status, methods=["POST"], name="twilio_call_status"),
    Route("/twilio/voice/summary-audio/{id:int}", summary_audio, name="twilio_summary_audio"),
    Route("/twilio/voice/{step}", voice_step, methods=["POST"], name="twilio_voice_step"),
]
