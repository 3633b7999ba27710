"""Headless Chromium against a live server: one browser and one server per test session.

Debian's /usr/bin/chromium is driven by Playwright (never `playwright install`); axe-core
comes from npm (`make browser-deps`) and is injected with page.evaluate, because a
<script> tag would be refused by our own Content-Security-Policy.

Every page a test opens is watched: a request to any other origin, a CSP violation or a
JavaScript error fails the test when it ends.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.server import LiveServer, start_server

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_PATH = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OWN_SCRIPTS = re.compile(r"/static/.*\.js(\?.*)?$")
#: Reports every CSP violation through the console, where the guard below hears it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP-VIOLATION " + e.violatedDirective + " blocked=" + e.blockedURI +
                " at " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _require_tools() -> None:
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"Chromium not found at {CHROMIUM} (make system-deps)")
    if not AXE_PATH.exists():
        problems.append(f"axe-core not found at {AXE_PATH} (make browser-deps)")
    if problems:
        message = "; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs the browser tests: " + message, pytrace=False)
        pytest.skip("!!! BROWSER TESTS SKIPPED: " + message)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("browser"), extra_data=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    _require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    _require_tools()
    return AXE_PATH.read_text(encoding="utf-8")


class Guard:
    """Collects what must never happen on our pages."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.foreign: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []

    def on_request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(url)

    def on_console(self, message) -> None:
        text = message.text
        if "CSP-VIOLATION" in text or "Content Security Policy" in text:
            self.csp.append(text)

    def on_page_error(self, error) -> None:
        self.errors.append(str(error))

    def problems(self) -> list[str]:
        return (
            [f"request to another origin: {u}" for u in self.foreign]
            + [f"CSP violation: {t}" for t in self.csp]
            + [f"JavaScript error: {e}" for e in self.errors]
        )


@pytest.fixture(scope="session")
def staff_state(browser, live_server: LiveServer) -> dict:
    """A logged-in admin's cookies, made once through the real login form."""
    from participation.demo import DEMO_ADMIN

    context = browser.new_context(base_url=live_server.base_url)
    page = context.new_page()
    page.goto("/de/staff/login")
    page.fill("#field-email", DEMO_ADMIN[0])
    page.fill("#field-password", DEMO_ADMIN[1])
    page.click("main button[type=submit]")
    page.wait_for_url("**/de/staff/")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def open_page(browser, live_server: LiveServer, request: pytest.FixtureRequest):
    """open_page(js=True, own_scripts=True, staff=False, width=1280, ...) -> a new Page."""
    contexts = []
    guards: list[Guard] = []

    def make(
        *,
        js: bool = True,
        own_scripts: bool = True,
        staff: bool = False,
        width: int = 1280,
        height: int = 900,
        **options,
    ):
        if staff:
            options["storage_state"] = request.getfixturevalue("staff_state")
        context = browser.new_context(
            base_url=live_server.base_url,
            java_script_enabled=js,
            viewport={"width": width, "height": height},
            **options,
        )
        contexts.append(context)
        if not own_scripts:
            # axe needs JavaScript, so "scripts off" means: our own scripts never load.
            context.route(OWN_SCRIPTS, lambda route: route.abort())
        if js:
            context.add_init_script(CSP_LISTENER)
        guard = Guard(live_server.base_url)
        guards.append(guard)
        page = context.new_page()
        page.on("request", guard.on_request)
        page.on("console", guard.on_console)
        page.on("pageerror", guard.on_page_error)
        return page

    yield make
    for context in contexts:
        context.close()
    problems = [p for g in guards for p in g.problems()]
    assert not problems, "\n".join(problems)


@pytest.fixture
def axe(axe_source: str, request: pytest.FixtureRequest) -> Callable:
    """axe(page, label) -> runs axe-core on the page as it is now; fails on any violation."""

    def scan(page, label: str) -> None:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        violations = page.evaluate(
            """async (tags) => {
              const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
              return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " | " +
                  (n.failureSummary || "").replace(/\\s+/g, " "))}));
            }""",
            AXE_TAGS,
        )
        if violations:
            lines = [f"axe-core found {len(violations)} violation(s) on {label} ({page.url}):"]
            for v in violations:
                lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
                lines.extend(f"      {node}" for node in v["nodes"])
            pytest.fail("\n".join(lines), pytrace=False)
        # Recorded at once, so the count travels with the call's report (also under xdist).
        request.node.user_properties.append(("axe_scans", 1))
        request.node.user_properties.append(("axe_combos", [label]))

    return scan
