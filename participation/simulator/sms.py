"""The SMS simulator: type a text as a chosen phone number, see the reply and every
message the outbox sends that number later.

It drives exactly the code path of a real SMS: it POSTs a request signed with the local
webhook token to /twilio/sms, through the whole application (middleware included), and
reads the TwiML that comes back.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import httpx
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.i18n.catalogs import gettext as _
from participation.outbox.models import OutboundMessage
from participation.outbox.worker import SimulatorSender, send_due
from participation.paths import prefix_of
from participation.phones import is_fictional_number, normalise_number, phone_key
from participation.settings import Settings
from participation.simulator.access import simulator_page
from participation.simulator.models import SimulatedSms
from participation.simulator.records import record_sms_exchange
from participation.simulator.service import EXAMPLE_NUMBERS, FICTIONAL_RANGE
from participation.twilio import canonical_url, sign, webhook_base
from participation.web.councils import settings_of
from participation.web.errors import error_response
from participation.web.forms import field
from participation.web.templating import is_fragment_request, render, url
from participation.web.transactions import read, write

WEBHOOK_PATH = "/twilio/sms"
HISTORY = 40


@dataclass(frozen=True)
class Entry:
    at: datetime
    #: "in" (typed here), "reply" (the webhook's answer), "out" (sent later by the outbox)
    direction: str
    body: str
    status: str = ""
    num_media: int = 0


def conversation(session: Session, settings: Settings, number: str) -> list[Entry]:
    key = phone_key(settings.secret_key, number)
    entries = [
        Entry(row.created_at, row.direction, row.body, num_media=row.num_media)
        for row in session.exec(
            select(SimulatedSms)
            .where(SimulatedSms.phone_key == key)
            .order_by(col(SimulatedSms.id).desc())
            .limit(HISTORY)
        )
    ]
    entries += [
        Entry(row.created_at, "out", row.body, status=row.status.value)
        for row in session.exec(
            select(OutboundMessage)
            .where(OutboundMessage.to_key == key)
            .order_by(col(OutboundMessage.id).desc())
            .limit(HISTORY)
        )
    ]
    return sorted(entries, key=lambda entry: entry.at)


def reply_from_twiml(twiml: str) -> str | None:
    root = ET.fromstring(twiml)  # noqa: S314 - our own TwiML
    texts = [message.text or "" for message in root.iter("Message")]
    return "\n".join(texts) if texts else None


def simulated_base(request: Request) -> str:
    """Where the simulator sends its webhooks: the council's public address (its host
    finds it where the installation has no numbers), or under a path prefix the
    installation's address with the prefix, where Twilio would call."""
    settings = settings_of(request)
    return webhook_base(settings) if prefix_of(request.scope) else settings.public_base_url


async def send_to_webhook(
    request: Request, number: str, body: str, num_media: int
) -> tuple[int, str | None]:
    """POSTs a signed, Twilio-shaped request to our own /twilio/sms; (status, reply)."""
    settings: Settings = settings_of(request)
    sid = "SM" + secrets.token_hex(16)
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.twilio_account_sid or "AC" + "0" * 32,
        "From": number,
        "To": settings.twilio_phone_number or settings.council_sms_number,
        "Body": body,
        "NumMedia": str(num_media),
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    if num_media:
        params["MediaUrl0"] = canonical_url(settings, "/static/simulated-picture.jpg")
        params["MediaContentType0"] = "image/jpeg"
    signature = sign(settings, canonical_url(settings, WEBHOOK_PATH), params)
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=simulated_base(request)) as client:
        response = await client.post(
            WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}
        )
    if response.status_code != 200:
        return response.status_code, None
    return 200, reply_from_twiml(response.text)


def _number_from(request: Request, raw: str) -> str | None:
    """The typed number in E.164, when it is one of the fictional numbers."""
    settings = settings_of(request)
    number = normalise_number(raw, settings.default_region)
    return number if is_fictional_number(number) else None


def _context(session: Session, settings: Settings, number: str | None, **extra) -> dict:
    return {
        "number": number or "",
        "entries": conversation(session, settings, number) if number else [],
        "examples": [(n, normalise_number(n)) for n in EXAMPLE_NUMBERS],
        "council_number": settings.twilio_phone_number or settings.council_sms_number,
        "can_run_outbox": not settings.twilio_configured,
        "fictional_range": FICTIONAL_RANGE,
        "form": {},
        "errors": {},
        **extra,
    }


@simulator_page
async def sms_page(request: Request) -> Response:
    settings = settings_of(request)
    number = _number_from(request, request.query_params.get("number", EXAMPLE_NUMBERS[0]))
    context = await read(request, _context, settings, number)
    return render(
        request, "simulator/sms.html", context, fragment="simulator/_sms_conversation.html"
    )


@simulator_page
async def sms_send(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    raw_number = field(form, "number", 40)
    body = field(form, "body", 5000)
    num_media = 1 if form.get("picture") else 0
    number = _number_from(request, raw_number)
    errors = {}
    if number is None and normalise_number(raw_number, settings.default_region):
        # A number that could be a resident's: the simulator never writes as one.
        errors["number"] = _(
            "The simulator only uses numbers that are never given to anyone: %(range)s.",
            range=FICTIONAL_RANGE,
        )
    elif number is None:
        errors["number"] = _(
            "Please enter a phone number, for example %(example)s.", example=EXAMPLE_NUMBERS[0]
        )
    if not body.strip() and not num_media:
        errors["body"] = _("Please type a message (or attach a picture).")
    if errors:
        form_values = {"number": raw_number, "body": body}
        context = await read(request, _context, settings, number, errors=errors, form=form_values)
        return render(request, "simulator/sms.html", context, status_code=422)

    assert number is not None
    status, reply = await send_to_webhook(request, number, body, num_media)

    error = (
        None
        if status == 200
        else _("The webhook answered with HTTP status %(status)s.", status=status)
    )
    await write(
        request,
        record_sms_exchange,
        settings.secret_key,
        number,
        body,
        num_media,
        reply=reply,
        error=error,
    )
    if is_fragment_request(request):
        context = await read(request, _context, settings, number)
        return render(
            request, "simulator/sms.html", context, fragment="simulator/_sms_conversation.html"
        )
    return RedirectResponse(
        url(request, "simulator_sms") + "?number=" + quote(number), status_code=303
    )


@simulator_page
async def run_outbox(request: Request) -> Response:
    """Sends what the outbox holds to the simulator (only without Twilio credentials)."""
    settings = settings_of(request)
    if settings.twilio_configured:
        return error_response(request, 404)
    form = await request.form()
    number = _number_from(request, field(form, "number", 40)) or ""
    engine = request.app.state.engine
    # The schedule is the assembly's (participation.housekeeping), handed over by app.py.
    housekeeping = request.app.state.housekeeping

    def work() -> None:
        housekeeping(engine, settings)
        while send_due(engine, settings, SimulatorSender()):
            pass

    await run_in_threadpool(work)
    return RedirectResponse(
        url(request, "simulator_sms") + "?number=" + quote(number), status_code=303
    )


#: Under /simulator (routes.py).
routes = [
    Route("/sms", sms_page, methods=["GET"], name="simulator_sms"),
    Route("/sms", sms_send, methods=["POST"], name="simulator_sms_send"),
    Route("/sms/outbox", run_outbox, methods=["POST"], name="simulator_run_outbox"),
]
