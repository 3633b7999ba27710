"""Reading the moderation queue: filters, keyset pages, counts and the waiting overview.

Every function here issues a fixed number of statements whatever the number of rows
(tests/staff/test_query_counts.py holds it to that), and pages by key, never by OFFSET.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, func
from sqlmodel import Session, col, select

from participation.accounts.models import StaffUser
from participation.consultations.models import Consultation, PollOption
from participation.contributions.models import (
    Channel,
    Contribution,
    ContributionRow,
    PublicContribution,
    Status,
)
from participation.db import table_of
from participation.moderation.models import Flag
from participation.moderation.service import QUEUE_PAGE
from participation.questionnaires.models import QuestionText
from participation.settings import LANGUAGES
from participation.tenancy import council_or_first

#: The queue's views: the three statuses plus published contributions someone reported.
VIEWS = ("pending", "flagged", "published", "rejected")
#: Views worked through oldest first; the others show the newest first.
OLDEST_FIRST = frozenset({"pending", "flagged"})
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueFilter:
    status: str = "pending"
    consultation_id: int | None = None
    #: Only contributions without a consultation (texts the SMS parser could not place).
    unassigned: bool = False
    channel: str | None = None
    locale: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> QueueFilter:
        status = params.get("status", "pending")
        consultation = (params.get("consultation") or "").strip()
        channel = params.get("channel") or None
        locale = params.get("language") or None
        return cls(
            status=status if status in VIEWS else "pending",
            consultation_id=int(consultation) if consultation.isdigit() else None,
            unassigned=consultation == UNASSIGNED,
            channel=channel if channel in Channel.__members__ else None,
            locale=locale if locale in LANGUAGES.values() else None,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string for this filter (with changes), for links and forms."""
        chosen = replace(self, **changes)
        values = {"status": chosen.status}
        if chosen.unassigned:
            values["consultation"] = UNASSIGNED
        elif chosen.consultation_id:
            values["consultation"] = str(chosen.consultation_id)
        if chosen.channel:
            values["channel"] = chosen.channel
        if chosen.locale:
            values["language"] = chosen.locale
        return values


#: Which filters are set: (unassigned, consultation, channel, language). The queue's
#: statements are built once per shape and page size, the values bound when they run:
#: building a SQLModel select costs more than SQLite takes to answer most of them.
Shape = tuple[bool, bool, bool, bool]


def _shape(f: QueueFilter) -> Shape:
    return (f.unassigned, f.consultation_id is not None, bool(f.channel), bool(f.locale))


def _values(session: Session, f: QueueFilter) -> dict[str, object]:
    return {
        "council_id": council_or_first(session),
        "consultation_id": f.consultation_id,
        "channel": Channel(f.channel) if f.channel else None,
        "locale": f.locale,
    }


def _scope(query, shape: Shape):
    """Everything but the status: the counts are shown for all statuses of this scope."""
    unassigned, consultation, channel, locale = shape
    # Core statements pass no ORM hook (tenancy.py): the council is named here. For one
    # consultation, through the consultation's own row: a condition on the contribution's
    # council beside it made SQLite read the council's index (8 ms on 100,000 rows
    # instead of 0.1), and another council's consultation id matches nothing either way.
    if consultation and not unassigned:
        ours = (
            select(table_of(Consultation).c.id)
            .where(
                table_of(Consultation).c.id == bindparam("consultation_id"),
                table_of(Consultation).c.council_id == bindparam("council_id"),
            )
            .scalar_subquery()
        )
        query = query.where(Contribution.consultation_id == ours)
    else:
        query = query.where(Contribution.council_id == bindparam("council_id"))
    if unassigned:
        query = query.where(col(Contribution.consultation_id).is_(None))
    if channel:
        query = query.where(Contribution.channel == bindparam("channel"))
    if locale:
        query = query.where(Contribution.locale == bindparam("locale"))
    return query


def _open_flags():
    return select(Flag.contribution_id).where(col(Flag.resolved_at).is_(None))


@dataclass
class QueuePage:
    #: ContributionRows; in the answer to a decision, the decided Contribution itself.
    items: list
    next_cursor: int | None
    #: contribution id -> [(reason, note)] of its open reports (the "Reported" view).
    reports: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    #: staff id -> name, for "entered by" on front-desk contributions.
    staff_names: dict[int, str] = field(default_factory=dict)
    #: poll option id -> option, for the answer a contribution gave.
    options: dict[int, PollOption] = field(default_factory=dict)
    #: question id -> its German words, for a free-text answer to a questionnaire.
    questions: dict[int, str] = field(default_factory=dict)


@lru_cache(maxsize=128)
def _page_statement(shape: Shape, status: str, after_cursor: bool, limit: int):
    table = table_of(Contribution)
    query = _scope(select(table), shape)
    if status == "flagged":
        query = query.where(
            Contribution.status == Status.published, col(Contribution.id).in_(_open_flags())
        )
    else:
        query = query.where(Contribution.status == Status(status))
    ascending = status in OLDEST_FIRST
    if after_cursor:
        cursor: BindParameter[int] = bindparam("cursor")
        query = query.where(
            col(Contribution.id) > cursor if ascending else col(Contribution.id) < cursor
        )
    order = col(Contribution.id).asc() if ascending else col(Contribution.id).desc()
    return query.order_by(order).limit(limit + 1)


def page(
    session: Session, f: QueueFilter, cursor: int | None = None, limit: int = QUEUE_PAGE
) -> QueuePage:
    """One page of the queue, by key: ``cursor`` is the last id of the previous page."""
    statement = _page_statement(_shape(f), f.status, cursor is not None, limit)
    rows = session.connection().execute(statement, {**_values(session, f), "cursor": cursor}).all()
    more = len(rows) > limit
    items = [ContributionRow._make(row) for row in rows[:limit]]
    result = QueuePage(items=items, next_cursor=items[-1].id if more and items else None)
    attach_details(session, result)
    return result


def belongs(contribution: Contribution, f: QueueFilter) -> bool:
    """Whether a contribution (after a decision) still belongs in the filter's view."""
    if f.unassigned and contribution.consultation_id is not None:
        return False
    if f.consultation_id is not None and contribution.consultation_id != f.consultation_id:
        return False
    if f.status == "flagged":
        return contribution.status is Status.published and bool(contribution.flag_count)
    return contribution.status.value == f.status


@lru_cache(maxsize=1)
def _detail_statements() -> tuple:
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    reports = (
        select(Flag.contribution_id, Flag.reason, Flag.note)
        .where(col(Flag.contribution_id).in_(ids), col(Flag.resolved_at).is_(None))
        .order_by(col(Flag.id))
    )
    staff = select(StaffUser.id, StaffUser.name, StaffUser.email).where(col(StaffUser.id).in_(ids))
    options = select(PollOption).where(col(PollOption.id).in_(ids))
    questions = select(QuestionText.question_id, QuestionText.prompt).where(
        col(QuestionText.question_id).in_(ids), QuestionText.locale == "de"
    )
    return reports, staff, options, questions


def attach_details(session: Session, result: QueuePage) -> None:
    """The page's related rows in one statement each, never one per item."""
    reports, staff, options, questions = _detail_statements()
    flagged = [c.id for c in result.items if c.flag_count]
    if flagged:
        for contribution_id, reason, note in session.exec(reports, params={"ids": flagged}):
            result.reports.setdefault(contribution_id, []).append((reason, note or ""))
    staff_ids = sorted({c.entered_by_id for c in result.items if c.entered_by_id})
    if staff_ids:
        result.staff_names = {
            user_id: name or email
            for user_id, name, email in session.exec(staff, params={"ids": staff_ids})
        }
    option_ids = sorted({c.poll_option_id for c in result.items if c.poll_option_id})
    if option_ids:
        result.options = {o.id: o for o in session.exec(options, params={"ids": option_ids})}
    question_ids = sorted({c.question_id for c in result.items if c.question_id})
    if question_ids:
        result.questions = dict(session.exec(questions, params={"ids": question_ids}).all())


@lru_cache(maxsize=32)
def _count_statements(shape: Shape) -> tuple:
    waiting_and_rejected = _scope(
        select(Contribution.status, func.count())
        .where(col(Contribution.status).in_([Status.pending, Status.rejected]))
        .group_by(Contribution.status),
        shape,
    )
    published = _scope(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.status == Status.published),
        shape,
    )
    flagged = _scope(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.status == Status.published, col(Contribution.id).in_(_open_flags())),
        shape,
    )
    return waiting_and_rejected, published, flagged


def counts(session: Session, f: QueueFilter) -> dict[str, int]:
    """Per view in the filter's scope: three COUNT statements, on indexes.

    Waiting and rejected are counted exactly every time (index ranges of those statuses
    only); the published count, the big one (80,000 in a large consultation, 10 ms and
    more on SQLite), may be up to 30 s old once it is in the thousands.
    """
    from participation.caching.figures import large_figure

    waiting_and_rejected, published, flagged = _count_statements(_shape(f))
    values = _values(session, f)
    connection = session.connection()
    result = dict.fromkeys(VIEWS, 0)
    for status, number in connection.execute(waiting_and_rejected, values).all():
        result[Status(status).value] = number
    result["published"] = large_figure(
        (
            "queue published",
            session.get_bind(),
            values["council_id"],
            replace(f, status="published"),
        ),
        lambda: connection.execute(published, values).scalar_one(),
        int,
    )
    result["flagged"] = connection.execute(flagged, values).scalar_one()
    return result


@dataclass
class Waiting:
    """One line of the staff overview and the daily digest."""

    consultation_id: int | None
    pending: int = 0
    published: int = 0
    rejected: int = 0
    flagged: int = 0
    oldest_pending: datetime | None = None
    oldest_flag: datetime | None = None

    @property
    def waiting(self) -> int:
        return self.pending + self.flagged


def waiting_overview(session: Session) -> dict[int | None, Waiting]:
    """Counts and the oldest waiting item per consultation (None: unassigned), in three
    statements for any number of consultations."""
    result: dict[int | None, Waiting] = {}
    # Counting reads only the (consultation, status, id) index; asking MIN(created_at) in
    # the same statement would visit all 100,000 rows (52 ms against 9 ms measured).
    rows = session.exec(
        select(Contribution.consultation_id, Contribution.status, func.count()).group_by(
            col(Contribution.consultation_id), col(Contribution.status)
        )
    ).all()
    for consultation_id, status, number in rows:
        line = result.setdefault(consultation_id, Waiting(consultation_id))
        setattr(line, Status(status).value, number)
    # The oldest waiting one is the first stored: ids grow with time.
    first_waiting = (
        select(func.min(Contribution.id))
        .where(Contribution.status == Status.pending)
        .group_by(col(Contribution.consultation_id))
    )
    for consultation_id, created_at in session.exec(
        select(Contribution.consultation_id, Contribution.created_at).where(
            col(Contribution.id).in_(first_waiting)
        )
    ).all():
        result.setdefault(consultation_id, Waiting(consultation_id)).oldest_pending = created_at
    flag_rows = session.exec(
        select(
            Contribution.consultation_id,
            func.count(func.distinct(Flag.contribution_id)),
            func.min(Flag.created_at),
        )
        .join(Contribution, and_(col(Contribution.id) == Flag.contribution_id))
        .where(col(Flag.resolved_at).is_(None), Contribution.status == Status.published)
        .group_by(col(Contribution.consultation_id))
    ).all()
    for consultation_id, number, oldest in flag_rows:
        line = result.setdefault(consultation_id, Waiting(consultation_id))
        line.flagged = number
        line.oldest_flag = oldest
    return result


@lru_cache(maxsize=16)
def _public_statements(size: int, paged: bool) -> tuple:
    """public_page's two statements, built once per page size (building a SQLModel
    select costs more than SQLite takes to answer it), as plain table reads: the public
    page only shows the rows, and ORM objects cost 10 us each to make."""
    table = table_of(Contribution)
    # Only what the list shows: each further date column is parsed from text in every row.
    columns = [table.c[name] for name in PublicContribution._fields]
    shown = select(*columns).where(
        table.c.consultation_id == bindparam("consultation_id"),
        table.c.status == Status.published,
    )
    removed = select(*columns).where(
        table.c.consultation_id == bindparam("consultation_id"),
        table.c.status == Status.rejected,
        table.c.published_at.is_not(None),
        table.c.id >= bindparam("low"),
    )
    if paged:
        shown = shown.where(table.c.id < bindparam("before"))
        removed = removed.where(table.c.id < bindparam("before"))
    return shown.order_by(table.c.id.desc()).limit(size + 1), removed


def public_page(
    session: Session, consultation_id: int, before: int | None, size: int
) -> tuple[list, int | None]:
    """A consultation's public list, newest first, by key: the published contributions,
    and in their place the ones removed after publication (shown as "removed by
    moderation: reason"). Two range reads on the (consultation, status, id) index instead
    of one OR that would make the database sort every row of the consultation.

    The items are PublicContribution tuples."""
    shown, removed = _public_statements(size, bool(before))
    params = {"consultation_id": consultation_id, "before": before}
    connection = session.connection()
    rows = list(connection.execute(shown, params).all())
    more = len(rows) > size
    rows = rows[:size]
    low = rows[-1].id if more and rows else 0
    rows.extend(connection.execute(removed, {**params, "low": low}).all())
    rows.sort(key=lambda c: c.id or 0, reverse=True)
    return [PublicContribution._make(row) for row in rows], (low if more else None)
