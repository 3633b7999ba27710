"""Every message of a questionnaire by SMS fits in two segments, in every language,
with the demo's questionnaire: the question's own words always whole."""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.channels.sms import questionnaire_replies as texts
from participation.channels.sms import replies
from participation.consultations.models import Consultation
from participation.db import session_scope
from participation.demo import seed_demo
from participation.i18n.catalogs import gettext
from participation.questionnaires.answers import MAX_TEXT
from participation.questionnaires.models import QuestionKind
from participation.questionnaires.pages import shown_questions
from participation.settings import LANGUAGES
from participation.sms_segments import MAX_REPLY_SEGMENTS, count_segments

REFERENCE = "12345678"


@pytest.fixture
def demo_questions(engine):
    """The demo market square's questions (poll, scale, choice, number, text) as each
    language shows them (German where a language has no words of its own)."""
    with session_scope(engine, write=True) as session:
        seed_demo(session)
    shown = {}
    with session_scope(engine) as session:
        market = session.exec(select(Consultation).where(Consultation.slug == "marktplatz")).one()
        for language, locale in LANGUAGES.items():
            shown[language] = shown_questions(session, market, locale)
    return shown


def _messages(language: str, questions) -> list[tuple[str, str]]:
    """(what, text) for every message the conversation can send."""
    count = len(questions)
    longest_echo = max(
        ([o.label for o in q.options] for q in questions), key=lambda labels: len(", ".join(labels))
    )
    made = []
    for index, question in enumerate(questions):
        asked = texts.Asked(question, index + 1, count, "4711")
        made.append((f"q{index + 1} intro", texts.question(language, asked, intro=True)))
        made.append(
            (f"q{index + 1} understood", texts.question(language, asked, understood=longest_echo))
        )
        made.append((f"q{index + 1} skipped", texts.question(language, asked, skipped=True)))
        made.append((f"q{index + 1} back", texts.question(language, asked)))
        for problem in _problems(language, question.kind):
            made.append((f"q{index + 1} problem", texts.question(language, asked, problem=problem)))
        made.append((f"q{index + 1} missing", texts.question(language, asked, missing=True)))
    made.append(
        (
            "done",
            texts.done(
                language,
                code="4711",
                reference=REFERENCE,
                understood=["x " * 800],
                replaced=True,
                texts=True,
            ),
        )
    )
    made.append(("ended", texts.ended(language, code="4711")))
    made.append(("help", texts.help_text(language, code="4711", count=count)))
    made.append(("expired", texts.expired(language, code="4711")))
    made.append(("stopped", replies.stopped(language, questionnaire=True)))
    made.append(("no questions", texts.no_questionnaire(language, code="4711")))
    return [(what, made_text) for what, made_text in made]


def _problems(language: str, kind: QuestionKind) -> list[str]:
    """Every problem an answer to a question of this kind can have, in ``language``."""
    from participation.questionnaires import answers

    messages = [(answers._MISSING.message, {})]
    if kind in (QuestionKind.single_choice, QuestionKind.multiple_choice, QuestionKind.yes_no):
        messages += [(answers._INVALID_OPTION.message, {}), (answers._ONE_ONLY.message, {})]
    if kind is QuestionKind.multiple_choice:
        messages.append(("Please choose at most %(limit)s options.", {"limit": 2}))
    if kind in (QuestionKind.scale, QuestionKind.number):
        messages += [
            (answers._NOT_A_NUMBER.message, {}),
            ("Please enter a number from %(low)s to %(high)s.", {"low": 0, "high": 120}),
        ]
    if kind is QuestionKind.number:
        messages.append(("Please enter %(high)s or less.", {"high": 120}))
    if kind is QuestionKind.free_text:
        messages.append(
            (
                "Please shorten your answer to %(limit)s characters (now %(length)s).",
                {"limit": MAX_TEXT, "length": 2400},
            )
        )
    with replies.in_language(language):
        return [gettext(message, **values) for message, values in messages]


def test_every_questionnaire_message_fits_in_two_segments(demo_questions):
    too_long = []
    for language in LANGUAGES:
        questions = demo_questions[language]
        assert len(questions) == 6
        for what, text in _messages(language, questions):
            counted = count_segments(text)
            if counted.segments > MAX_REPLY_SEGMENTS:
                too_long.append(f"{language} {what} ({counted.encoding}, {counted.units}): {text}")
    assert not too_long, "\n".join(too_long)


def test_a_question_is_never_cut(demo_questions):
    for language in LANGUAGES:
        for index, question in enumerate(demo_questions[language]):
            asked = texts.Asked(question, index + 1, len(demo_questions[language]), "4711")
            assert texts.fits(language, asked), (language, question.prompt)
            reply = texts.question(language, asked, problem="x" * 60)
            assert question.prompt in reply, (language, reply)


def test_the_readiness_check_names_questions_too_long_for_sms(client, engine, demo_questions):
    from participation.accounts.models import Role
    from participation.consultations.readiness import questionnaire_gaps
    from participation.questionnaires.builder import QuestionDraft, Words, add_question
    from tests.factories import login, soup

    with session_scope(engine) as session:
        market = session.exec(select(Consultation).where(Consultation.slug == "marktplatz")).one()
        assert questionnaire_gaps(session, market.id) == []
    long_options = [{"de": f"Eine recht lange Antwort Nummer {n}"} for n in range(1, 10)]
    with session_scope(engine, write=True) as session:
        market = session.exec(select(Consultation).where(Consultation.slug == "marktplatz")).one()
        prompt = "Wie finden Sie die geplante Gestaltung des Marktplatzes mit Bäumen? " * 4
        add_question(
            session,
            market,
            QuestionDraft(kind=QuestionKind.free_text, words={"de": Words(prompt.strip())}),
            staff_id=None,
        )
        add_question(
            session,
            market,
            QuestionDraft(
                kind=QuestionKind.multiple_choice,
                words={"de": Words("Was fehlt?")},
                options=long_options,
            ),
            staff_id=None,
        )
    login(client, engine, Role.editor)
    page = soup(client.get(f"/en/staff/consultations/{market.id}/readiness").text)
    gaps = [item.get_text(" ", strip=True) for item in page.select("ul.gaps li")]
    assert any("SMS (العربية)" in gap and "Question 7 is too long" in gap for gap in gaps), gaps
    assert any("SMS (Deutsch)" in gap and "Question 8" in gap for gap in gaps), gaps
    assert not any("Question 6" in gap for gap in gaps)
