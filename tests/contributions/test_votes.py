"""One person, one vote, whatever the door: submit_vote() and the web's SMS code.

Every test goes through the real doors (web forms without JavaScript, signed SMS
webhooks, the staff's front-desk form) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import set_now, utcnow
from participation.contributions.models import (
    Channel,
    Contribution,
    PollVote,
    UnverifiedVote,
    VoteCode,
)
from participation.contributions.vote_codes import CODES_PER_CLIENT, CODES_PER_NUMBER
from participation.crypto import decrypt
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.outbox.models import OutboundMessage
from participation.phones import phone_key
from participation.results.service import summarise
from tests.channels.sms.conftest import send_sms
from tests.conftest import TEST_SECRET
from tests.factories import login, make_consultation, soup
from tests.moderation.helpers import form_data, page

ALICE = "+4915111111111"
BOB = "+4916022222222"


def _all(engine, model):
    with session_scope(engine) as session:
        return list(session.exec(select(model)).all())


def _summary(engine, consultation):
    with session_scope(engine) as session:
        return summarise(session, consultation)


def _counted(engine, consultation) -> dict[str, int]:
    return {o.key or o.label("de"): n for o, n in _summary(engine, consultation).poll}


def _vote_form(client, consultation, lang="de"):
    html = soup(client.get(f"/{lang}/c/{consultation.slug}").text)
    form = html.find("form", id="vote-form")
    assert form is not None, "no vote form on the consultation page"
    return html, form


def _option_id(form, label: str) -> str:
    return form.find("label", string=label)["for"].removeprefix("option-")


def ask_for_code(client, consultation, label: str, number: str, lang="de", **extra):
    _html, form = _vote_form(client, consultation, lang)
    data = {
        "csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"],
        "poll_option": _option_id(form, label),
        "phone": number,
        "action": "code",
        **extra,
    }
    return client.post(form["action"], data=data, follow_redirects=False)


def last_code(engine, number: str) -> str:
    """The code as the resident reads it in the SMS the outbox holds for their number."""
    messages = [
        m for m in _all(engine, OutboundMessage) if decrypt(TEST_SECRET, m.to_encrypted) == number
    ]
    assert messages, f"no SMS to {number} in the outbox"
    found = re.search(r"\b(\d{6})\b", messages[-1].body)
    assert found, messages[-1].body
    return found.group(1)


def enter_code(client, response, code: str):
    form = soup(response.text).find("form", action=lambda a: a and a.endswith("/vote/confirm"))
    assert form is not None, response.text
    return client.post(form["action"], data=form_data(form, code=code), follow_redirects=False)


def web_vote(client, engine, consultation, label, number, lang="de"):
    asked = ask_for_code(client, consultation, label, number, lang)
    assert asked.status_code == 200, asked.text
    return enter_code(client, asked, last_code(engine, number))


# --- the web: number -> code -> vote -------------------------------------------------------


def test_web_vote_is_recorded_after_the_code_from_the_sms(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    asked = ask_for_code(client, consultation, "Ja", "0151 11111111")
    assert asked.status_code == 200
    page_text = soup(asked.text).get_text(" ", strip=True)
    assert "111" in page_text and "11111111" not in page_text  # only the last digits shown
    assert _all(engine, PollVote) == []  # nothing counts before the code
    (message,) = _all(engine, OutboundMessage)
    assert decrypt(TEST_SECRET, message.to_encrypted) == ALICE
    done = enter_code(client, asked, last_code(engine, ALICE))
    assert done.status_code == 200
    assert "Ja" in soup(done.text).find(class_="confirmation").get_text()
    (vote,) = _all(engine, PollVote)
    assert vote.voter_key == phone_key(TEST_SECRET, ALICE)
    assert vote.channel is Channel.web and vote.contribution_id is None
    assert _all(engine, Contribution) == []
    # Only keyed hashes of the number and the code are kept.
    (row,) = _all(engine, VoteCode)
    stored = " ".join(str(v) for v in row.model_dump().values())
    assert "11111111" not in stored and last_code(engine, ALICE) not in stored
    assert row.used_at is not None


def test_sms_vote_and_a_verified_web_vote_from_one_number_are_one_vote_the_later(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4721")
    send_sms(client, "4721 JA", ALICE)
    assert _counted(engine, consultation) == {"yes": 1, "no": 0}
    done = web_vote(client, engine, consultation, "Nein", ALICE)
    assert done.status_code == 200
    assert "ersetzt" in done.text  # "It replaces your earlier answer."
    assert _counted(engine, consultation) == {"yes": 0, "no": 1}
    (vote,) = _all(engine, PollVote)
    assert vote.channel is Channel.web
    # ... and the other way round: the later SMS wins again.
    send_sms(client, "4721 JA", ALICE)
    assert _counted(engine, consultation) == {"yes": 1, "no": 0}
    assert len(_all(engine, PollVote)) == 1


def test_a_code_expires_after_ten_minutes(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    start = utcnow()
    set_now(start)
    asked = ask_for_code(client, consultation, "Ja", ALICE)
    set_now(start + timedelta(minutes=10, seconds=1))
    late = enter_code(client, asked, last_code(engine, ALICE))
    assert late.status_code == 422
    summary = soup(late.text).find(class_="error-summary")
    assert summary.find("a")["href"] == "#field-code"
    assert _all(engine, PollVote) == []


def test_three_wrong_codes_use_the_code_up(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    asked = ask_for_code(client, consultation, "Ja", ALICE)
    right = last_code(engine, ALICE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = asked
    for _attempt in range(3):
        response = enter_code(client, asked, wrong)
        assert response.status_code == 422
    (row,) = _all(engine, VoteCode)
    assert row.attempts == 3
    # The right code after three wrong ones: refused, nothing counted.
    assert enter_code(client, asked, right).status_code == 422
    assert _all(engine, PollVote) == []
    assert soup(response.text).find("input", attrs={"name": "code"}) is None


def test_the_code_may_be_typed_in_arabic_indic_digits(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    asked = ask_for_code(client, consultation, "نعم", ALICE, lang="ar")
    code = last_code(engine, ALICE)
    arabic = "".join(chr(0x0660 + int(d)) for d in code)
    assert enter_code(client, asked, arabic).status_code == 200
    assert len(_all(engine, PollVote)) == 1


def test_codes_are_rate_limited_per_number_and_per_client(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    for _ in range(CODES_PER_NUMBER):
        assert ask_for_code(client, consultation, "Ja", ALICE).status_code == 200
    refused = ask_for_code(client, consultation, "Ja", ALICE)
    assert refused.status_code == 422
    assert soup(refused.text).find(id="vote-error-summary").find("a")["href"] == "#field-phone"
    assert len(_all(engine, OutboundMessage)) == CODES_PER_NUMBER
    # Walking through numbers from one client stops too.
    numbers = [f"+49151222{n:05d}" for n in range(CODES_PER_CLIENT)]
    statuses = [ask_for_code(client, consultation, "Ja", n).status_code for n in numbers]
    assert statuses.count(200) == CODES_PER_CLIENT - CODES_PER_NUMBER
    assert statuses[-1] == 422
    # An hour later the number may ask again.
    set_now(utcnow() + timedelta(hours=1, minutes=1))
    assert ask_for_code(client, consultation, "Ja", BOB).status_code == 200


@pytest.mark.parametrize("number", ["", "123", "+49 30 1234567", "keine Nummer"])
def test_a_number_that_cannot_get_an_sms_is_refused_with_the_answer_kept(client, engine, number):
    consultation = make_consultation(engine, poll=["yes", "no"])
    refused = ask_for_code(client, consultation, "Nein", number)
    assert refused.status_code == 422
    html = soup(refused.text)
    assert html.find(id="vote-error-summary").find("a")["href"] == "#field-phone"
    assert html.find("input", id="field-phone")["aria-invalid"] == "true"
    checked = html.find("form", id="vote-form").find("input", attrs={"checked": True})
    assert html.find("label", attrs={"for": checked["id"]}).get_text() == "Nein"
    assert _all(engine, OutboundMessage) == []


def test_the_vote_form_speaks_every_language(client, engine):
    from participation.settings import LANGUAGES

    consultation = make_consultation(engine, poll=["yes", "no"])
    seen = set()
    for lang in LANGUAGES:
        _html, form = _vote_form(client, consultation, lang)
        label = form.find("label", attrs={"for": "field-phone"}).get_text(strip=True)
        button = form.find("button").get_text(strip=True)
        seen.add((label, button))
    # German and Leichte Sprache may share words; the others each have their own.
    assert len(seen) >= len(LANGUAGES) - 1


# --- unconfirmed answers: off by default, apart when on -------------------------------------


def test_answers_without_a_number_are_refused_unless_the_council_allows_them(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    _html, form = _vote_form(client, consultation)
    assert form.find("button", attrs={"value": "unconfirmed"}) is None
    refused = ask_for_code(client, consultation, "Ja", "", action="unconfirmed")
    assert refused.status_code == 422
    assert _all(engine, UnverifiedVote) == [] and _all(engine, PollVote) == []


def test_unconfirmed_answers_are_counted_and_shown_apart(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4722")
    with session_scope(engine, write=True) as session:
        consultation.allow_unverified_votes = True
        session.add(consultation)
    send_sms(client, "4722 NEIN", BOB)
    for _ in range(3):
        answered = ask_for_code(client, consultation, "Ja", "", action="unconfirmed")
        assert answered.status_code == 200
    summary = _summary(engine, consultation)
    assert {o.key: n for o, n in summary.poll} == {"yes": 0, "no": 1}
    assert summary.total_votes == 1
    assert {o.key: n for o, n in summary.unverified} == {"yes": 3, "no": 0}
    # The published result shows them apart, with the rule.
    with session_scope(engine, write=True) as session:
        consultation.results_published_at = utcnow()
        session.add(consultation)
    html = soup(client.get(f"/en/c/{consultation.slug}/results").text)
    poll = html.find("section", attrs={"aria-labelledby": "poll-title"})
    assert "1 vote" in poll.get_text()
    assert "not included" in html.find(id="counting-rule").get_text()
    apart = html.find("section", attrs={"aria-labelledby": "unverified-title"})
    assert "3 answers" in apart.get_text()
    data = client.get(f"/en/c/{consultation.slug}/results.json").json()
    assert {p["option"]: p["votes"] for p in data["poll"]} == {"yes": 0, "no": 1}
    assert {p["option"]: p["answers"] for p in data["unverified_poll"]} == {"yes": 3, "no": 0}


# --- moderation: spam and fakes --------------------------------------------------------------


def test_a_later_bare_vote_is_not_discounted_for_an_earlier_spam_text(client, engine):
    from participation.moderation.models import RejectionReason
    from participation.moderation.service import reject

    consultation = make_consultation(engine, poll=["yes", "no"], code="4723")
    send_sms(client, "4723 JA kauft Uhren bei uhren.example", ALICE)
    with session_scope(engine, write=True) as session:
        reject(session, session.exec(select(Contribution)).one(), None, RejectionReason.spam)
    assert _counted(engine, consultation) == {"yes": 0, "no": 0}
    send_sms(client, "4723 NEIN", ALICE)
    assert _counted(engine, consultation) == {"yes": 0, "no": 1}


def test_a_vote_whose_text_is_rejected_for_another_reason_still_counts(client, engine):
    from participation.moderation.models import RejectionReason
    from participation.moderation.service import reject

    consultation = make_consultation(engine, poll=["yes", "no"], code="4724")
    send_sms(client, "4724 JA und der Bürgermeister ist ein Idiot", ALICE)
    with session_scope(engine, write=True) as session:
        reject(session, session.exec(select(Contribution)).one(), None, RejectionReason.insult)
    assert _counted(engine, consultation) == {"yes": 1, "no": 0}


# --- the front desk: a resident whom staff attest --------------------------------------------


def _desk_form(client, consultation):
    return page(client, f"/de/staff/front-desk/{consultation.id}").find(
        "form", action=lambda a: a and "front-desk" in a
    )


def test_front_desk_vote_needs_the_attestation_and_records_who_gave_it(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4725")
    staff = login(client, engine, Role.moderator)
    form = _desk_form(client, consultation)
    yes = form.find("label", string="Ja")["for"].removeprefix("option-")
    unattested = client.post(form["action"], data=form_data(form, poll_option=yes, body=""))
    assert unattested.status_code == 422
    assert soup(unattested.text).find(class_="error-summary").find("a")["href"] == "#field-attested"
    assert _all(engine, PollVote) == []
    form = _desk_form(client, consultation)
    voted = client.post(
        form["action"],
        data=form_data(form, poll_option=yes, attested="on", body="", voter_phone="0151 11111111"),
        follow_redirects=False,
    )
    assert voted.status_code == 303, voted.text
    assert _all(engine, Contribution) == []  # a bare vote is no queue item
    (vote,) = _all(engine, PollVote)
    assert vote.attested_by_id == staff.id and vote.channel is Channel.paper
    assert vote.voter_key == phone_key(TEST_SECRET, ALICE)
    (event,) = [e for e in _all(engine, AuditEvent) if e.action == "vote.attest"]
    assert event.staff_id == staff.id and event.object_id == str(vote.id)
    # The same resident later texts a different answer: still one vote, the later one.
    client.cookies.clear()
    send_sms(client, "4725 NEIN", ALICE)
    assert _counted(engine, consultation) == {"yes": 0, "no": 1}


def test_front_desk_residents_without_a_number_are_each_their_own_voter(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    login(client, engine, Role.moderator)
    for _ in range(2):
        form = _desk_form(client, consultation)
        yes = form.find("label", string="Ja")["for"].removeprefix("option-")
        response = client.post(
            form["action"],
            data=form_data(form, poll_option=yes, attested="on", body="Bitte Bänke."),
            follow_redirects=False,
        )
        assert response.status_code == 303
    votes = _all(engine, PollVote)
    assert len(votes) == 2 and all(v.voter_key.startswith("desk:") for v in votes)
    texts = _all(engine, Contribution)
    assert sorted(v.contribution_id for v in votes) == sorted(c.id for c in texts)
    assert _counted(engine, consultation) == {"yes": 2, "no": 0}


# --- the counting rule beside every figure ---------------------------------------------------


def test_results_page_report_and_downloads_state_the_counting_rule(client, engine):
    from participation.settings import LANGUAGES

    consultation = make_consultation(engine, poll=["yes", "no"], code="4726")
    send_sms(client, "4726 JA", ALICE)
    with session_scope(engine, write=True) as session:
        consultation.results_published_at = utcnow()
        session.add(consultation)
    rules = set()
    for lang in LANGUAGES:
        html = soup(client.get(f"/{lang}/c/{consultation.slug}/results").text)
        rule = html.find(id="counting-rule")
        assert rule is not None and rule.get_text(strip=True)
        rules.add(rule.get_text(strip=True))
        report = soup(client.get(f"/{lang}/c/{consultation.slug}/results/report").text)
        assert report.find(id="counting-rule").get_text(strip=True) == rule.get_text(strip=True)
    assert len(rules) == len(LANGUAGES)  # translated in every language
    data = client.get(f"/de/c/{consultation.slug}/results.json").json()
    assert data["counting_rule"]["one_vote_per"] == "person"
    assert set(data["counting_rule"]["text"]) == set(LANGUAGES.values())
    assert "Spam" in data["counting_rule"]["text"]["de"]
    import io

    from openpyxl import load_workbook

    xlsx = client.get(f"/de/c/{consultation.slug}/results.xlsx").content
    sheet = load_workbook(io.BytesIO(xlsx))["summary"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "counting rule" in cells
    german = data["counting_rule"]["text"]["de"][:30]
    assert any(isinstance(c, str) and c.startswith(german) for c in cells)


def test_votes_are_counted_once_per_person_in_one_statement(engine):
    from sqlalchemy import event

    from participation.contributions.votes import counted_votes

    consultation = make_consultation(engine, poll=["yes", "no"])
    statements = []
    with session_scope(engine) as session:
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert counted_votes(session, consultation.id) == {}
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_the_code_sms_shows_in_the_simulator_conversation_of_an_example_phone(engine, settings):
    # The demo: no Twilio account, so the simulator receives the code for its fictional
    # (landline) example phones, which a carrier could never deliver to.
    from starlette.testclient import TestClient

    from participation.app import create_app
    from participation.simulator.sms import EXAMPLE_NUMBERS, conversation
    from tests.conftest import PUBLIC_BASE

    local = settings.with_(twilio_account_sid="", twilio_auth_token="", twilio_phone_number="")
    example = EXAMPLE_NUMBERS[0].replace(" ", "")
    consultation = make_consultation(engine, poll=["yes", "no"])
    with TestClient(create_app(local, engine), base_url=PUBLIC_BASE) as client:
        asked = ask_for_code(client, consultation, "Ja", EXAMPLE_NUMBERS[0])
        assert asked.status_code == 200
        assert soup(asked.text).find("form", action=lambda a: a and a.endswith("/vote/confirm"))
    with session_scope(engine) as session:
        entries = conversation(session, local, example)  # the example, as the page has it
    (entry,) = [e for e in entries if e.direction == "out"]
    assert last_code(engine, example) in entry.body


def test_a_fictional_number_gets_no_code_where_a_carrier_would_send_it(client, engine):
    from participation.simulator.sms import EXAMPLE_NUMBERS

    consultation = make_consultation(engine, poll=["yes", "no"])
    refused = ask_for_code(client, consultation, "Ja", EXAMPLE_NUMBERS[0])
    assert refused.status_code == 422
    assert _all(engine, OutboundMessage) == []


def test_a_published_result_keeps_its_votes_until_withdrawn(client, engine):
    from participation.moderation.models import RejectionReason
    from participation.moderation.service import ModerationError, approve, reject
    from participation.results.service import withdraw_results

    consultation = make_consultation(engine, poll=["yes", "no"], code="4727")
    send_sms(client, "4727 JA kauft Uhren bei uhren.example", ALICE)
    with session_scope(engine, write=True) as session:
        text = session.exec(select(Contribution)).one()
        approve(session, text, None)
        consultation.closes_at = utcnow()
        consultation.results_published_at = utcnow()
        session.add(consultation)
    with (
        pytest.raises(ModerationError, match="published result"),
        session_scope(engine, write=True) as session,
    ):
        reject(session, session.get(Contribution, text.id), None, RejectionReason.spam)
    # An insult can still be taken down: the vote's count does not change with it.
    with session_scope(engine, write=True) as session:
        reject(session, session.get(Contribution, text.id), None, RejectionReason.insult)
    assert _counted(engine, consultation) == {"yes": 1, "no": 0}
    with session_scope(engine, write=True) as session:
        withdraw_results(session, consultation.id, None)
        reject(session, session.get(Contribution, text.id), None, RejectionReason.spam)
    assert _counted(engine, consultation) == {"yes": 0, "no": 0}


@pytest.mark.parametrize(
    "fields",
    [
        {"poll_option": "99999999999999999999", "phone": ALICE},
        {"poll_option": "-1", "phone": ALICE},
        {"poll_option": "1\x00", "phone": "+49\x00151"},
        {"poll_option": "", "phone": "٠١٥١١١١١١١١١"},
        {"poll_option": "1", "phone": "x" * 5000, "action": "unconfirmed"},
    ],
)
def test_odd_vote_forms_get_an_answer_not_an_error(client, engine, fields):
    consultation = make_consultation(engine, poll=["yes", "no"])
    _html, form = _vote_form(client, consultation)
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(form["action"], data={"csrf_token": token, **fields})
    assert response.status_code in (200, 422)
    confirm = client.post(
        f"/de/c/{consultation.slug}/vote/confirm",
        data={"csrf_token": token, "token": fields["phone"][:200], "code": fields["poll_option"]},
    )
    assert confirm.status_code == 422
    assert _all(engine, PollVote) == []


def test_unconfirmed_answers_are_rate_limited_per_client(client, engine):
    from participation.contributions.vote_codes import UNVERIFIED_PER_CLIENT

    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine, write=True) as session:
        consultation.allow_unverified_votes = True
        session.add(consultation)
    statuses = [
        ask_for_code(client, consultation, "Ja", "", action="unconfirmed").status_code
        for _ in range(UNVERIFIED_PER_CLIENT + 1)
    ]
    assert statuses == [200] * UNVERIFIED_PER_CLIENT + [422]
    assert len(_all(engine, UnverifiedVote)) == UNVERIFIED_PER_CLIENT


def test_no_code_and_no_vote_once_the_consultation_closed(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    asked = ask_for_code(client, consultation, "Ja", ALICE)
    code = last_code(engine, ALICE)
    with session_scope(engine, write=True) as session:
        consultation.closes_at = utcnow() - timedelta(seconds=1)
        session.add(consultation)
    assert enter_code(client, asked, code).status_code == 422
    html = soup(client.get(f"/de/c/{consultation.slug}").text)
    assert html.find("form", id="vote-form") is None
    token = html.find("input", attrs={"name": "csrf_token"})
    late = client.post(
        f"/de/c/{consultation.slug}/vote",
        data={
            "csrf_token": token["value"] if token else "",
            "poll_option": "1",
            "phone": BOB,
        },
    )
    assert late.status_code in (403, 422)
    assert _all(engine, PollVote) == []
    assert len(_all(engine, OutboundMessage)) == 1


def test_the_code_sms_is_short_and_in_the_visitors_language():
    from participation.contributions.vote_routes import code_sms
    from participation.settings import LANGUAGES
    from participation.sms_segments import MAX_REPLY_SEGMENTS, segments

    texts = {lang: code_sms(lang, "012345") for lang in LANGUAGES}
    for lang, text in texts.items():
        assert "012345." in text and "\n" not in text, (lang, text)
        assert segments(text) <= MAX_REPLY_SEGMENTS, (lang, text)
    assert len(set(texts.values())) == len(LANGUAGES)


def test_a_vote_alone_entered_twice_by_a_double_click_is_one_attested_voter(client, engine):
    # Without a number each attestation is a new voter, so the form key must hold.
    consultation = make_consultation(engine, poll=["yes", "no"])
    login(client, engine, Role.moderator)
    form = _desk_form(client, consultation)
    yes = form.find("label", string="Ja")["for"].removeprefix("option-")
    data = form_data(form, poll_option=yes, attested="on", body="")
    answers = [client.post(form["action"], data=data, follow_redirects=False) for _ in "12"]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[1].headers["location"] == answers[0].headers["location"]
    assert len(_all(engine, PollVote)) == 1
    # A fresh form for the next resident is the next voter.
    form = _desk_form(client, consultation)
    client.post(form["action"], data=form_data(form, poll_option=yes, attested="on", body=""))
    assert len(_all(engine, PollVote)) == 2
