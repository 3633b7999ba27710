"""Built-in texts of the pages every installation must offer, in every language.

Each text is a Markdown file ``default_texts/<locale>/<slug>.md`` whose first line is
``# <title>``; translators and councils read them as documents, not as Python. An
installation overrides any of them per language on the staff page "Site pages"; until it
does, these are shown. Words in braces are filled from the settings when the page is shown
(``{council_name}``, ``{council_address}``, ``{council_email}``, ``{council_phone}``,
``{council_sms_number}``, ``{front_desk_hours}``, ``{data_protection_officer}``), the
phone line's keys from its menus (``{phone_language_key}`` for the text's language,
``{phone_code_key}`` to type a consultation's code) and ``{lang}`` is the reader's
language code, for links to our own pages.

The accessibility statement follows the EU model statement (Durchführungsbeschluss (EU)
2018/1523) as Lower Saxony's NBGG asks for it; the enforcement body named is Lower
Saxony's. Councils in other Länder change that paragraph. The German text is the
original: the other languages say the same facts and keep its placeholders.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

#: The day these texts were last checked against what the software does.
DEFAULTS_REVIEWED = date(2026, 11, 23)

TEXTS_DIR = Path(__file__).with_name("default_texts")


def parse_default(text: str) -> tuple[str, str]:
    """(title, Markdown body) of one file: the title is its first line, ``# Title``."""
    first, _, body = text.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise ValueError("a default page starts with a '# Title' line")
    return first[2:].strip(), body.lstrip("\n")


def load_defaults(root: Path = TEXTS_DIR) -> dict[str, dict[str, tuple[str, str]]]:
    """slug -> locale -> (title, Markdown body), for every file under ``root``."""
    pages: dict[str, dict[str, tuple[str, str]]] = {}
    for path in sorted(root.glob("*/*.md")):
        pages.setdefault(path.stem, {})[path.parent.name] = parse_default(
            path.read_text(encoding="utf-8")
        )
    return pages


#: slug -> locale -> (title, Markdown body). "de@easy" is German Leichte Sprache.
DEFAULT_PAGES = load_defaults()
