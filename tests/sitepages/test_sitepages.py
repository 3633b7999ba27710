"""Site pages, barrier reports, posters and the sign-language video over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.phone_keys import CODE_KEY
from participation.settings import LANGUAGES, Settings
from participation.sitepages import service
from participation.sitepages.defaults import DEFAULT_PAGES, load_defaults
from participation.sitepages.media import SHIPPED, mp4_duration
from participation.sitepages.models import BarrierReport
from tests.factories import csrf_token, login, make_consultation, soup

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def test_mp4_duration_is_read_from_the_movie_header(tmp_path: Path) -> None:
    assert mp4_duration(SHIPPED / "sign-language.mp4") == 8.0
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00garbage")
    assert mp4_duration(junk) is None


def test_placeholders_are_filled_from_the_settings() -> None:
    settings = Settings(council_name="Stadt Hameln", data_protection_officer="Frau Meyer")
    body = service.fill(
        "{council_name}: {data_protection_officer} {lang} {unknown}", settings, "tr", None
    )
    assert body == "Stadt Hameln: Frau Meyer tr {unknown}"


def test_phone_keys_are_those_of_the_texts_language() -> None:
    settings = Settings()
    body = "{phone_language_key}, {phone_code_key}"
    assert service.fill(body, settings, "ar", None, "ar") == f"4, {CODE_KEY}"
    assert service.fill(body, settings, "ls", None, "de@easy") == f"8, {CODE_KEY}"
    # A German text shown on an Arabic page says the key a German caller presses.
    assert service.fill(body, settings, "ar", None, "de") == f"1, {CODE_KEY}"


def test_page_falls_back_to_german_until_a_translation_is_saved(
    session, settings, monkeypatch
) -> None:
    # Every built-in page has every language: take one away to see the fallback.
    monkeypatch.delitem(DEFAULT_PAGES["imprint"], "tr")
    shown = service.get_page(session, "imprint", "tr", settings, "tr")
    assert shown is not None and shown.is_fallback and shown.html_lang == "de"
    assert settings.council_name in shown.body_md
    service.save_page(session, "imprint", "tr", "Künye", "{council_name}", None)
    session.commit()
    shown = service.get_page(session, "imprint", "tr", settings, "tr")
    assert shown.title == "Künye" and not shown.is_fallback and shown.is_custom
    service.reset_page(session, "imprint", "tr")
    session.commit()
    assert service.get_page(session, "imprint", "tr", settings, "tr").is_fallback
    assert service.get_page(session, "no-such-page", "de", settings, "de") is None


def test_a_saved_text_replaces_the_built_in_one_in_that_language_only(session, settings) -> None:
    service.save_page(session, "privacy", "ar", "بيان", "{council_name}", None)
    session.commit()
    arabic = service.get_page(session, "privacy", "ar", settings, "ar")
    assert arabic.is_custom and arabic.body_md == settings.council_name
    polish = service.get_page(session, "privacy", "pl", settings, "pl")
    assert not polish.is_custom and not polish.is_fallback and "RODO" in polish.body_md
    service.reset_page(session, "privacy", "ar")
    session.commit()
    arabic = service.get_page(session, "privacy", "ar", settings, "ar")
    assert not arabic.is_custom and "Twilio" in arabic.body_md


@pytest.mark.parametrize("slug", service.PAGE_SLUGS)
def test_every_page_has_a_built_in_text_in_every_language(client, slug) -> None:
    """No reader meets a German fallback on the built-in pages (GDPR Art. 12 asks for the
    privacy statement in a language its readers understand)."""
    german = set(PLACEHOLDER.findall(DEFAULT_PAGES[slug]["de"][1])) | {"lang"}
    for lang, locale in LANGUAGES.items():
        assert locale in DEFAULT_PAGES[slug], f"{slug} has no {locale} text"
        title, body = DEFAULT_PAGES[slug][locale]
        assert title and body.strip(), (slug, locale)
        # The same facts: every setting the German text names, and no invented one.
        assert set(PLACEHOLDER.findall(body)) | {"lang"} == german, (slug, locale)
        page = client.get(f"/{lang}/p/{slug}")
        assert page.status_code == 200, (slug, lang)
        html = soup(page.text)
        assert html.find("article", attrs={"lang": True}) is None, "no fallback needed"
        prose = html.find(class_="prose")
        assert "{" not in prose.get_text(), "every placeholder filled"
        # Links to our own pages stay in the reader's language.
        for link in prose.find_all("a", href=True):
            assert not link["href"].startswith("/") or link["href"].startswith(f"/{lang}/")
    assert client.get("/de/p/nothing").status_code == 404


def test_default_text_files_need_a_title_line(tmp_path: Path) -> None:
    (tmp_path / "tr").mkdir()
    (tmp_path / "tr" / "imprint.md").write_text("# Künye\n\nMetin\n", encoding="utf-8")
    assert load_defaults(tmp_path) == {"imprint": {"tr": ("Künye", "Metin\n")}}
    (tmp_path / "tr" / "privacy.md").write_text("Kein Titel\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_defaults(tmp_path)


def test_barrier_report_is_stored_and_honeypot_answered_quietly(client, session) -> None:
    token = csrf_token(client, "/de/barrier-report")
    empty = client.post("/de/barrier-report", data={"csrf_token": token, "description": " "})
    assert empty.status_code == 422
    assert soup(empty.text).find(id="error-summary") is not None
    bad_mail = client.post(
        "/de/barrier-report",
        data={"csrf_token": token, "description": "Kontrast", "contact_email": "nope"},
    )
    assert bad_mail.status_code == 422
    sent = client.post(
        "/de/barrier-report",
        data={
            "csrf_token": token,
            "description": "Der Kontrast der Knöpfe ist zu schwach.",
            "page": "/de/c/marktplatz",
            "contact_email": "leser@example.org",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/de/barrier-report/sent"
    bot = client.post(
        "/de/barrier-report",
        data={"csrf_token": token, "description": "spam", "website": "http://spam.example"},
        follow_redirects=False,
    )
    assert bot.status_code == 303
    reports = session.exec(select(BarrierReport)).all()
    assert [r.description for r in reports] == ["Der Kontrast der Knöpfe ist zu schwach."]
    assert reports[0].page == "/de/c/marktplatz"


def test_foreign_page_address_is_not_kept(session) -> None:
    messages = {"empty": "e", "long": "l", "email": "m"}
    report = service.submit_barrier_report(
        session,
        description="x",
        page="//evil.example/",
        contact_email="",
        locale="de",
        messages=messages,
    )
    assert report.page == "" and report.contact_email is None


def test_staff_pages_check_roles(client, engine) -> None:
    assert client.get("/de/staff/barrier-reports", follow_redirects=False).status_code == 303
    login(client, engine, Role.editor)
    assert client.get("/de/staff/barrier-reports").status_code == 200
    assert client.get("/de/staff/pages").status_code == 403
    assert client.get("/de/staff/pages/imprint/de").status_code == 403


def test_admin_edits_a_page(client, engine) -> None:
    login(client, engine, Role.admin)
    token = csrf_token(client, "/de/staff/pages/privacy/pl")
    saved = client.post(
        "/de/staff/pages/privacy/pl",
        data={"csrf_token": token, "title": "Polityka prywatności", "body_md": "## Administrator"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    public = soup(client.get("/pl/p/privacy").text)
    assert public.find("h1").get_text(strip=True) == "Polityka prywatności"
    missing_title = client.post(
        "/de/staff/pages/privacy/pl", data={"csrf_token": token, "title": "", "body_md": "x"}
    )
    assert missing_title.status_code == 422
    assert client.get("/de/staff/pages/nothing/de").status_code == 404
    assert client.get("/de/staff/pages/privacy/xx").status_code == 404


def test_staff_edit_starts_from_the_built_in_text_of_that_language(client, engine) -> None:
    login(client, engine, Role.admin)
    form = soup(client.get("/de/staff/pages/privacy/ls").text)
    assert form.find(id="field-title")["value"] == "Daten-Schutz: Was passiert mit Ihren Daten?"
    assert "Vorgangs-Nummer" in form.find(id="field-body_md").get_text()
    cells = soup(client.get("/de/staff/pages").text).find_all("td")
    assert not any("nicht Ihr deutscher" in cell.get_text() for cell in cells)
    token = csrf_token(client, "/de/staff/pages/privacy/de")
    client.post(
        "/de/staff/pages/privacy/de",
        data={"csrf_token": token, "title": "Datenschutz", "body_md": "Eigener Text"},
    )
    # Every other language still shows the built-in translation of the old German text.
    row = soup(client.get("/de/staff/pages").text).find("a", string="Datenschutzerklärung")
    states = [cell.get_text(" ", strip=True) for cell in row.find_parent("tr").find_all("td")]
    assert "eigener Text" in states[0]
    assert all("nicht Ihr deutscher" in state for state in states[1:]), states


def test_poster_has_qr_code_and_every_door(client, engine, settings) -> None:
    consultation = make_consultation(engine, code="4799")
    page = client.get(f"/de/c/{consultation.slug}/poster")
    assert page.status_code == 200
    html = soup(page.text)
    assert html.select_one(".qr-code svg[aria-hidden=true] path") is not None
    assert html.select_one(".poster-url").get_text() == (
        f"{settings.public_base_url}/de/c/{consultation.slug}"
    )
    text = html.select_one(".poster").get_text()
    for value in ("4799", settings.council_phone, settings.council_sms_number):
        assert value in text
    draft = make_consultation(engine, phase="draft")
    assert client.get(f"/de/c/{draft.slug}/poster").status_code == 404


def test_sign_language_media(client) -> None:
    video = client.get("/media/sign-language.mp4", headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and len(video.content) == 100
    assert client.get("/media/sign-language.vtt").text.startswith("WEBVTT")
    assert client.get("/media/sign-language.exe").status_code == 404


def test_old_contact_addresses_expire(session) -> None:
    from datetime import timedelta

    from participation.clock import utcnow

    messages = {"empty": "e", "long": "l", "email": "m"}
    old = service.submit_barrier_report(
        session,
        description="alt",
        page="",
        contact_email="a@example.org",
        locale="de",
        messages=messages,
    )
    old.created_at = utcnow() - timedelta(days=service.CONTACT_KEEP_DAYS + 1)
    session.add(old)
    session.flush()
    fresh = service.submit_barrier_report(
        session,
        description="neu",
        page="",
        contact_email="b@example.org",
        locale="de",
        messages=messages,
    )
    session.commit()
    session.refresh(old)
    assert old.contact_email is None
    assert fresh.contact_email == "b@example.org"
