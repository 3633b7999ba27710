"""/{lang}/simulator: the simulators' index, plus each simulator's own routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound, Route

from participation.simulator.service import simulator_enabled
from participation.simulator.sms import routes as sms_routes
from participation.web.errors import error_response
from participation.web.templating import render, url


def _url_if_exists(request: Request, name: str) -> str | None:
    try:
        return url(request, name)
    except NoMatchFound:
        return None


async def index(request: Request) -> Response:
    if not simulator_enabled(request.app.state.settings):
        return error_response(request, 404)
    return render(
        request,
        "simulator/index.html",
        {
            "sms_url": url(request, "simulator_sms"),
            # The phone-call simulator lives in its own files; linked once it exists.
            "phone_url": _url_if_exists(request, "simulator_phone"),
        },
    )


routes = [Route("/simulator", index, name="simulator"), *sms_routes]
