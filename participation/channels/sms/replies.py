"""SMS reply texts: templates/sms/*.txt rendered in the sender's language, fitted into
at most two SMS segments.

The fixed wording comes from the catalogs; what varies (titles, summaries, lists of open
consultations) is shortened until the whole reply fits, so a long consultation title
never turns one reply into five paid messages. Each builder takes plain values, so the
segment test can render every reply in every language without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from jinja2 import Environment

from participation.channels.sms import parser
from participation.channels.sms.parser import Intent
from participation.contributions.reference import format_reference
from participation.i18n import catalogs
from participation.i18n.formatting import local_date, local_list, local_list_start, local_number
from participation.rendering import environment
from participation.settings import LANGUAGES
from participation.sms_segments import MAX_REPLY_SEGMENTS, gsm_friendly, segments

EXAMPLE_CODE = "4711"


@contextmanager
def in_language(language: str) -> Iterator[None]:
    token = catalogs.current_language.set(language if language in LANGUAGES else "de")
    try:
        yield
    finally:
        catalogs.current_language.reset(token)


def keywords(language: str) -> dict[str, str]:
    """The command words a reply suggests, in the sender's language ("ls" writes German)."""
    sms_language = language if language in parser.SMS_LANGUAGES else "de"
    words = {
        intent.value: parser.keyword(intent, sms_language)
        for intent in (
            Intent.help,
            Intent.info,
            Intent.stop,
            Intent.start,
            Intent.delete,
            Intent.status,
            Intent.notify,
        )
    }
    words["yes"] = parser.vote_word("yes", sms_language)
    words["no"] = parser.vote_word("no", sms_language)
    return words


_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
_MANY_STOPS = re.compile(r"\.{4,}")


def _clean(text: str) -> str:
    # Templates are written one sentence per line for translators; an SMS is one paragraph.
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    # "30 сент. 2027 г." at the end of a sentence must not end in "..": one dot is enough.
    return gsm_friendly(_MANY_STOPS.sub("...", _DOUBLE_STOP.sub(".", text)))


@cache
def _environment() -> Environment:
    # The page environment trims the newline after a block tag, which would glue two
    # sentences together ("Ja.Your"); SMS texts keep them and _clean() folds them.
    return environment.overlay(trim_blocks=False, lstrip_blocks=False)


def render(name: str, language: str, **context: Any) -> str:
    with in_language(language):
        template = _environment().get_template(f"sms/{name}.txt")
        return _clean(template.render(kw=keywords(language), **context))


def _fitted(name: str, language: str, variants: Iterable[dict[str, Any]]) -> str:
    """The richest variant that fits in two segments; the last one otherwise."""
    text = ""
    for context in variants:
        text = render(name, language, **context)
        if segments(text) <= MAX_REPLY_SEGMENTS:
            return text
    return text


def shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    if limit <= 3:
        return ""
    cut = text[: limit - 3]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "..."


def _choice_variants(language: str, choices: list[tuple[str, str]]) -> Iterator[str]:
    """'4711 Marktplatz und 4712 Buslinie' as the language writes a list, ever shorter:
    titles first, then fewer entries."""
    if not choices:
        yield ""
        return
    for title_limit in (40, 24, 14):
        titled = [f"{code} {shorten(title, title_limit)}".strip() for code, title in choices]
        yield local_list(titled, language=language)
    codes = [code for code, _title in choices]
    yield local_list(codes, language=language)
    for count in range(len(choices) - 1, 0, -1):
        yield local_list_start(codes[:count], language=language) + " ..."


def _summary_variants(summary: str) -> Iterator[str]:
    summary = " ".join((summary or "").split())
    yield summary
    limit = len(summary)
    while limit > 20:
        limit = int(limit * 0.85)
        yield shorten(summary, limit)
    yield ""


def _date(moment) -> str:
    return local_date(moment, "medium") if moment else ""


# -- one builder per reply ---------------------------------------------------------------


def received(
    language: str,
    *,
    code: str | None,
    reference: str,
    option: str | None = None,
    media: bool = False,
) -> str:
    ref = format_reference(reference)
    variants = [
        dict(code=code, ref=ref, option=option, media=media),
        dict(code=code, ref=ref, option=shorten(option or "", 20) or None, media=media),
        dict(code=code, ref=ref, option=shorten(option or "", 20) or None, media=False),
    ]
    return _fitted("received", language, variants)


def unassigned(
    language: str,
    *,
    reference: str,
    choices: list[tuple[str, str]],
    unknown_code: str | None = None,
    media: bool = False,
) -> str:
    ref = format_reference(reference)
    # Shorter lists first; the note about pictures is the first sentence to go.
    return _fitted(
        "unassigned",
        language,
        (
            dict(ref=ref, choices=c, unknown_code=unknown_code, media=keep_media)
            for keep_media in ((True, False) if media else (False,))
            for c in _choice_variants(language, choices)
        ),
    )


def voted(language: str, *, code: str, option: str) -> str:
    return _fitted(
        "voted",
        language,
        [dict(code=code, option=option), dict(code=code, option=shorten(option, 20))],
    )


def vote_options(language: str, *, code: str, options: list[tuple[int, str]]) -> str:
    full = local_list([f"{position} {label}" for position, label in options], "or", language)
    short = local_list(
        [f"{position} {shorten(label, 12)}" for position, label in options], "or", language
    )
    numbers = local_list([str(position) for position, _label in options], "or", language)
    return _fitted(
        "vote_options",
        language,
        [
            dict(code=code, options=full),
            dict(code=code, options=short),
            dict(code=code, options=numbers),
        ],
    )


def no_poll(language: str, *, code: str) -> str:
    return render("no_poll", language, code=code)


def choose(
    language: str, *, purpose: str, choices: list[tuple[str, str]], example_code: str | None = None
) -> str:
    """Which consultation? ``purpose``: "vote", "info" or "notify"."""
    example = example_code or (choices[0][0] if choices else EXAMPLE_CODE)
    return _fitted(
        "choose",
        language,
        (
            dict(purpose=purpose, choices=c, example=example)
            for c in _choice_variants(language, choices)
        ),
    )


def not_open(
    language: str,
    *,
    code: str,
    phase: str,
    opens_at=None,
    choices: list[tuple[str, str]],
) -> str:
    with in_language(language):
        date = _date(opens_at)
    return _fitted(
        "not_open",
        language,
        (
            dict(code=code, phase=phase, date=date, choices=c)
            for c in _choice_variants(language, choices)
        ),
    )


def unknown_code(language: str, *, code: str, choices: list[tuple[str, str]]) -> str:
    return _fitted(
        "unknown_code",
        language,
        (dict(code=code, choices=c) for c in _choice_variants(language, choices)),
    )


def help_text(language: str, *, code: str | None) -> str:
    return render("help", language, code=code or EXAMPLE_CODE)


def info(
    language: str,
    *,
    code: str,
    title: str,
    summary: str,
    phase: str,
    closes_at=None,
) -> str:
    with in_language(language):
        date = _date(closes_at)
    base = summary or title
    return _fitted(
        "info",
        language,
        (dict(code=code, summary=s, phase=phase, date=date) for s in _summary_variants(base)),
    )


def results(language: str, *, code: str, title: str, summary: str, link: str) -> str:
    """The results of a consultation: the notification SMS, and the answer to ERGEBNIS
    once they are out."""
    return _fitted(
        "results",
        language,
        (dict(code=code, summary=s, link=link) for s in _summary_variants(summary or title)),
    )


def notify_confirmed(language: str, *, code: str) -> str:
    return render("notify", language, code=code)


def notify_impossible(language: str) -> str:
    return render("notify", language, code=None)


def status(
    language: str,
    *,
    reference: str,
    state: str,
    code: str | None = None,
    reason: str | None = None,
    answered: bool = False,
) -> str:
    return render(
        "status",
        language,
        ref=format_reference(reference),
        state=state,
        code=code,
        reason=reason,
        answered=answered,
    )


def response_status(
    language: str, *, reference: str, code: str, changed_at, texts: tuple[str, ...]
) -> str:
    """A questionnaire response's status (questionnaires.status.ResponseStatus)."""
    with in_language(language):
        date = _date(changed_at)
    counts = {state: sum(1 for t in texts if t == state) for state in ("published", "pending")}
    base = dict(ref=format_reference(reference), code=code, date=date)
    counted = dict(rejected=len(texts) - sum(counts.values()), **counts)
    # Without the written answers' states when they would not fit in two segments.
    variants = [dict(base, texts=True, **counted)] if texts else []
    return _fitted("response_status", language, [*variants, dict(base, texts=False)])


def status_unknown(language: str, *, reference: str | None = None, invalid: bool = False) -> str:
    ref = format_reference(reference) if reference else None
    return render("status_unknown", language, ref=ref, invalid=invalid)


def status_limited(language: str) -> str:
    return render("status_limited", language)


def stopped(language: str, *, questionnaire: bool = False) -> str:
    return render("stopped", language, questionnaire=questionnaire)


def started(language: str) -> str:
    return render("started", language)


def deleted(language: str, *, texts: int, votes: int, requests: int, kept: int) -> str:
    nothing = not (texts or votes or requests or kept)
    return render(
        "deleted",
        language,
        texts=texts,
        votes=votes,
        requests=requests,
        kept=kept,
        nothing=nothing,
    )


def erase_question(language: str, *, minutes: int) -> str:
    """LÖSCHEN: what would go, and the words that confirm it."""
    return render("erase_question", language, minutes=minutes)


def shared_sender(language: str) -> str:
    """Votes, STATUS and LÖSCHEN from a sender name or short code."""
    return render("shared_sender", language)


def too_long(language: str, *, length: int, limit: int) -> str:
    with in_language(language):
        length_text, limit_text = local_number(length), local_number(limit)
    return render("too_long", language, length=length_text, limit=limit_text)


def rate_limited(language: str) -> str:
    return render("rate_limited", language)


def empty(language: str, *, media: bool, code: str | None) -> str:
    return render("empty", language, media=media, code=code or EXAMPLE_CODE)
