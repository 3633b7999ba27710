"""Reflow, zoom, text spacing, visible focus, target size, forced colours, right-to-left."""

from __future__ import annotations

import pytest

from participation.contributions.models import Status
from tests.browser import test_axe
from tests.browser.data import reference_with

#: The pages that carry most of the layout: every kind of component is on one of them.
PAGES = [
    "/{lang}/",
    "/{lang}/c/marktplatz",
    "/{lang}/c/radweg-bahnhof",
    "/{lang}/c/freibad/results",
    "/{lang}/c/marktplatz/poster",
    "/{lang}/r/{published}?new=1",
    "/{lang}/p/accessibility",
    "/{lang}/p/sign-language",
    "/{lang}/barrier-report",
    "/{lang}/staff/login",
]
STAFF_PAGES = [
    "/{lang}/staff/",
    "/{lang}/staff/moderation",
    "/{lang}/staff/consultations/1",
    "/{lang}/staff/pages",
    "/{lang}/staff/barrier-reports?status=all",
]
LAYOUT_LANGS = ["de", "ar", "ls"]

#: WCAG 1.4.12's test values (the W3C text-spacing bookmarklet), set through the CSSOM
#: because our CSP refuses an injected <style>.
TEXT_SPACING = """() => {
  for (const el of document.querySelectorAll("body, body *")) {
    el.style.setProperty("line-height", "1.5", "important");
    el.style.setProperty("letter-spacing", "0.12em", "important");
    el.style.setProperty("word-spacing", "0.16em", "important");
  }
  for (const p of document.querySelectorAll("p")) {
    p.style.setProperty("margin-bottom", "2em", "important");
  }
}"""

#: Elements whose box cuts off content they hold (text lost), ignoring deliberately
#: hidden ones (visually-hidden text, the honeypot, the skip link before focus) and
#: form fields, whose value scrolls inside them by design.
CLIPPED = """() => {
  const hidden = (el) => el.closest(".visually-hidden, .hp, .skip-link, [hidden]") ||
                         el.matches("input, textarea, select, option");
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (hidden(el)) continue;
    const style = getComputedStyle(el);
    const clipsX = ["hidden", "clip"].includes(style.overflowX);
    const clipsY = ["hidden", "clip"].includes(style.overflowY);
    if ((clipsX && el.scrollWidth > el.clientWidth + 1) ||
        (clipsY && el.scrollHeight > el.clientHeight + 1)) {
      out.push(el.outerHTML.slice(0, 100));
    }
  }
  return out;
}"""

#: Interactive elements under 24 x 24 CSS px that neither sit inside a line of text nor
#: have a free 24 px circle around them (WCAG 2.5.8 and its exceptions).
SMALL_TARGETS = """() => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  const targets = [...document.querySelectorAll(selector)].filter((el) => {
    if (el.closest(".visually-hidden, .hp, [hidden]") || el.matches(".skip-link")) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }).map((el) => ({el, r: el.getBoundingClientRect()}));
  const inText = (el) => {
    if (getComputedStyle(el).display !== "inline") return false;
    const block = el.parentElement.closest("p, li, dd, td, th, figcaption, label, legend");
    return !!block && block.textContent.trim().length > el.textContent.trim().length;
  };
  const centre = (r) => [r.x + r.width / 2, r.y + r.height / 2];
  const small = (t) => t.r.width < 23.5 || t.r.height < 23.5;
  const circleHits = (c, r) => {
    const dx = Math.max(r.left - c[0], 0, c[0] - r.right);
    const dy = Math.max(r.top - c[1], 0, c[1] - r.bottom);
    return dx * dx + dy * dy < 144;
  };
  const bad = [];
  for (const t of targets) {
    if (!small(t) || inText(t.el)) continue;
    const c = centre(t.r);
    const crowded = targets.some((o) => {
      if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) return false;
      if (small(o)) {
        const d = centre(o.r);
        return Math.hypot(c[0] - d[0], c[1] - d[1]) < 24;
      }
      return circleHits(c, o.r);
    });
    if (crowded) {
      bad.push(`${Math.round(t.r.width)}x${Math.round(t.r.height)} ${t.el.outerHTML.slice(0, 90)}`);
    }
  }
  return bad;
}"""

#: Where focus is, whether it is visibly marked, and whether something covers it.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  const r = el.getBoundingClientRect();
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 10), 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const covered = !!top && !(el.contains(top) || top.contains(el) ||
                             (el.labels && [...el.labels].some((l) => l.contains(top))));
  const inView = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  return {html: el.outerHTML.slice(0, 90), marked: outline || shadow, covered, inView,
          coveredBy: top ? top.outerHTML.slice(0, 60) : ""};
}"""


@pytest.fixture(scope="module")
def published(live_server) -> str:
    return reference_with(live_server.engine, Status.published)


@pytest.fixture(scope="module")
def references(live_server, published: str) -> dict:
    return {"published": published, "rejected": reference_with(live_server.engine, Status.rejected)}


def _paths(lang: str, published: str, staff: bool = False) -> list[str]:
    return [p.format(lang=lang, published=published) for p in (STAFF_PAGES if staff else PAGES)]


def _no_horizontal_scroll(page, width: int) -> None:
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll}px wide at {width}px"


@pytest.mark.parametrize("lang", LAYOUT_LANGS)
def test_reflow_at_320_css_pixels(open_page, references: dict, lang: str) -> None:
    """Every page of the app (the list the axe scan uses), on a 320 CSS px screen."""
    page = open_page(width=320, height=640)
    staff = open_page(width=320, height=640, staff=True)
    for name, path in test_axe.PUBLIC_PAGES + test_axe.STAFF_PAGES:
        target = staff if path.startswith("/staff/") and name != "login" else page
        target.goto(f"/{lang}{path.format(**references)}")
        _no_horizontal_scroll(target, 320)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_zoom_200_percent(open_page, published: str, lang: str) -> None:
    """A 1280 px window at 200 % zoom is a 640 CSS px viewport with twice the pixels."""
    page = open_page(width=640, height=400, device_scale_factor=2)
    for path in _paths(lang, published):
        page.goto(path)
        _no_horizontal_scroll(page, 640)
        assert page.evaluate(CLIPPED) == [], page.url
        assert page.locator("h1").first.is_visible()


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("lang", LAYOUT_LANGS)
def test_text_spacing_loses_nothing(open_page, published: str, lang: str, width: int) -> None:
    page = open_page(width=width)
    staff = open_page(width=width, staff=True)
    for target, paths in ((page, _paths(lang, published)), (staff, _paths(lang, published, True))):
        for path in paths:
            target.goto(path)
            target.evaluate(TEXT_SPACING)
            _no_horizontal_scroll(target, width)
            assert target.evaluate(CLIPPED) == [], target.url


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_targets_at_least_24_pixels(open_page, published: str, lang: str) -> None:
    for width in (320, 1280):
        page = open_page(width=width)
        staff = open_page(width=width, staff=True)
        for target, paths in (
            (page, _paths(lang, published)),
            (staff, _paths(lang, published, True)),
        ):
            for path in paths:
                target.goto(path)
                assert target.evaluate(SMALL_TARGETS) == [], f"{target.url} at {width}px"


@pytest.mark.parametrize("width", [320, 1280])
def test_focus_always_visible_and_never_covered(open_page, published: str, width: int) -> None:
    page = open_page(width=width, height=600)
    staff = open_page(width=width, height=600, staff=True)
    checked = 0
    for target, paths in ((page, _paths("de", published)), (staff, _paths("ar", published, True))):
        for path in paths:
            target.goto(path)
            seen = set()
            for _ in range(60):
                target.keyboard.press("Tab")
                state = target.evaluate(FOCUS_STATE)
                if state is None or state["html"] in seen:
                    break
                seen.add(state["html"])
                checked += 1
                where = f"{target.url}: {state['html']}"
                assert state["marked"], f"focus not visible on {where}"
                assert state["inView"], f"focused element scrolled out of view: {where}"
                assert not state["covered"], f"{where} covered by {state['coveredBy']}"
    assert checked > 100


def test_forced_colours_mode(open_page, axe, published: str) -> None:
    page = open_page()
    page.emulate_media(forced_colors="active")
    for path in _paths("de", published) + _paths("ar", published)[:3]:
        page.goto(path)
        assert page.evaluate("() => matchMedia('(forced-colors: active)').matches")
        axe(page, f"forced-colours:{path}")
        # Buttons lose their background colour: each needs a border or an underline.
        unmarked = page.evaluate(
            """() => [...document.querySelectorAll("button, .button")].filter((b) => {
                 const s = getComputedStyle(b);
                 const border = s.borderTopStyle !== "none" && parseFloat(s.borderTopWidth) > 0;
                 return b.getBoundingClientRect().width > 0 && !border &&
                        !s.textDecorationLine.includes("underline");
               }).map((b) => b.outerHTML.slice(0, 80))"""
        )
        assert unmarked == [], page.url
    page.goto("/de/c/marktplatz/poster")
    qr = page.evaluate(
        "() => getComputedStyle(document.querySelector('.qr-code svg path:last-child')).stroke"
    )
    assert qr == "rgb(0, 0, 0)", "the QR code keeps black on white"
    page.goto("/de/c/marktplatz")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus stays visible in forced colours"


def test_arabic_mirrors_the_layout(open_page) -> None:
    page = open_page(width=1280)
    positions = {}
    for lang in ("de", "ar"):
        page.goto(f"/{lang}/c/buslinie-nord")
        html = page.locator("html")
        assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert html.get_attribute("lang") == lang
        brand = page.locator(".brand").bounding_box()
        heading = page.locator("main h1").bounding_box()
        positions[lang] = (brand["x"] + brand["width"] / 2, heading["x"], heading["width"])
    centre, start, width = positions["de"]
    assert centre < 1280 / 2, "German: the brand sits on the left"
    assert start < 1280 / 2
    centre, start, width = positions["ar"]
    assert centre > 1280 / 2, "Arabic: the brand sits on the right"
    assert start + width > 1280 / 2, "Arabic: the heading starts on the right"
