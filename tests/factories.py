"""Short ways to make consultations, contributions and staff for tests."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import timedelta
from itertools import count

from bs4 import BeautifulSoup
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.accounts.service import create_staff
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.contributions.votes import Voter, submit_vote
from participation.db import session_scope

STAFF_PASSWORD = "correct horse battery staple"
_numbers = count(1)


def make_consultation(
    engine: Engine,
    *,
    phase: str = "open",
    poll: list[str] | None = None,
    title: str = "Soll der Marktplatz neu gestaltet werden?",
    code: str | None = None,
    texts: dict | None = None,
    council_id: int | None = None,
) -> Consultation:
    now = utcnow()
    n = next(_numbers)
    consultation = Consultation(
        slug=f"beteiligung-{n}", code=code or str(4700 + n), is_published=phase != "draft"
    )
    if phase == "upcoming":
        consultation.opens_at, consultation.closes_at = (
            now + timedelta(days=1),
            now + timedelta(days=9),
        )
    elif phase in ("closed", "results"):
        consultation.opens_at, consultation.closes_at = (
            now - timedelta(days=9),
            now - timedelta(hours=1),
        )
    else:
        consultation.opens_at, consultation.closes_at = (
            now - timedelta(days=1),
            now + timedelta(days=9),
        )
    with session_scope(engine, write=True, council_id=council_id) as session:
        session.add(consultation)
        session.flush()
        consultations.save_text(
            session,
            consultation,
            "de",
            title=title,
            summary="Kurze Zusammenfassung.",
            body_md="Mehr **Text**.",
            phone_summary="Kurz gesagt.",
            poll_question="Sind Sie dafür?",
        )
        for locale, fields in (texts or {}).items():
            consultations.save_text(session, consultation, locale, **fields)
        if poll:
            consultations.set_poll(
                session, consultation, [(key, {}) for key in poll], has_votes=False
            )
    if phase == "results":
        with session_scope(engine, write=True, council_id=council_id) as session:
            consultation.results_published_at = utcnow()
            session.add(consultation)
    return consultation


DETAIL_FIELDS = {field.name for field in fields(ChannelDetails)}


def make_contribution(
    engine: Engine,
    consultation: Consultation,
    body: str = "Mehr Bänke!",
    channel: Channel = Channel.web,
    voter_key: str | None = None,
    **kwargs,
) -> Contribution:
    """A text; with ``voter_key`` and ``poll_option_id`` also that voter's vote, sent
    with the text (two calls, as every door makes them)."""
    # The channel's own details (author_key, external_id, ...) go into ChannelDetails.
    details = {key: kwargs.pop(key) for key in list(kwargs) if key in DETAIL_FIELDS}
    with session_scope(engine, write=True) as session:
        submitted = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=body,
                channel=channel,
                locale=kwargs.pop("locale", "de"),
                details=ChannelDetails(**details),
                **kwargs,
            ),
        )
        if voter_key is not None:
            submit_vote(
                session,
                consultation=consultation,
                option_id=kwargs["poll_option_id"],
                channel=channel,
                voter=Voter(voter_key),
                contribution_id=submitted.id,
            )
        return submitted.contribution


def make_staff(
    engine: Engine, role: Role = Role.admin, email: str | None = None, council_id: int | None = None
):
    with session_scope(engine, write=True, council_id=council_id) as session:
        return create_staff(
            session, email or f"{role.value}{next(_numbers)}@example.org", STAFF_PASSWORD, role
        )


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def csrf_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    field = soup(page.text).find("input", attrs={"name": "csrf_token"})
    assert field is not None, f"no CSRF field on {path}"
    return str(field["value"])


def log_in_as(client: TestClient, email: str, password: str = STAFF_PASSWORD) -> int:
    """Sends the login form as a person would; the answer's status (303: logged in)."""
    token = csrf_token(client, "/de/staff/login")
    return client.post(
        "/de/staff/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    ).status_code


def login(client: TestClient, engine: Engine, role: Role = Role.admin):
    user = make_staff(engine, role)
    assert log_in_as(client, user.email) == 303
    return user


def reference_from(location: str) -> str:
    match = re.search(r"/r/(\d{8})", location)
    assert match, location
    return match.group(1)


def edit_consultation(client, consultation, **changes):
    """Posts the staff's one-page form as it is, with ``changes``."""
    path = f"/de/staff/consultations/{consultation.id}"
    html = soup(client.get(f"{path}/all-fields").text)
    data = {"csrf_token": csrf_token(client, path)}
    for element in html.select("form input, form textarea"):
        name = element.get("name")
        if not name or name == "csrf_token":
            continue
        if element.name == "textarea":
            data[name] = element.get_text()
        elif element.get("type") in ("radio", "checkbox"):
            if element.has_attr("checked"):
                data[name] = element.get("value", "on")
        else:
            data[name] = element.get("value", "")
    data.update(changes)
    return client.post(path, data=data, follow_redirects=False)
