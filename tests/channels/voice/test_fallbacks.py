"""Whatever the line reads in another language than the caller's, it says so first, and
reads it with that language's voice."""

from __future__ import annotations

from participation.channels.voice.speech import spoken
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.db import session_scope
from tests.channels.voice.phone import EXPECTED_VOICES, open_line, to_consultation
from tests.factories import make_consultation

TURKISH = {"tr": {"title": "Pazar yeri", "phone_summary": "Kısaca.", "poll_question": "Evet mi?"}}


def _poll_with_a_german_only_answer(engine, texts: dict | None = None) -> None:
    consultation = make_consultation(engine, texts=texts)
    with session_scope(engine, write=True) as session:
        consultations.set_poll(
            session,
            session.get(Consultation, consultation.id),
            [("yes", {}), ("bench", {"de": "Mehr Bänke"})],
            has_votes=False,
        )


def test_easy_language_caller_is_told_the_summary_is_standard_german(client, engine):
    make_consultation(engine)
    call = to_consultation(client, "ls")
    texts = [text for _voice, _lang, text in call.said()]
    notice = spoken("summary_fallback", "ls", language_name="Deutsch", easy=True)
    assert notice and notice in texts
    assert texts.index(notice) == texts.index("Kurz gesagt.") - 1
    # A German caller hears no such notice.
    german = to_consultation(client, "de")
    assert notice not in german.text() and "Kurz gesagt." in german.text()


def test_an_answer_only_in_german_is_announced_and_read_by_the_german_voice(client, engine):
    _poll_with_a_german_only_answer(engine, TURKISH)
    call = to_consultation(client, "tr")
    call.press("2")
    said = call.said()
    notice = spoken("summary_fallback", "tr", language_name="Almanca", answers=True)
    assert (*EXPECTED_VOICES["tr"], notice) in said
    assert (*EXPECTED_VOICES["de"], "Mehr Bänke") in said
    key = said[said.index((*EXPECTED_VOICES["de"], "Mehr Bänke")) + 1]
    assert key == (*EXPECTED_VOICES["tr"], spoken("vote_option", "tr", label="", digit=2))
    assert not any("Mehr Bänke" in text and voice != "Polly.Vicki" for voice, _l, text in said)


def test_a_question_only_in_german_is_announced_once(client, engine):
    _poll_with_a_german_only_answer(engine)
    call = to_consultation(client, "tr")
    call.press("2")
    said = call.said()
    texts = [text for _voice, _lang, text in said]
    question = texts.index("Sind Sie dafür?")
    assert texts[question - 1] == spoken("summary_fallback", "tr", language_name="Almanca")
    assert not any(
        text == spoken("summary_fallback", "tr", language_name="Almanca", answers=True)
        for text in texts
    ), "the notice before the question covers the answers"


def test_titles_only_in_german_are_announced_before_the_menu(client, engine):
    make_consultation(engine, title="Nur auf Deutsch")
    call = open_line(client, "tr")
    texts = [text for _voice, _lang, text in call.said()]
    notice = spoken("summary_fallback", "tr", language_name="Almanca", titles=True)
    assert notice and texts.index(notice) < texts.index("Nur auf Deutsch")
    make_consultation(engine, texts=TURKISH)
    mixed = [text for _v, _l, text in open_line(client, "tr").said()]
    assert mixed.count(notice) == 1, "said once for the whole menu"


def test_a_menu_in_the_callers_language_has_no_notice(client, engine):
    make_consultation(engine, texts=TURKISH)
    texts = [text for _voice, _lang, text in open_line(client, "tr").said()]
    notice = spoken("summary_fallback", "tr", language_name="Almanca", titles=True)
    assert notice not in texts and any("Pazar yeri" in text for text in texts)
