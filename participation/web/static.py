"""Static files under content-hashed names (app.3f2a9c1b.css), cached for a year.

A changed file gets a new name, so browsers never keep a stale copy and never need
to revalidate an unchanged one.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[a-z0-9]+)$")


@cache
def file_hash(relative: str) -> str:
    return hashlib.sha256((STATIC_DIR / relative).read_bytes()).hexdigest()[:10]


@cache  # a page links three files on every request; file_hash() is kept per process anyway
def static_url(relative: str) -> str:
    path = Path(relative)
    return f"/static/{path.parent / (path.stem + '.' + file_hash(relative) + path.suffix)}".replace(
        "/./", "/"
    )


async def serve_static(request: Request) -> Response:
    relative = request.path_params["path"]
    if "\x00" in relative:
        # No file has one, and the operating system refuses the name (ValueError).
        return PlainTextResponse("Not found", status_code=404)
    directory, _, name = relative.rpartition("/")
    match = _HASHED.match(name)
    plain = f"{match['stem']}{match['suffix']}" if match else name
    target = (STATIC_DIR / directory / plain).resolve()
    if STATIC_DIR not in target.parents or not target.is_file():
        return PlainTextResponse("Not found", status_code=404)
    wanted = f"{directory}/{plain}" if directory else plain
    if match and match["hash"] == file_hash(wanted):
        cache_control = "public, max-age=31536000, immutable"
    else:
        cache_control = "public, max-age=300"
    return FileResponse(target, headers={"Cache-Control": cache_control})
