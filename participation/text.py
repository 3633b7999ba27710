"""The one documented normalisation of text from outside, shared by every door and module.

Ground floor: contributions, barrier reports, notes and web form fields all come through
here before the database. A NUL byte in particular must never reach it: PostgreSQL
refuses it in text ("cannot contain NUL (0x00) bytes"), so the whole text would be lost.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters except tab and newline; NUL among them. Unicode "format"
# characters (bidi marks, zero-width joiners) stay: Arabic and Persian text needs them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """Only the control characters removed (tab and line breaks kept): for raw form fields."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def normalise_text(text: str | None) -> str:
    """NFC, Unix newlines, no control characters, no surrounding white space."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    # Lone surrogates cannot be stored as UTF-8 (they come from broken form encodings).
    text = text.encode("utf-8", "replace").decode("utf-8")
    return unicodedata.normalize("NFC", text).strip()


def normalise_line(text: str | None) -> str:
    """For one-line fields such as a pseudonym: also folds runs of white space."""
    return " ".join(normalise_text(text).split())
