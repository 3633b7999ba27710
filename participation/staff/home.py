"""The staff home: what waits, per consultation, across the areas a council works in."""

from __future__ import annotations

from babel.dates import format_timedelta
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.accounts.permissions import ANY_STAFF, requires_role
from participation.clock import utcnow
from participation.consultations import service
from participation.i18n.catalogs import babel_locale, current_language
from participation.moderation.queue import Waiting, waiting_overview
from participation.web.forms import in_transaction
from participation.web.templating import render


@requires_role(*ANY_STAFF)
async def staff_home(request: Request) -> Response:
    """What waits, per consultation, and since when: a fixed number of statements."""

    def load(session: Session) -> dict:
        consultations = service.all_consultations(session)
        texts = service.texts_for(session, [c.id for c in consultations])
        overview = waiting_overview(session)
        rows = [
            (
                c,
                service.pick_text(texts.get(c.id, []), "de"),
                overview.get(c.id) or Waiting(c.id),
            )
            for c in consultations
        ]
        totals = Waiting(None)
        for line in overview.values():
            totals.pending += line.pending
            totals.published += line.published
            totals.rejected += line.rejected
            totals.flagged += line.flagged
        now = utcnow()
        return {
            "rows": rows,
            "totals": totals,
            "unassigned": overview.get(None) or Waiting(None),
            "since": lambda moment: format_timedelta(
                now - moment, locale=babel_locale(current_language.get())
            ),
        }

    return render(request, "staff/home.html", await in_transaction(request, load))


#: Under /staff (app.py): /staff/ itself.
staff_routes = [Route("/", staff_home, name="staff_home")]
