"""A published result's downloads are built once per change and served from the file.

Before, every request built the download anew (the XLSX of 100,000 contributions: 17 s
of CPU), as often as anyone asked. Builds are counted here by what they leave on disk:
the built file's inode and modification time (a build writes a new file and renames
it into place), and the log line each build writes.
"""

from __future__ import annotations

import csv
import fcntl
import io
import logging
import threading
from email.utils import formatdate
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from participation.app import create_app
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.moderation.models import RejectionReason
from participation.moderation.service import approve, reject
from participation.results import service as results
from participation.results.export_files import ExportStore
from tests.factories import make_consultation, make_contribution

KINDS = ("csv", "json", "xlsx")
LATE = "Ein Brief: mehr Brunnen"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(settings, engine, data_dir):
    return create_app(settings.with_(data_dir=str(data_dir)), engine)


def _published_result(engine, texts=("Mehr Schatten", "Mehr Bänke")):
    """A published result, and one letter still waiting in the queue (LATE)."""
    consultation = make_consultation(engine, poll=["yes", "no"])
    made = [make_contribution(engine, consultation, text) for text in texts]
    made.append(make_contribution(engine, consultation, LATE, Channel.paper))
    with session_scope(engine, write=True) as session:
        for contribution in made[:-1]:
            approve(session, session.get(Contribution, contribution.id), None)
        results.publish_results(session, session.get(Consultation, consultation.id), None)
    return consultation, made


def _files(data_dir: Path, consultation, kind: str) -> list[Path]:
    folder = data_dir / "exports" / str(consultation.id)
    return sorted(folder.glob(f"*.{kind}")) if folder.is_dir() else []


def _built(data_dir: Path, consultation, kind: str) -> tuple[int, int]:
    """(inode, mtime in ns) of the one built file: a new build gives a new inode."""
    [path] = _files(data_dir, consultation, kind)
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def _change(engine, made) -> Contribution:
    """A moderation decision that changes the published content: the late letter."""
    with session_scope(engine, write=True) as session:
        return approve(session, session.get(Contribution, made[-1].id), None)


@pytest.mark.parametrize("kind", KINDS)
def test_the_second_request_is_served_from_the_first_build(client, engine, data_dir, kind):
    consultation, _made = _published_result(engine)
    path = f"/de/c/{consultation.slug}/results.{kind}"
    first = client.get(path)
    assert first.status_code == 200
    built = _built(data_dir, consultation, kind)
    second = client.get(path)
    assert second.status_code == 200
    assert second.content == first.content
    assert _built(data_dir, consultation, kind) == built
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["last-modified"] == first.headers["last-modified"]
    assert "attachment" in second.headers["content-disposition"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_known_version_is_answered_with_304(client, engine, data_dir, kind):
    consultation, _made = _published_result(engine)
    path = f"/de/c/{consultation.slug}/results.{kind}"
    first = client.get(path)
    etag = first.headers["etag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    since = client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    older = client.get(path, headers={"If-Modified-Since": formatdate(0, usegmt=True)})
    assert older.status_code == 200 and older.content == first.content
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_text_downloads_come_compressed_as_built(client, engine, data_dir):
    consultation, _made = _published_result(engine)
    path = f"/de/c/{consultation.slug}/results.csv"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # httpx unpacks it
    assert packed.headers["etag"] != plain.headers["etag"]
    assert "Accept-Encoding" in packed.headers["vary"]
    xlsx = client.get(
        f"/de/c/{consultation.slug}/results.xlsx", headers={"Accept-Encoding": "gzip"}
    )
    assert "content-encoding" not in xlsx.headers  # a zip already


@pytest.mark.parametrize("kind", KINDS)
def test_a_change_of_the_published_result_builds_anew(client, engine, data_dir, kind):
    consultation, _made = _published_result(engine)
    path = f"/de/c/{consultation.slug}/results.{kind}"
    first = client.get(path)
    built = _built(data_dir, consultation, kind)

    added = _change(engine, _made)
    second = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    assert _built(data_dir, consultation, kind) != built  # one file, a new one
    if kind == "csv":
        assert LATE in second.text

    # A moderation decision alone (no withdrawal) is a change too: the text goes.
    with session_scope(engine, write=True) as session:
        reject(session, session.get(Contribution, added.id), None, RejectionReason.off_topic)
    third = client.get(path)
    assert third.headers["etag"] != second.headers["etag"]
    if kind == "csv":
        assert LATE not in third.text

    # So is an answer of the council.
    with session_scope(engine, write=True) as session:
        results.answer_contribution(
            session,
            session.get(Contribution, _made[0].id),
            answer="Zwölf Bäume werden gepflanzt.",
            theme_ids=[],
            staff_id=None,
        )
    fourth = client.get(path)
    assert fourth.headers["etag"] != third.headers["etag"]
    if kind == "csv":
        rows = list(csv.DictReader(io.StringIO(fourth.text.lstrip("\ufeff"))))
        assert rows[0]["answer"] == "Zwölf Bäume werden gepflanzt."


@pytest.mark.parametrize("kind", KINDS)
def test_a_withdrawn_result_is_not_exported_and_its_files_go(client, engine, data_dir, kind):
    consultation, _made = _published_result(engine)
    path = f"/de/c/{consultation.slug}/results.{kind}"
    first = client.get(path)
    assert _files(data_dir, consultation, kind)
    with session_scope(engine, write=True) as session:
        results.withdraw_results(session, consultation.id, None)
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 404
    assert _files(data_dir, consultation, kind) == []
    # Published again: built again, with a new version.
    with session_scope(engine, write=True) as session:
        results.publish_results(session, session.get(Consultation, consultation.id), None)
    again = client.get(path)
    assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]


def test_a_never_published_result_builds_nothing(client, engine, data_dir):
    consultation = make_consultation(engine, phase="closed")
    for kind in KINDS:
        assert client.get(f"/de/c/{consultation.slug}/results.{kind}").status_code == 404
    assert not (data_dir / "exports").exists() or not any((data_dir / "exports").rglob("*.*s*"))


def test_concurrent_first_requests_build_once(settings, engine, data_dir, caplog):
    """Eight clients, each with a server loop of its own, ask at the same moment."""
    texts = [f"Beitrag Nummer {n} mit etwas Text, damit das Bauen dauert." for n in range(400)]
    consultation, _made = _published_result(engine, texts)
    app = create_app(settings.with_(data_dir=str(data_dir)), engine=engine)
    path = f"/de/c/{consultation.slug}/results.xlsx"
    start = threading.Barrier(8)
    answers: list = []

    def ask() -> None:
        with TestClient(app) as client:
            start.wait()
            answers.append(client.get(path))

    with caplog.at_level(logging.INFO, logger="participation.results.export_files"):
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    builds = [r for r in caplog.records if "built" in r.getMessage()]
    assert len(builds) == 1
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {200, 503} and 200 in statuses
    for answer in answers:
        if answer.status_code == 503:
            assert int(answer.headers["retry-after"]) > 0
    assert len({a.content for a in answers if a.status_code == 200}) == 1
    assert len(_files(data_dir, consultation, "xlsx")) == 1


def test_a_running_build_answers_503_with_retry_after(client, engine, data_dir):
    """Another process holds the build lock (flock): the request does not wait."""
    consultation, _made = _published_result(engine)
    folder = data_dir / "exports" / str(consultation.id)
    folder.mkdir(parents=True)
    with (folder / "csv.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = client.get(f"/en/c/{consultation.slug}/results.csv")
        fcntl.flock(held, fcntl.LOCK_UN)
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "10"
    assert "prepared" in busy.text
    assert _files(data_dir, consultation, "csv") == []
    assert client.get(f"/en/c/{consultation.slug}/results.csv").status_code == 200


def test_a_failed_build_leaves_no_file(engine, data_dir):
    consultation, _made = _published_result(engine)
    store = ExportStore(data_dir / "exports")

    def breaks_halfway(_session, _consultation):
        yield "reference,text\n"
        yield "1,erste Zeile\n"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.build(engine, consultation.id, "csv", breaks_halfway)
    folder = data_dir / "exports" / str(consultation.id)
    assert sorted(p.name for p in folder.iterdir()) == ["csv.lock"]


def test_the_worker_removes_files_of_old_versions_and_withdrawn_results(
    client, settings, engine, data_dir
):
    from participation.housekeeping import housekeeping

    consultation, made = _published_result(engine)
    other, _ = _published_result(engine, ("Anderswo",))
    client.get(f"/de/c/{consultation.slug}/results.csv")
    client.get(f"/de/c/{other.slug}/results.json")
    old = _files(data_dir, consultation, "csv")
    _change(engine, made)
    with session_scope(engine, write=True) as session:
        results.withdraw_results(session, other.id, None)
    done = housekeeping(engine, settings.with_(data_dir=str(data_dir)))
    assert done["export_files"] == 4  # csv + csv.gz, json + json.gz
    assert not old[0].exists()
    assert _files(data_dir, other, "json") == []


def test_with_the_page_cache_on_a_withdrawal_or_an_answer_reaches_downloads_at_once(
    settings, engine, data_dir
):
    """In a server the version is kept for PAGE_CACHE_SECONDS while the consultation's
    row is unchanged; withdrawing and answering change the row."""
    consultation, made = _published_result(engine)
    app = create_app(settings.with_(data_dir=str(data_dir), page_cache_seconds=60), engine)
    path = f"/de/c/{consultation.slug}/results.csv"
    with TestClient(app) as client:
        first = client.get(path)
        with session_scope(engine, write=True) as session:
            results.answer_contribution(
                session,
                session.get(Contribution, made[0].id),
                answer="Ja, wird gemacht.",
                theme_ids=[],
                staff_id=None,
            )
        answered = client.get(path)
        assert answered.headers["etag"] != first.headers["etag"]
        assert "Ja, wird gemacht." in answered.text
        with session_scope(engine, write=True) as session:
            results.withdraw_results(session, consultation.id, None)
        assert client.get(path).status_code == 404
