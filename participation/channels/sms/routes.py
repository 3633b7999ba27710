"""POST /twilio/sms: Twilio's inbound SMS webhook, answered with TwiML (outside US1 with
an empty <Response/>, the reply going through the outbox: see channels.sms.answer)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.twiml.messaging_response import MessagingResponse

from participation.channels.sms.answer import answer_sms, answer_suspended
from participation.councils.models import CouncilStatus
from participation.numbers import bounded_int
from participation.outbox.carrier import REPLY_STATUS
from participation.phones import is_personal_number, normalise_number
from participation.settings import Settings
from participation.twilio import canonical_url, is_signed_by_twilio, webhook_params
from participation.web.councils import settings_of
from participation.web.transactions import write

log = logging.getLogger(__name__)
TWIML = "application/xml"


def twiml(reply: str | None, settings: Settings | None = None) -> Response:
    response = MessagingResponse()
    if reply:
        # Twilio reports the reply's status (and so its MessageSid) to `action`: the
        # reply's record is deleted there like every message we send.
        action = canonical_url(settings, REPLY_STATUS) if settings else None
        response.message(reply, action=action)
    return Response(str(response), media_type=TWIML)


def media_urls(params: dict[str, str], num_media: int) -> tuple[str, ...]:
    return tuple(params[f"MediaUrl{i}"] for i in range(num_media) if f"MediaUrl{i}" in params)


async def sms_webhook(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    if not is_signed_by_twilio(settings, request, form):
        # Nothing is read or stored from a request Twilio did not sign (the check logs why).
        return PlainTextResponse("Forbidden", status_code=403)
    params = webhook_params(form)
    message_sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = params.get("From", "").strip()
    if not message_sid or not sender:
        return PlainTextResponse("MessageSid and From are required", status_code=400)
    number = normalise_number(sender, settings.default_region) or sender[:32]
    council = request.scope["council"]
    if council.status is CouncilStatus.suspended:
        # Nothing is taken in; the sender hears why, once a day at most.
        num_media = bounded_int(params.get("NumMedia", "0"), low=0, high=100) or 0
        notice = await write(
            request,
            answer_suspended,
            settings,
            number,
            council.suspended_notice,
            message_sid,
            media_urls(params, num_media),
        )
        return twiml(notice, settings)
    # A sender name or short code is shared by many: votes, STATUS and LÖSCHEN are refused.
    shared = not is_personal_number(sender, settings.default_region)
    body = params.get("Body", "")
    # Twilio sends at most 10; anything else is counted as none.
    num_media = bounded_int(params.get("NumMedia", "0"), low=0, high=100) or 0

    reply = await write(
        request,
        answer_sms,
        settings,
        number,
        body,
        message_sid,
        num_media,
        shared_sender=shared,
        # Present when Twilio's Advanced Opt-Out answered this message itself.
        opt_out_type=params.get("OptOutType", ""),
        media_urls=media_urls(params, num_media),
    )
    return twiml(reply, settings)


routes = [Route("/twilio/sms", sms_webhook, methods=["POST"], name="twilio_sms")]
