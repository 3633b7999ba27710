"""Counting the SQL statements a request runs, for tests that pages do not grow with data."""

from __future__ import annotations

import re
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


#: The council directory's three reads (web/councils.py): made by whichever request finds
#: it older than its refresh interval, so on a slow machine one count had them and the
#: other did not. They depend on the clock, never on the data a page shows.
DIRECTORY_READ = re.compile(r"FROM (council|council_host|council_number) ORDER BY \w+\.\w+\s*$")


def statements_for(client, engine: Engine, path: str) -> list[str]:
    client.get(path)  # the first request may fill per-process caches; count the second
    with counting(engine) as statements:
        response = client.get(path)
        body = response.text  # a streamed page reads while it is sent
    assert response.status_code == 200, (path, response.status_code, body[:300])
    return [s for s in statements if not DIRECTORY_READ.search(s)]
