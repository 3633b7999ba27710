"""The operator's monthly figures per council, for the bill: counts, never texts."""

from __future__ import annotations

from datetime import date, timedelta

from participation.channels.voice.models import VoiceCall
from participation.cli import main
from participation.clock import utcnow
from participation.contributions.models import Channel
from participation.council_usage import monthly_usage
from participation.councils.service import create_council
from participation.db import session_scope
from participation.outbox.models import OutboundMessage, OutboundStatus
from tests.factories import make_consultation, make_contribution


def test_each_council_is_billed_for_its_own_use_only(engine, database_url, monkeypatch, capsys):
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    ours = make_consultation(engine, council_id=1)
    theirs = make_consultation(engine, code="4799", council_id=other)
    make_contribution(engine, ours, "Geheimer Text A")
    make_contribution(engine, ours, "per SMS", Channel.sms, author_key="k1")
    make_contribution(engine, theirs, "Geheimer Text B")
    now = utcnow()
    with session_scope(engine, write=True, council_id=other) as session:
        session.add(VoiceCall(call_sid="CA" + "1" * 32, started_at=now, duration=61))
        session.add(VoiceCall(call_sid="CA" + "2" * 32, started_at=now, duration=5))
        session.add(
            OutboundMessage(
                to_encrypted="x", to_key="k", body="b", status=OutboundStatus.sent, sent_at=now
            )
        )
    month = date(now.year, now.month, 1)
    with session_scope(engine) as session:
        usage = {row.slug: row for row in monthly_usage(session, month)}
    assert usage["council"].contributions == {"web": 1, "sms": 1}
    assert usage["beispieldorf"].contributions == {"web": 1}
    assert (usage["beispieldorf"].call_minutes, usage["beispieldorf"].sms_sent) == (3, 1)
    assert (usage["council"].call_minutes, usage["council"].sms_sent) == (0, 0)
    with session_scope(engine) as session:
        earlier = {r.slug: r for r in monthly_usage(session, month - timedelta(days=1))}
    assert earlier["council"].contributions == {}

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["council", "usage", "--month", f"{month:%Y-%m}"]) == 0
    printed = capsys.readouterr().out
    assert "beispieldorf" in printed and "Geheimer Text" not in printed
    assert main(["council", "usage", "--month", "Dezember"]) == 1
