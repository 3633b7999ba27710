"""A whole call, printed as its TwiML sequence (run with -s to read it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

from participation.contributions.models import Contribution, PollVote
from tests.channels.voice.phone import LANGUAGE_KEYS, Call, fetch, print_transcript
from tests.factories import make_consultation

ARABIC = {
    "title": "هل يجب إعادة تصميم ساحة السوق؟",
    "phone_summary": "ستُعاد تهيئة ساحة السوق بمزيد من الأشجار والمقاعد، "
    "وستُلغى أربعة وعشرون موقفًا للسيارات. هل أنتم موافقون؟",
    "poll_question": "هل يجب إعادة تصميم ساحة السوق؟",
}


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_whole_call_transcript(client, engine, language):
    make_consultation(engine, poll=["yes", "no", "undecided"], code="4711", texts={"ar": ARABIC})
    call = Call(client, from_number="+4915112345678")
    call.dial()
    call.press(LANGUAGE_KEYS[language])
    call.press("9")  # a code from the poster
    call.press("4711#")
    call.press("7")  # not on the menu: a re-prompt
    call.press("1")
    call.record(18)
    call.press("1")  # the reference number by SMS
    call.press("0")
    call.press("2")
    call.press("1")
    call.wait()  # silence after the work: goodbye
    assert call.hung_up
    call.hang_up(143)
    print_transcript(call)
    folder = os.environ.get("VOICE_TRANSCRIPT_DIR")
    if folder:
        Path(folder, f"call-{language}.txt").write_text(call.transcript(), encoding="utf-8")
    # The recording is a contribution; the keypad vote is a vote only, no queue item.
    assert len(fetch(engine, select(Contribution))) == 1
    assert len(fetch(engine, select(PollVote))) == 1
    assert [e.status for e in call.log] == [200] * len(call.log)
