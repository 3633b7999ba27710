from __future__ import annotations

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from participation.i18n.catalogs import negotiate
from participation.paths import prefix_of


async def healthz(request: Request) -> Response:
    def ping() -> bool:
        try:
            with request.app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    ok = await run_in_threadpool(ping)
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503
    )


async def root(request: Request) -> Response:
    """The first visit: the best of our languages for the browser's Accept-Language."""
    language = negotiate(request.headers.get("accept-language"))
    target = f"{prefix_of(request.scope)}/{language}/"
    return RedirectResponse(target, status_code=307, headers={"Vary": "Accept-Language"})
