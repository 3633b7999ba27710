"""Every participation flow completes in a browser with JavaScript switched off."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from participation.contributions.models import PollVote, Status
from participation.db import session_scope
from participation.demo import DEMO_MODERATOR
from participation.phones import phone_key
from participation.sitepages.models import BarrierReport
from tests.browser.data import new_pending, sms_code_to, status_of
from tests.browser.server import SECRET


@pytest.mark.parametrize("lang", ["de", "ar", "ls"])
def test_comment_receipt_and_lookup(open_page, lang: str) -> None:
    page = open_page(js=False)
    page.goto(f"/{lang}/c/marktplatz")
    page.fill("#field-body", f"Mehr Schatten auf dem Platz, bitte! ({lang})")
    page.fill("#field-pseudonym", "Ohne Skript")
    page.click("#contribution-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/{lang}/r/\d{{8}}\?new=1$"))
    receipt = page.locator(".confirmation")
    assert receipt.locator("h1").is_visible()
    reference = page.locator(".reference").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{4}", reference), reference

    page.goto(f"/{lang}/r")
    page.fill("#field-ref", reference)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/{lang}/r/{reference.replace('-', '')}$"))
    assert reference in page.locator("h1").inner_text()
    assert page.locator("dd.status-pending").count() == 1


@pytest.mark.parametrize("lang", ["de", "ar", "ls"])
def test_vote_with_a_code_by_sms_without_javascript(open_page, live_server, lang: str) -> None:
    """Number -> code by SMS -> code -> vote recorded, in plain forms."""
    number = {"de": "+4915111100001", "ar": "+4915111100002", "ls": "+4915111100003"}[lang]
    page = open_page(js=False)
    page.goto(f"/{lang}/c/marktplatz")
    page.check("#vote-form input[type=radio] >> nth=1")
    page.fill("#field-phone", number)
    page.click("#vote-form button[value=code]")
    page.wait_for_selector("#field-code")
    page.fill("#field-code", sms_code_to(live_server.engine, number))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".confirmation")
    with session_scope(live_server.engine) as session:
        key = phone_key(SECRET, number)
        assert session.exec(select(PollVote).where(PollVote.voter_key == key)).one()


def test_vote_without_a_number_shows_error_summary_without_javascript(open_page) -> None:
    page = open_page(js=False)
    page.goto("/de/c/marktplatz")
    page.check("#vote-form input[type=radio] >> nth=0")
    page.click("#vote-form button[value=code]")
    page.wait_for_selector("#vote-error-summary")
    assert page.locator("#vote-error-summary a").first.get_attribute("href") == "#field-phone"
    assert page.locator("#field-phone").get_attribute("aria-invalid") == "true"
    # The chosen answer is kept.
    assert page.locator("#vote-form input[type=radio] >> nth=0").is_checked()


def test_empty_comment_shows_error_summary_without_javascript(open_page) -> None:
    page = open_page(js=False)
    page.goto("/de/c/marktplatz")
    page.fill("#field-pseudonym", "Kein Text")
    response_holder = []
    page.on(
        "response", lambda r: response_holder.append(r.status) if "/contribute" in r.url else None
    )
    page.click("#contribution-form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert response_holder == [422]
    link = page.locator(".error-summary a").first
    assert link.get_attribute("href") == "#field-body"
    assert page.locator("#field-body").get_attribute("aria-invalid") == "true"
    assert "error-body" in page.locator("#field-body").get_attribute("aria-describedby")
    # What the person typed is kept.
    assert page.locator("#field-pseudonym").input_value() == "Kein Text"


def test_staff_login_and_approve_without_javascript(open_page, live_server) -> None:
    item = new_pending(live_server.engine, "Ohne JavaScript freigeben, bitte.")
    page = open_page(js=False)
    page.goto("/de/staff/moderation")
    page.wait_for_url(re.compile(r"/de/staff/login\?next="))
    page.fill("#field-email", DEMO_MODERATOR[0])
    page.fill("#field-password", DEMO_MODERATOR[1])
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/de/staff/moderation$"))
    page.click(f"form[action$='/moderation/{item.id}/approve'] button")
    page.wait_for_load_state()
    assert "/de/staff/moderation" in page.url
    assert status_of(live_server.engine, item.id) is Status.published
    page.goto(f"/de/r/{item.reference}")
    assert page.locator("dd.status-published").count() == 1


def test_barrier_report_reaches_staff_without_javascript(open_page, live_server) -> None:
    page = open_page(js=False)
    page.goto("/en/c/marktplatz")
    page.click("footer a[href*='/barrier-report']")
    assert page.locator("input[name=page]").input_value() == "/en/c/marktplatz"
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    page.fill("#field-description", "The poll buttons are hard to reach with my switch device.")
    page.fill("#field-contact_email", "reader@example.org")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/en/barrier-report/sent$"))
    assert page.locator(".confirmation h1").is_visible()

    staff = open_page(js=False, staff=True)
    staff.goto("/en/staff/barrier-reports")
    item = staff.locator(".queue-item", has_text="switch device")
    assert item.count() == 1
    assert item.locator("a[href='mailto:reader@example.org']").count() == 1
    item.locator("button").click()
    staff.wait_for_url(re.compile(r"/en/staff/barrier-reports\?done=1$"))
    with session_scope(live_server.engine) as session:
        report = session.exec(
            select(BarrierReport).where(BarrierReport.description.contains("switch device"))
        ).one()
        assert report.status == "answered"
        assert report.contact_email is None, "the address goes once answered"


def test_site_page_edit_and_reset_without_javascript(open_page) -> None:
    staff = open_page(js=False, staff=True)
    staff.goto("/de/staff/pages")
    staff.click("a[href='/de/staff/pages/imprint/tr']")
    staff.fill("#field-title", "Künye")
    staff.fill("#field-body_md", "## Sağlayıcı\n\n{council_name}, {council_address}")
    staff.click("main form button[type=submit]:not([name])")
    staff.wait_for_url(re.compile(r"/de/staff/pages/imprint/tr\?saved=1$"))

    public = open_page(js=False)
    public.goto("/tr/p/imprint")
    assert public.locator("h1").inner_text() == "Künye"
    assert "Gemeinde Musterstadt, Rathaus Musterstadt" in public.locator(".prose").inner_text()
    assert public.locator("article.site-page[lang]").count() == 0, "Turkish now: no fallback"

    staff.click("button[name=reset]")
    staff.wait_for_url(re.compile(r"\?saved=1$"))
    public.goto("/tr/p/imprint")
    # Back to the built-in Turkish text, not to German.
    assert "AGPL-3.0" in public.locator(".prose").inner_text()
    assert public.locator("article.site-page[lang]").count() == 0
