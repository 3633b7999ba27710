"""axe-core (WCAG 2.0-2.2 A/AA) on every page in every language: zero violations.

Each page is scanned as served, with our own scripts blocked (the state without
JavaScript), and in its error states and after its htmx interactions.
"""

from __future__ import annotations

import pytest

from participation.contributions.models import Status
from participation.settings import LANGUAGES
from tests.browser.data import new_pending, reference_with

LANGS = list(LANGUAGES)

#: Pages anyone can open: (name, path after /{lang}); {published} etc. are filled in.
PUBLIC_PAGES = [
    ("home", "/"),
    ("consultation-open", "/c/marktplatz"),
    ("consultation-fallback", "/c/buslinie-nord"),
    ("consultation-closed", "/c/radweg-bahnhof"),
    ("consultation-results", "/c/freibad"),
    ("results", "/c/freibad/results"),
    ("poster", "/c/marktplatz/poster"),
    ("lookup", "/r"),
    ("lookup-invalid", "/r?ref=12"),
    ("lookup-not-found", "/r/12345678"),
    ("status-published", "/r/{published}"),
    ("status-rejected", "/r/{rejected}"),
    ("receipt", "/r/{published}?new=1"),
    ("accessibility-statement", "/p/accessibility"),
    ("easy-read", "/p/easy-read"),
    ("sign-language", "/p/sign-language"),
    ("privacy", "/p/privacy"),
    ("imprint", "/p/imprint"),
    ("barrier-report", "/barrier-report?from=/de/c/marktplatz"),
    ("barrier-report-sent", "/barrier-report/sent"),
    ("login", "/staff/login"),
    ("not-found", "/no-such-page"),
]
STAFF_PAGES = [
    ("staff-overview", "/staff/"),
    ("moderation-queue", "/staff/moderation"),
    ("moderation-published", "/staff/moderation?status=published"),
    ("consultation-new", "/staff/consultations/new"),
    ("consultation-edit", "/staff/consultations/1"),
    ("barrier-reports", "/staff/barrier-reports?status=all"),
    ("site-pages", "/staff/pages"),
    ("site-page-edit", "/staff/pages/accessibility/de"),
    ("site-page-edit-ar", "/staff/pages/privacy/ar"),
]


@pytest.fixture(scope="module")
def references(live_server) -> dict[str, str]:  # noqa: ANN001
    return {
        "published": reference_with(live_server.engine, Status.published),
        "rejected": reference_with(live_server.engine, Status.rejected),
    }


#: Without our scripts the markup is the same in every language, so three stand for all:
#: left-to-right, right-to-left, and Leichte Sprache (its own longer texts).
NO_SCRIPT_LANGS = ["de", "ar", "ls"]


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages(open_page, axe, references, lang: str) -> None:
    page = open_page()
    for name, path in PUBLIC_PAGES:
        page.goto(f"/{lang}{path.format(**references)}")
        axe(page, f"{name}/{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_staff_pages(open_page, axe, lang: str) -> None:
    page = open_page(staff=True)
    for name, path in STAFF_PAGES:
        page.goto(f"/{lang}{path}")
        axe(page, f"{name}/{lang}")


@pytest.mark.parametrize("lang", NO_SCRIPT_LANGS)
def test_pages_with_our_scripts_blocked(open_page, axe, references, lang: str) -> None:
    page = open_page(own_scripts=False)
    for name, path in PUBLIC_PAGES:
        page.goto(f"/{lang}{path.format(**references)}")
        axe(page, f"{name}/{lang}/no-js")
    staff = open_page(staff=True, own_scripts=False)
    for name, path in STAFF_PAGES:
        staff.goto(f"/{lang}{path}")
        axe(staff, f"{name}/{lang}/no-js")


@pytest.mark.parametrize("lang", LANGS)
def test_error_states(open_page, axe, lang: str) -> None:
    """Forms sent empty: with htmx (swapped in) and without our scripts (full page)."""
    page = open_page()
    page.goto(f"/{lang}/c/marktplatz")
    page.click("#contribution-form button[type=submit]")
    page.wait_for_selector("#contribution-form .error-summary")
    axe(page, f"comment-form-error-htmx/{lang}")

    page = open_page(own_scripts=False)
    page.goto(f"/{lang}/c/marktplatz")
    page.click("#contribution-form button[type=submit]")
    page.wait_for_selector("#contribution-form .error-summary")
    axe(page, f"comment-form-error/{lang}")
    page.goto(f"/{lang}/barrier-report")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    axe(page, f"barrier-report-error/{lang}")
    page.goto(f"/{lang}/staff/login")
    page.fill("#field-email", "nobody@example.org")
    page.fill("#field-password", "wrong password")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    axe(page, f"login-error/{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_after_htmx_interactions(open_page, axe, live_server, lang: str) -> None:  # noqa: ANN001
    page = open_page()
    page.goto(f"/{lang}/c/radweg-bahnhof")
    before = page.locator(".contribution").count()
    page.click("#more-contributions a")
    # Selectors, not wait_for_function: that evaluates strings, which our CSP forbids.
    page.locator(".contribution").nth(before).wait_for()
    axe(page, f"older-comments-loaded/{lang}")

    item = new_pending(live_server.engine, f"Bitte prüfen ({lang}).")
    staff = open_page(staff=True)
    staff.goto(f"/{lang}/staff/moderation?status=pending")
    staff.click(f"form[action$='/moderation/{item.id}/approve'] button")
    staff.wait_for_selector("#live-region:not(:empty)", state="attached")
    axe(staff, f"moderation-approved-htmx/{lang}")
