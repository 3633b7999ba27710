"""The phone simulator: call the participation line in the browser, with no phone.

Keys are plain form buttons (no JavaScript needed); what the line would say is shown as
text in the language and voice it would be spoken in. Every step is a request signed
with the local webhook token and sent to our own /twilio/voice URLs through the whole
application, so the simulator drives exactly the code a real call drives.
"""

from __future__ import annotations

import io
import re
import secrets
import wave
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode, urlsplit

import httpx
from markupsafe import Markup
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.channels.voice import service as voice
from participation.channels.voice.models import SimulatedCallInput
from participation.channels.voice.staff import SIMULATED_PREFIX
from participation.channels.voice.twiml_reader import Answer, read_twiml
from participation.clock import utcnow
from participation.i18n.catalogs import gettext as _
from participation.phones import is_fictional_number, normalise_number
from participation.settings import Settings
from participation.simulator.access import own_call, remember_call, simulator_page
from participation.simulator.records import record_call_input, record_recording
from participation.simulator.service import EXAMPLE_NUMBERS, FICTIONAL_RANGE
from participation.simulator.sms import simulated_base
from participation.speaking_time import speech_seconds
from participation.twilio import canonical_url, sign, webhook_base
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import read, write

CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
KEYS = "123456789*0#"
#: Uploads must fit under the request size limit; a few seconds of speech do.
MAX_AUDIO_BYTES = 200_000
AUDIO_TYPES = frozenset(
    {"audio/wav", "audio/x-wav", "audio/wave", "audio/mpeg", "audio/ogg", "audio/webm"}
)
WITHHELD = "anonymous"


def _settings(request: Request) -> Settings:
    return settings_of(request)


def _page(
    request: Request, call_sid: str = "", number: str = "", digits: str = "", ended: bool = False
) -> str:
    pairs = (
        ("call", call_sid),
        ("from", number),
        ("digits", digits),
        ("ended", "1" if ended else ""),
    )
    query = {k: v for k, v in pairs if v}
    target = url(request, "simulator_phone")
    return target + ("?" + urlencode(query) if query else "") + "#phone"


def _call_params(settings: Settings, call_sid: str, number: str) -> dict[str, str]:
    return {
        "AccountSid": settings.twilio_account_sid or "AC" + "0" * 32,
        "CallSid": call_sid,
        "From": number or WITHHELD,
        "To": settings.twilio_phone_number or settings.council_phone,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


async def post_webhook(
    request: Request, call_sid: str, number: str, target: str, params: Mapping[str, str]
) -> int:
    """A signed, Twilio-shaped POST to one of our own voice URLs; returns the status."""
    settings = _settings(request)
    if not target.startswith(canonical_url(settings, "/twilio/voice")):
        return 400
    data = {**_call_params(settings, call_sid, number), **params}
    signature = sign(settings, target, data)
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=simulated_base(request)) as client:
        response = await client.post(
            target.removeprefix(webhook_base(settings)),
            data=data,
            headers={"X-Twilio-Signature": signature},
        )
    return response.status_code


def _last_answer(
    session: Session, settings: Settings, call_sid: str
) -> tuple[int | None, Answer | None]:
    answers = voice.call_answers(session, call_sid)
    if not answers:
        return None, None
    return answers[-1].id, read_twiml(voice.answer_twiml(settings, answers[-1].twiml))


async def _current(request: Request, call_sid: str) -> tuple[int | None, Answer | None]:
    return await read(request, _last_answer, _settings(request), call_sid)


async def _remember(request: Request, call_sid: str, answer_id: int | None, label: str) -> None:
    await write(request, record_call_input, call_sid, answer_id, label)


async def _follow_redirects(request: Request, call_sid: str, number: str) -> None:
    """Twilio follows a <Redirect> by itself when nothing else waits for the caller."""
    for _attempt in range(3):
        _id, answer = await _current(request, call_sid)
        if answer is None or answer.menu or answer.recorder or answer.hangup:
            return
        if not answer.redirect:
            return
        await post_webhook(request, call_sid, number, answer.redirect, {})


def _form_state(request: Request, form: Mapping) -> tuple[str, str, str]:
    """(CallSid, number, typed keys) of a simulated call this login started; a CallSid
    of any other call (a resident's real one, another login's) counts as none."""
    digits = "".join(c for c in field(form, "digits", 40) if c in KEYS)
    call_sid = field(form, "call", 40)
    own = own_call(request, call_sid) if CALL_SID.match(call_sid) else None
    if own is None:
        return "", "", digits
    return own[0], own[1], digits


def _number(settings: Settings, raw: str) -> str | None:
    """A fictional number in E.164, WITHHELD, or None for any other number."""
    if raw == WITHHELD:
        return WITHHELD
    number = normalise_number(raw, settings.default_region)
    return number if is_fictional_number(number) else None


# --- Pages ---------------------------------------------------------------------------


def _context(session: Session, settings: Settings, call_sid: str) -> dict:
    answers = voice.call_answers(session, call_sid) if call_sid else []
    inputs: dict[int | None, list[str]] = {}
    if call_sid:
        for row in session.exec(
            select(SimulatedCallInput)
            .where(SimulatedCallInput.call_sid == call_sid)
            .order_by(col(SimulatedCallInput.id))
        ):
            inputs.setdefault(row.answer_id, []).append(row.label)
    twimls = [(a.id, voice.answer_twiml(settings, a.twiml)) for a in answers]
    turns = [(read_twiml(twiml), inputs.get(id_, []), twiml) for id_, twiml in twimls]
    return {"turns": turns, "current": turns[-1][0] if turns else None}


@simulator_page
async def phone_page(request: Request) -> Response:
    return await _phone_page(request)


async def _phone_page(request: Request, errors: dict | None = None) -> Response:
    settings = _settings(request)
    call_sid, number, digits = _form_state(request, request.query_params)
    context = await read(request, _context, settings, call_sid)
    current: Answer | None = context["current"]
    context.update(
        call_sid=call_sid,
        number=number,
        digits=digits,
        ended=bool(call_sid)
        and (current is None or current.hangup or "ended" in request.query_params),
        examples=[(n, normalise_number(n, settings.default_region)) for n in EXAMPLE_NUMBERS],
        withheld=WITHHELD,
        keys=KEYS,
        max_audio_bytes=MAX_AUDIO_BYTES,
        # A phone number keeps its digit order inside right-to-left text.
        line_number_html=Markup('<bdi dir="ltr">{}</bdi>').format(
            settings.twilio_phone_number or settings.council_phone
        ),
        sms_url=url(request, "simulator_sms") + "?" + urlencode({"number": number})
        if number and number != WITHHELD
        else None,
        errors=errors or {},
    )
    return render(request, "simulator/phone.html", context, status_code=422 if errors else 200)


@simulator_page
async def start_call(request: Request) -> Response:
    settings = _settings(request)
    form = await request.form()
    raw = field(form, "from", 40)
    number = _number(settings, raw) if raw else None
    if raw and number is None:
        # A number that could be a resident's: the simulator never calls as one.
        message = _(
            "The simulator only uses numbers that are never given to anyone: %(range)s.",
            range=FICTIONAL_RANGE,
        )
        return await _phone_page(request, {"from": message})
    if not number:
        number = normalise_number(EXAMPLE_NUMBERS[0], settings.default_region) or WITHHELD
    call_sid = "CA" + secrets.token_hex(16)
    remember_call(request, call_sid, number)
    await post_webhook(
        request,
        call_sid,
        number,
        canonical_url(settings, "/twilio/voice"),
        {"CallStatus": "ringing"},
    )
    return RedirectResponse(_page(request, call_sid, number), status_code=303)


def _shown(action: str, keys: str) -> str:
    """What the transcript keeps of typed keys: of a call-back number, only its end."""
    if urlsplit(action).path.endswith("/callback-number") and len(keys) > 4:
        return "•" * (len(keys) - 4) + keys[-4:]
    return keys


@simulator_page
async def press_key(request: Request) -> Response:
    form = await request.form()
    call_sid, number, digits = _form_state(request, form)
    key = field(form, "key", 10)
    answer_id, answer = await _current(request, call_sid) if call_sid else (None, None)
    if answer is None or answer.menu is None:
        return RedirectResponse(_page(request, call_sid, number), status_code=303)
    menu = answer.menu
    if key == "wait":
        submit = digits
        label = (
            _("Typed %(keys)s, then waited", keys=_shown(menu.action, digits))
            if digits
            else _("Stayed silent")
        )
    elif key in KEYS and key == menu.finish_on_key:
        submit, label = digits, _("Pressed %(keys)s", keys=_shown(menu.action, digits + key))
    elif key in KEYS and len(key) == 1:
        typed = digits + key
        if not menu.num_digits or len(typed) < menu.num_digits:
            return RedirectResponse(_page(request, call_sid, number, typed), status_code=303)
        submit, label = typed, _("Pressed %(keys)s", keys=_shown(menu.action, typed))
    else:
        return RedirectResponse(_page(request, call_sid, number, digits), status_code=303)
    await _remember(request, call_sid, answer_id, label)
    await post_webhook(request, call_sid, number, menu.action, {"Digits": submit})
    await _follow_redirects(request, call_sid, number)
    return RedirectResponse(_page(request, call_sid, number), status_code=303)


def _audio_seconds(data: bytes) -> int | None:
    try:
        with wave.open(io.BytesIO(data)) as audio:
            return round(audio.getnframes() / float(audio.getframerate()))
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def _recording_label(seconds: int, hang_up: bool) -> str:
    if hang_up:
        return _("Hung up while recording (%(seconds)s seconds)", seconds=seconds)
    return _("Spoke for %(seconds)s seconds, then pressed #", seconds=seconds)


@simulator_page
async def record(request: Request) -> Response:
    form = await request.form()
    call_sid, number, _digits = _form_state(request, form)
    stand_in = field(form, "text", 5000).strip()
    hang_up = field(form, "how", 10) == "hangup"
    upload = form.get("audio")
    audio: bytes | None = None
    content_type = None
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_AUDIO_BYTES + 1)
        kind = (upload.content_type or "").split(";")[0].strip().lower()
        if data and len(data) <= MAX_AUDIO_BYTES and kind in AUDIO_TYPES:
            audio, content_type = data, kind
    answer_id, answer = await _current(request, call_sid) if call_sid else (None, None)
    if answer is None or answer.recorder is None:
        return RedirectResponse(_page(request, call_sid, number), status_code=303)
    seconds = _audio_seconds(audio) if audio else None
    if seconds is None:
        said = speech_seconds(stand_in)
        # A few seconds for "hello" and a pause; an audio file we cannot measure: five.
        seconds = round(said) + 3 if said else (5 if audio else 0)
    seconds = min(seconds, answer.recorder.max_length)
    sid = "RE" + secrets.token_hex(16)

    await write(
        request,
        record_recording,
        sid,
        stand_in,
        content_type,
        audio,
        call_sid=call_sid,
        answer_id=answer_id,
        label=_recording_label(seconds, hang_up),
    )
    recording = {
        "RecordingSid": sid,
        "RecordingUrl": SIMULATED_PREFIX + sid,
        "RecordingDuration": str(seconds),
    }
    # Twilio reports the finished recording to the status callback (a questionnaire's
    # spoken answer has none), and (unless the caller hung up) asks the <Record> action
    # what to say next.
    if answer.recorder.status_callback:
        await post_webhook(
            request,
            call_sid,
            number,
            answer.recorder.status_callback,
            {**recording, "RecordingStatus": "completed", "RecordingChannels": "1"},
        )
    if hang_up:
        await _end_call(request, call_sid, number)
        return RedirectResponse(_page(request, call_sid, number, ended=True), status_code=303)
    await post_webhook(
        request, call_sid, number, answer.recorder.action, {**recording, "Digits": "#"}
    )
    await _follow_redirects(request, call_sid, number)
    return RedirectResponse(_page(request, call_sid, number), status_code=303)


def _call_started_at(session: Session, call_sid: str) -> datetime | None:
    call = voice.get_call(session, call_sid)
    return call.started_at if call else None


async def _end_call(request: Request, call_sid: str, number: str) -> None:
    began = await read(request, _call_started_at, call_sid)
    seconds = int((utcnow() - began).total_seconds()) if began else 0
    await post_webhook(
        request,
        call_sid,
        number,
        canonical_url(_settings(request), "/twilio/voice/call-status"),
        {"CallStatus": "completed", "CallDuration": str(max(seconds, 0))},
    )


@simulator_page
async def hang_up(request: Request) -> Response:
    form = await request.form()
    call_sid, number, _digits = _form_state(request, form)
    if call_sid:
        answer_id, _answer = await _current(request, call_sid)
        await _remember(request, call_sid, answer_id, _("Hung up"))
        await _end_call(request, call_sid, number)
    return RedirectResponse(_page(request, call_sid, number, ended=True), status_code=303)


#: Localized (under /{lang}/).
#: Under /simulator (routes.py).
routes = [
    Route("/phone", phone_page, methods=["GET"], name="simulator_phone"),
    Route("/phone/call", start_call, methods=["POST"], name="simulator_phone_call"),
    Route("/phone/key", press_key, methods=["POST"], name="simulator_phone_key"),
    Route("/phone/record", record, methods=["POST"], name="simulator_phone_record"),
    Route("/phone/hangup", hang_up, methods=["POST"], name="simulator_phone_hangup"),
]
