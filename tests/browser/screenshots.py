"""Screenshots for the README, written to docs/screenshots/*.png: the consultation page
in German, Arabic and Leichte Sprache at 320 and 1280 CSS px, and the demo's two
councils, each on its own host (Chromium resolves every *.localhost name to this machine).

Run: .venv/bin/python -m tests.browser.screenshots
It starts the same live server as the browser tests (demo data, with the second council,
on a temporary SQLite file) and drives Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from participation.db import session_scope
from participation.demo_councils import seed_second_council
from participation.settings import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.server import start_server

OUT = PROJECT_ROOT / "docs" / "screenshots"


def shots(base_url: str) -> list[tuple[str, int, str]]:
    """(address, width, file name) of every screenshot."""
    port = base_url.rsplit(":", 1)[1]
    pages = [
        (f"{base_url}/{lang}/c/marktplatz", width, f"consultation-{lang}-{width}")
        for lang in ("de", "ar", "ls")
        for width in (320, 1280)
    ]
    for council, path, name in (
        ("musterstadt", "/de/", "home"),
        ("beispieldorf", "/de/", "home"),
        ("beispieldorf", "/de/c/dorfteich", "dorfteich"),
    ):
        pages.append(
            (f"http://{council}.localhost:{port}{path}", 1280, f"council-{council}-{name}-de-1280")
        )
    return pages


def main() -> int:
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM} (make system-deps)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        # Before the first request: the server reads the councils' hosts when it starts.
        with session_scope(server.engine, write=True) as session:
            seed_second_council(session)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for address, width, name in shots(server.base_url):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(address)
                    target = OUT / f"{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(PROJECT_ROOT), page.title())
                    page.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
