"""A council's look: its accent colour through its own style sheet, its logo in the header,
set by its own admins only, and never shown on another council's pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.cli import main
from participation.councils.service import add_host, by_slug, configure, create_council
from participation.db import session_scope
from tests.factories import csrf_token, log_in_as, make_staff, soup

MUSTERSTADT = "https://musterstadt.localhost"
BEISPIELDORF = "https://beispieldorf.localhost"
GREEN = "#1d5f3a"
RED = "#8a1c1c"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PLAIN_SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
    b'<title>Wappen</title><path d="M0 0h10v10z" fill="url(#g)"/></svg>'
)


@pytest.fixture
def settings(settings, tmp_path):
    # Uploaded logos go to MEDIA_DIR: a folder of the test's own.
    return settings.with_(media_dir=str(tmp_path))


@pytest.fixture
def councils(app, engine):
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
        configure(session, "council", {"accent_colour": GREEN})
        configure(session, "beispieldorf", {"accent_colour": RED})
    app.state.councils.expire()
    return other


def _look(page) -> tuple[str | None, object]:
    html = soup(page.text)
    sheet = html.find("link", href=lambda h: h and "council-style.css" in h)
    return (sheet["href"] if sheet else None), html.find("img", class_="brand-logo")


def _upload(client: TestClient, data: bytes, name: str, colour: str = ""):
    token = csrf_token(client, "/de/staff/look")
    return client.post(
        "/de/staff/look",
        data={"csrf_token": token, "accent_colour": colour},
        files={"logo": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def _admin(engine, council_id: int | None = None) -> str:
    return make_staff(engine, Role.admin, council_id=council_id).email


def test_each_council_style_sheet_has_its_own_colour(app, councils):
    with (
        TestClient(app, base_url=MUSTERSTADT) as ours,
        TestClient(app, base_url=BEISPIELDORF) as dorf,
    ):
        our_sheet, _ = _look(ours.get("/de/"))
        their_sheet, _ = _look(dorf.get("/de/"))
        assert our_sheet and their_sheet and our_sheet.startswith("/council-style.css?v=")
        mine = ours.get(our_sheet)
        theirs = dorf.get(their_sheet)
        assert GREEN in mine.text and RED not in mine.text
        assert RED in theirs.text and GREEN not in theirs.text
        assert mine.headers["content-type"].startswith("text/css")
        # The version a page names is kept for a year; any other only briefly.
        assert "immutable" in mine.headers["cache-control"]
        assert "immutable" not in ours.get("/council-style.css?v=old").headers["cache-control"]
        again = ours.get(our_sheet, headers={"If-None-Match": mine.headers["etag"]})
        assert again.status_code == 304
        # The same address on the other host is the other council's sheet.
        assert GREEN not in dorf.get(our_sheet).text


def test_a_changed_colour_gets_a_new_address(app, engine, councils):
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        before, _ = _look(ours.get("/de/"))
        with session_scope(engine, write=True) as session:
            configure(session, "council", {"accent_colour": "#5a2d82"})
        app.state.councils.expire()
        after, _ = _look(ours.get("/de/"))
        assert before != after and "#5a2d82" in ours.get(after).text


def test_an_admin_uploads_the_logo_and_only_their_council_shows_it(app, engine, councils):
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        assert log_in_as(ours, _admin(engine)) == 303
        sent = _upload(ours, PNG, "wappen.png", GREEN)
        assert sent.status_code == 303 and sent.headers["location"].endswith(
            "/de/staff/look?saved=1"
        )
    with TestClient(app, base_url=MUSTERSTADT) as visitor:
        _sheet, logo = _look(visitor.get("/de/"))
        assert logo is not None and logo["alt"] == "Gemeinde Musterstadt"
        image = visitor.get(logo["src"])
        assert image.content == PNG and image.headers["content-type"] == "image/png"
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        _sheet, none = _look(dorf.get("/de/"))
        assert none is None
        assert dorf.get(logo["src"]).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a" + b"\x00" * 50, "wappen.gif", "PNG-, JPEG-, WebP- oder SVG-Datei"),
        (b"%PDF-1.7\n", "wappen.png", "PNG-, JPEG-, WebP- oder SVG-Datei"),
        (PNG + b"\x00" * (200 * 1024), "gross.png", "höchstens 200 KB"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "skript.svg",
            "keine reine Zeichnung",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><path d="M0 0"/></svg>',
            "onload.svg",
            "keine reine Zeichnung",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<use x:href="https://example.org/x.svg#a"/></svg>',
            "fremd.svg",
            "keine reine Zeichnung",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">'
            b"<title>&a;</title></svg>",
            "entity.svg",
            "keine reine Zeichnung",
        ),
    ],
)
def test_a_wrong_logo_is_refused_and_nothing_is_stored(
    app, engine, councils, tmp_path, data, name, message
):
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        assert log_in_as(ours, _admin(engine)) == 303
        refused = _upload(ours, data, name, "#5a2d82")
        assert refused.status_code == 422
        assert message in refused.text
        # Neither the logo nor the colour sent with it.
        assert "#5a2d82" not in ours.get(_look(ours.get("/de/"))[0]).text
    assert not list(Path(tmp_path).rglob("logo.*"))


def test_a_plain_svg_is_taken_and_served_so_that_nothing_in_it_can_run(app, engine, councils):
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        assert log_in_as(ours, _admin(engine)) == 303
        assert _upload(ours, PLAIN_SVG, "wappen.svg").status_code == 303
        _sheet, logo = _look(ours.get("/de/"))
        image = ours.get(logo["src"])
    assert image.headers["content-type"].startswith("image/svg+xml")
    policy = image.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script" not in policy


def test_a_colour_below_4_5_to_1_is_refused_with_a_translated_message(app, engine, councils):
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        assert log_in_as(ours, _admin(engine)) == 303
        token = csrf_token(ours, "/de/staff/look")
        refused = ours.post(
            "/de/staff/look", data={"csrf_token": token, "accent_colour": "#ffd700"}
        )
        assert refused.status_code == 422 and "zu hell" in refused.text
        token = csrf_token(ours, "/en/staff/look")
        refused = ours.post(
            "/en/staff/look", data={"csrf_token": token, "accent_colour": "#ffd700"}
        )
        assert refused.status_code == 422 and "too light" in refused.text
        field = soup(refused.text).find("input", attrs={"name": "accent_colour"})
        assert field["aria-invalid"] == "true"


def test_another_councils_admin_cannot_change_this_logo(app, engine, councils, tmp_path):
    theirs = _admin(engine, councils)
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, theirs) == 303
        token = csrf_token(dorf, "/de/staff/look")
        cookies = dict(dorf.cookies)
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        ours.cookies.update(cookies)
        sent = ours.post(
            "/de/staff/look",
            data={"csrf_token": token, "accent_colour": RED},
            files={"logo": ("wappen.png", PNG, "image/png")},
            follow_redirects=False,
        )
        assert sent.status_code == 401
    assert not list(Path(tmp_path).rglob("logo.*"))
    # Their own upload is theirs alone.
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, theirs) == 303
        assert _upload(dorf, PNG, "wappen.png", RED).status_code == 303
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        assert _look(ours.get("/de/"))[1] is None


@pytest.mark.parametrize("role", [None, Role.moderator, Role.editor])
def test_only_an_admin_may_upload(app, engine, councils, tmp_path, role):
    with TestClient(app, base_url=MUSTERSTADT) as client:
        if role is not None:
            assert log_in_as(client, make_staff(engine, role).email) == 303
        token = csrf_token(client, "/de/staff/login")
        sent = client.post(
            "/de/staff/look",
            data={"csrf_token": token},
            files={"logo": ("wappen.png", PNG, "image/png")},
            follow_redirects=False,
        )
        assert sent.status_code == (401 if role is None else 403)
        page = client.get("/de/staff/look", follow_redirects=False)
        assert page.status_code == (303 if role is None else 403)
    assert not list(Path(tmp_path).rglob("logo.*"))


def test_the_operator_sets_and_removes_the_logo_from_the_command_line(
    app, engine, councils, database_url, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path))
    unsafe = tmp_path / "skript.svg"
    unsafe.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    assert main(["council", "configure", "beispieldorf", "--logo", str(unsafe)]) == 1
    assert "plain drawing" in capsys.readouterr().out
    good = tmp_path / "wappen.svg"
    good.write_bytes(PLAIN_SVG)
    assert main(["council", "configure", "beispieldorf", "--logo", str(good)]) == 0
    app.state.councils.expire()
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        _sheet, logo = _look(dorf.get("/de/"))
        assert logo["alt"] == "Gemeinde Beispieldorf"
        assert dorf.get(logo["src"]).content == PLAIN_SVG
    with TestClient(app, base_url=MUSTERSTADT) as ours:
        assert _look(ours.get("/de/"))[1] is None
    assert main(["council", "configure", "beispieldorf", "--logo", ""]) == 0
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert _look(dorf.get("/de/"))[1] is None
