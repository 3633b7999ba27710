"""Whole calls through signed webhooks, following the TwiML, in every language."""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.channels.voice.models import CallbackRequest, VoiceCall, VoiceStep
from participation.channels.voice.speech import spoken
from participation.contributions.models import Channel, Contribution, PollVote
from participation.crypto import decrypt
from participation.outbox.models import OutboundMessage
from participation.phones import phone_key
from tests.channels.voice.phone import (
    ALL_LANGUAGES,
    EXPECTED_VOICES,
    LANGUAGE_KEYS,
    LOCALES,
    Call,
    fetch,
    open_line,
    to_consultation,
)
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation

CALLER = "+4915112345678"


def texts_in_every_language() -> dict[str, dict[str, str]]:
    return {
        LOCALES.get(lang, lang): {
            "title": f"Title {lang}",
            "phone_summary": f"Summary for the phone in {lang}.",
            "poll_question": f"Question {lang}?",
        }
        for lang in ALL_LANGUAGES
        if lang != "de"
    }


def spaced(reference: str) -> str:
    return f"{' '.join(reference[:4])}, {' '.join(reference[4:])}"


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_whole_call_in_every_language(client, engine, language):
    consultation = make_consultation(
        engine, poll=["yes", "no"], code="4711", texts=texts_in_every_language()
    )
    voice, say_language = EXPECTED_VOICES[language]
    call = Call(client, from_number=CALLER)

    # 1. Greeting in German, then every language offered in its own voice.
    call.dial()
    said = call.said()
    assert said[0][:2] == ("Polly.Vicki", "de-DE")
    offered = {(v, lang) for v, lang, _text in said[1:]}
    assert offered == set(EXPECTED_VOICES.values())
    assert len(said) == 1 + len(ALL_LANGUAGES)
    assert call.gather.get("numDigits") == "1"

    # 2. The recording notice and privacy sentence, then the consultation menu.
    call.press(LANGUAGE_KEYS[language])
    said = call.said()
    assert all((v, lang) == (voice, say_language) for v, lang, _t in said)
    assert said[0][2] == spoken("notice", language)
    assert "Title" in call.text() or "Soll der Marktplatz" in call.text()

    # 3. Choose it from the menu: the summary in the caller's language, then the actions.
    call.press("1")
    summary = call.said()[0]
    if language == "de":
        assert summary == (voice, say_language, "Kurz gesagt.")
    else:
        assert summary == (voice, say_language, f"Summary for the phone in {language}.")
    assert spoken("action_menu", language, has_poll=True) == call.said()[-1][2]

    # 4. A spoken comment: the notice came before; <Record> with the limits asked for.
    call.press("1")
    record = call.find("Record")
    assert record is not None
    assert (record.get("maxLength"), record.get("playBeep"), record.get("finishOnKey")) == (
        "180",
        "true",
        "#",
    )
    callback, _action = call.record(23)
    assert callback.status == 200
    (stored,) = fetch(engine, select(Contribution).where(Contribution.channel == Channel.voice))
    assert stored.body == ""
    assert stored.recording_duration == 23
    assert stored.recording_url.startswith("https://api.twilio.com/")
    assert stored.external_id.startswith("RE")
    assert stored.consultation_id == consultation.id
    assert stored.locale == LOCALES.get(language, language)
    assert stored.author_key == phone_key(TEST_SECRET, CALLER)
    # The reference number digit by digit, repeated once.
    reference_text = spoken("reference", language, digits=spaced(stored.reference))
    assert reference_text in call.text()
    assert call.text().count(spaced(stored.reference)) == 2

    # 5. ...and by SMS.
    call.press("1")
    (sms,) = fetch(engine, select(OutboundMessage))
    assert decrypt(TEST_SECRET, sms.to_encrypted) == CALLER
    assert f"{stored.reference[:4]}-{stored.reference[4:]}" in sms.body
    assert f"/{language}/r/{stored.reference}" in sms.body

    # 6. Back to the menu, and vote with the keypad.
    call.press("0")
    call.press("2")
    assert call.said()[0][2] == ("Sind Sie dafür?" if language == "de" else f"Question {language}?")
    call.press("2")
    (vote,) = fetch(engine, select(PollVote))
    assert vote.voter_key == phone_key(TEST_SECRET, CALLER)
    assert vote.channel is Channel.voice
    assert call.gather.get("action").split("?")[0].endswith("/after")

    # 7. A call-back to the calling number.
    call.press("0")
    call.press("3")
    assert spaced("678")[:5] in call.text() or "6 7 8" in call.text()
    call.press("1")
    (request,) = fetch(engine, select(CallbackRequest))
    assert decrypt(TEST_SECRET, request.number_encrypted) == CALLER
    assert request.locale == LOCALES.get(language, language)
    assert request.consultation_id == consultation.id

    # 8. The status of the comment left a minute ago.
    call.press("0")
    call.press("4")
    call.press(stored.reference + "#")
    assert spaced(stored.reference) in call.text()
    assert call.text().startswith(
        spoken("status_result", language, status="pending", digits=spaced(stored.reference))
    )

    # 9. Silence after all that: a friendly goodbye, no failure.
    call.wait()
    assert call.hung_up
    assert call.said()[-1][2] == spoken("goodbye", language)
    call.hang_up(180)
    (row,) = fetch(engine, select(VoiceCall))
    assert (row.language, row.contributed, row.voted, row.requested_callback) == (
        language,
        True,
        True,
        True,
    )
    assert row.heard_status and not row.failed_out and row.duration == 180


def test_leichte_sprache_is_spoken_slowly(client, engine):
    make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client, "ls")
    for exchange in call.log[1:]:
        for say in exchange.root.iter("Say"):
            prosody = say.find("prosody")
            assert prosody is not None and prosody.get("rate") == "85%", exchange.twiml


def test_consultation_chosen_by_code(client, engine):
    make_consultation(engine, code="1234")
    wanted = make_consultation(engine, code="4711", title="Neue Buslinie")
    call = open_line(client)
    call.press("9")
    assert call.gather.get("finishOnKey") == "#" and call.gather.get("numDigits") is None
    assert spoken("code_entry", "de") in call.text()
    call.press("4711#")
    assert call.gather.get("action").endswith(f"c={wanted.id}")


def test_code_of_a_closed_consultation_is_refused_with_the_code_read_back(client, engine):
    make_consultation(engine, code="1234")
    make_consultation(engine, code="4711", phase="closed")
    call = open_line(client)
    call.press("9")
    call.press("4711#")
    assert call.said()[0][2].startswith(spoken("unknown_code", "de", code="4, 7, 1, 1")[:10])
    # A number read back is said twice, in groups.
    assert call.text().count("4 7 1 1") == 2
    assert call.gather.get("action").split("?")[0].endswith("/code")


def test_menu_lists_at_most_eight_consultations_and_9_types_a_code(client, engine):
    for n in range(11):
        make_consultation(engine, code=str(5000 + n), title=f"Zebrastreifen {n}")
    call = open_line(client)
    options = [text for _v, _l, text in call.said() if "Zebrastreifen" in text]
    assert len(options) == 8
    assert [o.rstrip(".")[-1] for o in options] == list("12345678")
    assert spoken("consultation_code", "de", digit=9) in call.text()
    assert call.gather.get("numDigits") == "1"


def test_no_open_consultation_says_so_and_goodbye(client, engine):
    make_consultation(engine, phase="closed")
    call = open_line(client)
    assert spoken("no_consultations", "de") in call.text()
    assert call.hung_up


def test_title_only_in_german_is_read_by_the_german_voice(client, engine):
    make_consultation(engine, title="Nur auf Deutsch")
    call = open_line(client, "tr")
    said = call.said()
    assert ("Polly.Vicki", "de-DE", "Nur auf Deutsch") in said
    call.press("1")
    # The summary exists only in German: the caller is told, then hears it in German.
    first, second = call.said()[:2]
    assert first[:2] == ("Polly.Filiz", "tr-TR")
    assert second == ("Polly.Vicki", "de-DE", "Kurz gesagt.")


def test_repeat_and_back(client, engine):
    make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client)
    first = call.text()
    call.press("9")
    assert call.text() == first
    call.press("0")
    assert call.gather.get("action").split("?")[0].endswith("/consultation")
    call.press("0")
    assert call.gather.get("action").split("?")[0].endswith("/language")


def test_voting_again_replaces_the_vote(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client, from_number=CALLER)
    call.press("2")
    call.press("1")
    call.press("0")
    call.press("2")
    call.press("2")
    assert spoken("vote_saved", "de", label="Nein", replaced=True) in call.text()
    votes = fetch(engine, select(PollVote).where(PollVote.consultation_id == consultation.id))
    assert len(votes) == 1
    # A second call from the same number still has one vote: one per caller.
    again = to_consultation(client, from_number=CALLER)
    again.press("2")
    again.press("1")
    assert len(fetch(engine, select(PollVote))) == 1


def test_consultation_without_poll_says_so(client, engine):
    make_consultation(engine, poll=None)
    call = to_consultation(client)
    assert call.said()[-1][2] == spoken("action_menu", "de", has_poll=False)
    call.press("2")
    assert call.said()[0][2].startswith(spoken("no_poll", "de"))
    assert call.gather.get("action").split("?")[0].endswith("/action")


def test_callback_to_another_number(client, engine):
    make_consultation(engine)
    call = to_consultation(client, from_number=CALLER)
    call.press("3")
    call.press("2")
    call.press("123#")
    assert call.said()[0][2].startswith(spoken("callback_invalid", "de"))
    call.press("05121 987654#")
    assert call.text().count("0 5 1 2 1, 9 8 7, 6 5 4") == 2
    call.press("2")
    call.press("0512198765#")
    call.press("1")
    (request,) = fetch(engine, select(CallbackRequest))
    assert decrypt(TEST_SECRET, request.number_encrypted) == "+49512198765"
    assert request.number_key == phone_key(TEST_SECRET, "+49512198765")


def test_withheld_number_types_a_callback_number_and_gets_no_sms_offer(client, engine):
    make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client, from_number="anonymous")
    call.press("3")
    assert call.gather.get("action").split("?")[0].endswith("/callback-number")
    call.press("030 1234567#")
    call.press("1")
    assert len(fetch(engine, select(CallbackRequest))) == 1
    call.press("0")
    call.press("2")
    call.press("1")
    assert call.said()[-1][2] == spoken("after_menu", "de", sms=False, back=True)
    vote = fetch(engine, select(PollVote))[0]
    assert vote.voter_key and len(vote.voter_key) == 64


def test_status_of_a_published_contribution_with_an_answer(client, engine):
    from participation.contributions.models import Status
    from participation.db import session_scope

    consultation = make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    call.record(10)
    (stored,) = fetch(engine, select(Contribution))
    with session_scope(engine, write=True) as session:
        row = session.get(Contribution, stored.id)
        row.status, row.body, row.answer = Status.published, "Mehr Bänke", "Kommen im Mai."
    call.press("0")
    call.press("4")
    call.press(stored.reference + "#")
    expected = spoken(
        "status_result", "de", status="published", digits=spaced(stored.reference), answered=True
    )
    assert call.text().startswith(expected)
    assert consultation.id


def test_unknown_reference_is_read_back(client, engine):
    make_consultation(engine)
    call = to_consultation(client)
    call.press("4")
    call.press("12345678#")
    assert call.text().count("1 2 3 4, 5 6 7 8") == 2
    assert call.gather.get("action").split("?")[0].endswith("/lookup")


def test_a_lost_call_state_starts_over_with_the_greeting(client, engine):
    make_consultation(engine)
    call = Call(client)
    from tests.conftest import PUBLIC_BASE

    call.post(PUBLIC_BASE + "/twilio/voice/action?n=7&c=1", {"Digits": "1"}, "stray")
    assert call.gather.get("action").split("?")[0].endswith("/language")


def test_every_answer_is_cached_per_call_and_step(client, engine):
    make_consultation(engine)
    call = to_consultation(client)
    steps = fetch(
        engine, select(VoiceStep).where(VoiceStep.call_sid == call.sid).order_by(VoiceStep.id)
    )
    assert [s.step for s in steps] == ["incoming:0", "language:1", "consultation:2"]
