"""A printable A4 poster per consultation: the analogue door made visible on a notice board.

The QR code is drawn here (segno, pure Python) as inline SVG, so printing the page makes
no request anywhere and the code is sharp at any size.
"""

from __future__ import annotations

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.consultations import pages
from participation.web.templating import language_of, public_url, render
from participation.web.transactions import read


def qr_svg(target: str) -> Markup:
    """The QR code as an inline <svg> that scales with its box (no width/height)."""
    svg = segno.make(target, error="m").svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr"
    )
    # Decorative for assistive technology: the same address is printed next to it.
    # Safe as markup: segno draws paths only, none of our text is inside.
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    return Markup(svg)  # noqa: S704


async def poster(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]
    context = await read(request, pages.poster, slug, lang)
    address = public_url(request, "consultation", slug=slug)
    context.update(public_url=address, qr=qr_svg(address))
    return render(request, "consultations/poster.html", context)


public_routes = [Route("/c/{slug}/poster", poster, name="consultation_poster")]
