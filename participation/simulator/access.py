"""The simulator's guard: off (404) where real Twilio credentials are set outside the
demo; where it is on, logged-in staff only (anonymous visitors go to the login page)."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from participation.accounts.permissions import ANY_STAFF, Endpoint, requires_role
from participation.simulator.service import simulator_enabled
from participation.web.councils import settings_of
from participation.web.errors import error_response

#: Simulated calls this login started (CallSid -> number), newest last: the phone
#: simulator shows and drives no other call.
SESSION_CALLS = "simulator_calls"
MAX_CALLS = 10


def simulator_page(endpoint: Endpoint) -> Endpoint:
    staff_only = requires_role(*ANY_STAFF)(endpoint)

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if not simulator_enabled(settings_of(request)):
            return error_response(request, 404)
        return await staff_only(request)

    return guarded


def remember_call(request: Request, call_sid: str, number: str) -> None:
    calls = dict(request.session.get(SESSION_CALLS) or {})
    calls.pop(call_sid, None)
    calls[call_sid] = number
    request.session[SESSION_CALLS] = dict(list(calls.items())[-MAX_CALLS:])


def own_call(request: Request, call_sid: str) -> tuple[str, str] | None:
    """(CallSid, number) when this login started that simulated call; None otherwise."""
    calls = request.session.get(SESSION_CALLS) or {}
    if call_sid and call_sid in calls:
        return call_sid, str(calls[call_sid])
    return None
