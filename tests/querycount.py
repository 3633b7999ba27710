"""Counting the SQL statements a request runs, for tests that pages do not grow with data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(client, engine: Engine, path: str) -> list[str]:
    client.get(path)  # the first request may fill per-process caches; count the second
    with counting(engine) as statements:
        response = client.get(path)
        body = response.text  # a streamed page reads while it is sent
    assert response.status_code == 200, (path, response.status_code, body[:300])
    return statements
