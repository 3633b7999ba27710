"""Screenshots for the README, written to docs/screenshots/*.png: the consultation page
in German, Arabic and Leichte Sprache at 320 and 1280 CSS px, the demo's two councils,
each on its own host (Chromium resolves every *.localhost name to this machine), and
every staff screen in German at 320 and 1280 px under docs/screenshots/staff/, seen by
the demo's admin (on a phone also with the staff menu opened).

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
STAFF_OUT = OUT / "staff"
#: (file name, address) of each staff screen; ids are the demo's (participation/demo.py).
STAFF_SCREENS = [
    ("overview", "/de/staff/"),
    ("setup-1-what", "/de/staff/consultations/new"),
    ("setup-2-answers", "/de/staff/consultations/1/setup/answers"),
    ("setup-3-phone", "/de/staff/consultations/1/setup/phone"),
    ("setup-4-languages", "/de/staff/consultations/1/setup/languages"),
    ("setup-5-language-tr", "/de/staff/consultations/1/setup/tr"),
    ("preview-sms", "/de/staff/consultations/1/preview/sms"),
    ("preview-phone", "/de/staff/consultations/1/preview/phone"),
    ("readiness", "/de/staff/consultations/1/readiness"),
    ("results", "/de/staff/consultations/1/results"),
    ("answers", "/de/staff/consultations/1/answers"),
    ("moderation", "/de/staff/moderation"),
    ("moderation-reported", "/de/staff/moderation?status=flagged"),
    ("front-desk", "/de/staff/front-desk"),
    ("front-desk-form", "/de/staff/front-desk/1"),
    ("callbacks", "/de/staff/calls/callbacks"),
    ("outbox", "/de/staff/outbox"),
    ("phone-report", "/de/staff/calls/report"),
    ("phone-summaries", "/de/staff/calls/summaries"),
    ("site-pages", "/de/staff/pages"),
    ("site-page-edit", "/de/staff/pages/privacy/de"),
    ("barrier-reports", "/de/staff/barrier-reports"),
    ("logo-and-colour", "/de/staff/look"),
    ("accounts", "/de/staff/accounts"),
    ("privacy-requests", "/de/staff/privacy"),
    ("account-security", "/de/staff/account/security"),
    ("password", "/de/staff/account/password"),
]


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


def staff_shots(browser, base_url: str) -> None:
    """Every staff screen at both widths, logged in once through the real form."""
    from participation.demo import DEMO_ADMIN

    STAFF_OUT.mkdir(parents=True, exist_ok=True)
    login = browser.new_context(base_url=base_url)
    page = login.new_page()
    page.goto("/de/staff/login")
    page.fill("#field-email", DEMO_ADMIN[0])
    page.fill("#field-password", DEMO_ADMIN[1])
    page.click("main button[type=submit]")
    page.wait_for_url("**/de/staff/")
    state = login.storage_state()
    login.close()
    for width in (320, 1280):
        context = browser.new_context(
            base_url=base_url, storage_state=state, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        for name, address in STAFF_SCREENS:
            page.goto(address)
            target = STAFF_OUT / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target.relative_to(PROJECT_ROOT), page.title())
        if width == 320:
            page.goto("/de/staff/")
            page.click(".staff-menu > summary")
            target = STAFF_OUT / "menu-open-320.png"
            page.screenshot(path=str(target), full_page=True)
            print(target.relative_to(PROJECT_ROOT), page.title())
        context.close()


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
                staff_shots(browser, server.base_url)
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
