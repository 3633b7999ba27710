"""Nothing crosses between councils: every route of the app, walked as council A's admin
on A's host with council B's ids, slugs, references and codes in the path, the query
and the form, and anonymously on A's host with B's slugs and references.

The routes come from walking app.routes, so a route added later is walked without being
named here. Each request must answer without B's words in it and without a 5xx, a path
that names B's object must answer 403 or 404, and afterwards every row of B is as it
was (a snapshot of all of B's rows in every council-owned table).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from participation import tables
from participation.accounts.models import Role
from participation.channels.voice.models import (
    CallbackRequest,
    SimulatedRecording,
    SummaryAudio,
)
from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.recordings import keep_recording
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.councils.service import add_host, by_slug, create_council
from participation.crypto import encrypt, keyed_hash
from participation.db import session_scope
from participation.outbox.carrier import forget_at_carrier
from participation.outbox.models import CarrierKind, OutboundMessage
from participation.results.models import Theme
from participation.sitepages.models import BarrierReport
from tests.conftest import TEST_SECRET
from tests.factories import (
    csrf_token,
    log_in_as,
    make_consultation,
    make_contribution,
    make_staff,
)
from tests.trust.routing import all_routes

A_HOST = "https://musterstadt.localhost"
SECRET_WORDS = ("Dorfteich-Geheimnis", "Beispieldorf-Geheimtext")
#: Answers that refuse without showing anything: the path named B's object.
REFUSED = {403, 404}
#: Besides those, what a form or a query naming B's object may answer (a form refused
#: for its fields, a page of A's own data, a redirect back).
HARMLESS = REFUSED | {200, 303, 307, 400, 405, 409, 410, 422, 429}


def _b_world(engine) -> dict:
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        b = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
    consultation = make_consultation(
        engine, title="Dorfteich-Geheimnis", code="4711", poll=["yes", "no"], council_id=b
    )
    closed = make_consultation(
        engine, title="Dorfteich-Geheimnis alt", code="4712", phase="results", council_id=b
    )
    staff = make_staff(engine, Role.editor, "beispieldorf-staff@example.org", council_id=b)
    with session_scope(engine, write=True, council_id=b) as session:
        from participation.consultations.service import poll_options

        option = poll_options(session, consultation.id)[0].id
    pending = make_contribution(engine, consultation, "Beispieldorf-Geheimtext wartet")
    published = make_contribution(engine, consultation, "Beispieldorf-Geheimtext veröffentlicht")
    with session_scope(engine, write=True, council_id=b) as session:
        from participation.contributions.models import Contribution, Status

        row = session.get(Contribution, published.id)
        row.status = Status.published
        session.add(row)
        theme = Theme(consultation_id=consultation.id, name="Beispieldorf-Geheimtext Thema")
        report = BarrierReport(description="Beispieldorf-Geheimtext Barriere")
        callback = CallbackRequest(
            call_sid="CA" + "b" * 32,
            locale="de",
            number_encrypted=encrypt(TEST_SECRET, "+4915112345678"),
            number_key=keyed_hash(TEST_SECRET, "+4915112345678"),
        )
        recording = SimulatedRecording(sid="RE" + "b" * 32, stand_in_text="Beispieldorf-Geheimtext")
        audio = SummaryAudio(
            consultation_id=consultation.id, locale="de", content_type="audio/mpeg", audio=b"ID3"
        )
        message = OutboundMessage(
            to_encrypted=encrypt(TEST_SECRET, "+4915112345678"),
            to_key=keyed_hash(TEST_SECRET, "+4915112345678"),
            body="Beispieldorf-Geheimtext SMS",
            next_attempt_at=utcnow() + timedelta(days=1),
        )
        session.add_all([theme, report, callback, recording, audio, message])
        session.flush()
        # A phone comment whose recording sits (sealed) in B's storage, and B's deletion
        # job for it at Twilio.
        voice = submit_contribution(
            session,
            Submission(
                consultation=session.get(Consultation, consultation.id),
                body="",
                channel=Channel.voice,
                locale="de",
                details=ChannelDetails(
                    external_id="RE" + "c" * 32,
                    recording_url="https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE"
                    + "c" * 32,
                    recording_duration=9,
                ),
            ),
        ).contribution
        keep_recording(
            session,
            TEST_SECRET,
            voice.id,
            "RE" + "c" * 32,
            b"Beispieldorf-Geheimtext",
            "audio/mpeg",
        )
        forget_at_carrier(session, CarrierKind.recording, "RE" + "c" * 32, council_id=b)
        ids = {
            "consultation": consultation.id,
            "closed": closed.id,
            "staff": staff.id,
            "pending": pending.id,
            "published": published.id,
            "theme": theme.id,
            "report": report.id,
            "callback": callback.id,
            "recording": recording.id,
            "audio": audio.id,
            "message": message.id,
            "option": option,
            "voice": voice.id,
        }
    return {
        "council": b,
        "ids": ids,
        "slugs": [consultation.slug, closed.slug],
        "references": [pending.reference, published.reference],
        "codes": [consultation.code],
    }


def _snapshot(engine, council_id: int) -> str:
    """Every row of the council in every table it owns, as one digest."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            if "council_id" not in table.c:
                continue
            rows = connection.execute(
                sa.select(table)
                .where(table.c.council_id == council_id)
                .order_by(*table.primary_key)
            ).all()
            digest.update(table.name.encode())
            digest.update(json.dumps([list(r) for r in rows], default=repr).encode())
    return digest.hexdigest()


#: The walker's own login and logout: they would end the walk, and name no object.
ENDS_THE_WALK = frozenset(
    {"/{lang}/staff/login", "/{lang}/staff/logout", "/{lang}/staff/account/logout-everywhere"}
)
#: A form a route refuses for its fields before it looks its object up: nothing shown,
#: and the snapshot proves nothing changed.
REFUSED_FORM = {400, 422}
#: A page with a form, for a fresh CSRF token.
FORM_PAGE = {True: "/de/staff/account/password", False: "/de/barrier-report"}
#: Answer any reference alike, found or not (the status look-up says "not found" on a
#: page of its own, so that a reference's existence is not told by the status code).
ANSWERS_ANYONE = frozenset({"/{lang}/r/{reference}"})


def _values_for(template: str, world: dict) -> list[dict[str, str]]:
    """Path values naming B's objects: each of B's ids where the path has an id."""
    ids = sorted(set(world["ids"].values()))
    fills: list[dict[str, str]] = [{}]
    if "{id}" in template or "{message_id}" in template:
        fills = [{"id": str(i), "message_id": str(i)} for i in ids]
    if "{slug}" in template:
        fills = [{**f, "slug": s} for f in fills for s in world["slugs"]]
    if "{reference}" in template:
        fills = [{**f, "reference": r} for f in fills for r in world["references"]]
    if "{code}" in template:
        fills = [{**f, "code": "de"} for f in fills]
    return fills


def _form(world: dict, token: str) -> dict[str, object]:
    ids = world["ids"]
    return {
        "csrf_token": token,
        "ids": [str(ids["pending"]), str(ids["published"])],
        "id": str(ids["pending"]),
        "consultation": str(ids["consultation"]),
        "consultation_id": str(ids["consultation"]),
        "contribution_id": str(ids["pending"]),
        "themes": str(ids["theme"]),
        "theme": str(ids["theme"]),
        "option": str(ids["option"]),
        "poll_option_id": str(ids["option"]),
        "reference": world["references"][0],
        "code": world["codes"][0],
        "phone": "+4915112345678",
        "email": "neu@musterstadt.example",
        "status": "published",
        "reason": "spam",
        "body": "geändert",
        "answer": "geändert",
        "name": "geändert",
        "title": "geändert",
        "note": "geändert",
        "transcript": "geändert",
    }


def _query(world: dict) -> str:
    ids = world["ids"]
    return (
        f"consultation={ids['consultation']}&theme={ids['theme']}&id={ids['pending']}"
        f"&reference={world['references'][0]}"
    )


def _walked_routes(app, staff: bool) -> list:
    return [
        found
        for found in all_routes(app)
        if not found.is_twilio
        and not found.template.startswith(("/static", "/media"))
        and found.is_staff == staff
        and found.template not in ENDS_THE_WALK
    ]


def _walk(client: TestClient, app, world: dict, staff: bool, outcome: Counter) -> list[str]:
    problems = []
    for found in _walked_routes(app, staff):
        for values in _values_for(found.template, world):
            path = found.path(**values)
            names_b = bool(values)
            for method in found.methods:
                if method == "GET":
                    response = client.get(f"{path}?{_query(world)}", follow_redirects=False)
                else:
                    token = csrf_token(client, FORM_PAGE[staff])
                    response = client.request(
                        method,
                        path,
                        data=_form(world, token),
                        # A real recording, so an upload form reaches its look-up.
                        files={"audio": ("ansage.mp3", b"ID3\x03" + b"\x00" * 64, "audio/mpeg")},
                        follow_redirects=False,
                    )
                status = response.status_code
                outcome[status] += 1
                leaked = [w for w in SECRET_WORDS if w in response.text]
                if leaked or status >= 500:
                    problems.append(f"{method} {path}: {status}, shows {leaked}")
                elif (
                    names_b
                    and status not in REFUSED
                    and not (method == "POST" and status in REFUSED_FORM)
                    and found.template not in ANSWERS_ANYONE
                ):
                    problems.append(f"{method} {path}: {status}, not refused")
                elif status not in HARMLESS:
                    problems.append(f"{method} {path}: {status}")
    return problems


#: A's admin's id: above every id of B's, so that a path with one of B's ids never
#: names A's own admin (whose deactivation would end the walk).
A_ADMIN_ID = 100_000


def _login_a(client: TestClient, engine) -> None:
    admin = make_staff(engine, Role.admin, "admin@musterstadt.example", council_id=1)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE staff_user SET id = :new WHERE id = :old"),
            {"new": A_ADMIN_ID, "old": admin.id},
        )
    assert log_in_as(client, admin.email) == 303


@pytest.mark.parametrize("staff", [True, False], ids=["as A's admin", "anonymous on A's host"])
def test_nothing_of_council_b_is_reached_from_council_a(app, engine, staff):
    world = _b_world(engine)
    app.state.councils.expire()
    before = _snapshot(engine, world["council"])
    outcome: Counter = Counter()
    with TestClient(app, base_url=A_HOST) as client:
        if staff:
            _login_a(client, engine)
        problems = _walk(client, app, world, staff, outcome)
    assert problems == [], "\n".join(problems)
    assert _snapshot(engine, world["council"]) == before, "a request of A changed B's rows"
    assert sum(outcome.values()) > (80 if staff else 30), outcome
    # For the record (pytest -s): what the walk covered.
    print(
        f"\n{'staff' if staff else 'anonymous'}: {len(_walked_routes(app, staff))} routes,"
        f" {sum(outcome.values())} requests, answers {dict(sorted(outcome.items()))}"
    )
