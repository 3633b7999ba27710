"""A typed call-back number is never kept in clear where a call step is cached, and
erasure and retention reach the encrypted copy."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select as sa_select
from sqlmodel import select

from participation import tables
from participation.channels.voice.models import VoiceCall, VoiceStep
from participation.clock import set_now, utcnow
from participation.crypto import decrypt
from participation.db import session_scope
from participation.phones import phone_key
from participation.privacy import erase_phone_data
from participation.retention import apply_retention
from tests.channels.voice.phone import fetch, to_consultation
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation

TYPED = "0151 98765432#"
E164 = "+4915198765432"
#: The digits in any spacing: "1 5 1, 9 8 7 6 ...", "015198765432", "+4915198765432".
#: How an encrypted cached answer starts (a Fernet token follows).
ENCRYPTED = "fernet:"
IN_CLEAR = re.compile(r"\D{0,4}".join("15198765432"))


def cells_in_clear(engine) -> list[str]:
    """Every value of every column of every table, as text, that shows the number."""
    found = []
    with session_scope(engine) as session:
        for table in tables.metadata.sorted_tables:
            for row in session.execute(sa_select(table)).all():
                for column, value in zip(table.columns, row, strict=True):
                    if value is None or isinstance(value, bytes | memoryview):
                        continue
                    if IN_CLEAR.search(str(value)):
                        found.append(f"{table.name}.{column.name}: {str(value)[:120]}")
    return found


def copies(engine) -> list[VoiceStep]:
    """Cached answers that speak the typed number back, in clear or encrypted."""
    found = []
    for step in fetch(engine, select(VoiceStep)):
        twiml = step.twiml
        if twiml.startswith(ENCRYPTED):
            twiml = decrypt(TEST_SECRET, twiml.removeprefix(ENCRYPTED)) or ""
        if IN_CLEAR.search(twiml):
            found.append(step)
    return found


def type_callback_number(client, engine, *, confirm: bool = True):
    make_consultation(engine)
    call = to_consultation(client, from_number="+4915112345678")
    call.press("3")
    call.press("2")
    call.press(TYPED)
    assert "0 1 5 1 9, 8 7 6 5, 4 3 2" in call.text()  # read back to the caller
    if confirm:
        call.press("1")
    return call


def test_no_table_holds_a_typed_number_in_clear(client, engine):
    call = type_callback_number(client, engine)
    assert cells_in_clear(engine) == []
    # A repeated webhook still gets the same answer, read back from the encrypted copy.
    readback = call.log[-2]
    again = call.post(readback.url, readback.params, "repeat")
    assert again.twiml == readback.twiml
    assert len(copies(engine)) == 1


def test_erasure_removes_the_encrypted_copy(client, engine, settings):
    # Typed and read back, not yet confirmed: the number waits, encrypted, on the call.
    type_callback_number(client, engine, confirm=False)
    assert cells_in_clear(engine) == []
    assert len(copies(engine)) == 1
    (call,) = fetch(engine, select(VoiceCall))
    assert decrypt(TEST_SECRET, call.pending_number) == E164
    with session_scope(engine, write=True) as session:
        erase_phone_data(session, settings, phone_key(TEST_SECRET, E164), via="staff")
    assert copies(engine) == []
    assert [c.pending_number for c in fetch(engine, select(VoiceCall))] in ([], [None])
    assert cells_in_clear(engine) == []


def test_retention_removes_the_encrypted_copy_without_a_later_call(client, engine, settings):
    type_callback_number(client, engine, confirm=False)
    assert len(copies(engine)) == 1
    with session_scope(engine, write=True) as session:
        apply_retention(session, settings, utcnow() + timedelta(hours=23))
    assert len(copies(engine)) == 1  # the call may still be going on
    set_now(utcnow() + timedelta(hours=25))
    with session_scope(engine, write=True) as session:
        apply_retention(session, settings)
    assert copies(engine) == []
    assert fetch(engine, select(VoiceStep)) == []
    (call,) = fetch(engine, select(VoiceCall))  # kept, anonymous, for the service report
    assert (call.caller_key, call.pending_number, call.pending_number_key) == (None, None, None)
