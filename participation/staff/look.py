"""The council's admins set its look: the accent colour and the logo in its header."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import ADMINS, requires_role
from participation.councils import logos
from participation.councils.service import CouncilError, accent_colour_of, set_accent_colour
from participation.i18n.catalogs import gettext as _
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import read, write


def messages() -> dict[str, str]:
    return {
        "colour_invalid": _("Please give the colour as # and six hex digits, e.g. #1d5f3a."),
        "colour_contrast": _(
            "This colour is too light: links and buttons in it must reach a contrast of "
            "4.5 to 1 on white. Please choose a darker one."
        ),
        "logo_type": _("The logo must be a PNG, JPEG, WebP or SVG file."),
        "logo_too_large": _("The logo may be at most 200 KB."),
        "logo_unsafe": _(
            "This SVG file contains scripts, links or other content that is not a plain "
            "drawing. Please save it as plain SVG or as PNG."
        ),
    }


async def _upload(form) -> bytes | None:
    """The chosen file, at most one byte past the limit (enough to refuse it)."""
    upload = form.get("logo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(logos.MAX_LOGO_BYTES + 1)
    return data or None


@requires_role(*ADMINS)
async def council_look_page(request: Request) -> Response:
    council = request.scope["council"]
    media_dir = request.app.state.settings.media_dir
    errors: dict[str, str] = {}
    if request.method == "GET":
        colour = await read(request, accent_colour_of, council.id)
        return _page(request, colour, errors)
    form = await request.form()
    if "remove_logo" in form:
        logos.remove_logo(media_dir, council.id)
        return _done(request)
    colour = field(form, "accent_colour", 20).strip()
    logo = await _upload(form)
    if logo is not None:
        try:
            logos.logo_kind(logo)
        except logos.LogoError as problem:
            errors["logo"] = messages()[problem.code]
    if not errors:
        try:
            await write(request, set_accent_colour, council.id, colour)
        except CouncilError as problem:
            errors["accent_colour"] = messages().get(problem.code, messages()["colour_invalid"])
    if errors:
        return _page(request, colour, errors)
    if logo is not None:
        logos.store_logo(media_dir, council.id, logo)
    return _done(request)


def _done(request: Request) -> Response:
    # This process shows the change at once; the others within web/councils.py's refresh.
    request.app.state.councils.expire()
    return RedirectResponse(url(request, "staff_council_look") + "?saved=1", status_code=303)


def _page(request: Request, colour: str, errors: dict[str, str]) -> Response:
    return render(
        request,
        "staff/council_look.html",
        {
            "colour": colour,
            "errors": errors,
            "saved": request.query_params.get("saved") == "1",
            "max_kb": logos.MAX_LOGO_BYTES // 1024,
        },
        status_code=422 if errors else 200,
    )


#: Under /staff (app.py).
staff_routes = [
    Route("/look", council_look_page, methods=["GET", "POST"], name="staff_council_look"),
]
