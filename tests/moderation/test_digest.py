"""The daily staff digest, sent through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import socket
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from participation import cli
from participation.accounts.models import Role, StaffUser
from participation.clock import set_now
from participation.contributions.models import Channel
from participation.db import session_scope
from participation.moderation.digest import send_staff_digest
from participation.moderation.models import AuditEvent
from tests.factories import make_consultation, make_contribution, make_staff

BERLIN = ZoneInfo("Europe/Berlin")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _morning(days: int = 0, hour: int = 8) -> datetime:
    local = datetime.now(BERLIN).replace(hour=hour, minute=0, second=0, microsecond=0)
    return local + timedelta(days=days)


def test_digest_lists_what_waits_and_goes_out_once_a_day(engine, settings, smtp):
    inbox, port = smtp
    settings = settings.with_(smtp_host="127.0.0.1", smtp_port=port)
    set_now(_morning(hour=6) - timedelta(days=2))
    market = make_consultation(engine, title="Marktplatz", code="4711")
    make_consultation(engine, title="Ruhig", code="4712")
    make_contribution(engine, market, "Alt")
    make_contribution(engine, None, "Ohne Code", Channel.sms, author_key="k")
    set_now(_morning(hour=6))
    make_contribution(engine, market, "Neu")
    moderator = make_staff(engine, Role.moderator)
    admin = make_staff(engine, Role.admin)
    make_staff(engine, Role.editor)
    gone = make_staff(engine, Role.moderator)
    with session_scope(engine, write=True) as session:
        session.get(StaffUser, gone.id).is_active = False

    # Before 7 o'clock local time: not yet.
    assert send_staff_digest(settings, engine, _morning(hour=6)) == 0
    assert inbox.messages == []

    sent = send_staff_digest(settings, engine, _morning(hour=8))
    assert sent == 2
    recipients = sorted(r for rcpt, _m in inbox.messages for r in rcpt)
    assert recipients == sorted([moderator.email, admin.email])
    message = inbox.messages[0][1]
    assert message["From"] == settings.smtp_from
    assert "3" in message["Subject"]
    body = message.get_content()
    assert "Marktplatz" in body and "4711" in body
    assert "Ruhig" not in body  # nothing waits there
    assert f"{settings.public_base_url}/de/staff/moderation?consultation={market.id}" in body
    assert "consultation=unassigned" in body
    assert "2 Tage" in body or "2 days" in body  # the age of the oldest waiting one

    # The worker calls it again and again: once per day only.
    assert send_staff_digest(settings, engine, _morning(hour=9)) == 0
    assert len(inbox.messages) == 2
    assert send_staff_digest(settings, engine, _morning(days=1, hour=8)) == 2
    with session_scope(engine) as session:
        days = [e.object_id for e in session.exec(select(AuditEvent)) if e.action == "digest.sent"]
    assert len(days) == 2 and days[0] != days[1]


def test_no_digest_when_nothing_waits_or_no_smtp(engine, settings, smtp):
    inbox, port = smtp
    make_staff(engine, Role.admin)
    make_consultation(engine)
    configured = settings.with_(smtp_host="127.0.0.1", smtp_port=port)
    assert send_staff_digest(configured, engine, _morning()) == 0
    consultation = make_consultation(engine)
    make_contribution(engine, consultation)
    assert send_staff_digest(settings.with_(smtp_host=""), engine, _morning()) == 0
    assert inbox.messages == []


def test_unreachable_smtp_is_retried_on_the_next_pass(engine, settings, smtp):
    _inbox, port = smtp
    make_staff(engine, Role.admin)
    make_contribution(engine, make_consultation(engine))
    broken = settings.with_(smtp_host="127.0.0.1", smtp_port=_free_port())
    assert send_staff_digest(broken, engine, _morning()) == 0
    working = settings.with_(smtp_host="127.0.0.1", smtp_port=port)
    assert send_staff_digest(working, engine, _morning()) == 1


def test_digest_command(engine, settings, smtp, monkeypatch, capsys):
    inbox, port = smtp
    make_staff(engine, Role.moderator)
    make_contribution(engine, make_consultation(engine))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    assert cli.main(["digest"]) == 0
    assert "sent to 1" in capsys.readouterr().out
    assert len(inbox.messages) == 1


def test_the_worker_pass_sends_the_digest(engine, settings, smtp):
    from participation.housekeeping import housekeeping

    inbox, port = smtp
    settings = settings.with_(smtp_host="127.0.0.1", smtp_port=port)
    set_now(_morning(hour=9))
    make_contribution(engine, make_consultation(engine, code="4799"), "Wartet")
    make_staff(engine, Role.moderator)
    done = housekeeping(engine, settings)
    assert done["digest_emails"] == 1
    assert len(inbox.messages) == 1


def test_each_council_gets_its_own_digest_about_its_own_queue(engine, settings, smtp):
    from participation.councils.service import create_council

    inbox, port = smtp
    settings = settings.with_(smtp_host="127.0.0.1", smtp_port=port)
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    ours = make_consultation(engine, title="Marktplatz", code="4711", council_id=1)
    theirs = make_consultation(engine, title="Dorfteich", code="4711", council_id=other)
    make_contribution(engine, ours, "Mehr Bänke")
    make_contribution(engine, theirs, "Ein Steg")
    make_contribution(engine, theirs, "Schilf lassen")
    our_admin = make_staff(engine, Role.admin, "admin@musterstadt.example", council_id=1)
    their_admin = make_staff(engine, Role.admin, "admin@beispieldorf.example", council_id=other)

    assert send_staff_digest(settings, engine, _morning(hour=8)) == 2
    by_recipient = {rcpt[0]: message for rcpt, message in inbox.messages}
    ours_body = by_recipient[our_admin.email].get_content()
    theirs_body = by_recipient[their_admin.email].get_content()
    assert "Marktplatz" in ours_body and "Dorfteich" not in ours_body
    assert "Dorfteich" in theirs_body and "Marktplatz" not in theirs_body
    assert "[Gemeinde Beispieldorf]" in by_recipient[their_admin.email]["Subject"]
    assert "Beispieldorf" not in by_recipient[our_admin.email]["Subject"]
