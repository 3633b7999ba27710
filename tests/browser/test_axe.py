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

#: Every page of the app, by route name: [(label, path after /{lang})]. {published} and
#: {rejected} are reference numbers from the demo data. Staff pages start with /staff/
#: (or /simulator, which only staff may use).
ROUTE_PAGES: dict[str, list[tuple[str, str]]] = {
    "home": [("home", "/")],
    "consultation": [
        ("consultation-open", "/c/marktplatz"),
        ("consultation-fallback", "/c/buslinie-nord"),
        ("consultation-closed", "/c/radweg-bahnhof"),
        ("consultation-results", "/c/freibad"),
    ],
    "results": [("results", "/c/freibad/results")],
    "results_report": [("results-report", "/c/freibad/results/report")],
    "consultation_poster": [("poster", "/c/marktplatz/poster")],
    "moderation_log": [("moderation-log", "/c/marktplatz/moderation")],
    "report_form": [("report-contribution", "/c/marktplatz/report/{published}")],
    "report_thanks": [("report-contribution-sent", "/c/marktplatz/reported")],
    "lookup": [
        ("lookup", "/r"),
        ("lookup-invalid", "/r?ref=12"),
    ],
    "contribution_status": [
        ("lookup-not-found", "/r/12345678"),
        ("status-published", "/r/{published}"),
        ("status-rejected", "/r/{rejected}"),
        ("receipt", "/r/{published}?new=1"),
    ],
    "site_page": [
        ("accessibility-statement", "/p/accessibility"),
        ("easy-read", "/p/easy-read"),
        ("sign-language", "/p/sign-language"),
        ("privacy", "/p/privacy"),
        ("imprint", "/p/imprint"),
        ("not-found", "/p/no-such-page"),
    ],
    "barrier_report": [("barrier-report", "/barrier-report?from=/de/c/marktplatz")],
    "barrier_report_sent": [("barrier-report-sent", "/barrier-report/sent")],
    "login": [("login", "/staff/login")],
    "simulator": [("simulator", "/simulator")],
    "simulator_sms": [("simulator-sms", "/simulator/sms")],
    "simulator_phone": [("simulator-phone", "/simulator/phone")],
    "staff_home": [("staff-overview", "/staff/")],
    "staff_accounts": [("staff-accounts", "/staff/accounts")],
    "account_security": [("account-security", "/staff/account/security")],
    "account_password": [("account-password", "/staff/account/password")],
    "moderation_queue": [
        ("moderation-queue", "/staff/moderation"),
        ("moderation-published", "/staff/moderation?status=published"),
    ],
    "staff_consultation_new": [("consultation-new", "/staff/consultations/new")],
    "staff_consultation_edit": [("consultation-edit", "/staff/consultations/1")],
    "staff_consultation_all_fields": [
        ("consultation-all-fields", "/staff/consultations/1/all-fields")
    ],
    "staff_setup_step": [
        ("setup-what", "/staff/consultations/1/setup/what"),
        ("setup-answers", "/staff/consultations/1/setup/answers"),
        ("setup-phone", "/staff/consultations/1/setup/phone"),
        ("setup-languages", "/staff/consultations/1/setup/languages"),
        ("setup-language-ar", "/staff/consultations/1/setup/ar"),
    ],
    "staff_setup_readiness": [("setup-readiness", "/staff/consultations/1/readiness")],
    "staff_setup_preview": [
        ("preview-web", "/staff/consultations/1/preview/web"),
        ("preview-sms", "/staff/consultations/1/preview/sms?language=ar"),
        ("preview-phone", "/staff/consultations/1/preview/phone"),
        ("preview-poster", "/staff/consultations/1/preview/poster"),
    ],
    "results_staff": [
        ("results-staff", "/staff/consultations/3/results"),
        # The market square's questionnaire: its questions' charts, tables and cross-tabs.
        ("results-staff-questionnaire", "/staff/consultations/1/results"),
    ],
    "results_answers": [("results-answers", "/staff/consultations/3/answers")],
    "frontdesk": [("front-desk", "/staff/front-desk")],
    "frontdesk_form": [("front-desk-form", "/staff/front-desk/1")],
    "frontdesk_receipt": [("front-desk-receipt", "/staff/front-desk/receipt/{published}")],
    "privacy_requests": [("privacy-requests", "/staff/privacy")],
    "calls_callbacks": [("call-backs", "/staff/calls/callbacks")],
    "calls_report": [("calls-report", "/staff/calls/report")],
    "calls_recording": [("call-recording", "/staff/calls/recordings/3")],
    "calls_summaries": [("call-summaries", "/staff/calls/summaries")],
    "staff_outbox": [("outbox", "/staff/outbox")],
    "staff_barrier_reports": [("barrier-reports", "/staff/barrier-reports?status=all")],
    "staff_site_pages": [("site-pages", "/staff/pages")],
    "staff_council_look": [("council-look", "/staff/look")],
    "staff_questions": [("questions", "/staff/consultations/1/questions")],
    "staff_question": [("question", "/staff/consultations/1/questions/2")],
    "questionnaire": [("questionnaire", "/c/marktplatz/questions")],
    "questionnaire_paper": [("questionnaire-paper", "/c/marktplatz/questions/paper")],
    "staff_questionnaire_paper": [
        ("staff-questionnaire-paper", "/staff/consultations/1/questions/paper")
    ],
    "frontdesk_questionnaire": [("front-desk-questionnaire", "/staff/front-desk/1/questionnaire")],
    "staff_operator_access": [("operator-access", "/staff/operator-access")],
    "staff_site_page_edit": [
        ("site-page-edit", "/staff/pages/accessibility/de"),
        ("site-page-edit-ar", "/staff/pages/privacy/ar"),
    ],
}
#: GET routes that answer with something other than an HTML page, and why.
NOT_PAGES = {
    "results_download": "CSV and JSON files",
    "results_responses_download": "CSV, XLSX and JSON files",
    "results_staff_responses": "CSV, XLSX and JSON files",
    "calls_report_csv": "a CSV file",
    "calls_recording_audio": "audio stream",
    "calls_summary_audio": "audio stream",
    "staff_setup_counts": "a fragment of the set-up's short text, swapped in by htmx",
}
#: Pages reachable only in the middle of a flow, scanned by their own test.
SCANNED_IN_FLOW = {
    "login_totp": "test_second_factor_page",
    "password_reset": "test_password_reset_pages",
    "frontdesk_questionnaire_receipt": "test_front_desk_questionnaire_pages",
}
#: Pages only logged-in staff see: under /staff/, and the simulator.
STAFF_ONLY = ("/staff/", "/simulator")
PUBLIC_PAGES = [
    page
    for pages in ROUTE_PAGES.values()
    for page in pages
    if not page[1].startswith(STAFF_ONLY) or page[0] == "login"
]
STAFF_PAGES = [
    page
    for pages in ROUTE_PAGES.values()
    for page in pages
    if page[1].startswith(STAFF_ONLY) and page[0] != "login"
]


def test_every_page_of_the_app_is_scanned() -> None:
    """A page added to the app without a line here fails, so nothing is left unscanned."""
    from participation.app import localized_routes
    from tests.trust.routing import walk

    # Through the mounts: the staff pages sit in Mount("/staff", ...) and below.
    names = {found.route.name for found in walk(localized_routes) if "GET" in found.methods}
    missing = names - set(ROUTE_PAGES) - set(NOT_PAGES) - set(SCANNED_IN_FLOW)
    assert not missing, f"add these pages to ROUTE_PAGES in {__file__}: {sorted(missing)}"


@pytest.fixture(scope="module")
def references(live_server) -> dict[str, str]:
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
    page.goto(f"/{lang}/c/marktplatz")
    page.click("#vote-form button[value=code]")
    page.wait_for_selector("#vote-error-summary")
    axe(page, f"vote-form-error/{lang}")
    page.check("#vote-form input[type=radio] >> nth=0")
    page.fill("#field-phone", f"+49151222{LANGS.index(lang):05d}")
    page.click("#vote-form button[value=code]")
    page.wait_for_selector("#field-code")
    axe(page, f"vote-code/{lang}")
    page.fill("#field-code", "000000")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#error-summary")
    axe(page, f"vote-code-error/{lang}")
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
def test_after_htmx_interactions(open_page, axe, live_server, lang: str) -> None:
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

    item = new_pending(live_server.engine, f"Werbung ({lang}).")
    staff.goto(f"/{lang}/staff/moderation?status=pending")
    staff.evaluate("() => { document.getElementById('live-region').textContent = ''; }")
    # The reason and note are folded in the item's "Reject" disclosure.
    staff.click(f"#item-{item.id} details.reject > summary")
    staff.click(f"form[action$='/moderation/{item.id}/reject'] button[type=submit]")
    staff.wait_for_selector("#live-region:not(:empty)", state="attached")
    axe(staff, f"moderation-rejected-htmx/{lang}")


@pytest.fixture(scope="module")
def second_factor_user(live_server) -> tuple[str, str]:
    """A moderator whose login asks for a one-time code (TOTP)."""
    from participation.accounts.models import Role
    from participation.accounts.service import create_staff
    from participation.accounts.totp import new_secret
    from participation.crypto import encrypt
    from participation.db import session_scope

    email, password = "zwei-faktoren@musterstadt.example", "ein langes passwort 2026"
    with session_scope(live_server.engine, write=True) as session:
        user = create_staff(session, email, password, Role.moderator)
        user.totp_secret = encrypt(live_server.settings.secret_key, new_secret())
        session.add(user)
    return email, password


@pytest.mark.parametrize("lang", LANGS)
def test_second_factor_page(open_page, axe, second_factor_user, lang: str) -> None:
    email, password = second_factor_user
    page = open_page()
    page.goto(f"/{lang}/staff/login")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/{lang}/staff/login/code")
    axe(page, f"login-second-factor/{lang}")
    if lang in ("de", "ar"):
        page.fill("#field-code", "000000")
        page.click("main form button[type=submit]")
        page.wait_for_selector("[aria-invalid=true]")
        axe(page, f"login-second-factor-error/{lang}")


@pytest.fixture(scope="module")
def reset_account(live_server) -> int:
    """An editor who forgot the password; each language's scan issues its own link."""
    from participation.accounts.models import Role
    from participation.accounts.service import create_staff
    from participation.db import session_scope

    with session_scope(live_server.engine, write=True) as session:
        user = create_staff(
            session, "vergessen@musterstadt.example", "ein langes passwort 2026", Role.editor
        )
        return user.id  # type: ignore[return-value]


@pytest.mark.parametrize("lang", LANGS)
def test_password_reset_pages(open_page, axe, reset_account, lang: str) -> None:
    # The admin makes the link (the page that shows it), the person opens it.
    staff = open_page(staff=True)
    staff.goto(f"/{lang}/staff/accounts")
    staff.click(f"form[action$='/staff/accounts/{reset_account}/reset-link'] button")
    staff.wait_for_selector("#reset-link")
    axe(staff, f"reset-link-shown/{lang}")
    link = staff.input_value("#reset-link")

    page = open_page()
    page.goto(link)
    axe(page, f"password-reset/{lang}")
    page.fill("#field-new_password", "ein ganz neues Passwort")
    page.fill("#field-confirm_password", "ein anderes neues Passwort")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    axe(page, f"password-reset-error/{lang}")
    page.goto(f"/{lang}/staff/password-reset/no-such-link")
    page.wait_for_selector(".error-summary")
    axe(page, f"password-reset-invalid/{lang}")


@pytest.mark.parametrize("lang", NO_SCRIPT_LANGS)
def test_front_desk_questionnaire_pages(open_page, axe, lang: str) -> None:
    """The entry screen sent empty (every message at the top and beside its question),
    then sent with the attestation: the receipt to print."""
    page = open_page(staff=True)
    page.goto(f"/{lang}/staff/front-desk/1/questionnaire")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".error-summary")
    axe(page, f"front-desk-questionnaire-error/{lang}")
    page.check("#attested")
    # In each question of choices, the first (the first radio button is "no answer").
    for question in page.locator("fieldset.question").all():
        radios = question.locator("input[type=radio]")
        if radios.count() > 1:
            radios.nth(1).check()
    page.click("main form button[type=submit]")
    page.wait_for_selector(".receipt-reference")
    axe(page, f"front-desk-questionnaire-receipt/{lang}")
