"""A published result's downloads, built once per change and served from files.

Building the XLSX of 100,000 contributions takes ~17 s of CPU; before this, every request
built it anew, so anyone could keep a server busy with a loop of downloads. Now each
download (CSV, JSON, XLSX) is built once per *version* of the published result and every
later request is answered from the file, with ``ETag``/``Last-Modified`` and ``304``.

Why files, not the database: an XLSX of 100,000 contributions is ~15 MB. As a BLOB it
would pass through SQLite's single writer, grow the database and every backup, and be
read into memory for each download; a file is sent by the OS in chunks, and
``os.replace`` of a finished temporary file makes a build appear whole or not at all
(a failed build leaves no half file). The files live under ``DATA_DIR/exports``; set
``DATA_DIR`` so that every server process shares them (README, "Settings"). Without it
each process builds into a temporary directory of its own.

The version is a hash of what the download is made of, read with a few indexed
statements: the consultation's row (publication, closing date, code and its
``updated_at``, which publishing, withdrawing, editing and answering change), its texts,
poll options and themes, the count and highest id of its published contributions and
votes, its latest moderation decision (every approve, reject, redaction, transcript),
and the revision of this program (a new release may write a different file). So
publish, withdraw, republish, an answer or a moderation decision each make a new version;
the version never depends on how the file itself is written. In a server it is kept for
``PAGE_CACHE_SECONDS`` while the consultation's row stays the same (recent_version()).

While one request builds a file, other requests for it get ``503`` with ``Retry-After``
rather than waiting: the build can take many seconds, and each waiting request would
hold one of the server's worker threads (40 in all), so a few dozen impatient clients
could stall every page. The lock is an ``flock`` on a file beside the export, so it holds
between threads and between the processes of one server. Unpublished results are never
served: the route checks the phase first, and removes what was built for a withdrawn
result; the worker's housekeeping removes files of stale versions (erased texts must not
linger in an old build).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from participation.caching.figures import kept_for
from participation.consultations.models import (
    Consultation,
    ConsultationText,
    Phase,
    PollOption,
)
from participation.contributions.models import Contribution, PollVote, Status
from participation.db import session_scope, table_of
from participation.moderation.models import ModerationDecision
from participation.questionnaires.models import (
    Question,
    QuestionnaireResponse,
    QuestionOption,
    QuestionText,
)
from participation.results.models import Theme
from participation.settings import Settings

log = logging.getLogger(__name__)

KINDS = ("csv", "json", "xlsx", "responses-csv", "responses-json", "responses-xlsx")
#: Kinds worth keeping compressed beside the file: text compresses ~8:1; an XLSX is a
#: zip already.
GZIPPED = frozenset({"csv", "json", "responses-csv", "responses-json"})
#: What a request that finds a build running is told to wait, in seconds.
RETRY_AFTER_SECONDS = 10
PACKAGE = Path(__file__).resolve().parents[1]


class BuildRunning(Exception):
    """Another request is building this file right now."""


@dataclass(frozen=True)
class Built:
    path: Path
    version: str
    #: The same content gzip-compressed, for clients that accept it; None for XLSX.
    gzipped: Path | None


@cache
def code_revision() -> str:
    """A hash of this program's source: files built by another release are not reused."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def result_version(session: Session, consultation_id: int) -> str:
    """The version of a consultation's published result (see the module's docstring)."""
    connection = session.connection()
    parts: list[object] = [code_revision()]
    consultation = table_of(Consultation)
    parts.append(
        tuple(connection.execute(select(consultation).where(consultation.c.id == consultation_id)))
    )
    for model in (ConsultationText, PollOption, Theme):
        table = table_of(model)
        parts.append(
            tuple(
                connection.execute(
                    select(table)
                    .where(table.c.consultation_id == consultation_id)
                    .order_by(*table.primary_key.columns)
                )
            )
        )
    contribution = table_of(Contribution)
    parts.append(
        tuple(
            connection.execute(
                select(func.count(), func.max(contribution.c.id)).where(
                    contribution.c.consultation_id == consultation_id,
                    contribution.c.status == Status.published,
                )
            ).one()
        )
    )
    vote = table_of(PollVote)
    parts.append(
        tuple(
            connection.execute(
                select(func.count(), func.max(vote.c.id)).where(
                    vote.c.consultation_id == consultation_id
                )
            ).one()
        )
    )
    parts += _questionnaire_parts(connection, consultation_id)
    decision = table_of(ModerationDecision)
    parts.append(
        connection.execute(
            select(func.max(decision.c.id)).where(decision.c.consultation_id == consultation_id)
        ).scalar()
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _questionnaire_parts(connection: Any, consultation_id: int) -> list[object]:
    """The questionnaire's words and options, and its responses' count and latest time
    (a new or replaced response changes one of them)."""
    question = table_of(Question)
    ids = select(question.c.id).where(question.c.consultation_id == consultation_id)
    parts: list[object] = [
        tuple(
            connection.execute(
                select(question)
                .where(question.c.consultation_id == consultation_id)
                .order_by(question.c.id)
            )
        )
    ]
    for model in (QuestionText, QuestionOption):
        table = table_of(model)
        parts.append(
            tuple(
                connection.execute(
                    select(table).where(table.c.question_id.in_(ids)).order_by(table.c.id)
                )
            )
        )
    response = table_of(QuestionnaireResponse)
    parts.append(
        tuple(
            connection.execute(
                select(func.count(), func.max(response.c.updated_at)).where(
                    response.c.consultation_id == consultation_id
                )
            ).one()
        )
    )
    return parts


def recent_version(session: Session, consultation: Any, seconds: float) -> str:
    """result_version(), kept for ``seconds`` (PAGE_CACHE_SECONDS: 2 in a server, off
    in tests) as long as the consultation's row is unchanged (participation/caching).

    Its counts take 10-25 ms on 100,000 contributions, most of a download's time to the
    first byte once the file is built. Publishing, withdrawing, answering and editing
    change the row and so reach the download at once; a moderation decision at most
    ``seconds`` later, as it reaches the cached results page."""
    key = (
        "result version",
        session.get_bind(),
        consultation.id,
        consultation.updated_at,
        consultation.results_published_at,
    )
    return kept_for(key, seconds, lambda: result_version(session, consultation.id))


class ExportStore:
    """The built downloads under one directory: ``<consultation id>/<version>.<kind>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_settings(cls, settings: Settings) -> ExportStore:
        if settings.data_dir:
            return cls(Path(settings.data_dir) / "exports")
        # No DATA_DIR (tests, a quick start): a directory of this process's own, removed
        # when it ends; a new process builds again.
        folder = Path(tempfile.mkdtemp(prefix="participation-exports-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return cls(folder)

    def folder(self, consultation_id: int) -> Path:
        return self.root / str(int(consultation_id))

    def find(self, consultation_id: int, kind: str, version: str) -> Built | None:
        path = self.folder(consultation_id) / f"{version}.{kind}"
        if not path.is_file():
            return None
        gzipped = path.with_name(path.name + ".gz")
        return Built(path, version, gzipped if gzipped.is_file() else None)

    def forget(self, consultation_id: int) -> None:
        """Everything built for a consultation goes (its result was withdrawn)."""
        folder = self.folder(consultation_id)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)

    def build(
        self,
        engine: Engine,
        consultation_id: int,
        kind: str,
        produce: Callable[[Session, Consultation], Iterable[str | bytes]],
    ) -> Built | None:
        """Builds the file for the current version unless it exists; None when the
        result is not published (any more). Raises BuildRunning while another builds."""
        folder = self.folder(consultation_id)
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder / f"{kind}.lock"), session_scope(engine) as session:
            consultation = session.get(Consultation, consultation_id)
            if consultation is None or consultation.phase() is not Phase.results:
                return None
            version = result_version(session, consultation_id)
            found = self.find(consultation_id, kind, version)
            if found is not None:
                return found  # built by the request that held the lock before us
            path = folder / f"{version}.{kind}"
            _write_whole(path, _encoded(produce(session, consultation)))
            gzipped = None
            if kind in GZIPPED:
                gzipped = path.with_name(path.name + ".gz")
                _write_whole(gzipped, _gzip_file(path))
            self._prune(folder, kind, keep=version)
            log.info("export %s of consultation %s built", kind, consultation_id)
            return Built(path, version, gzipped)

    def prune(self, live: dict[int, str | None]) -> int:
        """Removes files of versions no longer current; ``live`` maps each consultation
        with files to its current version, or None when its result is not published."""
        removed = 0
        for consultation_id, version in live.items():
            folder = self.folder(consultation_id)
            if version is None:
                removed += sum(1 for p in folder.glob("*.*") if p.suffix != ".lock")
                self.forget(consultation_id)
                continue
            for kind in KINDS:
                removed += self._prune(folder, kind, keep=version)
        return removed

    def consultations_with_files(self) -> list[int]:
        if not self.root.is_dir():
            return []
        return [int(p.name) for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()]

    @staticmethod
    def _prune(folder: Path, kind: str, keep: str) -> int:
        removed = 0
        for path in folder.glob(f"*.{kind}*"):
            if path.name.startswith(f"{keep}.") or ".tmp-" in path.name:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildRunning(str(path)) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _encoded(chunks: Iterable[str | bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _gzip_file(path: Path) -> Iterator[bytes]:
    """The file compressed, in pieces; level 6 is ~3x faster than 9 for ~5% more bytes."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    with path.open("rb") as source:
        while piece := source.read(1 << 20):
            yield packer.compress(piece)
    yield packer.flush()


def _write_whole(path: Path, chunks: Iterable[bytes]) -> None:
    """Writes to a temporary file beside ``path`` and renames it: readers see the whole
    file or none, and a build that fails leaves nothing behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def prune_exports(engine: Engine, settings: Settings) -> dict[str, int]:
    """Housekeeping: files of versions no longer current go, and so do those of results
    withdrawn since (an erased text must not stay in an old build)."""
    if not settings.data_dir:
        return {}
    store = ExportStore.for_settings(settings)
    live: dict[int, str | None] = {}
    with session_scope(engine) as session:
        for consultation_id in store.consultations_with_files():
            consultation = session.get(Consultation, consultation_id)
            published = consultation is not None and consultation.phase() is Phase.results
            live[consultation_id] = result_version(session, consultation_id) if published else None
    removed = store.prune(live)
    return {"export_files": removed} if removed else {}
