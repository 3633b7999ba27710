"""Rows the browser tests need, read from or written to the live server's database."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from participation.consultations import service as consultations
from participation.contributions.models import Channel, Contribution, Status
from participation.contributions.service import Submission, submit_contribution
from participation.db import session_scope


def reference_with(engine: Engine, status: Status) -> str:
    with session_scope(engine) as session:
        found = session.exec(
            select(Contribution)
            .where(Contribution.status == status, col(Contribution.consultation_id).is_not(None))
            .order_by(col(Contribution.id))
        ).first()
        assert found is not None, f"no {status} contribution in the demo data"
        return found.reference


def new_pending(engine: Engine, body: str, slug: str = "marktplatz") -> Contribution:
    with session_scope(engine, write=True) as session:
        consultation = consultations.get_by_slug(session, slug)
        return submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=body,
                channel=Channel.web,
                locale="de",
                pseudonym="Testperson",
            ),
        ).contribution


def status_of(engine: Engine, contribution_id: int) -> Status:
    with session_scope(engine) as session:
        found = session.get(Contribution, contribution_id)
        assert found is not None
        return found.status


def sms_code_to(engine: Engine, number: str) -> str:
    """The 6-digit code in the last SMS the outbox holds for ``number``."""
    import re

    from participation.crypto import decrypt
    from participation.outbox.models import OutboundMessage
    from tests.browser.server import SECRET

    with session_scope(engine) as session:
        messages = [
            m
            for m in session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id)))
            if decrypt(SECRET, m.to_encrypted) == number
        ]
    assert messages, f"no SMS to {number}"
    return re.search(r"\b(\d{6})\b", messages[-1].body).group(1)  # type: ignore[union-attr]
