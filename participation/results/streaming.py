"""A page rendered while it is sent: for the printable report of a long consultation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import StreamingResponse

from participation.db import session_scope
from participation.web import templating

#: Send the page in pieces of about this many characters.
CHUNK = 32_768


def stream_template(
    request: Request, engine: Engine, name: str, build: Callable[[Session], dict]
) -> StreamingResponse:
    """``build`` gets a session that stays open while the template renders, so the context
    may hold generators that read rows in batches as the page is written."""

    def generate() -> Iterator[str]:
        with session_scope(engine) as session:
            context = templating.page_context(request, build(session))
            pending: list[str] = []
            size = 0
            for piece in templating.templates.env.get_template(name).generate(context):
                pending.append(piece)
                size += len(piece)
                if size >= CHUNK:
                    yield "".join(pending)
                    pending, size = [], 0
            yield "".join(pending)

    return StreamingResponse(generate(), media_type="text/html; charset=utf-8")
