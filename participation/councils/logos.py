"""A council's logo or coat of arms: checked, kept as a file, found again.

Kept where the installation keeps its other media (``MEDIA_DIR``, as the sign-language
video in sitepages/media.py): ``<MEDIA_DIR>/councils/<id>/logo.<ext>``, one file per
council, named by the council's id (never by anything a request says), so one council's
file can never be another's. Every process finds a new one by the folder's change time.

PNG, JPEG, WebP and SVG, known by their first bytes, never by the name or the type the
browser sent. SVG is what a coat of arms is usually drawn in, and it stays sharp at any
size; but an SVG is a document that can carry script. So one is taken only when it is
plain drawing: a whitelist of SVG's drawing elements, no event attributes, no links or
``url(...)`` except to its own parts (``#id``), no DOCTYPE or entities (nothing to
expand), no style sheets. It is served with a policy that forbids script and sandboxes
it (web/council_look.py), and shown in ``<img>``, where browsers never run script.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

#: A logo is a small picture in the header; 200 KB is plenty, and stays below the form
#: size every request is held to (Settings.max_request_bytes).
MAX_LOGO_BYTES = 200 * 1024
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "svg": "image/svg+xml",
}
_SVG = "http://www.w3.org/2000/svg"
#: Drawing only: no script, foreignObject, style, image, a, animate, set, iframe, ...
_SVG_ELEMENTS = frozenset(
    [
        "svg",
        "g",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "title",
        "desc",
        "defs",
        "symbol",
        "use",
        "stop",
        "linearGradient",
        "radialGradient",
        "clipPath",
        "mask",
        "pattern",
        "metadata",
        "filter",
        "feGaussianBlur",
        "feOffset",
        "feBlend",
        "feColorMatrix",
        "feFlood",
        "feComposite",
        "feMerge",
        "feMergeNode",
    ]
)
#: Editors' bookkeeping (Inkscape, Illustrator's RDF): never rendered.
_EDITOR_NAMESPACES = (
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://purl.org/dc/elements/1.1/",
)
#: url(...) anywhere but to one of its own parts: url(#shade).
_FOREIGN_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


class LogoError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def logo_kind(data: bytes) -> str:
    """ "png", "jpg", "webp" or "svg" by the file's own bytes; LogoError otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError("logo_too_large")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype"))
        and b"<svg" in data[:4096].lower()
    ):
        _check_svg(data)
        return "svg"
    raise LogoError("logo_type")


def _check_svg(data: bytes) -> None:
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered or b"<?xml-stylesheet" in lowered:
        raise LogoError("logo_unsafe")
    try:
        # Safe here: a DOCTYPE (and so any entity to expand) was refused just above.
        root = ElementTree.fromstring(data)  # noqa: S314
    except ElementTree.ParseError:
        raise LogoError("logo_type") from None
    if root.tag != f"{{{_SVG}}}svg":
        raise LogoError("logo_type")
    for element in root.iter():
        namespace, _, name = element.tag.rpartition("}")
        if namespace.lstrip("{") in _EDITOR_NAMESPACES:
            continue
        if namespace != f"{{{_SVG}" or name not in _SVG_ELEMENTS:
            raise LogoError("logo_unsafe")
        for attribute, value in element.attrib.items():
            local = attribute.rpartition("}")[2].lower()
            if local.startswith("on") or "javascript:" in value.lower().replace(" ", ""):
                raise LogoError("logo_unsafe")
            if local == "href" and not value.strip().startswith("#"):
                raise LogoError("logo_unsafe")
            if _FOREIGN_URL.search(value) or "@import" in value.lower():
                raise LogoError("logo_unsafe")


@dataclass(frozen=True)
class Logo:
    path: Path
    media_type: str
    #: The content's hash: the version in its URL.
    version: str


def _folder(media_dir: str, council_id: int) -> Path:
    return Path(media_dir) / "councils" / str(int(council_id))


def store_logo(media_dir: str, council_id: int, data: bytes) -> Logo:
    """Checks ``data`` (LogoError) and makes it the council's logo, replacing any other."""
    kind = logo_kind(data)
    folder = _folder(media_dir, council_id)
    folder.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: another process reading it meanwhile sees the old one.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    target = folder / f"logo.{kind}"
    os.replace(temporary, target)
    for other in MEDIA_TYPES:
        if other != kind:
            (folder / f"logo.{other}").unlink(missing_ok=True)
    return Logo(target, MEDIA_TYPES[kind], _version(data))


def remove_logo(media_dir: str, council_id: int) -> None:
    for kind in MEDIA_TYPES:
        (_folder(media_dir, council_id) / f"logo.{kind}").unlink(missing_ok=True)


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


#: folder -> (its change time, the logo found there): a page asks on every request.
_found: dict[Path, tuple[int, Logo | None]] = {}


def find_logo(media_dir: str, council_id: int) -> Logo | None:
    folder = _folder(media_dir, council_id)
    try:
        changed = folder.stat().st_mtime_ns
    except OSError:
        return None
    kept = _found.get(folder)
    if kept is not None and kept[0] == changed:
        return kept[1]
    logo = None
    for kind, media_type in MEDIA_TYPES.items():
        path = folder / f"logo.{kind}"
        if path.is_file():
            logo = Logo(path, media_type, _version(path.read_bytes()))
            break
    _found[folder] = (changed, logo)
    return logo
