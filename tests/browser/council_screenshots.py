"""Screenshots of the demo's two councils, each on its own host, for the README:
docs/screenshots/council-<slug>-de-1280.png (the list of consultations, 1280 CSS px).

Run: .venv/bin/python -m tests.browser.council_screenshots
Chromium resolves every *.localhost name to this machine, as the README's demo says.
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
COUNCILS = (("musterstadt", "/de/"), ("beispieldorf", "/de/"), ("beispieldorf", "/de/c/dorfteich"))


def main() -> int:
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM} (make system-deps)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        with session_scope(server.engine, write=True) as session:
            seed_second_council(session)
        port = server.base_url.rsplit(":", 1)[1]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for slug, path in COUNCILS:
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    page.goto(f"http://{slug}.localhost:{port}{path}")
                    name = "home" if path == "/de/" else path.rsplit("/", 1)[1]
                    target = OUT / f"council-{slug}-{name}-de-1280.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(PROJECT_ROOT), page.title())
                    page.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
