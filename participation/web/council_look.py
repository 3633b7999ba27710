"""A council's look on its pages: its accent colour and its logo, each at its own address.

The Content-Security-Policy allows no inline style, so the colour comes as a tiny style
sheet of the council's own, /council-style.css (under /c/<slug>/ for a council reached
through its path prefix). Its address carries the council row's change time, and the
logo's its content hash: a page names the current version, which is kept for a year;
any other version is answered with what is current, briefly kept. The answer depends
on the address alone (host, path and query), so no cache can hand one council's sheet
to another's page and no Vary beyond the compression's is needed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from participation.councils.logos import find_logo
from participation.paths import prefix_of

YEAR = "public, max-age=31536000, immutable"
BRIEFLY = "public, max-age=60"
#: An SVG opened on its own is a document: nothing in it may run, load or submit.
LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def accent_css(colour: str) -> str:
    """The colour for links and buttons, and a darker one for their hover state (darker
    only raises the contrast, which was checked on storing)."""
    dark = "#" + "".join(f"{int(colour[i : i + 2], 16) * 3 // 4:02x}" for i in (1, 3, 5))
    return f":root {{ --accent: {colour}; --accent-dark: {dark}; }}\n"


def council_look(request: Request) -> dict[str, str]:
    """What base.html links for the request's council: its style sheet and logo."""
    council = request.scope.get("council")
    if council is None:
        return {}
    prefix = prefix_of(request.scope)
    look = {}
    if council.accent:
        look["style"] = f"{prefix}/council-style.css?v={council.updated}"
    logo = find_logo(request.app.state.settings.media_dir, council.id)
    if logo is not None:
        look["logo"] = f"{prefix}/council-logo?v={logo.version}"
    return look


def _cached(request: Request, version: str) -> str:
    return YEAR if request.query_params.get("v") == version else BRIEFLY


async def council_style(request: Request) -> Response:
    council = request.scope["council"]
    etag = f'"{council.id}-{council.updated}"'
    headers = {"Cache-Control": _cached(request, council.updated), "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    body = accent_css(council.accent) if council.accent else ""
    return Response(body, media_type="text/css", headers=headers)


async def council_logo(request: Request) -> Response:
    council = request.scope["council"]
    logo = find_logo(request.app.state.settings.media_dir, council.id)
    if logo is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    etag = f'"{council.id}-{logo.version}"'
    headers = {"Cache-Control": _cached(request, logo.version), "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    headers["Content-Security-Policy"] = LOGO_POLICY
    return FileResponse(logo.path, media_type=logo.media_type, headers=headers)


routes = [
    Route("/council-style.css", council_style, name="council_style"),
    Route("/council-logo", council_logo, name="council_logo"),
]
