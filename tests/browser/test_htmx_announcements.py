"""htmx swaps announce themselves (aria-live) and move focus sensibly (static/app.js)."""

from __future__ import annotations

from participation.contributions.models import Status
from tests.browser.data import new_pending, status_of

ACTIVE = (
    "(() => { const a = document.activeElement; return a ? a.outerHTML.slice(0, 120) : ''; })()"
)


def focused_matches(page, selector: str) -> bool:
    return page.evaluate(
        "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def test_form_error_moves_focus_to_the_summary(open_page) -> None:
    page = open_page()
    page.goto("/en/c/marktplatz")
    with page.expect_response(lambda r: "/contribute" in r.url) as answer:
        page.click("#contribution-form button[type=submit]")
    assert answer.value.status == 422
    assert answer.value.request.headers.get("hx-request") == "true", "sent by htmx"
    page.wait_for_selector("#contribution-form .error-summary")
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert page.url.endswith("/en/c/marktplatz"), "swapped in place, no page load"
    summary_link = page.locator(".error-summary a").first.get_attribute("href")
    assert page.locator(summary_link).count() == 1, "each error links to its field"


def test_approve_is_announced_and_focus_is_kept(open_page, live_server) -> None:
    item = new_pending(live_server.engine, "Bitte mit htmx freigeben.")
    page = open_page(staff=True)
    page.goto("/de/staff/moderation?status=pending")
    button = page.locator(f"form[action$='/moderation/{item.id}/approve'] button")
    button.focus()
    with page.expect_response(lambda r: r.url.endswith("/approve")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.request.headers.get("hx-request") == "true", "sent by htmx"
    page.wait_for_selector("#live-region:not(:empty)", state="attached")
    announced = page.locator("#live-region").text_content()
    assert item.reference[:4] in announced, announced
    assert status_of(live_server.engine, item.id) is Status.published
    # The button went with its item: focus must not fall back to <body> (the start of the
    # page) but stay in the queue, on the decided item, the next one or the status message.
    assert page.evaluate(
        "() => document.activeElement !== document.body && "
        "document.querySelector('main').contains(document.activeElement)"
    ), page.evaluate(f"() => {ACTIVE}")


def test_older_comments_are_announced_and_focused(open_page) -> None:
    page = open_page()
    page.goto("/de/c/radweg-bahnhof")
    before = page.locator(".contribution").count()
    link = page.locator("#more-contributions a")
    message = link.get_attribute("data-loaded-message")
    link.click()
    page.locator(".contribution").nth(before).wait_for()
    page.wait_for_selector("#live-region:not(:empty)", state="attached")
    assert page.locator("#live-region").text_content() == message
    assert page.evaluate(
        f"() => document.activeElement === document.querySelectorAll('.contribution')[{before}]"
    ), page.evaluate(f"() => {ACTIVE}")
    assert page.url.endswith("/de/c/radweg-bahnhof")


def test_live_region_exists_on_every_page_before_any_swap(open_page) -> None:
    page = open_page()
    for path in ("/de/", "/ar/c/marktplatz", "/ls/staff/login", "/en/p/accessibility"):
        page.goto(path)
        region = page.locator("#live-region")
        assert region.get_attribute("aria-live") == "polite"
        assert region.text_content() == ""
