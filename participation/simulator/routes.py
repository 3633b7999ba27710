"""/{lang}/simulator: the simulators' index, plus each simulator's own routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, NoMatchFound, Route

from participation.simulator.access import simulator_page
from participation.simulator.phone_routes import routes as phone_routes
from participation.simulator.sms import routes as sms_routes
from participation.web.templating import render, url


def _url_if_exists(request: Request, name: str) -> str | None:
    try:
        return url(request, name)
    except NoMatchFound:
        return None


@simulator_page
async def index(request: Request) -> Response:
    return render(
        request,
        "simulator/index.html",
        {
            "sms_url": url(request, "simulator_sms"),
            # The phone-call simulator lives in its own files; linked once it exists.
            "phone_url": _url_if_exists(request, "simulator_phone"),
        },
    )


#: The index has no trailing slash, so it stands beside the Mount.
public_routes = [
    Route("/simulator", index, name="simulator"),
    Mount("/simulator", routes=[*sms_routes, *phone_routes]),
]
