"""participation/paths.py: a path a client hands us (next, back, page, from) never leads off-site.

"Off-site" is judged as a browser judges it: tabs and newlines dropped, a backslash
read as a slash, then resolved against our address, after each round of decoding a
proxy or a later redirect might add.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from participation.accounts.models import Role
from participation.db import session_scope
from participation.paths import is_same_origin_path, same_origin_path
from participation.sitepages.models import BarrierReport
from tests.conftest import PUBLIC_BASE
from tests.factories import STAFF_PASSWORD, csrf_token, login, make_staff, soup

OURS = urlsplit(PUBLIC_BASE).netloc

OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "/ /evil.example",
    "\x00//evil.example",
    "/\x00/evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "%5C%5Cevil.example",
    "/%252F/evil.example",
    "/%25252F%25252Fevil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/\uff0f/evil.example",  # full-width solidus, "/" after NFKC
    "/\ufe68evil.example",  # small reverse solidus, "\\" after NFKC
    "/\u2028/evil.example",
    "/\u200b/evil.example",
    "/%FF",
    "",
    "/" + "a" * 3000,
]
OURS_EXAMPLES = [
    "/",
    "/de",
    "/de/c/marktplatz",
    "/de/c/marktplatz?x=1#kommentar",
    "/ar/r/47112093",
    "/de/staff/moderation?status=pending&after=12",
    "/de/c/stra%C3%9Fe",
    "/de/c/straße",
    "/de/a:b",
]


def browser_targets(value: str) -> list[str]:
    """Where a browser goes with ``value`` as an href, now and after each decoding."""
    targets = []
    seen = value
    for _ in range(5):
        cleaned = re.sub(r"[\t\n\r]", "", seen.strip("\x00 \x01\x02\x1f"))
        cleaned = cleaned.replace("\\", "/")
        try:
            targets.append(urljoin(PUBLIC_BASE + "/de/barrier-report", cleaned))
        except ValueError:
            targets.append("invalid")
        decoded = unquote(seen)
        if decoded == seen:
            break
        seen = decoded
    return targets


def stays_here(value: str) -> bool:
    return all(urlsplit(t).netloc == OURS for t in browser_targets(value))


@pytest.mark.parametrize("value", OFF_SITE)
def test_paths_that_leave_the_site_are_refused(value):
    assert not is_same_origin_path(value)
    assert same_origin_path(value, "/de") == "/de"


@pytest.mark.parametrize("value", OURS_EXAMPLES)
def test_our_own_paths_are_kept_as_they_are(value):
    assert is_same_origin_path(value)
    assert same_origin_path(value, "/de") == value
    assert stays_here(value)


def test_within_keeps_a_path_to_its_area():
    queue = "/de/staff/moderation"
    assert same_origin_path("/de/staff/moderation?after=3", queue, within=queue).endswith("=3")
    assert same_origin_path("/de/c/x", queue, within=queue) == queue
    assert same_origin_path("/de/staff/moderation/\\evil", queue, within=queue) == queue


PIECES = st.sampled_from(
    ["/", "\\", "%2F", "%2f", "%5C", "%5c", "%25", "%", "2F", "5C", ":", "@", "?", "#", ".",
     "..", "\t", "\n", "\r", " ", "\x00", "\x7f", "\u2028", "\uff0f", "\ufe68", "evil.example",
     "de", "c", "x", "https", "javascript", "a"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=10).map("".join))
def test_whatever_is_accepted_stays_on_this_site(value):
    if is_same_origin_path(value):
        assert stays_here(value), value
        assert same_origin_path(value) == value


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1), max_size=6)
)
def test_every_plain_path_is_accepted(segments):
    value = "/" + "/".join(segments)
    assert is_same_origin_path(value) == ("//" not in value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_either_stays_here_or_is_refused(value):
    if is_same_origin_path(value):
        assert stays_here(value), value


# --- Where paths come in: the barrier report, the login, the staff pages ---------------


def _reports(engine) -> list[BarrierReport]:
    with session_scope(engine) as session:
        return list(session.exec(select(BarrierReport)).all())


def _off_site_links(html: str) -> list[str]:
    return [
        str(a["href"])
        for a in soup(html).find_all("a", href=True)
        # The council's phone and mail links leave no page; every other link must stay.
        if not str(a["href"]).startswith(("tel:", "mailto:")) and not stays_here(str(a["href"]))
    ]


@pytest.mark.parametrize("page", ["/\\evil.example", "/\t/evil.example", "/%5C%5Cevil.example"])
def test_a_barrier_report_keeps_no_off_site_page(client, engine, page):
    token = csrf_token(client, "/de/barrier-report")
    sent = client.post(
        "/de/barrier-report",
        data={"csrf_token": token, "description": "Der Knopf ist zu klein.", "page": page},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    [report] = _reports(engine)
    assert report.description == "Der Knopf ist zu klein."
    assert report.page == ""
    login(client, engine, Role.moderator)
    staff_page = client.get("/de/staff/barrier-reports")
    assert "Der Knopf ist zu klein." in staff_page.text
    assert _off_site_links(staff_page.text) == []


def test_a_barrier_report_keeps_its_own_page(client, engine):
    token = csrf_token(client, "/de/barrier-report")
    client.post(
        "/de/barrier-report",
        data={"csrf_token": token, "description": "Kontrast", "page": "/de/c/markt?x=1"},
    )
    assert _reports(engine)[0].page == "/de/c/markt?x=1"
    login(client, engine, Role.moderator)
    links = soup(client.get("/de/staff/barrier-reports").text).find_all("a", href="/de/c/markt?x=1")
    assert links


def test_a_stored_report_from_before_the_guard_shows_its_page_as_text_only(client, engine):
    with session_scope(engine, write=True) as session:
        session.add(BarrierReport(description="Alt", page="/\\evil.example", locale="de"))
    login(client, engine, Role.moderator)
    html = client.get("/de/staff/barrier-reports").text
    assert _off_site_links(html) == []
    assert "/\\evil.example" in soup(html).get_text()  # staff still see what was sent


@pytest.mark.parametrize("origin", ["/\\evil.example", "/\t/evil.example", "/%09/evil.example"])
def test_the_report_form_links_back_only_to_our_own_pages(client, origin):
    page = client.get("/de/barrier-report", params={"from": origin})
    assert page.status_code == 200
    assert _off_site_links(page.text) == []
    hidden = soup(page.text).find("input", attrs={"name": "page"})
    assert hidden["value"] == ""


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "/%2F/evil.example"])
def test_login_goes_on_only_to_our_own_pages(client, engine, target):
    user = make_staff(engine, Role.moderator)
    token = csrf_token(client, "/de/staff/login")
    response = client.post(
        "/de/staff/login",
        data={"csrf_token": token, "email": user.email, "password": STAFF_PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert stays_here(location)
    assert location.startswith("/de/staff")


def test_the_login_form_carries_only_our_own_paths_on(client):
    kept = soup(client.get("/de/staff/login", params={"next": "/de/staff/moderation"}).text)
    assert kept.find("input", attrs={"name": "next"})["value"] == "/de/staff/moderation"
    dropped = soup(client.get("/de/staff/login", params={"next": "/\\evil.example"}).text)
    assert dropped.find("input", attrs={"name": "next"})["value"] == ""
