"""What the operator does to councils, each step audited (operator_event), and the one
way it may read citizens' texts: while, and only while, the council grants it.

The council steps are councils/service.py's, the same the command line runs; this adds
who did it. Sessions here name no council (tenancy.py): the operator sees every council.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from participation.contributions.models import Contribution
from participation.councils import service as councils
from participation.councils.models import Council, CouncilHost, CouncilNumber, CouncilStatus
from participation.moderation.models import AuditEvent
from participation.moderation.service import audit
from participation.operator.accounts import record
from participation.outcomes import Forbidden, NotFound

#: How many of a council's newest contributions the operator's page shows when granted.
LATEST = 20


def create(
    session: Session,
    operator_id: int | None,
    slug: str,
    name: str,
    hosts: Sequence[str] = (),
    numbers: Sequence[str] = (),
) -> Council:
    council = councils.create_council(session, slug, name, hosts, numbers)
    record(session, "council.created", operator_id, council.id, slug=council.slug)
    return council


def configure(
    session: Session, operator_id: int | None, slug: str, changes: dict[str, str]
) -> Council:
    council = councils.configure(session, slug, changes)
    record(session, "council.configured", operator_id, council.id, fields=sorted(changes))
    return council


def add_host(session: Session, operator_id: int | None, slug: str, host: str) -> None:
    council = councils.by_slug(session, slug)
    councils.add_host(session, council, host)
    record(session, "council.host_added", operator_id, council.id, host=host)


def add_number(session: Session, operator_id: int | None, slug: str, number: str) -> None:
    council = councils.by_slug(session, slug)
    councils.add_number(session, council, number)
    record(session, "council.number_added", operator_id, council.id, number=number)


def set_status(
    session: Session, operator_id: int | None, slug: str, status: CouncilStatus, notice: str = ""
) -> Council:
    council = councils.set_status(session, slug, status, notice)
    record(session, f"council.{status.value}", operator_id, council.id, notice=notice.strip())
    return council


def set_twilio(
    session: Session,
    operator_id: int | None,
    slug: str,
    account_sid: str,
    auth_token: str,
    secret_key: str,
) -> Council:
    council = councils.set_twilio_account(session, slug, account_sid, auth_token, secret_key)
    # The account, never the token.
    record(session, "council.twilio_set", operator_id, council.id, account_sid=account_sid)
    return council


@dataclass(frozen=True)
class CouncilView:
    council: Council
    hosts: list[str]
    numbers: list[str]


def view(session: Session, slug: str) -> CouncilView:
    """A council's own settings for its page: no citizen's row."""
    try:
        council = councils.by_slug(session, slug)
    except councils.CouncilError:
        raise NotFound from None
    hosts = session.exec(select(CouncilHost.host).where(CouncilHost.council_id == council.id))
    numbers = session.exec(
        select(CouncilNumber.number).where(CouncilNumber.council_id == council.id)
    )
    return CouncilView(council, sorted(hosts), sorted(numbers))


@dataclass(frozen=True)
class CitizenText:
    reference: str
    channel: str
    status: str
    created_at: datetime
    body: str


def latest_texts(session: Session, operator_id: int, slug: str) -> list[CitizenText]:
    """The council's newest contributions, read-only; Forbidden unless it grants it now.
    Each read is in the operator's log and in the council's own audit log."""
    council = view(session, slug).council
    if not council.operator_may_read:
        raise Forbidden("operator_may_not_read")
    rows = session.exec(
        select(Contribution)
        .where(Contribution.council_id == council.id)
        .order_by(col(Contribution.id).desc())
        .limit(LATEST)
    ).all()
    record(session, "council.texts_read", operator_id, council.id, count=len(rows))
    # The council's admins see in their own log that the operator read, and how much.
    session.add(
        AuditEvent(
            council_id=council.id,
            staff_id=None,
            action="operator.texts_read",
            object_type="council",
            object_id=str(council.id),
            detail={"operator": operator_id, "count": len(rows)},
        )
    )
    return [
        CitizenText(r.reference, str(r.channel.value), str(r.status.value), r.created_at, r.body)
        for r in rows
    ]


def set_operator_read(session: Session, council_id: int, staff_id: int, granted: bool) -> bool:
    """The council's admin grants or withdraws the operator's reading of its citizens'
    texts; ``council_id`` is the request's own council, never a form's."""
    council = session.get(Council, council_id)
    if council is None:
        raise NotFound
    if council.operator_may_read != granted:
        council.operator_may_read = granted
        session.add(council)
        action = "council.operator_read_granted" if granted else "council.operator_read_withdrawn"
        audit(session, action, "council", council_id, staff_id=staff_id)
    return council.operator_may_read
