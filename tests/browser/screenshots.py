"""Screenshots of the consultation page for the README: German, Arabic, Leichte Sprache,
each at 320 and 1280 CSS px, written to docs/screenshots/*.png.

Run: .venv/bin/python -m tests.browser.screenshots
It starts the same live server as the browser tests (demo data on a temporary SQLite
file) and drives Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from participation.settings import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.server import start_server

OUT = PROJECT_ROOT / "docs" / "screenshots"
SHOTS = [(lang, width) for lang in ("de", "ar", "ls") for width in (320, 1280)]


def main() -> int:
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM} (make system-deps)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for lang, width in SHOTS:
                    page = browser.new_page(
                        base_url=server.base_url, viewport={"width": width, "height": 900}
                    )
                    page.goto(f"/{lang}/c/marktplatz")
                    target = OUT / f"consultation-{lang}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(PROJECT_ROOT))
                    page.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
