"""The staff home: what waits, per consultation, across the areas a council works in."""

from __future__ import annotations

from babel.dates import format_timedelta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.accounts.permissions import ANY_STAFF, requires_role
from participation.clock import utcnow
from participation.i18n.catalogs import babel_locale, current_language
from participation.moderation.consultation_pages import staff_overview
from participation.opening_hours import read_hours
from participation.web.councils import settings_of
from participation.web.templating import render
from participation.web.transactions import read


@requires_role(*ANY_STAFF)
async def staff_home(request: Request) -> Response:
    """What waits, per consultation, and since when: a fixed number of statements."""

    context = await read(request, staff_overview)
    settings = settings_of(request)
    # Hours only written as text cannot be said in the readers' languages: staff are told.
    context["free_text_hours"] = [
        (kind, hours.text)
        for kind, value in (
            ("front_desk", settings.front_desk_hours),
            ("phone", settings.phone_hours),
        )
        if (hours := read_hours(value)).text
    ]
    now = utcnow()
    context["since"] = lambda moment: format_timedelta(
        now - moment, locale=babel_locale(current_language.get())
    )
    return render(request, "staff/home.html", context)


#: Under /staff (app.py): /staff/ itself.
staff_routes = [Route("/", staff_home, name="staff_home")]
