"""Leichte Sprache keeps one set of words and the rules a checker can count on.

A reader of Leichte Sprache learns a word once: the catalog, the easy-read page and the
phone texts (the voice templates read the same catalog) all say "Vorgangs-Nummer",
"Kenn-Nummer", "Bürger-Beteiligung" and "Gemeinde". The words the texts used before stay
retired here, and the grammar a machine can check reliably stays checked."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from participation.settings import PROJECT_ROOT
from participation.sitepages.defaults import DEFAULT_PAGES

LOCALE = "de@easy"

#: Retired word -> the word that replaced it.
RETIRED = {
    r"Referenz-?[Nn]ummer": "Vorgangs-Nummer",
    r"Referenznummer": "Vorgangs-Nummer",
    r"Aktenzeichen": "Vorgangs-Nummer",
    r"Vorgangsnummer": "Vorgangs-Nummer",
    r"Kennnummer": "Kenn-Nummer",
    r"Rathaus": "Gemeinde",
    r"\bStadt\b": "Gemeinde",
    r"Stadtverwaltung": "Gemeinde",
    r"Kommune": "Gemeinde",
    r"Nummer vom Thema": "Kenn-Nummer",
    # "Beteiligung" only as the whole word "Bürger-Beteiligung".
    r"(?<!Bürger-)\bBeteiligung": "Bürger-Beteiligung",
    r"Bürgerbeteiligung": "Bürger-Beteiligung",
}

#: Messages about the consultation's code (not the one-time codes of SMS and apps):
#: Leichte Sprache calls it "Kenn-Nummer", never "Code".
CONSULTATION_CODE_MESSAGES = (
    "Code",
    "code",
    "Code for SMS, phone and posters",
    "Answer with the code first, e.g. %(example)s %(yes)s",
    "Details: %(info)s and the code, e.g. %(info)s %(example)s",
    "Call, press %(language)s for English, then %(key)s, then type %(code)s and the hash key (#).",
    "Call, press %(language)s for English, then %(key)s, then type the consultation's code "
    "and the hash key (#).",
    "Please type the code, then press the hash key.",
    "To type a code from a poster, press %(digit)s.",
    "Results by SMS: %(notify)s and the code, e.g. %(notify)s %(example)s",
    "Send the code %(code)s and your comment to",
    "Send the consultation's code and your comment to",
    "Staff will assign your text. Next time start with the code: %(choices)s",
    "The code must have 3 to 6 digits.",
    "This code is already used by another consultation.",
    "We found no open consultation with the code %(code)s.",
    "Write the code and your comment, e.g.: %(code)s your text",
)

# Passive voice is built with "werden"; Leichte Sprache writes active sentences, and the
# future tense is not used either, so no form of "werden" has a place in these texts.
PASSIVE = re.compile(r"\b(wird|werden|wurde|wurden|worden|würde|würden)\b", re.IGNORECASE)
# Konjunktiv II of the verbs that carry it in everyday German.
SUBJUNCTIVE = re.compile(
    r"\b(könnte|könnten|hätte|hätten|wäre|wären|müsste|müssten|dürfte|dürften)\b",
    re.IGNORECASE,
)
# "des" and "eines" are genitive and nothing else.
GENITIVE = re.compile(r"\b(des|eines)\b", re.IGNORECASE)


def _catalog_texts() -> list[tuple[str, str]]:
    path = PROJECT_ROOT / "locales" / LOCALE / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALE)
    texts = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.extend((key, s) for s in strings)
    return texts


def _page_texts() -> list[tuple[str, str]]:
    return [
        (f"site page {slug}", title + "\n" + body)
        for slug, by_locale in DEFAULT_PAGES.items()
        for locale, (title, body) in by_locale.items()
        if locale == LOCALE
    ]


ALL_TEXTS = _catalog_texts() + _page_texts()


def _offenders(pattern: re.Pattern[str]) -> list[str]:
    return [f"{key!r}: {text}" for key, text in ALL_TEXTS if pattern.search(text)]


@pytest.mark.parametrize("word", sorted(RETIRED))
def test_no_retired_word(word: str) -> None:
    offenders = _offenders(re.compile(word))
    assert not offenders, f"use {RETIRED[word]!r}:\n" + "\n".join(offenders)


def test_the_easy_read_page_is_checked() -> None:
    assert any(key == "site page easy-read" for key, _text in ALL_TEXTS)


def test_the_consultation_code_is_the_kenn_nummer() -> None:
    catalog = dict(_catalog_texts())
    wrong = [
        f"{key!r}: {catalog[key]}"
        for key in CONSULTATION_CODE_MESSAGES
        if "Kenn-Nummer" not in catalog[key] or "Code" in catalog[key]
    ]
    assert not wrong, "\n".join(wrong)


def test_reference_numbers_are_the_vorgangs_nummer() -> None:
    wrong = [
        f"{key!r}: {text}"
        for key, text in _catalog_texts()
        if "reference number" in key.lower() and "Vorgangs-Nummer" not in text
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [("passive or future", PASSIVE), ("subjunctive", SUBJUNCTIVE), ("genitive", GENITIVE)],
)
def test_grammar_a_machine_can_check(rule: str, pattern: re.Pattern[str]) -> None:
    offenders = _offenders(pattern)
    assert not offenders, f"{rule}:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("pattern", "sentence"),
    [
        (PASSIVE, "Ihre Meinung wird veröffentlicht."),
        (PASSIVE, "Die Nummer wurde gelöscht."),
        (SUBJUNCTIVE, "Das wäre schön."),
        (GENITIVE, "Die Seite des Rates."),
    ],
)
def test_the_rule_checks_catch_what_they_name(pattern: re.Pattern[str], sentence: str) -> None:
    assert pattern.search(sentence)


def test_rejected_comments_are_hidden_not_deleted() -> None:
    catalog = dict(_catalog_texts())
    for key in ("%(ref)s: not published.", "Your contribution %(digits)s was not published."):
        assert "nicht gelöscht" in catalog[key], key
        assert "zeigen" in catalog[key], key


def test_phone_and_sms_explain_publishing() -> None:
    catalog = dict(_catalog_texts())
    for key in (
        "%(ref)s: published.",
        "Your contribution %(digits)s has been published.",
        "Your reference number: %(ref)s. We check every text before it is published.",
    ):
        assert "Das heißt: Alle können" in catalog[key], key
