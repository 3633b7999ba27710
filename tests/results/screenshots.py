"""Screenshots of the council side on the demo data, written to docs/screenshots/:
the published result (German and Arabic), the printable report as it prints, the
moderation queue and a front-desk receipt.

Run by hand: .venv/bin/python -m tests.results.screenshots
It starts the browser tests' live server (demo data on a temporary SQLite file) and
drives Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlmodel import select

from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.demo import DEMO_ADMIN
from participation.settings import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.server import start_server

OUT = PROJECT_ROOT / "docs" / "screenshots"


def main() -> int:
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM} (make system-deps)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        with session_scope(server.engine) as session:
            letter = session.exec(
                select(Contribution).where(Contribution.channel == Channel.paper)
            ).first()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                shots = [
                    ("results-de-1280", "/de/c/freibad/results", 1280, False, False),
                    ("results-ar-1280", "/ar/c/freibad/results", 1280, False, False),
                    ("results-de-320", "/de/c/freibad/results", 320, False, False),
                    ("results-report-print", "/de/c/freibad/results/report", 900, True, False),
                    ("moderation-queue-de-1280", "/de/staff/moderation", 1280, False, True),
                ]
                if letter is not None:
                    shots.append(
                        (
                            "front-desk-receipt-print",
                            f"/de/staff/front-desk/receipt/{letter.reference}",
                            900,
                            True,
                            True,
                        )
                    )
                context = browser.new_context(
                    base_url=server.base_url, viewport={"width": 1280, "height": 900}
                )
                staff = context.new_page()
                staff.goto("/de/staff/login")
                staff.fill("#field-email", DEMO_ADMIN[0])
                staff.fill("#field-password", DEMO_ADMIN[1])
                staff.click("form.narrow button[type=submit]")
                staff.wait_for_url("**/staff/")
                for name, path, width, printed, as_staff in shots:
                    page = (
                        context.new_page()
                        if as_staff
                        else browser.new_page(base_url=server.base_url)
                    )
                    page.set_viewport_size({"width": width, "height": 900})
                    if printed:
                        page.emulate_media(media="print")
                    page.goto(path)
                    target = OUT / f"{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(PROJECT_ROOT))
                    page.close()
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
