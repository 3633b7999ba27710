"""The council's side of the operator's reading: its administrators allow or withdraw
it on their own staff page (/staff/operator-access). The council is the request's own
(its host, web/councils.py), never one a form names: another council's admin has no
login here, and no field could point elsewhere."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.models import Role
from participation.accounts.permissions import requires_role
from participation.councils.models import Council
from participation.operator.service import set_operator_read
from participation.outcomes import get_or_404
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import read, write


def granted(session: Session, council_id: int) -> bool:
    return get_or_404(session, Council, council_id).operator_may_read


@requires_role(Role.admin)
async def access_page(request: Request) -> Response:
    allowed = await read(request, granted, request.scope["council"].id)
    context = {"granted": allowed, "done": request.query_params.get("done")}
    return render(request, "operator/grant.html", context)


@requires_role(Role.admin)
async def change_access(request: Request) -> Response:
    wanted = field(await request.form(), "grant", 10) == "yes"
    staff_id = request.scope["staff"].id
    await write(request, set_operator_read, request.scope["council"].id, staff_id, wanted)
    return RedirectResponse(url(request, "staff_operator_access") + "?done=1", status_code=303)


#: Under /staff (app.py).
staff_routes = [
    Route("/operator-access", access_page, methods=["GET"], name="staff_operator_access"),
    Route("/operator-access", change_access, methods=["POST"], name="staff_operator_access_post"),
]
