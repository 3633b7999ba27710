"""The keys of the phone line that paper and pages tell callers to press.

The voice door builds its menus from these; the poster, the consultation pages and the
easy-read text print them. A caller who follows the poster key by key must reach the
consultation, so both read the same constants instead of each writing its own "9".
"""

from __future__ import annotations

from participation.settings import LANGUAGES

#: The first menu: the key a caller presses is the position here, German first.
MENU_LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ar", "ru", "uk", "pl", "ls")
#: In the consultation menu (after the language): the key that opens typing a code from
#: a poster. It is one key; the code itself is typed in the next step, ended with
#: FINISH_KEY. Keys 1-8 choose a listed consultation, 0 goes back to the languages.
CODE_KEY = 9
#: Ends a typed code or number.
FINISH_KEY = "#"


def language_key(language: str) -> int:
    """The first menu's key for a page language ("de", "ls") or a locale ("de@easy")."""
    by_locale = {locale: code for code, locale in LANGUAGES.items()}
    return MENU_LANGUAGES.index(by_locale.get(language, language)) + 1
