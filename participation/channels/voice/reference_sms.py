"""The SMS with the reference number that a caller can ask for after a spoken comment.

Fitted like every SMS reply: GSM-7 where the language allows (typographic punctuation
replaced), at most MAX_REPLY_SEGMENTS parts; a long council name is shortened first,
then left out, and the reference number and its link always stay.
"""

from __future__ import annotations

from collections.abc import Iterator

from participation.channels.voice.speech import spoken
from participation.contributions.reference import format_reference
from participation.settings import Settings
from participation.sms_segments import MAX_REPLY_SEGMENTS, gsm_friendly, segments

#: A council name longer than this is cut at a word boundary before it is dropped.
SHORT_COUNCIL = 24


def _council_variants(name: str) -> Iterator[str]:
    name = " ".join(name.split())
    yield name
    if len(name) > SHORT_COUNCIL:
        cut = name[:SHORT_COUNCIL].rsplit(" ", 1)[0]
        yield cut.rstrip(" ,.-")
    yield ""


def reference_sms(
    settings: Settings, language: str, reference: str, *, answers: bool = False
) -> str:
    """The richest text that fits the segment budget (the shortest one otherwise);
    ``answers``: a questionnaire response's number, which has no status page."""
    link = f"{settings.public_base_url}/{language}/r/{reference}"
    text = ""
    for council in _council_variants(settings.council_name):
        text = gsm_friendly(
            spoken(
                "sms_reference",
                language,
                council=council,
                reference=format_reference(reference),
                link=link,
                answers=answers,
            )
        )
        if segments(text) <= MAX_REPLY_SEGMENTS:
            return text
    return text
