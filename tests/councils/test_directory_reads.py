"""The council directory is read once however many requests find it out of date: the
others are served what was read before (or, before any read, wait for that one read),
and a council's settings are made only when a request of it needs them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio

from participation.councils.service import create_council
from participation.db import session_scope
from participation.web import councils as council_module
from participation.web.councils import CouncilDirectory


def _counted(monkeypatch) -> list[int]:
    reads: list[int] = []
    real = council_module.directory

    def counting(connection):
        reads.append(1)
        return real(connection)

    monkeypatch.setattr(council_module, "directory", counting)
    return reads


def _run(func, *args):
    """anyio.run in a thread of its own: where a browser test ran before in this process,
    Playwright's event loop counts as running in the main thread, and anyio.run refuses."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, func, *args).result()


def test_concurrent_requests_read_the_directory_once(engine, settings, monkeypatch):
    with session_scope(engine, write=True) as session:
        create_council(session, "beispieldorf", "Beispieldorf", hosts=["beispieldorf.localhost"])
    reads = _counted(monkeypatch)
    directory = CouncilDirectory(engine, settings)
    found: list[object] = []

    async def ask() -> None:
        found.append(await directory.council_for("beispieldorf.localhost"))

    async def burst() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(ask)

    _run(burst)
    assert len(reads) == 1
    assert {getattr(entry, "slug", None) for entry in found} == {"beispieldorf"}

    directory.expire()
    found.clear()
    _run(burst)
    assert len(reads) == 2
    assert {getattr(entry, "slug", None) for entry in found} == {"beispieldorf"}


def test_settings_are_made_for_the_councils_asked_for(engine, settings):
    with session_scope(engine, write=True) as session:
        other = create_council(
            session, "beispieldorf", "Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
    directory = CouncilDirectory(engine, settings)
    _run(directory.council_for, "beispieldorf.localhost")
    assert directory.settings == {}
    made = directory.settings_for(other, settings)
    assert made.council_name == "Beispieldorf"
    assert set(directory.settings) == {other}
    # Read again with nothing changed: what was made stays.
    directory.expire()
    _run(directory.council_for, "beispieldorf.localhost")
    assert directory.settings_for(other, settings) is made
