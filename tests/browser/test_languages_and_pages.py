"""Languages, right-to-left and <bdi>; the council's pages; the poster; no foreign origins."""

from __future__ import annotations

import re

import pytest
import segno

from participation.opening_hours import local_hours
from participation.settings import LANGUAGE_NAMES, LANGUAGES
from tests.browser.conftest import Guard


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_lang_dir_and_language_switcher(open_page, lang: str) -> None:
    page = open_page(js=False)
    page.goto(f"/{lang}/c/marktplatz")
    html = page.locator("html")
    assert html.get_attribute("lang") == ("de" if lang == "ls" else lang)
    assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    links = page.locator("nav.languages a")
    assert links.count() == len(LANGUAGES)
    for code in LANGUAGES:
        link = page.locator(f"nav.languages a[href='/{code}/c/marktplatz']")
        assert link.inner_text() == LANGUAGE_NAMES[code], "each language named in itself"
        assert link.get_attribute("lang") == ("de" if code == "ls" else code)
        assert (link.get_attribute("aria-current") is not None) == (code == lang)


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "pl"])
def test_missing_translation_shows_german_marked_as_german(open_page, lang: str) -> None:
    """The bus consultation has German, Turkish and Arabic texts only."""
    page = open_page(js=False)
    page.goto(f"/{lang}/c/buslinie-nord")
    article = page.locator("article.consultation")
    assert article.get_attribute("lang") == "de"
    assert "Buslinie" in article.locator("h1").inner_text()
    note = article.locator(".notice")
    assert note.get_attribute("lang") == lang, "the note itself is in the reader's language"
    page.goto(f"/{lang}/")
    assert page.locator("a[href$='/c/buslinie-nord'][lang=de]").count() == 1


def test_translated_consultation_has_no_fallback_note(open_page) -> None:
    page = open_page(js=False)
    page.goto("/ar/c/buslinie-nord")
    assert page.locator("article.consultation").get_attribute("lang") is None
    assert page.locator("article.consultation .notice").count() == 0


def test_user_text_sits_in_bdi(open_page) -> None:
    page = open_page(js=False)
    for path in ("/ar/c/buslinie-nord", "/de/c/marktplatz", "/ar/c/radweg-bahnhof"):
        page.goto(path)
        bodies = page.locator(".contribution .body")
        assert bodies.count() > 0
        outside = page.evaluate(
            """() => [...document.querySelectorAll('.contribution .body')]
                 .filter(p => !(p.children.length === 1 && p.firstElementChild.tagName === 'BDI'
                                && p.textContent.trim() === p.firstElementChild.textContent.trim()))
                 .map(p => p.outerHTML.slice(0, 80))"""
        )
        assert outside == [], path
    # An Arabic name with its "!" stays whole inside Arabic page chrome.
    page.goto("/ar/c/buslinie-nord")
    assert page.locator(".contribution .meta bdi", has_text="سامر").count() == 1


def test_start_page_links_easy_read_and_sign_language(open_page) -> None:
    page = open_page(js=False)
    page.goto("/de/")
    section = page.locator("section.access-links")
    assert section.locator("a[href='/de/p/easy-read']").count() == 1
    sign = section.locator("a[href='/de/p/sign-language']")
    assert sign.locator("svg.dgs-symbol").count() == 1, "the DGS symbol marks the video"
    page.goto("/de/p/easy-read")
    assert page.locator("html").get_attribute("lang") == "de"
    text = page.locator(".prose").inner_text()
    assert "Bürger-Beteiligung" in text
    assert page.locator(".prose a[href='/de/barrier-report']").count() == 1


def test_sign_language_video_plays_and_states_size_and_length(open_page) -> None:
    page = open_page()
    page.goto("/de/p/sign-language")
    assert page.locator("h1 svg.dgs-symbol").count() == 1
    video = page.locator("video")
    assert video.count() == 1
    duration = page.evaluate(
        """() => new Promise((resolve) => {
             const v = document.querySelector('video');
             if (v.readyState >= 1) return resolve(v.duration);
             v.addEventListener('loadedmetadata', () => resolve(v.duration));
             v.addEventListener('error', () => resolve(-1), true);
             setTimeout(() => resolve(-2), 5000);
           })"""
    )
    assert 7.5 < duration < 8.5, duration
    facts = page.locator("#video-facts").inner_text()
    assert re.search(r"\d+ kB|\d+,\d MB", facts), facts
    assert re.search(r"\b0\D+8\b", facts), "length: 0 min 8 s"
    download = page.locator("#video-facts a[download]")
    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "video/mp4"
    assert "attachment" in response.headers.get("content-disposition", "")
    assert page.locator("video track[kind=captions]").count() == 1


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_accessibility_statement_is_complete(open_page, lang: str) -> None:
    page = open_page(js=False)
    page.goto(f"/{lang}/p/accessibility")
    text = page.locator(".prose").inner_text()
    assert re.search(r"teilweise barrierefrei|partially compliant|متوافق جزئيًا", text)
    assert re.search(r"\b2\d{3}\b", text), "the date of the statement"
    assert (
        page.locator(
            ".prose a[href='https://www.behindertenbeauftragter-niedersachsen.de/']"
        ).count()
        == 1
    )
    assert page.locator(f".prose a[href='/{lang}/barrier-report']").count() == 1
    # Every language has its own statement: no German fallback.
    assert page.locator("article.site-page[lang]").count() == 0


def test_privacy_statement_names_the_officer_from_the_settings(open_page, live_server) -> None:
    page = open_page(js=False)
    page.goto("/de/p/privacy")
    text = page.locator(".prose").inner_text()
    assert live_server.settings.data_protection_officer in text
    for words in ("Was wir speichern", "Warum", "Wie lange", "Twilio", "Art. 9"):
        assert words in text, words


def test_barrier_report_link_on_every_page(open_page) -> None:
    page = open_page(js=False)
    for path in ("/de/", "/ar/c/marktplatz", "/ls/r", "/en/staff/login", "/tr/p/imprint"):
        page.goto(path)
        link = page.locator("footer a[href*='/barrier-report?from=']")
        assert link.count() == 1, path
        assert link.get_attribute("href").endswith(path.replace("/", "%2F").replace("%2F", "/"))


def test_poster_prints_on_one_a4_page_with_a_working_qr_code(open_page, live_server) -> None:
    page = open_page()
    page.goto("/ar/c/marktplatz/poster")
    public_url = f"{live_server.base_url}/ar/c/marktplatz"
    assert page.locator(".poster-url").inner_text() == public_url
    expected = segno.make(public_url, error="m").svg_inline(scale=1, border=4, omitsize=True)
    drawn = page.locator(".qr-code svg path").last.get_attribute("d")
    assert drawn and drawn in expected, "the QR code encodes the page's address"
    text = page.locator(".poster").inner_text()
    settings = live_server.settings
    for value in (
        settings.council_phone,
        settings.council_sms_number,
        settings.council_address,
        local_hours(settings.front_desk_hours, "ar"),  # days and times, as Arabic says them
        "4711",
    ):
        assert value in text, value
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator("footer.site-footer").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the poster takes {pages} pages"
    width, height = (
        float(v) for v in re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups()
    )
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (width, height)


def test_guard_catches_foreign_requests_and_csp_violations(browser, live_server) -> None:
    """The watch on every page can fail: it sees a foreign request and a CSP violation."""
    from tests.browser.conftest import CSP_LISTENER

    context = browser.new_context(base_url=live_server.base_url)
    context.add_init_script(CSP_LISTENER)
    guard = Guard(live_server.base_url)
    page = context.new_page()
    page.on("request", guard.on_request)
    page.on("console", guard.on_console)
    page.route("http://foreign.invalid/**", lambda route: route.abort())
    page.goto("/de/")
    page.evaluate(
        """() => {
             const img = document.createElement('img');
             img.src = 'http://foreign.invalid/pixel.png';
             document.body.append(img);
           }"""
    )
    page.wait_for_timeout(300)
    context.close()
    assert any("foreign.invalid" in url for url in guard.foreign)
    assert guard.csp, "the CSP (img-src 'self') refused the image and we heard it"


def test_axe_finds_a_planted_violation(open_page, axe) -> None:
    page = open_page()
    page.goto("/de/")
    page.evaluate("() => document.querySelector('main h1').setAttribute('lang', 'xx-invalid!')")
    with pytest.raises(pytest.fail.Exception, match="valid-lang"):
        axe(page, "planted")
