"""Rows owned by one council, and the one place that keeps a session to its council.

Every table a council owns inherits `CouncilOwned` and so has a `council_id`. A session
opened for a request (web/transactions.py) carries its council in `session.info`; then

- every ORM SELECT, UPDATE and DELETE it runs gets ``council_id = <that council>`` on
  each council-owned table it touches, joins and `session.get()` included
  (SQLAlchemy's `with_loader_criteria`, applied in a `do_orm_execute` hook), so a
  forgotten filter cannot reach another council's rows;
- every council-owned row it adds is stamped with that council, and a row stamped with
  another council is refused before it is written.

Sessions without a council (the command line, the worker, the operator's pages) see all
councils and must name the council of what they add; an unnamed row in such a session
belongs to the first council, the only one of a single-council installation.

Core statements built from tables (the hot read paths) do not pass through the ORM hook:
they select by a consultation's or contribution's id that a scoped ORM query produced.
On PostgreSQL, row-level security policies are the second wall behind both.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Delete, Join, Select, Table, Update, column, event, select
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlmodel import Field, Session, SQLModel

#: The council of a single-council installation, and of rows written before councils.
FIRST_COUNCIL = 1
_KEY = "council_id"
#: The request's council where it is the installation's only one: new rows take it
#: without a look-up, and no statement is changed (there is nothing to cross).
_ONLY_KEY = "only_council_id"


class _ProbeColumn:
    """`council_id` on the marker class alone: SQLAlchemy calls the criteria once with the
    class given to `with_loader_criteria` to analyse it, so there must be a column to
    compare with. Anywhere else it is absent, and each table's own mapped `council_id`
    answers (pydantic must not mistake it for a default either)."""

    def __get__(self, instance: object, owner: type) -> Any:
        if owner is _OwnedMarker and instance is None:
            return column("council_id")
        raise AttributeError("council_id")


class _OwnedMarker:
    council_id = _ProbeColumn()


with warnings.catch_warnings():
    # The marker's attribute is meant to be shadowed (see _ProbeColumn).
    warnings.filterwarnings("ignore", message='Field name "council_id"', category=UserWarning)

    class CouncilOwned(SQLModel, _OwnedMarker):
        """Mixin: the row belongs to one council (`council.id`)."""

        council_id: int = Field(default=None, foreign_key="council.id", index=True, nullable=False)


class CrossCouncilWrite(Exception):
    """A session of one council tried to write a row of another."""


def scope(session: Session, council_id: int | None, *, alone: bool = False) -> Session:
    """Keeps `session` to one council from now on (None: all councils). ``alone``: the
    council is the installation's only one, so only new rows are given it."""
    session.info.pop(_KEY, None)
    session.info.pop(_ONLY_KEY, None)
    if council_id is not None:
        session.info[_ONLY_KEY if alone else _KEY] = council_id
    return session


def council_or_first(session: Session) -> int:
    """The council a Core statement of this session reads or writes for: its own, or in
    a session that sees all councils, the first (see the module's text)."""
    return session.info.get(_KEY) or session.info.get(_ONLY_KEY) or FIRST_COUNCIL


@event.listens_for(Session, "do_orm_execute")
def _only_this_council(state: ORMExecuteState) -> None:
    council_id = state.session.info.get(_KEY)
    if council_id is None or state.is_column_load or state.is_relationship_load:
        return
    if not state.is_orm_statement:
        # A Core statement of tables, run through the session (privacy.py, ...).
        state.statement = _core_scoped(state.statement, council_id)
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(_criteria(council_id))


@functools.lru_cache(maxsize=1024)
def _criteria(council_id: int) -> Any:
    """The option keeping a statement to one council, made once per council: making it
    (the lambda's analysis) cost each ORM statement of a request ~40 us."""
    return with_loader_criteria(
        _OwnedMarker,
        lambda cls: cls.council_id == council_id,
        include_aliases=True,
    )


def _row_security_applies(connection) -> bool:
    """Whether this connection's role is held by the policies: not for a superuser or the
    tables' owner (a single-council installation's usual role), which would only pay
    a round trip a transaction for nothing. Asked once a pooled connection."""
    known = connection.info.get("row_security")
    if known is None:
        known = connection.info["row_security"] = bool(
            connection.exec_driver_sql(
                "SELECT NOT (r.rolsuper OR r.rolbypassrls OR coalesce("
                " (SELECT t.tableowner = current_user FROM pg_tables t"
                "  WHERE t.tablename = 'consultation' AND t.schemaname = current_schema()),"
                " false)) FROM pg_roles r WHERE r.rolname = current_user"
            ).scalar()
        )
    return known


@event.listens_for(Session, "after_begin")
def _name_the_council_to_postgresql(session: Session, _transaction: object, connection) -> None:
    # Row-level security (migration 0002) reads it; local to this transaction, so a
    # pooled connection never carries one request's council into the next.
    if connection.dialect.name != "postgresql" or not _row_security_applies(connection):
        return
    council_id = session.info.get(_KEY)
    connection.exec_driver_sql(
        "SELECT set_config('participation.council_id', %(council)s, true)",
        {"council": "all" if council_id is None else str(council_id)},
    )


def _core_scoped(statement: Any, council_id: int) -> Any:
    """The Core statement kept to the council: WHERE council_id = ... for each council-owned
    table it reads, updates or deletes from (not for the inner side of an outer join,
    where the condition would drop the rows without a partner)."""
    if isinstance(statement, Update | Delete):
        tables = [statement.table]
    elif isinstance(statement, Select):
        tables = [t for source in statement.get_final_froms() for t in _inner_tables(source)]
    else:
        return statement
    for table in tables:
        if isinstance(table, Table) and "council_id" in table.c:
            statement = statement.where(table.c.council_id == council_id)
    return statement


def _inner_tables(source: Any) -> list[Any]:
    if isinstance(source, Join):
        inner = [] if source.isouter or source.full else _inner_tables(source.right)
        return _inner_tables(source.left) + inner
    return [source]


def council_for_new(session: Session, table: Table, values: Mapping[str, Any]) -> int:
    """The council of a new row of ``table`` with these ``values``: the session's; in a
    session that sees all councils, the council of the row it hangs on (a text goes with
    its consultation, a vote with its option), else the first council."""
    council_id = session.info.get(_KEY) or session.info.get(_ONLY_KEY)
    if council_id is not None:
        return council_id
    return _parent_council(session, table, values) or FIRST_COUNCIL


def _parent_council(session: Session, table: Table, values: Mapping[str, Any]) -> int | None:
    # One short look-up by primary key per foreign key, only outside requests (the worker,
    # the command line): a request's session names its council.
    for key in table.foreign_keys:
        parent = key.column.table
        value = values.get(key.parent.name)
        if value is None or parent.name == "council" or "council_id" not in parent.c:
            continue
        with session.no_autoflush:
            found = session.execute(select(parent.c.council_id).where(key.column == value)).scalar()
        if found is not None:
            return found
    return None


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: object, _instances: object) -> None:
    council_id = session.info.get(_KEY)
    for row in session.new:
        if not isinstance(row, CouncilOwned):
            continue
        if row.council_id is None:
            table = row.__table__
            values = {column.name: getattr(row, column.name, None) for column in table.c}
            row.council_id = council_for_new(session, table, values)
        elif council_id is not None and row.council_id != council_id:
            raise CrossCouncilWrite(f"{type(row).__name__} of council {row.council_id}")
    if council_id is None:
        return
    for row in session.dirty:
        if isinstance(row, CouncilOwned) and row.council_id != council_id:
            raise CrossCouncilWrite(f"{type(row).__name__} of council {row.council_id}")
