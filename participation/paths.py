"""One guard for every path a client hands us to go back to (next, back, page, from).

A browser resolves more than a plain "//host" to another site: "/\\host", "\\\\host",
"/\\t/host" (tabs and newlines are dropped), "https:host", and a server or a proxy
that decodes once more turns "/%2F%2Fhost" or "/%5Chost" into one of those. So a value
counts as one of our own paths only if it is a plain absolute path that stays one
however often it is percent-decoded or Unicode-normalised: a single leading "/", no
backslash, no control or space character, no scheme, no host.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

#: Longer values are refused, not cut: a cut path could point somewhere else.
MAX_LENGTH = 2000
#: Each decoding round can reveal one more layer ("%252F" -> "%2F" -> "/").
_DECODE_ROUNDS = 4


def _plain(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value:
        return False
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def is_same_origin_path(value: object) -> bool:
    """True for "/de/c/x?y=1#z"; False for anything a browser could take off-site."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return False
    seen = value
    for _ in range(_DECODE_ROUNDS):
        if not _plain(seen) or not _plain(unicodedata.normalize("NFKC", seen)):
            return False
        try:
            decoded = unquote(seen, errors="strict") if "%" in seen else seen
        except UnicodeDecodeError:
            return False  # "%FF": not a path any page of ours links to
        if decoded == seen:
            return True
        seen = decoded
    return False  # still encoded after several rounds: nobody sends that in good faith


def same_origin_path(value: object, fallback: str = "", *, within: str = "/") -> str:
    """``value`` if it is one of our own paths under ``within``, else ``fallback``."""
    if is_same_origin_path(value) and str(value).startswith(within):
        return str(value)
    return fallback


#: A council reached by the path-prefix fallback (/c/<slug>/, web/councils.py) has its
#: prefix here and in the ASGI ``root_path``; its ``path`` keeps the whole path, as ASGI
#: has it, so that Starlette's routing and ``request.url`` see the prefix too.
PREFIX_KEY = "council_prefix"


def prefix_of(scope: Mapping[str, Any]) -> str:
    """ "/c/<slug>" for a request that came through the path-prefix fallback, else ""."""
    return scope.get(PREFIX_KEY, "")


def route_path(scope: Mapping[str, Any]) -> str:
    """The request's path below its council's prefix: what the routes are written for."""
    path: str = scope["path"]
    prefix = scope.get(PREFIX_KEY, "")
    return path[len(prefix) :] if prefix and path.startswith(prefix) else path
