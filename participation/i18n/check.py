"""CI's translation gate: messages.pot matches the code, and every catalog compiles,
is complete and has nothing fuzzy. Run: python -m participation.i18n.check"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from participation.settings import LANGUAGES, PROJECT_ROOT

POT = PROJECT_ROOT / "locales" / "messages.pot"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def _template_problems() -> list[str]:
    """Whether locales/messages.pot holds exactly what the code and templates ask for."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        subprocess.run(  # noqa: S603 - our own interpreter running Babel's extractor
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "extract",
                "-F",
                "babel.cfg",
                "--no-location",
                "--sort-output",
                "--omit-header",
                "-o",
                str(fresh),
                ".",
            ],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        if not POT.exists() or _ids(fresh) != _ids(POT):
            missing = _ids(fresh) - (_ids(POT) if POT.exists() else set())
            stale = (_ids(POT) if POT.exists() else set()) - _ids(fresh)
            return [
                f"locales/messages.pot is out of date ({len(missing)} new, {len(stale)} gone): "
                "run `make translations-extract` and translate."
            ]
    return []


def _catalog_problems(code: str, locale: str, expected: set[str]) -> list[str]:
    """What keeps one language's catalog from being complete and compilable."""
    po_path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return [f"{locale}: no catalog at {po_path.relative_to(PROJECT_ROOT)}"]
    problems: list[str] = []
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(str(message.id))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(str(message.id))
        for error in message.check(catalog):
            problems.append(f"{locale}: {message.id!r}: {error}")
    ids = {str(m.id) for m in catalog if m.id}
    if expected - ids:
        problems.append(f"{locale} ({code}): {len(expected - ids)} messages missing")
    if untranslated:
        problems.append(f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[0]!r}")
    if fuzzy:
        problems.append(f"{locale}: {len(fuzzy)} fuzzy, e.g. {fuzzy[0]!r}")
    write_mo(io.BytesIO(), catalog)  # raises if it cannot compile
    return problems


def main() -> int:
    problems = _template_problems()
    expected = _ids(POT) if POT.exists() else set()
    for code, locale in LANGUAGES.items():
        problems += _catalog_problems(code, locale, expected)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"Translations: {len(expected)} messages, {len(LANGUAGES)} catalogs complete.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
