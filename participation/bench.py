"""The benchmark's entry point: the production app, plus a plain-text hello.

`uvicorn participation.bench:app` serves exactly what `participation.asgi:app` serves, with
the same middleware, so the hello measured beside the real pages shows what this server
and this machine can do at most; every page's figure is also given as a ratio to it.
Production never imports this module.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from participation.asgi import app


async def hello(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, world!")


app.router.routes.insert(0, Route("/bench/hello", hello))
