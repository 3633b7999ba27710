"""A questionnaire answered by phone: every question read with its keys, each answer said
back, star, back and skip, a spoken free-text answer, the response stored once at the end
through submit_response(), and the hostile calls that must store nothing."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlmodel import select

from participation.carrier_deletions import delete_due
from participation.channels.voice.models import VoiceCall
from participation.channels.voice.report import STEPS as REPORT_STEPS
from participation.channels.voice.speech import spoken
from participation.channels.voice.twiml_reader import read_twiml
from participation.contributions.models import Contribution, PollVote, Status
from participation.contributions.recordings import RecordingAudio
from participation.councils.service import add_number, by_slug, create_council, set_twilio_account
from participation.db import session_scope
from participation.i18n.formatting import local_list
from participation.i18n.spoken import spoken_digits
from participation.outbox.models import CarrierDeletion, OutboundMessage
from participation.outbox.worker import CouncilSenders
from participation.phones import phone_key
from participation.questionnaires.builder import add_question
from participation.questionnaires.models import (
    QuestionKind,
    QuestionnaireAnswer,
    QuestionnaireProgress,
    QuestionnaireResponse,
)
from participation.speaking_time import SUMMARY_SECONDS_LIMIT
from tests.channels.voice.phone import (
    ACCOUNT_SID,
    EXPECTED_VOICES,
    LINE_NUMBER,
    Call,
    Exchange,
    fetch,
    to_consultation,
)
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import make_consultation
from tests.fakes.twilio_api import running_fake_twilio
from tests.questionnaires.helpers import draft, five_questions

CALLER = "+4915112345678"
#: The poll first, then the five kinds and a number (tests.questionnaires.helpers).
ORDER = ["poll", "single", "multi", "scale", "yes_no", "age", "text"]
COUNT = len(ORDER)
LOCALE = {"de": "de", "en": "en"}


@pytest.fixture
def twilio_api():
    with running_fake_twilio() as api:
        api.tokens[ACCOUNT_SID] = TEST_TWILIO_TOKEN
        yield api


@pytest.fixture
def settings(settings, twilio_api):
    return settings.with_(twilio_api_base=twilio_api.base_url)


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    return consultation, five_questions(engine, consultation)


def number_of(language: str, number: int, *, intro: bool = False) -> str:
    return spoken("question_number", language, intro=intro, number=number, count=COUNT)


def asked(call: Call, language: str, number: int) -> bool:
    """The last answer asks question ``number`` (and nothing else is asked)."""
    return number_of(language, number) in call.text() and call.gather is not None


def understood(language: str, **said) -> str:
    return spoken("question_understood", language, **said)


def to_questionnaire(client, language: str = "de", **options) -> Call:
    call = to_consultation(client, language, **options)
    assert spoken("action_menu", language, has_questionnaire=True, has_poll=True) in call.text()
    call.press("5")
    assert number_of(language, 1, intro=True) in call.text()
    return call


def walk_the_questionnaire(client, api, language: str) -> tuple[Call, str]:
    """The whole call by keypad; returns it and the recording's sid."""
    call = to_questionnaire(client, language, from_number=CALLER)
    call.press("9")  # the poll has two options: not one of the choices
    assert spoken("reprompt", language, reason="invalid") in call.text()
    assert asked(call, language, 1)
    call.press("1")
    assert understood(language, labels=_label(language, "Yes")) in call.text()
    assert asked(call, language, 2)
    call.press("*")  # heard again, no failure said
    assert asked(call, language, 2)
    assert spoken("reprompt", language, reason="star") not in call.text()
    call.press("2")
    assert understood(language, labels="Bus") in call.text()
    call.press("0#")  # back to the way of coming
    assert asked(call, language, 2)
    call.press("1")
    assert understood(language, labels="Rad") in call.text()
    call.press("21#")
    both = local_list(["Bäume", "Bänke"], language=language)  # "Bäume und Bänke"
    assert understood(language, labels=both) in call.text()
    call.press("#")  # the optional scale skipped
    assert understood(language, skipped=True) in call.text()
    assert asked(call, language, 5)
    call.press("2")
    assert understood(language, yes=False) in call.text()
    call.press("4" * 40 + "#")  # forty digits: not a number the line takes
    assert spoken("question_problem", language, code="not_understood") in call.text()
    assert asked(call, language, 6)
    call.press("42#")
    assert understood(language, number=42) in call.text()
    assert asked(call, language, 7)
    call.press("1")
    sid = api.add_recording(ACCOUNT_SID, b"ID3" + b"\x02" * 400)
    call.record(12, recording_sid=sid, recording_url=api.recording_url(ACCOUNT_SID, sid))
    return call, sid


def _label(language: str, english: str) -> str:
    from participation.i18n import catalogs

    return catalogs.translations(LOCALE[language]).gettext(english)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_whole_questionnaire_by_keypad(client, engine, settings, twilio_api, survey, language):
    _consultation, ids = survey
    call, sid = walk_the_questionnaire(client, twilio_api, language)
    (response,) = fetch(engine, select(QuestionnaireResponse))
    assert response.channel == "voice" and response.locale == LOCALE[language]
    assert spoken("questionnaire_saved", language, replaced=False) in call.text()
    # The reference read digit by digit, then the SMS offered.
    assert spoken_digits(response.reference) in call.text()
    call.press("1")
    (sms,) = fetch(engine, select(OutboundMessage))
    assert response.reference[:4] in sms.body.replace(" ", "").replace("-", "")
    assert "/r/" not in sms.body
    call.wait()
    assert call.hung_up
    call.hang_up(200)
    assert {e.status for e in call.log} == {200}

    answers = fetch(engine, select(QuestionnaireAnswer))
    by_question: dict[int, list[QuestionnaireAnswer]] = {}
    for row in answers:
        by_question.setdefault(row.question_id, []).append(row)
    assert ids["scale"] not in by_question and ids["age"] in by_question
    assert [row.number for row in by_question[ids["yes_no"]]] == [0]
    assert [row.number for row in by_question[ids["age"]]] == [42]
    assert len(by_question[ids["single"]]) == 1 and len(by_question[ids["multi"]]) == 2
    (spoken_answer,) = fetch(engine, select(Contribution))
    assert by_question[ids["text"]][0].contribution_id == spoken_answer.id
    assert spoken_answer.question_id == ids["text"] and spoken_answer.status is Status.pending
    assert spoken_answer.channel == "voice" and spoken_answer.recording_duration == 12
    assert spoken_answer.author_key == phone_key(TEST_SECRET, CALLER)
    (vote,) = fetch(engine, select(PollVote))
    assert vote.channel == "voice" and vote.voter_key == phone_key(TEST_SECRET, CALLER)
    assert fetch(engine, select(QuestionnaireProgress)) == []
    # The recording is copied into our storage, then deleted at Twilio, as a comment's.
    assert delete_due(engine, CouncilSenders(engine, settings)) >= 1
    assert [a.recording_sid for a in fetch(engine, select(RecordingAudio))] == [sid]
    assert twilio_api.deleted("Recordings") == [sid]
    _write_transcript(call, language)


def test_german_fallback_is_read_by_the_german_voice(client, engine, survey):
    call = to_questionnaire(client, "en")
    call.press("1")
    call.press("1")
    # "Was fehlt?" has only German words: told so, then read by the German voice.
    said = call.said()
    assert ("Polly.Vicki", "de-DE", "Was fehlt?") in said
    notice = spoken("summary_fallback", "en", language_name="German")
    assert (*EXPECTED_VOICES["en"], notice) in said
    assert (*EXPECTED_VOICES["en"], number_of("en", 3)) in said


def test_a_retried_webhook_gets_the_same_answer_and_moves_once(client, engine, survey):
    call = to_questionnaire(client)
    call.press("1")
    first = call.last
    again = call.post(first.url, first.params, "the same delivery again")
    assert again.twiml == first.twiml
    (progress,) = fetch(engine, select(QuestionnaireProgress))
    assert progress.position == 1
    call.press("3")
    assert understood("de", labels="Auto") in call.text()
    (progress,) = fetch(engine, select(QuestionnaireProgress))
    assert progress.position == 2


def test_back_from_the_first_question_is_the_consultations_menu(client, engine, survey):
    call = to_questionnaire(client)
    call.press("0")
    assert spoken("action_menu", "de", has_questionnaire=True, has_poll=True) in call.text()
    assert fetch(engine, select(QuestionnaireProgress)) == []


def test_a_required_question_is_not_skipped(client, engine, survey):
    call = to_questionnaire(client)
    call.press("#")  # the poll is optional
    assert understood("de", skipped=True) in call.text()
    call.press("#")  # the way of coming is not
    assert spoken("question_problem", "de", code="missing") in call.text()
    assert asked(call, "de", 2)


def test_keys_that_are_no_option_three_times_end_the_call(client, engine, settings, survey):
    call = to_questionnaire(client)
    call.press("1")
    call.press("7")  # three ways of coming only
    assert asked(call, "de", 2)
    call.press("1")
    call.press("19#")  # there is no ninth thing missing
    assert spoken("question_problem", "de", code="not_understood") in call.text()
    call.press("4#")
    assert asked(call, "de", 3)
    call.press("8")  # no key in a multiple choice of three: third failure in a row
    assert call.hung_up
    assert settings.council_sms_number[-4:] in call.text().replace(" ", "") or "SMS" in (
        call.text()
    )
    assert fetch(engine, select(QuestionnaireResponse)) == []


def test_the_scale_and_yes_no_take_only_their_keys(client, engine, survey):
    call = to_questionnaire(client)
    for keys in ("1", "1", "#"):
        call.press(keys)
    assert asked(call, "de", 4)
    call.press("6")
    assert spoken("reprompt", "de", reason="invalid") in call.text() and asked(call, "de", 4)
    call.press("5")
    call.press("3")
    assert asked(call, "de", 5) and spoken("reprompt", "de", reason="invalid") in call.text()
    call.press("1")
    call.press("200#")
    assert "120" in call.text() and asked(call, "de", 6)


def test_a_short_or_hung_up_recording_is_no_answer(client, engine, settings, survey, twilio_api):
    call = to_questionnaire(client)
    for keys in ("1", "1", "#", "#", "1", "#"):
        call.press(keys)
    assert asked(call, "de", 7)
    call.press("1")
    short = twilio_api.add_recording(ACCOUNT_SID)
    call.record(2, recording_sid=short, recording_url=twilio_api.recording_url(ACCOUNT_SID, short))
    assert spoken("question_problem", "de", code="too_short") in call.text()
    assert asked(call, "de", 7)
    call.press("1")
    gone = twilio_api.add_recording(ACCOUNT_SID)
    call.record(
        20,
        hang_up=True,
        recording_sid=gone,
        recording_url=twilio_api.recording_url(ACCOUNT_SID, gone),
    )
    assert fetch(engine, select(QuestionnaireResponse)) == []
    assert fetch(engine, select(Contribution)) == []
    delete_due(engine, CouncilSenders(engine, settings))
    assert sorted(twilio_api.deleted("Recordings")) == sorted([short, gone])
    assert fetch(engine, select(RecordingAudio)) == []


def until_the_answer_keys(twiml: str) -> float:
    """Seconds until a question and its answer keys are said: star, back and skip come
    after them (the last <Say>), for the caller who needs them."""
    said = read_twiml(twiml).said
    return round(sum(line.seconds for line in said[:-1]), 1)


@pytest.mark.parametrize("language", ["de", "en", "ls"])
def test_each_question_is_heard_within_the_lines_limit(client, engine, survey, language):
    """The line's limit for what a caller hears before they can choose
    (speaking_time.SUMMARY_SECONDS_LIMIT), English with German fallbacks and Leichte
    Sprache's slower voice included."""
    call = to_questionnaire(client, language)
    heard = []
    for keys in ("1", "1", "1#", "3", "1", "30#", ""):
        heard.append(until_the_answer_keys(call.last.twiml))
        if keys:
            call.press(keys)
    assert len(heard) == COUNT
    assert max(heard) <= SUMMARY_SECONDS_LIMIT, heard


# --- Hostile calls --------------------------------------------------------------------------


def _question_url(call: Call) -> str:
    gather = call.gather
    assert gather is not None and "/twilio/voice/question?" in gather.get("action", "")
    return gather.get("action", "")


def test_a_call_whose_callsid_is_unknown_starts_at_the_greeting(client, engine, survey):
    call = to_questionnaire(client)
    stranger = Call(client, from_number="+4915199999999")
    answer = stranger.post(_question_url(call), {"Digits": "1"}, "a stranger's answer")
    assert answer.status == 200
    greeting = spoken("greeting", "de", council="Musterstadt")
    assert greeting.split()[0] in stranger.text() and stranger.gather is not None
    assert "/twilio/voice/language" in stranger.gather.get("action", "")
    (progress,) = fetch(engine, select(QuestionnaireProgress))
    assert progress.holder == call.sid and progress.position == 0


def test_a_forged_signature_is_refused_and_changes_nothing(client, engine, survey):
    call = to_questionnaire(client)
    url = _question_url(call)
    assert call.post(url, {"Digits": "1"}, "unsigned", sign=False).status == 403
    forger = Call(client, sid=call.sid, token="not-the-councils-token-0123456789")
    assert forger.post(url, {"Digits": "1"}, "wrong token").status == 403
    (progress,) = fetch(engine, select(QuestionnaireProgress))
    assert progress.position == 0
    assert fetch(engine, select(QuestionnaireResponse)) == []


B_NUMBER = "+493023125516"
B_TOKEN = "beispieldorf-own-token-0123456789"


def test_another_councils_number_never_reaches_this_call(app, client, engine, survey):
    with session_scope(engine, write=True) as session:
        add_number(session, by_slug(session, "council"), LINE_NUMBER)
        create_council(session, "beispieldorf", "Gemeinde Beispieldorf", numbers=[B_NUMBER])
        set_twilio_account(session, "beispieldorf", "AC" + "b" * 32, B_TOKEN, TEST_SECRET)
    app.state.councils.expire()
    call = to_questionnaire(client)
    url = _question_url(call)
    params = {"Digits": "1", "To": B_NUMBER}
    # Signed with this council's token for the other council's number: refused.
    assert Call(client, sid=call.sid).post(url, params, "to B with A's token").status == 403
    # Signed by the other council's account with this call's CallSid: it hangs up.
    theirs = Call(client, sid=call.sid, token=B_TOKEN)
    answer = theirs.post(url, params, "to B with B's token")
    assert answer.status == 200 and theirs.hung_up and theirs.text() == ""
    # A call on the other council's line sending this questionnaire's address: the other
    # council's line greets it, nothing of this consultation is read.
    stranger = Call(client, token=B_TOKEN)
    heard = stranger.post(url, params, "B's caller at A's question")
    assert heard.status == 200 and "/twilio/voice/language" in stranger.gather.get("action", "")
    assert "Wie kommen" not in heard.twiml and "Sind Sie" not in heard.twiml
    with session_scope(engine) as session:
        rows = session.exec(select(QuestionnaireProgress)).all()
    assert [(row.holder, row.position) for row in rows] == [(call.sid, 0)]
    assert fetch(engine, select(QuestionnaireResponse)) == []
    call.press("1")
    assert understood("de", labels="Ja") in call.text()


# --- The transcript ---------------------------------------------------------------------


def _write_transcript(call: Call, language: str) -> None:
    """docs/transcripts/questionnaire-call.md from the German call, when asked for
    (QUESTIONNAIRE_TRANSCRIPT=<path>): what the caller heard and pressed, in order."""
    target = os.environ.get("QUESTIONNAIRE_TRANSCRIPT")
    if not target or language != "de":
        return
    Path(target).write_text(transcript_markdown(call), encoding="utf-8")


def _heard(exchange: Exchange) -> list[str]:
    root = exchange.root
    lines = []
    for element in root.iter():
        if element.tag == "Say":
            text = " ".join("".join(element.itertext()).split())
            lines.append(f"- 🔊 *({element.get('language')})* {text}")
        elif element.tag == "Record":
            lines.append(f"- ⏺ recording, up to {element.get('maxLength')} s, ended by #")
        elif element.tag == "Hangup":
            lines.append("- ☎ the line hangs up")
    return lines


def transcript_markdown(call: Call) -> str:
    lines = [
        "# A questionnaire by phone (German)",
        "",
        "Generated by `QUESTIONNAIRE_TRANSCRIPT=docs/transcripts/questionnaire-call.md "
        "pytest tests/channels/voice/test_questionnaire_call.py -k 'whole and de'` from "
        "the line's real TwiML answers to signed webhooks; the reference number differs "
        "on every run.",
        "",
    ]
    for exchange in call.log:
        if exchange.label == "hang up":
            lines += ["**Caller:** hangs up", ""]
            continue
        lines += [f"**Caller:** {exchange.label}", ""]
        lines += [*_heard(exchange), ""]
    return "\n".join(lines)


def test_unknown_step_parameters_do_not_break_the_call(client, engine, survey):
    call = to_questionnaire(client)
    url = _question_url(call).replace("q=", "q=99999999999999999999&x=")
    answer = call.post(url, {"Digits": "1"}, "a question id that is no number")
    assert answer.status == 200
    bad = call.post(
        PUBLIC_BASE + f"/twilio/voice/question-recorded?n=999&c=abc&q={secrets.token_hex(4)}",
        {"RecordingDuration": "x" * 50, "RecordingUrl": "javascript:alert(1)"},
        "nonsense recording",
    )
    assert bad.status == 200
    assert fetch(engine, select(Contribution)) == []
    assert fetch(engine, select(CarrierDeletion).where(CarrierDeletion.sid == "x")) == []


def test_a_call_that_ends_before_the_last_answer_leaves_nothing(
    client, engine, settings, twilio_api
):
    consultation = make_consultation(engine)
    with session_scope(engine, write=True) as session:
        for item in (
            draft(QuestionKind.free_text, "Was wünschen Sie sich?"),
            draft(QuestionKind.yes_no, "Wohnen Sie hier?", required=True),
        ):
            add_question(session, consultation, item, staff_id=None)
    call = to_consultation(client)
    call.press("5")
    call.press("1")
    sid = twilio_api.add_recording(ACCOUNT_SID)
    call.record(15, recording_sid=sid, recording_url=twilio_api.recording_url(ACCOUNT_SID, sid))
    assert spoken("question_number", "de", number=2, count=2, intro=False) in call.text()
    assert len(fetch(engine, select(QuestionnaireProgress))) == 1
    call.hang_up(40)
    assert fetch(engine, select(QuestionnaireProgress)) == []
    # The phone report counts the call as abandoned at a question (report.STEPS).
    (ended,) = fetch(engine, select(VoiceCall))
    assert ended.last_step == "question" and "question" in REPORT_STEPS
    delete_due(engine, CouncilSenders(engine, settings))
    assert twilio_api.deleted("Recordings") == [sid] and twilio_api.downloads == []
    assert fetch(engine, select(QuestionnaireResponse)) == []
    assert fetch(engine, select(Contribution)) == []


def test_a_second_questionnaire_from_the_same_number_replaces_the_first(client, engine, survey):
    for choice, expected_replaced in (("1", False), ("2", True)):
        call = to_questionnaire(client, from_number=CALLER)
        for keys in (choice, "1", "#", "#", "1", "#", "#"):
            call.press(keys)
        said = spoken("questionnaire_saved", "de", replaced=expected_replaced)
        assert said in call.text()
    (response,) = fetch(engine, select(QuestionnaireResponse))
    (vote,) = fetch(engine, select(PollVote))
    assert response.channel == "voice" and vote.option_id is not None
