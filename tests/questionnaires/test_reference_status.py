"""A questionnaire response's reference number: one thing in its council, and looked up
through every status door (web page, SMS, phone), on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets as real_secrets

import pytest
from sqlmodel import select

from participation.channels.sms import replies
from participation.channels.voice.speech import spoken
from participation.clock import set_now, utcnow
from participation.contributions import reference as reference_module
from participation.contributions.models import Channel, Contribution
from participation.contributions.reference import format_reference, is_valid
from participation.contributions.votes import Voter
from participation.councils.service import create_council
from participation.db import session_scope
from participation.i18n.formatting import local_date
from participation.i18n.spoken import spoken_digits
from participation.moderation import service as moderation
from participation.phones import phone_key
from participation.privacy import erase_phone_data
from participation.questionnaires.models import QuestionnaireResponse
from participation.questionnaires.responses import submit_response
from participation.settings import LANGUAGES
from participation.sms_segments import segments
from tests.channels.sms.conftest import ALICE, BOB, send_sms
from tests.channels.voice.conftest import WEDNESDAY_MORNING
from tests.channels.voice.phone import to_consultation
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation, make_contribution, soup
from tests.questionnaires.helpers import draft, five_questions

ALICE_KEY = phone_key(TEST_SECRET, ALICE)


@pytest.fixture(autouse=True)
def office_hours():
    """Inside the phone line's hours (tests/channels/voice/conftest.py)."""
    set_now(WEDNESDAY_MORNING)
    yield
    set_now(None)


class _Replaying:
    """secrets, with randbelow() giving the digits of the numbers in ``bodies`` first."""

    def __init__(self, *bodies: str) -> None:
        self._digits: list[int] = []
        for body in bodies:
            self._digits += [int(body[0]) - 1, *(int(d) for d in body[1:])]

    def randbelow(self, n: int) -> int:
        return self._digits.pop(0) if self._digits else real_secrets.randbelow(n)

    def __getattr__(self, name: str):
        return getattr(real_secrets, name)


def _respond(engine, consultation, answers, voter=Voter(ALICE_KEY), council_id=None):
    with session_scope(engine, write=True, council_id=council_id) as session:
        return submit_response(session, consultation, answers, Channel.sms, "de", voter)


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, code="4711", title="Marktplatz neu")
    return consultation, five_questions(engine, consultation)


def _answers(ids, text="Mehr Bäume am Rand"):
    return {ids["yes_no"]: ["yes"], ids["single"]: [], ids["text"]: [text]}


def _single(engine, ids):
    from participation.questionnaires.models import QuestionOption

    with session_scope(engine) as session:
        option = session.exec(
            select(QuestionOption).where(QuestionOption.question_id == ids["single"])
        ).first()
        return str(option.id)


def _full(engine, ids, text="Mehr Bäume am Rand"):
    answers = _answers(ids, text)
    answers[ids["single"]] = [_single(engine, ids)]
    return answers


# -- one number, one thing --------------------------------------------------------------


def test_a_response_never_gets_a_contributions_number(engine, survey, monkeypatch):
    consultation, ids = survey
    taken = make_contribution(engine, consultation, "Ein Kommentar").reference
    monkeypatch.setattr(reference_module, "secrets", _Replaying(taken[:7], taken[:7]))
    recorded = _respond(engine, consultation, _full(engine, ids, text=""))
    assert recorded.reference != taken
    assert is_valid(recorded.reference)


def test_a_contribution_never_gets_a_responses_number(engine, survey, monkeypatch):
    consultation, ids = survey
    taken = _respond(engine, consultation, _full(engine, ids, text="")).reference
    monkeypatch.setattr(reference_module, "secrets", _Replaying(taken[:7], taken[:7]))
    contribution = make_contribution(engine, consultation, "Noch ein Kommentar")
    assert contribution.reference != taken
    with session_scope(engine) as session:
        numbers = session.exec(select(Contribution.reference)).all()
        numbers += session.exec(select(QuestionnaireResponse.reference)).all()
    assert len(numbers) == len(set(numbers))


def test_another_councils_number_may_be_drawn_again(engine, survey, monkeypatch):
    consultation, ids = survey
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    theirs = make_consultation(engine, code="4711", council_id=other)
    with session_scope(engine, write=True, council_id=other) as session:
        from participation.contributions.service import (
            ChannelDetails,
            Submission,
            submit_contribution,
        )

        foreign = submit_contribution(
            session,
            Submission(
                consultation=theirs,
                body="Dort",
                channel=Channel.web,
                locale="de",
                details=ChannelDetails(),
            ),
        ).reference
    monkeypatch.setattr(reference_module, "secrets", _Replaying(foreign[:7]))
    assert _respond(engine, consultation, _full(engine, ids, text="")).reference == foreign


# -- the doors ---------------------------------------------------------------------------


def _web_status(client, reference):
    response = client.get(f"/en/r/{reference}")
    return response.status_code, soup(response.text)


def test_web_status_page_of_a_response(client, engine, survey):
    consultation, ids = survey
    recorded = _respond(engine, consultation, _full(engine, ids))
    status, page = _web_status(client, recorded.reference)
    assert status == 200
    assert format_reference(recorded.reference) in page.h1.get_text()
    counted = page.select_one("p.status-counted").get_text(" ", strip=True)
    assert "Marktplatz neu" in counted and "count" in counted
    changed = page.select_one("dd.changed").get_text(" ", strip=True)
    assert "by text message" in changed
    assert [li["class"] for li in page.select("ul.written-answers li")] == [["status-pending"]]
    with session_scope(engine, write=True) as session:
        moderation.approve(session, session.get(Contribution, recorded.contribution_ids[0]), None)
    _status, page = _web_status(client, recorded.reference)
    assert [li.get_text(strip=True) for li in page.select("ul.written-answers li")] == ["Published"]
    # A later response of the same voter keeps the number and shows no written answer.
    again = _respond(engine, consultation, _full(engine, ids, text=""))
    assert again.reference == recorded.reference and again.replaced
    _status, page = _web_status(client, recorded.reference)
    assert page.select("ul.written-answers li") == []


def test_sms_status_of_a_response(client, engine, survey):
    consultation, ids = survey
    recorded = _respond(engine, consultation, _full(engine, ids))
    for language in ("de", "ru"):
        reply = send_sms(client, f"STATUS {recorded.reference}", number=BOB)
        if language == "ru":
            reply = send_sms(client, f"СТАТУС {recorded.reference}", number=BOB)
        text = reply.text
        assert text is not None
        assert text.startswith(format_reference(recorded.reference))
        assert "4711" in text
        assert segments(text) <= 2
    de = send_sms(client, f"STATUS {recorded.reference}", number=BOB).text
    assert "1" in de.split(":", 1)[1] and "Bäume" not in de


def test_phone_status_of_a_response(client, engine, survey):
    consultation, ids = survey
    recorded = _respond(engine, consultation, _full(engine, ids))
    call = to_consultation(client)
    call.press("4")
    call.press(recorded.reference + "#")
    with session_scope(engine) as session:
        changed_at = session.get(QuestionnaireResponse, recorded.id).updated_at
    from participation.channels.voice.speech import speaking

    with speaking("de"):
        date = local_date(changed_at)
    expected = spoken(
        "response_status",
        "de",
        digits=spoken_digits(recorded.reference),
        date=date,
        texts=True,
        published=0,
        pending=1,
        rejected=0,
    )
    assert call.text().startswith(expected)
    from participation.channels.voice.models import VoiceCall
    from tests.channels.voice.phone import fetch

    [row] = fetch(engine, select(VoiceCall).where(VoiceCall.call_sid == call.sid))
    assert row.heard_status


def _not_found_everywhere(client, reference):
    status, _page = _web_status(client, reference)
    assert status == 404
    text = send_sms(client, f"STATUS {reference}", number=BOB).text
    assert text == replies.status_unknown("de", reference=reference)
    call = to_consultation(client)
    call.press("4")
    call.press(reference + "#")
    assert call.gather.get("action").split("?")[0].endswith("/lookup")


def test_another_councils_response_is_not_found(client, engine, survey):
    _consultation, _ids = survey
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    theirs = make_consultation(engine, code="4712", council_id=other)
    with session_scope(engine, write=True, council_id=other) as session:
        from participation.questionnaires.builder import add_question
        from participation.questionnaires.models import QuestionKind

        question = add_question(
            session, theirs, draft(QuestionKind.yes_no, "Dort?"), staff_id=None
        ).id
    foreign = _respond(engine, theirs, {question: ["yes"]}, council_id=other)
    _not_found_everywhere(client, foreign.reference)


def test_an_erased_response_is_not_found(client, engine, survey, settings):
    consultation, ids = survey
    recorded = _respond(engine, consultation, _full(engine, ids))
    assert _web_status(client, recorded.reference)[0] == 200
    with session_scope(engine, write=True) as session:
        erase_phone_data(session, settings, ALICE_KEY, via="staff")
    with session_scope(engine) as session:
        assert session.get(QuestionnaireResponse, recorded.id) is None
    _not_found_everywhere(client, recorded.reference)


def test_response_lookups_are_limited_like_contributions(client, engine, survey):
    consultation, ids = survey
    recorded = _respond(engine, consultation, _full(engine, ids))
    from participation.contributions import lookups
    from participation.contributions.reference import check_digit

    for n in range(lookups.MAX_MISSES):
        body = f"{1234560 + n}"
        client.get(f"/en/r/{body + check_digit(body)}")
    assert client.get(f"/en/r/{recorded.reference}").status_code == 429
    assert utcnow()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_sms_status_of_a_response_fits_in_two_segments(language):
    texts = ("pending", "published", "rejected")
    short, full = (
        replies.response_status(
            language, reference="55739050", code="4711", changed_at=utcnow(), texts=t
        )
        for t in ((), texts)
    )
    assert segments(full) <= 2 and segments(short) <= 2
    assert full != short  # the written answers' states fit too
