"""The demo's questionnaire (six questions, every kind, two pages) answered in a browser:
with htmx, with our scripts blocked and with JavaScript off; one required question left
empty on the way (the summary at the top, the answers kept), then sent, confirmed with
the code by SMS, and the stored rows checked. axe-core runs on every state it can."""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.contributions.models import Contribution, PollVote
from participation.db import session_scope
from participation.phones import phone_key
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse
from tests.browser.data import sms_code_to
from tests.browser.server import SECRET

MODES = {
    "htmx": {"js": True},
    "scripts-off": {"js": True, "own_scripts": False},
    "no-javascript": {"js": False},
}
NUMBERS = {
    "htmx": "+4915111100021",
    "scripts-off": "+4915111100022",
    "no-javascript": "+4915111100023",
}


def _question(page, number: int):
    """The fieldset of the question numbered ``number`` on the page shown."""
    return page.locator("fieldset.question").filter(
        has=page.locator(f"legend:text-matches('^\\\\s*{number}\\\\.')")
    )


def _first_page_without_the_scale(page) -> None:
    _question(page, 1).locator("input[type=radio]").nth(0).check()
    choices = _question(page, 3).locator("input[type=checkbox]")
    choices.nth(0).check()
    choices.nth(1).check()
    _question(page, 4).locator("input[value=yes]").check()
    _question(page, 5).locator("input").fill("42")


def _stored(engine, number: str):
    key = phone_key(SECRET, number)
    with session_scope(engine) as session:
        response = session.exec(
            select(QuestionnaireResponse).where(QuestionnaireResponse.voter_key == key)
        ).one()
        answers = session.exec(
            select(QuestionnaireAnswer).where(QuestionnaireAnswer.response_id == response.id)
        ).all()
        texts = [session.get(Contribution, a.contribution_id) for a in answers if a.contribution_id]
        vote = session.exec(select(PollVote).where(PollVote.voter_key == key)).one()
    return response, answers, texts, vote


@pytest.mark.parametrize("mode", list(MODES))
def test_the_demo_questionnaire_answered_paged_and_sent(open_page, axe, live_server, mode):
    scan = axe if MODES[mode]["js"] else (lambda page, label: None)
    page = open_page(**MODES[mode])
    page.goto("/de/c/marktplatz")
    section = page.locator("#questionnaire-link")
    assert section.locator("h2").is_visible()
    section.locator("a").click()
    page.wait_for_url("**/de/c/marktplatz/questions")
    assert page.locator("#page-heading").inner_text().strip() == "Seite 1 von 2"
    assert page.locator("fieldset.question").count() == 5
    scan(page, f"questionnaire page 1 ({mode})")

    # The scale (question 2) is required and left empty.
    _first_page_without_the_scale(page)
    page.click("main button[value=next]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    links = summary.locator("a")
    assert links.count() == 1
    scale_id = links.nth(0).get_attribute("href").removeprefix("#")
    assert _question(page, 2).get_attribute("id") == scale_id
    if mode == "htmx":
        page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert _question(page, 3).locator("input[type=checkbox]:checked").count() == 2
    assert _question(page, 5).locator("input").input_value() == "42"
    assert _question(page, 4).locator("input[value=yes]").is_checked()
    scan(page, f"questionnaire with an error ({mode})")
    links.nth(0).click()

    _question(page, 2).locator("input[value='4']").check()
    with page.expect_response(lambda r: r.url.endswith("/questions")) as turned:
        page.click("main button[value=next]")
    page.locator("#page-heading:text('Seite 2 von 2')").wait_for()
    if mode == "htmx":
        assert turned.value.request.headers.get("hx-request") == "true", "sent by htmx"
        page.wait_for_function("() => document.activeElement.id === 'page-heading'")
        page.wait_for_selector("#live-region:not(:empty)", state="attached")
        assert page.locator("#live-region").text_content() == "Seite 2 von 2"
    else:
        assert turned.value.request.headers.get("hx-request") is None
    assert page.locator(".error-summary").count() == 0
    _question(page, 6).locator("textarea").fill(f"Mehr Bänke am Brunnen ({mode}).")
    page.fill("#field-phone", NUMBERS[mode])
    scan(page, f"questionnaire page 2 ({mode})")

    # Back and on again: nothing is lost on the way.
    page.click("main button[value=back]")
    page.locator("#page-heading:text('Seite 1 von 2')").wait_for()
    assert _question(page, 2).locator("input[value='4']").is_checked()
    page.click("main button[value=next]")
    page.locator("#page-heading:text('Seite 2 von 2')").wait_for()
    assert "Bänke" in _question(page, 6).locator("textarea").input_value()
    assert page.locator("#field-phone").input_value() == NUMBERS[mode]

    page.click("main button[value=send]")
    page.wait_for_selector("#field-code")
    page.fill("#field-code", sms_code_to(live_server.engine, NUMBERS[mode]))
    page.click("main form button[type=submit]")
    receipt = page.locator("main [role=status] strong")
    receipt.wait_for()
    response, answers, texts, vote = _stored(live_server.engine, NUMBERS[mode])
    assert receipt.inner_text().replace("-", "") == response.reference
    numbers = sorted(a.number for a in answers if a.number is not None)
    assert numbers == [1, 4, 42]  # yes, the scale, the age
    assert len([a for a in answers if a.option_id is not None]) == 2
    assert [t.body for t in texts] == [f"Mehr Bänke am Brunnen ({mode})."]
    assert texts[0].question_id is not None and vote.option_id is not None


def test_the_questionnaire_in_arabic_reads_right_to_left(open_page, axe) -> None:
    page = open_page()
    page.goto("/ar/c/marktplatz/questions")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("fieldset.question").count() == 5
    axe(page, "questionnaire in Arabic")
    page.click("main button[value=next]")
    page.locator(".error-summary").wait_for()
    axe(page, "questionnaire in Arabic with an error")
