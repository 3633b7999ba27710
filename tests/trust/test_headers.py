"""Security headers on every response of every route; a CSP the pages satisfy; HSTS only
where the site is served over HTTPS; no cookie for people who only read."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.app import create_app
from participation.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import login, make_consultation, make_contribution, soup
from tests.trust.routing import UNSAFE, all_routes

REQUIRED = {
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
}


def _values(engine) -> dict[str, str]:
    consultation = make_consultation(engine, poll=["yes", "no"])
    contribution = make_contribution(engine, consultation)
    return {
        "slug": consultation.slug,
        "reference": contribution.reference,
        "path": "app.css",
        "kind": "csv",
    }


def _check_headers(response, label: str, problems: list[str]) -> None:
    headers = {name.lower() for name in response.headers}
    missing = REQUIRED - headers
    if missing:
        problems.append(f"{label}: {response.status_code} lacks {sorted(missing)}")
        return
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        if directive not in csp:
            problems.append(f"{label}: CSP without {directive}")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append(f"{label}: CSP allows inline code")
    if response.headers["x-content-type-options"] != "nosniff":
        problems.append(f"{label}: nosniff missing")


def _check_page_satisfies_csp(response, label: str, problems: list[str]) -> None:
    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    page = soup(response.text)
    for script in page.find_all("script"):
        if not script.get("src"):
            problems.append(f"{label}: inline <script>")
        elif re.match(r"^(https?:)?//", script["src"]):
            problems.append(f"{label}: third-party script {script['src']}")
    if page.find("style"):
        problems.append(f"{label}: inline <style>")
    for tag in page.find_all(True):
        if tag.get("style"):
            problems.append(f"{label}: style attribute on <{tag.name}>")
        if any(name.startswith("on") for name in tag.attrs):
            problems.append(f"{label}: inline event handler on <{tag.name}>")
        for name in ("src", "href", "action"):
            value = tag.get(name) or ""
            if tag.name != "a" and re.match(r"^(https?:)?//", value):
                problems.append(f"{label}: third-party {name} {value}")


def _sweep(
    client: TestClient, values: dict[str, str], who: str, languages: tuple[str, ...]
) -> tuple[int, list[str]]:
    problems: list[str] = []
    count = 0
    for found in all_routes(client.app):
        for method in found.methods:
            for lang in languages:
                path = found.path(lang=lang, **values)
                data = {"body": "x"} if method in UNSAFE else None
                response = client.request(method, path, data=data, follow_redirects=False)
                label = f"{who} {method} {path}"
                count += 1
                _check_headers(response, label, problems)
                if method == "GET" and response.status_code == 200 and lang == languages[0]:
                    _check_page_satisfies_csp(response, label, problems)
                if "{lang}" not in found.template:
                    break
    return count, problems


def test_every_route_sends_the_security_headers(app, engine, client):
    values = _values(engine)
    count, problems = _sweep(client, values, "anonymous", ("de", "ar"))
    staff = TestClient(app, base_url=client.base_url)
    login(staff, engine, Role.admin)
    more, staff_problems = _sweep(staff, values, "admin", ("de",))
    assert count + more > 40
    assert problems + staff_problems == []


def test_error_responses_carry_the_headers_too(client, engine):
    for response in (
        client.get("/de/no-such-page"),
        client.get("/static/../../etc/passwd"),
        client.post("/de/staff/login", data={}),  # no CSRF token: 403
        client.request("TRACE", "/de/"),
    ):
        problems: list[str] = []
        _check_headers(response, str(response.status_code), problems)
        assert problems == []


def test_hsts_only_when_served_over_https(engine, database_url):
    for base, expect in (("https://beteiligung.example", True), ("http://127.0.0.1:8000", False)):
        settings = Settings(database_url=database_url, secret_key=TEST_SECRET, public_base_url=base)
        with TestClient(create_app(settings, engine), base_url=base) as client:
            response = client.get("/healthz")
        assert ("strict-transport-security" in response.headers) is expect, base
        if expect:
            max_age = re.search(r"max-age=(\d+)", response.headers["strict-transport-security"])
            assert max_age and int(max_age.group(1)) >= 31536000


def test_reading_sets_no_cookie(client, engine):
    """Citizens get no cookie unless they submit a form (DSGVO, TTDSG § 25)."""
    values = _values(engine)
    with_cookie = []
    checked = 0
    for found in all_routes(client.app):
        if found.allowed_roles or "GET" not in found.methods:
            continue
        for lang in ("de", "en", "ar", "ls"):
            response = client.get(found.path(lang=lang, **values), follow_redirects=False)
            checked += 1
            if "set-cookie" in response.headers:
                with_cookie.append(f"{found.template} ({response.status_code})")
            if "{lang}" not in found.template:
                break
    assert checked > 15
    assert with_cookie == []
    # Sending a comment sets none either: the form carries its own signed token.
    token = soup(client.get(f"/de/c/{values['slug']}").text).find(
        "input", attrs={"name": "csrf_token"}
    )["value"]
    sent = client.post(
        f"/de/c/{values['slug']}/contribute",
        data={"csrf_token": token, "body": "Ohne Cookie"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert "set-cookie" not in sent.headers
    assert "set-cookie" not in client.get(sent.headers["location"]).headers
    assert not client.cookies
