"""The sign-language (DGS) video: the installation's own file, else the shipped placeholder.

BITV 2.0 asks for the video to be downloadable with its size and duration stated, so
both are read from the file itself: the size from the file system, the duration from
the MP4 header (the ``mvhd`` box), which needs no video library.

An installation puts its video at ``media/sign-language.mp4`` (and optional German
subtitles at ``media/sign-language.vtt``) in the directory the server runs in, or in
the directory the ``MEDIA_DIR`` setting names. MP4 with H.264 plays in every current browser.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

SHIPPED = Path(__file__).resolve().parent / "media"
NAMES = {"mp4": "video/mp4", "vtt": "text/vtt; charset=utf-8", "jpg": "image/jpeg"}


def media_file(ext: str, media_dir: str) -> tuple[Path, bool] | None:
    """(path, is_placeholder) of sign-language.<ext>; the installation's file wins."""
    own = Path(media_dir) / f"sign-language.{ext}"
    if own.is_file():
        return own, False
    shipped = SHIPPED / f"sign-language.{ext}"
    if shipped.is_file():
        return shipped, True
    return None


def mp4_duration(path: Path) -> float | None:
    """Seconds, from the movie header; None when the file is no readable MP4."""
    try:
        with path.open("rb") as handle:
            return _find_mvhd(handle, path.stat().st_size)
    except (OSError, struct.error):
        return None


def _find_mvhd(handle, end: int, start: int = 0) -> float | None:
    position = start
    while position + 8 <= end:
        handle.seek(position)
        size, kind = struct.unpack(">I4s", handle.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", handle.read(8))[0]
            header = 16
        elif size == 0:
            size = end - position
        if size < header:
            return None
        if kind == b"moov":
            return _find_mvhd(handle, position + size, position + header)
        if kind == b"mvhd":
            version = handle.read(1)[0]
            handle.read(3)
            if version == 1:
                handle.read(16)
                timescale, duration = struct.unpack(">IQ", handle.read(12))
            else:
                handle.read(8)
                timescale, duration = struct.unpack(">II", handle.read(8))
            return duration / timescale if timescale else None
        position += size
    return None


@dataclass(frozen=True)
class SignVideo:
    src: str
    size_bytes: int
    duration_seconds: float | None
    is_placeholder: bool
    captions_src: str | None
    poster_src: str | None


def sign_video(media_dir: str, prefix: str = "") -> SignVideo | None:
    """The video's facts; its addresses below ``prefix``, a council's path prefix."""
    found = media_file("mp4", media_dir)
    if found is None:
        return None
    path, placeholder = found
    stamp = int(path.stat().st_mtime)
    captions = media_file("vtt", media_dir)
    poster = media_file("jpg", media_dir)
    return SignVideo(
        # The file's time in the query: a replaced video is never served from a stale cache.
        src=f"{prefix}/media/sign-language.mp4?v={stamp}",
        size_bytes=path.stat().st_size,
        duration_seconds=mp4_duration(path),
        is_placeholder=placeholder,
        captions_src=f"{prefix}/media/sign-language.vtt?v={stamp}" if captions else None,
        poster_src=f"{prefix}/media/sign-language.jpg?v={stamp}" if poster else None,
    )


async def serve_media(request: Request) -> Response:
    ext = request.path_params["ext"]
    media_dir = request.app.state.settings.media_dir
    found = media_file(ext, media_dir) if ext in NAMES else None
    if found is None:
        return PlainTextResponse("Not found", status_code=404)
    return FileResponse(
        found[0],
        media_type=NAMES[ext],
        # "identity" keeps the GZip middleware off: video does not shrink, and a compressed
        # body would break the byte ranges a video player asks for.
        headers={"Cache-Control": "public, max-age=3600", "Content-Encoding": "identity"},
        filename=f"sign-language.{ext}" if request.query_params.get("download") else None,
    )
