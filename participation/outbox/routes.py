"""Twilio's status callbacks, and the staff page of messages that could not be sent."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import MODERATORS, requires_role
from participation.moderation import decisions
from participation.outbox import carrier, service
from participation.twilio import is_signed_by_twilio, webhook_params
from participation.web.councils import settings_of
from participation.web.templating import render, url
from participation.web.transactions import read, write


async def status_callback(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    if not is_signed_by_twilio(settings, request, form):
        return PlainTextResponse("Forbidden", status_code=403)
    message_id = request.path_params["message_id"]
    params = webhook_params(form)
    await write(request, service.apply_twilio_callback, message_id, params)
    # Also for an unknown id (erased meanwhile): Twilio need not retry.
    return Response(status_code=204)


async def reply_status_callback(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    if not is_signed_by_twilio(settings, request, form):
        return PlainTextResponse("Forbidden", status_code=403)
    await write(request, carrier.reply_status, webhook_params(form))
    return Response(status_code=204)


@requires_role(*MODERATORS)
async def outbox_page(request: Request) -> Response:
    context = await read(request, service.problems_overview)
    context.update(
        can_retry=service.can_retry,
        retried=request.query_params.get("retried"),
        # Twilio's regional refusals name the region the messages went to.
        twilio_region=settings_of(request).twilio_region,
    )
    return render(request, "outbox/staff.html", context)


@requires_role(*MODERATORS)
async def retry_message(request: Request) -> Response:
    staff = request.scope["staff"]
    done = await write(request, decisions.retry_message, request.path_params["id"], staff.id)
    target = url(request, "staff_outbox") + ("?retried=1" if done else "?retried=0")
    return RedirectResponse(target, status_code=303)


#: Unlocalized: Twilio calls these.
webhook_routes = [
    Route(
        "/twilio/status/{message_id:int}", status_callback, methods=["POST"], name="twilio_status"
    ),
    Route(
        carrier.REPLY_STATUS, reply_status_callback, methods=["POST"], name="twilio_reply_status"
    ),
]
#: Under /{lang}/.
#: Under /staff (app.py).
staff_routes = [
    Route("/outbox", outbox_page, name="staff_outbox"),
    Route("/outbox/{id:int}/retry", retry_message, methods=["POST"], name="staff_outbox_retry"),
]
