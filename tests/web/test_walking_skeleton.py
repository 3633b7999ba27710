"""The whole way: a clerk creates a consultation, a citizen comments, a moderator
approves, the result is published and downloaded, on SQLite and on PostgreSQL."""

import csv
import io
import json
import re

from sqlmodel import select

from participation.accounts.models import Role
from participation.db import session_scope
from participation.outbox.models import OutboundMessage
from tests.factories import csrf_token, login, reference_from, soup


def test_citizen_comment_to_published_result(client, engine):
    login(client, engine, Role.admin)
    token = csrf_token(client, "/de/staff/consultations/new")
    created = client.post(
        "/de/staff/consultations/new",
        data={
            "csrf_token": token,
            "title:de": "Soll der Marktplatz neu gestaltet werden?",
            "summary:de": "Mehr Bäume, weniger Parkplätze.",
            "body_md:de": "Drei **Entwürfe**.",
            "title:en": "Should the market square be redesigned?",
            "poll_question:de": "Sind Sie dafür?",
            "poll_kind": "yesnoundecided",
            "code": "4711",
            "is_published": "on",
            "opens_at": "2020-01-01T08:00",
            "closes_at": "2099-12-31T18:00",
            "retention_days": "180",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    slug = "soll-der-marktplatz-neu-gestaltet-werden"

    # A citizen without a staff cookie.
    client.cookies.clear()
    page = client.get(f"/de/c/{slug}")
    assert page.status_code == 200
    html = soup(page.text)
    assert html.find("h1").get_text(strip=True) == "Soll der Marktplatz neu gestaltet werden?"
    assert "4711" in html.find(class_="other-ways").get_text()
    assert "set-cookie" not in page.headers
    options = {
        label.get_text(strip=True): label["for"].removeprefix("option-")
        for label in html.select("fieldset.poll label")
    }
    assert list(options) == ["Ja", "Nein", "Unentschieden"]
    token = html.find("input", attrs={"name": "csrf_token"})["value"]
    sent = client.post(
        f"/de/c/{slug}/contribute",
        data={
            "csrf_token": token,
            "body": "Bitte mehr Bänke <b>und</b> Schatten.",
            "pseudonym": "Heike",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    reference = reference_from(sent.headers["location"])
    # The vote is its own form: a mobile number, the code from the SMS, the vote.
    vote_form = html.find("form", id="vote-form")
    asked = client.post(
        vote_form["action"],
        data={"csrf_token": token, "poll_option": options["Ja"], "phone": "0151 11111111"},
    )
    assert asked.status_code == 200
    with session_scope(engine) as session:
        (sms,) = session.exec(select(OutboundMessage)).all()
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    code_form = soup(asked.text).find("form", action=lambda a: a and a.endswith("/confirm"))
    confirmed = client.post(
        code_form["action"],
        data={
            "csrf_token": token,
            "token": code_form.find("input", attrs={"name": "token"})["value"],
            "code": code,
        },
    )
    assert confirmed.status_code == 200
    receipt = client.get(sent.headers["location"])
    text = soup(receipt.text).get_text(" ", strip=True)
    assert f"{reference[:4]}-{reference[4:]}" in text
    assert "Warten auf Prüfung" in text or "Waiting to be checked" in text

    # Not public before moderation.
    assert "Schatten" not in client.get(f"/de/c/{slug}").text

    # The moderator approves it.
    login(client, engine, Role.moderator)
    queue = soup(client.get("/de/staff/moderation").text)
    item = queue.select_one("li.queue-item")
    assert "Bitte mehr Bänke" in item.get_text()
    approve_form = item.find("form")
    approved = client.post(
        approve_form["action"],
        data={"csrf_token": approve_form.find("input", attrs={"name": "csrf_token"})["value"]},
        follow_redirects=False,
    )
    assert approved.status_code == 303

    public = client.get(f"/de/c/{slug}").text
    assert "Bitte mehr Bänke &lt;b&gt;und&lt;/b&gt; Schatten." in public
    assert "<b>und</b>" not in public

    # Results published: poll counts and downloads.
    home = soup(client.get("/de/staff/").text)
    publish = home.find("form", action=lambda a: a and a.endswith("/publish-results"))
    published = client.post(
        publish["action"],
        data={"csrf_token": publish.find("input", attrs={"name": "csrf_token"})["value"]},
        follow_redirects=False,
    )
    assert published.status_code == 303
    client.cookies.clear()
    results = soup(client.get(f"/de/c/{slug}/results").text)
    rows = {
        r.th.get_text(strip=True): r.td.get_text(strip=True)
        for r in results.select("table.data tbody tr")
    }
    assert rows["Ja"] == "1" and rows["Nein"] == "0"

    csv_text = client.get(f"/de/c/{slug}/results.csv").text.lstrip("\ufeff")
    exported = list(csv.DictReader(io.StringIO(csv_text)))
    assert [row["text"] for row in exported] == ["Bitte mehr Bänke <b>und</b> Schatten."]
    assert exported[0]["reference"] == f"{reference[:4]}-{reference[4:]}"
    # The comment was sent without an answer: the vote is counted apart from it.
    assert exported[0]["poll_answer"] == "" and exported[0]["channel"] == "web"
    data = json.loads(client.get(f"/de/c/{slug}/results.json").content)
    assert data["consultation"]["code"] == "4711"
    assert {p["option"]: p["votes"] for p in data["poll"]} == {"yes": 1, "no": 0, "undecided": 0}
    assert len(data["contributions"]) == 1
    assert "author_key" not in json.dumps(data)


def test_rejection_reason_is_public_on_the_reference_page(client, engine):
    from participation.db import session_scope
    from participation.moderation.models import RejectionReason
    from participation.moderation.service import reject
    from tests.factories import make_consultation, make_contribution

    consultation = make_consultation(engine)
    contribution = make_contribution(engine, consultation, "Kauft billige Uhren")
    with session_scope(engine, write=True) as session:
        reject(session, contribution, None, RejectionReason.advertising, "Werbung für Uhren")
    page = client.get(f"/en/r/{contribution.reference[:4]}-{contribution.reference[4:]}")
    text = soup(page.text).get_text(" ", strip=True)
    assert "Removed by moderation" in text and "Advertising" in text
    assert "Werbung für Uhren" in text
