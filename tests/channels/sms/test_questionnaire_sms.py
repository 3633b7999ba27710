"""A questionnaire answered by SMS, through signed webhooks: the replies and the rows.

Replies are compared with what the reply builders render (so the tests hold whatever
the translators write) or checked for what does not depend on the catalogs: the
question's number ("3/7"), its words, codes, reference numbers, keywords.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from participation.channels.sms import questionnaire_replies as texts
from participation.channels.sms import replies
from participation.channels.sms.models import InboundSms
from participation.channels.sms.parser import Intent, parse_sms
from participation.channels.sms.questionnaire_reading import read_answer
from participation.clock import set_now, utcnow
from participation.contributions.models import Channel, Contribution, PollVote, Status
from participation.contributions.reference import format_reference
from participation.councils.service import create_council
from participation.db import session_scope
from participation.outbox.consent import SmsContact
from participation.phones import phone_key
from participation.questionnaires.models import (
    QuestionKind,
    QuestionnaireAnswer,
    QuestionnaireProgress,
    QuestionnaireResponse,
)
from participation.questionnaires.pages import ShownOption, ShownQuestion
from tests.channels.sms.conftest import ALICE, BOB
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation
from tests.questionnaires.helpers import five_questions

ALICE_KEY = phone_key(TEST_SECRET, ALICE)
#: The poll, then single choice, multiple choice (at most 2), scale, yes/no, number, text.
COUNT = 7


def rows(engine, model, *where):
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where).order_by(col(model.id))).all())


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, code="4711", poll=["yes", "no"])
    return consultation, five_questions(engine, consultation)


def _position(engine, number=ALICE) -> int | None:
    found = rows(
        engine,
        QuestionnaireProgress,
        QuestionnaireProgress.holder == phone_key(TEST_SECRET, number),
    )
    return found[0].position if found else None


def _answers(engine, response_id) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in rows(engine, QuestionnaireAnswer, QuestionnaireAnswer.response_id == response_id):
        found.setdefault(row.question_id, []).append(
            row.option_id or row.number or row.contribution_id
        )
    return found


def _option_ids(engine, question_id):
    from participation.questionnaires.models import QuestionOption

    found = rows(engine, QuestionOption, QuestionOption.question_id == question_id)
    return {option.position: option.id for option in found}


def test_a_whole_conversation_in_german_with_a_correction_a_wrong_answer_and_words(
    sms, engine, survey
):
    _consultation, ids = survey
    first = sms("4711 START").text
    assert first.startswith("Fragebogen 4711")
    assert "ZURÜCK" in first and "ENDE" in first and f"1/{COUNT}" in first
    assert "1 Ja, 2 Nein" in first
    assert f"2/{COUNT} Wie kommen Sie? 1 Rad, 2 Bus, 3 Auto" in sms("ja").text
    # A word answer, case and accents aside, is repeated in the reply.
    reply = sms("BUS").text
    assert "Verstanden: Bus." in reply and f"3/{COUNT} Was fehlt?" in reply
    reply = sms("1 3").text
    assert "Bänke, Licht" in reply and f"4/{COUNT} Wie zufrieden?" in reply
    # A correction: back to the choice, answered again with a comma and a prefix.
    assert f"3/{COUNT} Was fehlt?" in sms("zurück").text
    assert "Bänke, Bäume" in sms("1,Bäu").text
    # Wrong answers: the problem in German and the same question again, nothing lost.
    wrong = sms("sehr").text
    assert wrong.startswith("Bitte geben Sie eine ganze Zahl ein.")
    assert f"4/{COUNT} Wie zufrieden?" in wrong
    assert f"5/{COUNT} Wohnen Sie hier?" in sms("4").text
    too_many = sms("0").text
    assert too_many.startswith("Bitte beantworten Sie diese Frage.")
    assert f"6/{COUNT}" in sms("NEIN").text
    assert "14" in sms("200").text and _position(engine) == 5
    assert f"7/{COUNT} Was noch?" in sms("٣٤").text  # Arabic-Indic digits are digits
    done = sms("Mehr Licht am Abend, bitte").text

    [response] = rows(engine, QuestionnaireResponse)
    assert response.channel == "sms" and response.locale == "de"
    assert response.voter_key == ALICE_KEY
    assert format_reference(response.reference) in done
    assert done == texts.done(
        "de",
        code="4711",
        reference=response.reference,
        understood=["Mehr Licht am Abend, bitte"],
        texts=True,
    )
    stored = _answers(engine, response.id)
    single, multi = _option_ids(engine, ids["single"]), _option_ids(engine, ids["multi"])
    assert stored[ids["single"]] == [single[2]]
    assert sorted(stored[ids["multi"]]) == sorted([multi[1], multi[2]])
    assert stored[ids["scale"]] == [4]
    assert stored[ids["age"]] == [34]
    assert ids["yes_no"] in stored  # "NEIN" is stored as 0
    [text] = rows(engine, Contribution)
    assert text.channel is Channel.sms and text.status is Status.pending
    assert text.question_id == ids["text"] and text.body == "Mehr Licht am Abend, bitte"
    [vote] = rows(engine, PollVote)
    assert vote.voter_key == ALICE_KEY and vote.channel is Channel.sms
    assert rows(engine, QuestionnaireProgress) == []
    assert rows(engine, InboundSms)[-1].contribution_id == text.id


def _answer_all(sms, bodies, number=ALICE):
    return [sms(body, number=number).text for body in bodies]


def test_turkish_and_arabic_conversations_in_their_own_words(sms, engine, survey):
    turkish = _answer_all(
        sms, ["4711 BAŞLA", "evet", "2", "1 3", "5", "EVET", "40", "Daha çok ağaç"], ALICE
    )
    assert "GERİ" in turkish[0] and "BİTİR" in turkish[0]
    assert turkish[5].startswith("Anlaşıldı: EVET.")
    arabic = _answer_all(
        sms, ["4711 ابدأ", "نعم", "٢", "١ ٣", "رجوع", "٢", "٣", "لا", "٧٠", "0"], BOB
    )
    assert "رجوع" in arabic[0] and "إنهاء" in arabic[0]
    assert f"3/{COUNT}" in arabic[4]  # back to the choice
    responses = {r.voter_key: r for r in rows(engine, QuestionnaireResponse)}
    assert responses[ALICE_KEY].locale == "tr"
    assert responses[phone_key(TEST_SECRET, BOB)].locale == "ar"
    assert format_reference(responses[ALICE_KEY].reference) in turkish[-1]
    assert format_reference(responses[phone_key(TEST_SECRET, BOB)].reference) in arabic[-1]
    # Only the Turkish free text went to moderation: the Arabic one was skipped with 0.
    [text] = rows(engine, Contribution)
    assert text.locale == "tr" and text.channel is Channel.sms


def test_start_again_restarts_and_answering_again_replaces_the_response(sms, engine, survey):
    _answer_all(sms, ["4711 START", "1", "1", "1", "1", "1", "20", "0"])
    [first] = rows(engine, QuestionnaireResponse)
    sms("4711 START")
    sms("2")
    restarted = sms("START").text  # START alone in a conversation: from the top
    assert f"1/{COUNT}" in restarted and _position(engine) == 0
    again = _answer_all(sms, ["2", "3", "2", "2", "2", "30", "0"])
    [second] = rows(engine, QuestionnaireResponse)
    assert second.id == first.id and second.reference == first.reference
    assert again[-1] == texts.done("de", code="4711", reference=first.reference, replaced=True)
    assert _answers(engine, second.id)[survey[1]["age"]] == [30]


def test_a_question_made_required_meanwhile_is_asked_again_at_the_end(sms, engine, survey):
    from participation.questionnaires.models import Question

    _consultation, ids = survey
    _answer_all(sms, ["4711 START", "1", "1", "0"])
    with session_scope(engine, write=True) as session:
        question = session.get(Question, ids["multi"])
        question.required = True
        session.add(question)
    missing = _answer_all(sms, ["3", "1", "50", "Gut"])[-1]
    assert f"3/{COUNT} Was fehlt?" in missing and _position(engine) == 2
    assert rows(engine, QuestionnaireResponse) == []
    # Answered now, the rest stands: the response is stored at once.
    done = sms("Licht").text
    [response] = rows(engine, QuestionnaireResponse)
    assert format_reference(response.reference) in done
    assert _answers(engine, response.id)[ids["age"]] == [50]


def test_stop_ends_the_questionnaire_and_opts_out_ende_only_ends_it(sms, engine, survey):
    _answer_all(sms, ["4711 START", "1", "2"])
    stopped = sms("STOPP").text
    assert stopped == replies.stopped("de", questionnaire=True)
    assert rows(engine, QuestionnaireProgress) == [] and rows(engine, QuestionnaireResponse) == []
    [contact] = rows(engine, SmsContact, SmsContact.phone_key == ALICE_KEY)
    assert contact.opted_out
    # Asking for the questions again is asking for replies again.
    assert f"1/{COUNT}" in sms("4711 START").text
    sms("1")
    assert sms("ENDE").text == texts.ended("de", code="4711")
    assert rows(engine, QuestionnaireProgress) == [] and rows(engine, QuestionnaireResponse) == []
    [contact] = rows(engine, SmsContact, SmsContact.phone_key == ALICE_KEY)
    assert not contact.opted_out
    # Twilio's own STOP (which Twilio confirms) ends it too, silently.
    sms("4711 START")
    assert sms("STOP").text is None
    assert rows(engine, QuestionnaireProgress) == []


def test_commands_keep_working_in_a_conversation_and_loeschen_erases_it(sms, engine, survey):
    _answer_all(sms, ["4711 START", "1"])
    assert sms("HILFE").text == texts.help_text("de", code="4711", count=COUNT)
    assert "ZURÜCK" in texts.help_text("de", code="4711", count=COUNT)
    assert sms("STATUS").text
    assert _position(engine) == 1
    assert f"3/{COUNT}" in sms("Rad").text  # the conversation goes on where it was
    sms("LÖSCHEN")
    sms("LÖSCHEN JA")
    assert rows(engine, QuestionnaireProgress) == []
    assert rows(engine, QuestionnaireResponse) == []


def test_the_place_is_kept_for_a_day_after_the_last_answer(sms, engine, survey):
    try:
        _answer_all(sms, ["4711 START", "1"])
        set_now(utcnow() + timedelta(hours=23))
        assert f"3/{COUNT}" in sms("2").text
        set_now(utcnow() + timedelta(hours=25))
        assert sms("2").text == texts.expired("de", code="4711")
        assert rows(engine, QuestionnaireProgress) == []
        assert rows(engine, PollVote) == []  # the bare "2" was no poll answer
        assert f"1/{COUNT}" in sms("4711 START").text
    finally:
        set_now(None)


def test_a_retried_delivery_gets_the_same_reply_and_stores_once(sms, engine, survey):
    _answer_all(sms, ["4711 START", "1", "1", "1", "1", "1", "20"])
    last = sms("Schön")
    again = sms("Schön", sid=last.sid)
    assert again.text == last.text
    assert len(rows(engine, QuestionnaireResponse)) == 1
    assert len(rows(engine, Contribution)) == 1
    middle = sms("4711 START")
    first = sms("2")
    assert sms("2", sid=first.sid).text == first.text
    assert middle.text and _position(engine) == 1


def test_a_consultation_closed_meanwhile_takes_no_more_answers(sms, engine, survey):
    consultation, _ids = survey
    _answer_all(sms, ["4711 START", "1", "1"])
    with session_scope(engine, write=True) as session:
        from participation.consultations.models import Consultation

        row = session.get(Consultation, consultation.id)
        row.closes_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    reply = sms("2").text
    assert "4711" in reply and "/7" not in reply
    assert rows(engine, QuestionnaireProgress) == []
    assert rows(engine, QuestionnaireResponse) == [] and rows(engine, PollVote) == []


def test_hostile_starts_find_nothing_to_answer(sms, engine, survey):
    make_consultation(engine, code="4790", phase="draft")
    make_consultation(engine, code="4791", phase="closed")
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    theirs = make_consultation(engine, code="4799", council_id=other)
    five_questions(engine, theirs, council_id=other)
    for code in ("9999", "4790", "4791", "4799"):
        reply = sms(f"{code} START").text
        assert code in reply and "1/" not in reply
    assert rows(engine, QuestionnaireProgress) == []


def test_hostile_answers_lose_nothing(sms, engine, survey):
    _answer_all(sms, ["4711 START", "1"])
    for body in ("x" * 10_000, "😀🎉", "", "   ", "1 2 3 4 5 6 7 8 9 10 11", "4 5"):
        reply = sms(body)
        assert reply.status == 200 and reply.text
        assert _position(engine) == 1, body
    assert rows(engine, QuestionnaireResponse) == []
    assert f"3/{COUNT}" in sms("2").text


# -- the demo's questionnaire, as a transcript ------------------------------------------

TRANSCRIPTS = {
    "de": (
        ALICE,
        [
            "4711 START",
            "Ja",
            "vier",
            "4",
            "Bänke Brunnen",
            "ZURÜCK",
            "1 3",
            "NEIN",
            "34",
            "Mehr Schatten!",
        ],
    ),
    "ar": (BOB, ["4711 ابدأ", "نعم", "٥", "٢ ٤", "رجوع", "٢،٤", "نعم", "تخطي", "مزيد من الظل"]),
}


def test_the_demo_questionnaire_by_sms_in_german_and_arabic(sms, engine):
    """The demo's market square questionnaire, answered in full; with SMS_TRANSCRIPT set
    the conversations are written there as Markdown (docs/transcripts/)."""
    from participation.demo import seed_demo
    from participation.sms_segments import count_segments

    with session_scope(engine, write=True) as session:
        seed_demo(session)
    lines = ["# A questionnaire by SMS: the demo's market square (4711)", ""]
    last = {}
    for language, (number, bodies) in TRANSCRIPTS.items():
        lines += [f"## {language}", "", "| sent | reply | segments |", "| --- | --- | --- |"]
        for body in bodies:
            reply = sms(body, number=number).text or ""
            counted = count_segments(reply)
            assert counted.segments <= 2, reply
            lines.append(f"| {body} | {reply} | {counted.segments} ({counted.encoding}) |")
            last[language] = reply
        lines.append("")
    target = os.environ.get("SMS_TRANSCRIPT")
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
    stored = {r.voter_key: r for r in rows(engine, QuestionnaireResponse)}
    assert stored[ALICE_KEY].locale == "de" and stored[phone_key(TEST_SECRET, BOB)].locale == "ar"
    assert format_reference(stored[ALICE_KEY].reference) in last["de"]
    assert format_reference(stored[phone_key(TEST_SECRET, BOB)].reference) in last["ar"]


# -- reading: pure functions -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "4711 START",
        "START 4711",
        "4711 start!",
        "4711 BAŞLA",
        "4711 basla",
        "4711 ابدأ",
        "4711 СТАРТ",
        "4711 ПОЧАТИ",
        "4711 ZACZNIJ",
    ],
)
def test_the_code_and_the_start_word_in_any_language_open_the_questionnaire(body):
    parsed = parse_sms(body)
    assert parsed.intent is Intent.questionnaire and parsed.code == "4711"


def test_start_alone_still_opts_in_and_a_sentence_stays_a_comment():
    assert parse_sms("START").intent is Intent.start
    assert parse_sms("ПОЧАТИ").intent is Intent.start
    assert parse_sms("4711 Start der Bauarbeiten bitte später").intent is Intent.contribute


def _choice(*labels, kind=QuestionKind.multiple_choice):
    options = [ShownOption(10 + i, i + 1, label, "") for i, label in enumerate(labels)]
    return ShownQuestion(1, 1, kind, False, "Was?", options=options)


@pytest.mark.parametrize(
    ("body", "values"),
    [
        ("2", ["11"]),
        ("1 3", ["10", "12"]),
        ("1,3", ["10", "12"]),
        ("١،٣", ["10", "12"]),
        ("BÄNKE", ["10"]),
        ("banke", ["10"]),
        ("Brunnen", ["12"]),
        ("bänke, brunnen", ["10", "12"]),
        ("Bäu", ["11"]),
        ("7", ["0"]),  # no such option: the check says so
        ("0", []),
        ("WEITER", []),
    ],
)
def test_a_choice_is_read_by_number_word_or_unambiguous_start(body, values):
    reading = read_answer(_choice("Bänke", "Bäume", "Ein Brunnen"), body)
    assert reading is not None and reading.values == values


@pytest.mark.parametrize("body", ["Bä", "Kiosk", "😀", "", "1 Kiosk"])
def test_an_ambiguous_or_unknown_word_is_not_read(body):
    assert read_answer(_choice("Bänke", "Bäume", "Ein Brunnen"), body) is None


@pytest.mark.parametrize(
    ("body", "value"),
    [("1", "yes"), ("2", "no"), ("ja", "yes"), ("EVET", "yes"), ("نعم", "yes"), ("ні", "no")],
)
def test_yes_and_no_in_every_language(body, value):
    question = ShownQuestion(1, 1, QuestionKind.yes_no, True, "?")
    reading = read_answer(question, body)
    assert reading is not None and reading.values == [value]


def test_an_open_questionnaire_may_go_past_the_hourly_cap_by_what_it_needs(sms, engine, survey):
    """The cap (20 an hour) is reached after 17 ordinary messages and a started
    questionnaire of 7 questions; its answers and corrections still get replies, and
    once it is done the cap holds again."""
    for index in range(17):
        assert sms(f"4711 Meinung {index}").messages
    assert "1/7" in sms("4711 START").text
    replies = _answer_all(sms, ["ja", "zurück", "ja", "2", "zurück", "1", "1 3", "4", "JA"])
    assert all(replies), replies
    done = sms("40").text and sms("Mehr Bänke").text
    [response] = rows(engine, QuestionnaireResponse)
    assert format_reference(response.reference) in done
    # Past the questionnaire, the ordinary cap: one polite reply, then silence.
    assert sms("4711 Noch eine Meinung").messages
    assert sms("4711 Und noch eine").messages == []
    assert len(rows(engine, Contribution)) == 18  # 17 comments and the free text


def test_without_a_questionnaire_the_cap_is_the_cap(sms, engine, survey):
    for index in range(20):
        sms(f"4711 Meinung {index}")
    assert "1/7" not in sms("4711 START").text
    assert rows(engine, QuestionnaireProgress) == []


@pytest.mark.parametrize(
    ("start", "back", "answers"),
    [
        ("4711 BAŞLA", "GERİ", ["evet", "2", "1 3", "5", "EVET", "40", "Daha çok ağaç"]),
        ("4711 ابدأ", "رجوع", ["نعم", "٢", "١ ٣", "٥", "نعم", "٤٠", "مزيد من الأشجار"]),
    ],
    ids=["tr", "ar"],
)
def test_a_restart_and_a_correction_in_turkish_and_arabic(
    sms, engine, survey, start, back, answers
):
    _consultation, ids = survey
    sms(start)
    sms(answers[0])
    sms(answers[1])
    assert _position(engine) == 2
    assert f"1/{COUNT}" in sms(start).text  # a restart: from the top, nothing kept
    assert _position(engine) == 0
    replies = _answer_all(sms, answers[:3])
    assert f"4/{COUNT}" in replies[-1]
    assert f"3/{COUNT}" in sms(back).text  # a correction: the choice again
    replies = _answer_all(sms, ["2", *answers[3:]])
    [response] = rows(engine, QuestionnaireResponse)
    assert format_reference(response.reference) in replies[-1]
    multi = _option_ids(engine, ids["multi"])
    assert _answers(engine, response.id)[ids["multi"]] == [multi[2]]  # option 2, corrected
    assert rows(engine, QuestionnaireProgress) == []
