"""German texts: one gender-inclusive style, and a phone greeting that fits any council's
name ("Gemeinde Musterstadt", "Stadt Köln", "Landeshauptstadt München")."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from participation.settings import PROJECT_ROOT

GREETING = "Welcome to the citizen participation line of %(council)s."


def _catalog(locale: str) -> dict[str, str]:
    path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else " ".join(m.string)
        )
        for m in catalog
        if m.id
    }


@pytest.mark.parametrize("locale", ["de", "de@easy"])
def test_the_greeting_needs_no_article_before_the_name(locale: str) -> None:
    # The name carries its own kind ("Gemeinde ...", "Stadt ..."), so a preposition in
    # front of it ("von Gemeinde Musterstadt") would lack the article it needs.
    text = _catalog(locale)[GREETING]
    assert "%(council)s" in text
    before = text.split("%(council)s")[0].split()
    assert not before or before[-1].lower() not in {"von", "vom", "der", "des", "bei", "beim"}


#: Forms of a second style, or the generic masculine, for people.
OTHER_STYLES = re.compile(
    r"\w+/innen|\w+/-innen|\w+\*innen|\w+:innen|\w+_innen|[a-zäöü]Innen\b"
    r"|\bMitarbeiter(?!ende)\w*|\bBürger\b|\bBürgern\b|\bEinwohner\b|\bAnrufer\b|\bNutzer\b"
    r"|\bTeilnehmer\b|\bLeser\b|\bKollegen\b|\w+in oder ein \w+er\b|\w+innen und \w+en\b"
)


def test_one_gender_inclusive_style_in_german() -> None:
    offenders = [
        f"{key!r}: {text}" for key, text in _catalog("de").items() if OTHER_STYLES.search(text)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "sentence",
    [
        "Bürger/innen",
        "BürgerInnen",
        "Bürger*innen",
        "ein Mitarbeiterkonto",
        "Eine Mitarbeiterin oder ein Mitarbeiter ruft an.",
        "Kolleginnen und Kollegen",
    ],
)
def test_the_style_check_catches_other_styles(sentence: str) -> None:
    assert OTHER_STYLES.search(sentence)


def test_the_style_check_allows_participles() -> None:
    assert not OTHER_STYLES.search("Mitarbeitende der Verwaltung, Bürgerbeteiligung, Bürgerbüro")
