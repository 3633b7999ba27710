"""Twilio's status callbacks, and the staff page of messages that could not be sent."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import MODERATORS, requires_role
from participation.moderation.service import audit
from participation.outbox import service
from participation.outbox.models import OutboundMessage
from participation.twilio import is_signed_by_twilio, webhook_params
from participation.web.errors import error_response
from participation.web.forms import in_transaction
from participation.web.templating import render, url


async def status_callback(request: Request) -> Response:
    settings = request.app.state.settings
    form = await request.form()
    if not is_signed_by_twilio(settings, request, form):
        return PlainTextResponse("Forbidden", status_code=403)
    message_id = request.path_params["message_id"]
    params = webhook_params(form)
    await in_transaction(
        request,
        lambda session: service.apply_twilio_callback(session, message_id, params),
        write=True,
    )
    # Also for an unknown id (erased meanwhile): Twilio need not retry.
    return Response(status_code=204)


@requires_role(*MODERATORS)
async def outbox_page(request: Request) -> Response:
    def load(session: Session) -> dict:
        return {
            "messages": service.problem_messages(session),
            "counts": service.status_counts(session),
            "can_retry": service.can_retry,
            "retried": request.query_params.get("retried"),
        }

    return render(request, "outbox/staff.html", await in_transaction(request, load))


@requires_role(*MODERATORS)
async def retry_message(request: Request) -> Response:
    message_id = request.path_params["id"]
    staff = request.scope["staff"]

    def retry(session: Session) -> bool | None:
        message = session.get(OutboundMessage, message_id)
        if message is None:
            return None
        done = service.retry(session, message)
        if done:
            audit(
                session,
                "outbox.retry",
                staff_id=staff.id,
                object_type="outbound_message",
                object_id=message_id,
            )
        return done

    done = await in_transaction(request, retry, write=True)
    if done is None:
        return error_response(request, 404)
    target = url(request, "staff_outbox") + ("?retried=1" if done else "?retried=0")
    return RedirectResponse(target, status_code=303)


#: Unlocalized: Twilio calls these.
webhook_routes = [
    Route(
        "/twilio/status/{message_id:int}", status_callback, methods=["POST"], name="twilio_status"
    ),
]
#: Under /{lang}/.
#: Under /staff (app.py).
staff_routes = [
    Route("/outbox", outbox_page, name="staff_outbox"),
    Route("/outbox/{id:int}/retry", retry_message, methods=["POST"], name="staff_outbox_retry"),
]
