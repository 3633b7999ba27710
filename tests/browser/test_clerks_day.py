"""The clerk's day, played in German in a real browser: log in, set up a consultation with
German and Turkish texts and a poll, open it, moderate ten contributions that came in
through four doors (web, SMS, phone, front desk) with the keyboard, answer two, publish
the result.

With our scripts (htmx, moderation.js) and without them, at 1280 and 320 CSS px. After
every step: axe-core finds nothing, the page does not scroll sideways, and no element is
cut off (a box that hides overflowing content, or one reaching past the viewport). The
page loads the day takes are counted and printed (``-s``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution, Status
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.db import session_scope
from tests.browser.test_layout import CLIPPED

#: Boxes reaching past the viewport's sides, ignoring what is hidden on purpose (the
#: skip link waits above the page, visually-hidden text is a 1 px box).
OUTSIDE = """() => {
  const skip = (el) => el.closest(".visually-hidden, .hp, .skip-link, [hidden]");
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (skip(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > innerWidth + 1 || r.left < -1) {
      out.push(`${Math.round(r.left)}..${Math.round(r.right)} ${el.outerHTML.slice(0, 90)}`);
    }
  }
  return out;
}"""
NO_SIDEWAYS_SCROLL = (
    "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
)
TITLE_DE = "Neue Bänke für den Stadtpark"
TITLE_TR = "Şehir parkı için yeni banklar"


@dataclass
class Day:
    """One run of the day: the page, how it is checked, and what it has counted."""

    page: object
    axe: object
    label: str
    loads: int = 0
    steps: list[str] = field(default_factory=list)

    def check(self, step: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.steps.append(step)
        where = f"{self.label}, {step} ({page.url})"
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"scrolls sideways: {where}"
        clipped = page.evaluate(CLIPPED)
        assert not clipped, f"cut off: {where}: {clipped}"
        outside = page.evaluate(OUTSIDE)
        assert not outside, f"past the viewport: {where}: {outside}"
        self.axe(page, where)


TEXTS = {
    "de": (
        TITLE_DE,
        "Wo sollen neue Bänke stehen?",
        "Sagen Sie uns, wo Sie sitzen möchten.",
        "Sollen zehn neue Bänke aufgestellt werden?",
        "Wo sollen neue Bänke stehen? Sagen Sie es uns.",
    ),
    "tr": (
        TITLE_TR,
        "Yeni banklar nereye konulsun?",
        "Nerede oturmak istediğinizi söyleyin.",
        "On yeni bank konulsun mu?",
        "Yeni banklar nereye konulsun? Bize söyleyin.",
    ),
}


def _save_step(day: Day, done: str, then: str) -> None:
    """Sends the step's form from the keyboard and waits for the next page."""
    day.page.locator("main form[method=post] button[type=submit]").last.press("Enter")
    day.page.wait_for_url(re.compile(then))
    day.check(done)


def _fill_texts(page, locale: str, *, poll: bool = True, phone: bool = True) -> None:
    title, summary, body, question, short = TEXTS[locale]
    for name, value in (("title", title), ("summary", summary), ("body_md", body)):
        page.fill(f"#field-{name}-{locale}", value)
    if phone:
        page.fill(f"#field-phone_summary-{locale}", short)
    if poll:
        page.fill(f"#field-poll_question-{locale}", question)


def set_up_consultation(day: Day, code: str) -> tuple[int, str]:
    """The guided set-up, step by step: what and when (German), a yes/no poll, the phone
    and SMS texts, Turkish as a language of its own, then check and open. Returns (id,
    slug)."""
    page = day.page
    page.goto("/de/staff/consultations/new")
    day.check("set-up: what and when")
    local = utcnow().astimezone(ZoneInfo("Europe/Berlin"))
    page.fill("#field-opens_at", (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#field-closes_at", (local + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#field-code", code)
    _fill_texts(page, "de", poll=False, phone=False)
    _save_step(day, "set-up: how people answer", r"/setup/answers\?saved=1")
    consultation_id = int(re.search(r"/consultations/(\d+)/", page.url).group(1))
    page.check("#poll-yesno")
    _save_step(day, "set-up: phone and SMS", r"/setup/phone\?saved=1")
    page.fill("#field-phone_summary-de", TEXTS["de"][4])
    page.fill("#field-poll_question-de", TEXTS["de"][3])
    _save_step(day, "set-up: languages", r"/setup/languages\?saved=1")
    page.goto(f"/de/staff/consultations/{consultation_id}/setup/tr")
    day.check("set-up: Turkish")
    _fill_texts(page, "tr")
    _save_step(day, "set-up: languages, Turkish saved", r"/setup/languages\?saved=1")
    for door in ("web", "sms", "phone", "poster"):
        page.goto(f"/de/staff/consultations/{consultation_id}/preview/{door}")
        day.check(f"preview: {door}")
    page.goto(f"/de/staff/consultations/{consultation_id}/readiness")
    day.check("check and open")
    page.locator("main form[method=post] button[type=submit]").last.press("Enter")
    page.wait_for_load_state()
    if "opened=1" not in page.url:
        # Languages the clerk left out fall back to German: the page lists them first.
        day.check("open with gaps?")
        page.locator("#error-summary button[type=submit]").press("Enter")
        page.wait_for_url(re.compile(r"opened=1"))
    day.check("consultation opened")
    public = page.locator("main .confirmation a").get_attribute("href")
    return consultation_id, public.rstrip("/").rsplit("/", 1)[1]


def contributions_from_three_doors(engine, consultation_id: int, tag: str) -> None:
    """Eight of the ten, as the web form, the SMS webhook and the phone line hand them in
    (submit_contribution, the one write path every door calls)."""
    doors = [Channel.web] * 3 + [Channel.sms] * 3 + [Channel.voice] * 2
    with session_scope(engine, write=True) as session:
        consultation = session.get(Consultation, consultation_id)
        for number, channel in enumerate(doors, 1):
            submit_contribution(
                session,
                Submission(
                    consultation=consultation,
                    body=f"{tag} {number}: Eine Bank am Teich, bitte ({channel.value}).",
                    channel=channel,
                    locale="de",
                    details=ChannelDetails(
                        external_id=f"{tag}-{number}" if channel is not Channel.web else None
                    ),
                ),
            )


def enter_at_front_desk(day: Day, consultation_id: int, body: str, channel: str) -> None:
    page = day.page
    page.goto(f"/de/staff/front-desk/{consultation_id}")
    day.check("front desk form")
    page.check(f"#channel-{channel}")
    page.fill("#field-body", body)
    page.locator("main form button[type=submit]").last.press("Enter")
    page.wait_for_url(re.compile(r"/front-desk/receipt/"))
    day.check("front desk receipt")


def moderate_with_keyboard(day: Day, consultation_id: int, js: bool) -> None:
    """Eight approved, two rejected with a reason, all from the keyboard."""
    page = day.page
    page.goto(f"/de/staff/moderation?consultation={consultation_id}")
    day.check("moderation queue")
    items = page.locator("[data-queue-item]:not(.decided)")
    assert items.count() == 10
    for decision in ["a"] * 4 + ["r"] + ["a"] * 4 + ["r"]:
        if js:
            # j/a/r: after each decision moderation.js moves to the next item.
            if not page.evaluate("!!document.querySelector('[data-queue-item].is-current')"):
                page.keyboard.press("j")
            before = page.locator("[data-queue-item].decided").count()
            page.keyboard.press(decision)
            if decision == "r":
                page.keyboard.press("ArrowDown")  # the reason: "personal data"
                page.keyboard.press("Tab")
                page.keyboard.type("Bitte ohne Namen")
                page.keyboard.press("Tab")
                page.keyboard.press("Enter")
            expect(page.locator("[data-queue-item].decided")).to_have_count(before + 1)
        else:
            # Without scripts: Tab-reachable plain forms, each decision a page load.
            item = items.first
            if decision == "a":
                item.locator("[data-action=approve]").focus()
            else:
                item.locator("details.reject > summary").focus()
                page.keyboard.press("Enter")
                item.locator("[data-reason]").focus()
                page.keyboard.press("ArrowDown")
                page.keyboard.press("Tab")
                page.keyboard.type("Bitte ohne Namen")
                page.keyboard.press("Tab")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        if decision == "r" or not js:
            day.check(f"decision {len(day.steps)}")
    page.goto(f"/de/staff/moderation?consultation={consultation_id}")
    assert page.locator("[data-queue-item]").count() == 0
    day.check("queue empty")


def answer_two(day: Day, consultation_id: int, js: bool) -> None:
    page = day.page
    page.goto(f"/de/staff/consultations/{consultation_id}/answers")
    day.check("answers")
    for number in range(2):
        area = page.locator("main textarea[name=answer]").nth(number)
        area.focus()
        page.keyboard.type(f"Danke! Die Bank kommt an den Teich ({number + 1}).")
        page.keyboard.press("Tab")
        if js:
            page.keyboard.press("Enter")
            expect(page.locator("main .confirmation")).to_have_count(number + 1)
        else:
            with page.expect_navigation():
                page.keyboard.press("Enter")
        day.check(f"answer {number + 1}")


def publish_result(day: Day, slug: str) -> None:
    page = day.page
    page.goto("/de/staff/")
    day.check("overview")
    row = page.locator("main table tr", has_text=TITLE_DE)
    row.get_by_role("button", name="Ergebnisse veröffentlichen").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/c/{slug}/results"))
    day.check("published result")


def _status_counts(engine, consultation_id: int) -> dict[str, int]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Contribution.status).where(col(Contribution.consultation_id) == consultation_id)
        ).all()
    return {status.value: list(rows).count(status) for status in Status}


VARIANTS = [(True, 1280), (True, 320), (False, 1280), (False, 320)]


@pytest.mark.parametrize(
    ("js", "width"), VARIANTS, ids=[f"{'js' if j else 'nojs'}-{w}" for j, w in VARIANTS]
)
def test_the_clerks_day(open_page, axe, live_server, js: bool, width: int, request) -> None:
    from participation.demo import DEMO_ADMIN

    page = open_page(own_scripts=js, width=width)
    day = Day(page, axe, f"{'scripts' if js else 'no scripts'}, {width} px")
    page.on("load", lambda _page: setattr(day, "loads", day.loads + 1))
    tag = f"T{'j' if js else 'n'}{width}"
    code = str(6000 + VARIANTS.index((js, width)))

    page.goto("/de/staff/login")
    day.check("login")
    page.fill("#field-email", DEMO_ADMIN[0])
    page.fill("#field-password", DEMO_ADMIN[1])
    page.press("#field-password", "Enter")
    page.wait_for_url("**/de/staff/")
    day.check("staff overview")
    if width < 600:
        # The staff menu is folded on a phone; opened from the keyboard it shows its groups.
        page.locator(".staff-menu > summary").focus()
        page.keyboard.press("Enter")
        assert page.locator(".menu-group").first.is_visible()
        day.check("staff menu open")

    consultation_id, slug = set_up_consultation(day, code)
    page.goto(f"/tr/c/{slug}")
    assert TITLE_TR in page.locator("h1").inner_text()
    day.check("public page in Turkish")

    contributions_from_three_doors(live_server.engine, consultation_id, tag)
    enter_at_front_desk(day, consultation_id, f"{tag} Brief: Eine Bank am Spielplatz.", "paper")
    enter_at_front_desk(day, consultation_id, f"{tag} Besuch: Bänke mit Lehne.", "in_person")
    assert _status_counts(live_server.engine, consultation_id)["pending"] == 10

    moderate_with_keyboard(day, consultation_id, js)
    assert _status_counts(live_server.engine, consultation_id) == {
        "pending": 0,
        "published": 8,
        "rejected": 2,
    }
    answer_two(day, consultation_id, js)
    publish_result(day, slug)
    assert "Ergebnis" in page.locator("h1").inner_text() or page.locator("main").count()

    print(f"\nclerk's day ({day.label}): {day.loads} page loads, {len(day.steps)} checks")
    request.node.user_properties.append(("clerks_day_page_loads", day.loads))
