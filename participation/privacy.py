"""Data-subject requests (DSGVO Art. 15 and 17): find, export and erase one person's data.

One code path for every door: the staff page (participation/privacy_routes.py) and the
SMS ``LÖSCHEN`` command both call ``erase_phone_data``. A person is found by

- a phone number, through its keyed hash (the only form in which numbers are matched),
- an e-mail address (exact, case-insensitive),
- a reference number (that one contribution and its vote, or that one questionnaire
  response with its answers, its free texts and the poll answer given with it).

Tables are found through the metadata rather than a fixed list, so a table another part
of the application adds later (SMS subscriptions, call-back requests, ...) is covered as
soon as it names its columns the way the rest of the schema does: ``*_key`` columns in
``PHONE_KEY_COLUMNS`` hold a phone key, ``EMAIL_COLUMNS`` hold an e-mail address.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, delete, func, select, update
from sqlmodel import Session, SQLModel

from participation.carrier_deletions import forget_number_at_carrier, forget_recordings_at_carrier
from participation.contributions.models import Contribution, PollVote
from participation.contributions.reference import format_reference, parse_reference
from participation.crypto import decrypt
from participation.db import table_of
from participation.moderation.models import ModerationDecision
from participation.moderation.service import audit
from participation.phones import normalise_number, phone_key
from participation.questionnaires import subject_data as responses
from participation.questionnaires.models import QuestionnaireResponse
from participation.settings import Settings

#: Columns that hold the keyed hash of a phone number (participation.phones.phone_key).
PHONE_KEY_COLUMNS = frozenset(
    {
        "author_key",
        "voter_key",
        "to_key",
        "phone_key",
        "sender_key",
        "caller_key",
        "from_key",
        "number_key",
        "pending_number_key",
    }
)
EMAIL_COLUMNS = frozenset({"email", "email_address", "contact_email", "reply_email"})
#: Never part of an export: secrets and hashes that mean nothing to the person.
HIDDEN_COLUMNS = frozenset({"password_hash", "totp_secret"})
#: Staff accounts are personal data too, but are changed on the staff-accounts page, and
#: the audit trail must survive an erasure (Art. 17(3)(b): legal obligation to keep it).
NOT_ERASED_HERE = frozenset({"staff_user", "audit_event"})


def _tables() -> list[Table]:
    # Every table, the doors' included: the assembly imports participation.tables before
    # any request or job runs (app.py, the housekeeping schedule), and this floor may not.
    return list(SQLModel.metadata.sorted_tables)


def _columns(names: frozenset[str]) -> Iterable[tuple[Table, Column]]:
    for table in _tables():
        for column in table.columns:
            if column.name in names:
                yield table, column


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _row_for_export(settings: Settings, table: Table, row: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for column in table.columns:
        name = column.name
        value = row._mapping[name]
        if name in HIDDEN_COLUMNS or name in PHONE_KEY_COLUMNS:
            continue
        if name.endswith("_encrypted") and isinstance(value, str) and value:
            # The person is entitled to see the number we keep for them (Art. 15).
            result[name.removesuffix("_encrypted")] = decrypt(settings.secret_key, value)
            continue
        if name == "reference" and isinstance(value, str) and value:
            value = format_reference(value)
        result[name] = _plain(value)
    return result


def resolve_phone(settings: Settings, raw: str) -> str | None:
    """A typed phone number -> its keyed hash; None when it is not a possible number."""
    e164 = normalise_number(raw, settings.default_region)
    return phone_key(settings.secret_key, e164) if e164 else None


def find_subject_data(
    session: Session,
    settings: Settings,
    *,
    phone: str | None = None,
    email: str | None = None,
    reference: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Everything stored about one person, table by table (the Art. 15 export)."""
    found: dict[str, list[dict[str, Any]]] = {}

    def add(table: Table, rows: Iterable[Any]) -> None:
        for row in rows:
            found.setdefault(table.name, []).append(_row_for_export(settings, table, row))

    contribution_ids: set[int] = set()
    if phone:
        key = phone if len(phone) == 64 and " " not in phone else resolve_phone(settings, phone)
        if key:
            for table, column in _columns(PHONE_KEY_COLUMNS):
                rows = session.execute(select(table).where(column == key)).all()
                add(table, rows)
                if table.name == Contribution.__tablename__:
                    contribution_ids.update(r._mapping["id"] for r in rows)
                if table.name == QuestionnaireResponse.__tablename__:
                    ids = [r._mapping["id"] for r in rows]
                    contribution_ids.update(_add_responses(session, add, ids, found_too=True))
    if email:
        wanted = email.strip().lower()
        if wanted:
            for table, column in _columns(EMAIL_COLUMNS):
                add(table, session.execute(select(table).where(func.lower(column) == wanted)))
    if reference:
        contribution_ids.update(_found_by_reference(session, add, reference))
    if contribution_ids:
        # What moderators decided about those contributions is about the person too.
        decisions = table_of(ModerationDecision)
        add(
            decisions,
            session.execute(
                select(decisions).where(decisions.c.contribution_id.in_(sorted(contribution_ids)))
            ),
        )
    for exported in found.values():
        _dedupe(exported)
    return found


def _found_by_reference(
    session: Session, add: Callable[[Table, Iterable[Any]], None], reference: str
) -> set[int]:
    """The contribution (and its vote) or the questionnaire response with that reference
    number; returns the ids of the contributions found."""
    contribution_ids: set[int] = set()
    number = parse_reference(reference)
    if not number:
        return contribution_ids
    table = table_of(Contribution)
    rows = session.execute(select(table).where(table.c.reference == number)).all()
    add(table, rows)
    contribution_ids.update(r._mapping["id"] for r in rows)
    votes = table_of(PollVote)
    # The vote sent with that text (contributions.votes), and one stored before
    # votes had voters of their own ("ref:" keys).
    linked = votes.c.contribution_id.in_([r._mapping["id"] for r in rows])
    add(
        votes,
        session.execute(select(votes).where(linked | (votes.c.voter_key == f"ref:{number}"))),
    )
    contribution_ids.update(
        _add_responses(session, add, responses.responses_by_reference(session, number))
    )
    return contribution_ids


def _add_responses(
    session: Session,
    add: Callable[[Table, Iterable[Any]], None],
    ids: list[int],
    *,
    found_too: bool = False,
) -> list[int]:
    """Adds questionnaire responses (unless ``found_too``: found already) and what hangs
    on them; returns the ids of their free texts (contributions)."""
    tables, texts = responses.found_with(session, ids, responses_too=not found_too)
    for table, rows in tables:
        add(table, rows)
    return texts


def _dedupe(rows: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    keep = []
    for row in rows:
        marker = json.dumps(row, sort_keys=True, default=str)
        if marker not in seen:
            seen.add(marker)
            keep.append(row)
    rows[:] = keep


def export_json(found: dict[str, list[dict[str, Any]]], settings: Settings) -> str:
    document = {
        "controller": settings.council_name,
        "contact": settings.council_email,
        "legal_basis": "DSGVO Art. 15 (right of access)",
        "data": found,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


# --- erasure -------------------------------------------------------------------------


def _delete_contributions(session: Session, ids: list[int], counts: dict[str, int]) -> None:
    """Deletes contributions and whatever hangs on them (found through the foreign keys),
    and has their recordings deleted at Twilio."""
    if not ids:
        return
    target = table_of(Contribution).c.id
    _count_at_carrier(counts, forget_recordings_at_carrier(session, target.in_(ids)))
    for table in reversed(_tables()):
        if table.name in (Contribution.__tablename__, "audit_event"):
            continue
        for fk in table.foreign_keys:
            if fk.column is not target:
                continue
            column = fk.parent
            if (fk.ondelete or "").upper() == "SET NULL":
                session.execute(update(table).where(column.in_(ids)).values({column.name: None}))
                continue
            result = session.exec(delete(table).where(column.in_(ids)))
            if result.rowcount:
                counts[table.name] = counts.get(table.name, 0) + result.rowcount
    result = session.exec(delete(table_of(Contribution)).where(target.in_(ids)))
    counts["contribution"] = counts.get("contribution", 0) + (result.rowcount or 0)


def _erase_responses(
    session: Session, ids: list[int], counts: dict[str, int], *, poll_too: bool = False
) -> None:
    """Questionnaire responses with their answers; their free texts go as contributions
    do (with their decisions and recordings)."""
    _delete_contributions(session, responses.texts_of(session, ids), counts)
    responses.delete_responses(session, ids, counts, poll_too=poll_too)


#: What a kept objection forgets: everything but the keyed hash and the objection itself.
FORGOTTEN_ON_OBJECTION = (
    "language",
    "rate_notice_at",
    "window_started_at",
    "erase_requested_at",
)


def _erase_by_column(
    session: Session, table: Table, column: Column, value: str, counts: dict[str, int]
) -> None:
    if table.name == Contribution.__tablename__:
        ids = [r[0] for r in session.execute(select(table.c.id).where(column == value)).all()]
        _delete_contributions(session, ids, counts)
        return
    if table.name in NOT_ERASED_HERE:
        return
    condition = column == value
    if "opted_out" in table.c:
        # A STOP objection outlives the erasure (Art. 21 before Art. 17): without it the
        # number would be texted again. The row holds nothing but the keyed hash.
        forgotten = {name: None for name in FORGOTTEN_ON_OBJECTION if name in table.c}
        session.execute(
            update(table).where(condition, table.c.opted_out.is_(True)).values(forgotten)
        )
        condition = condition & table.c.opted_out.is_(False)
    result = session.exec(delete(table).where(condition))
    if result.rowcount:
        counts[table.name] = counts.get(table.name, 0) + result.rowcount


def _count_at_carrier(counts: dict[str, int], queued: int) -> None:
    if queued:
        counts["at_twilio"] = counts.get("at_twilio", 0) + queued


def _finish(
    session: Session, counts: dict[str, int], *, via: str, staff_id: int | None, kind: str
) -> dict[str, int]:
    session.flush()
    # The trail says that and what was erased, never whom: no key, number or address.
    audit(
        session,
        "privacy.erase",
        staff_id=staff_id,
        object_type=kind,
        via=via,
        counts=dict(sorted(counts.items())),
    )
    return counts


def erase_phone_data(
    session: Session,
    settings: Settings,
    phone_key: str,
    *,
    via: str = "sms",
    staff_id: int | None = None,
) -> dict[str, int]:
    """Erases everything stored under one phone key (Art. 17); returns counts per table.

    Contributions from that number are deleted with their votes and moderation
    decisions; subscriptions, outbound messages, conversation state and rate-limit rows
    keyed on the number are deleted, except a STOP objection. Runs in the caller's
    transaction.
    """
    counts: dict[str, int] = {}
    if phone_key:
        # Twilio's records of the number's messages (number and text) go as well.
        _count_at_carrier(counts, forget_number_at_carrier(session, phone_key))
        contributions = table_of(Contribution)
        # Contributions first: their votes and decisions go with them; then the
        # questionnaire responses with their answers and free texts.
        _erase_by_column(session, contributions, contributions.c.author_key, phone_key, counts)
        _erase_responses(session, responses.responses_by_voter(session, phone_key), counts)
        for table, column in _columns(PHONE_KEY_COLUMNS):
            if table.name != Contribution.__tablename__:
                _erase_by_column(session, table, column, phone_key, counts)
    return _finish(session, counts, via=via, staff_id=staff_id, kind="phone")


def erase_email_data(
    session: Session, settings: Settings, email: str, *, via: str, staff_id: int | None = None
) -> dict[str, int]:
    counts: dict[str, int] = {}
    wanted = (email or "").strip().lower()
    if wanted:
        for table, column in _columns(EMAIL_COLUMNS):
            if table.name in NOT_ERASED_HERE:
                continue
            if table.name == Contribution.__tablename__:
                ids = [
                    r[0]
                    for r in session.execute(
                        select(table.c.id).where(func.lower(column) == wanted)
                    ).all()
                ]
                _delete_contributions(session, ids, counts)
                continue
            result = session.exec(delete(table).where(func.lower(column) == wanted))
            if result.rowcount:
                counts[table.name] = counts.get(table.name, 0) + result.rowcount
    return _finish(session, counts, via=via, staff_id=staff_id, kind="email")


def erase_reference(
    session: Session, settings: Settings, reference: str, *, via: str, staff_id: int | None = None
) -> dict[str, int]:
    """Erases one contribution (and its vote) found by its reference number, or one
    questionnaire response (its answers, free texts and poll answer)."""
    counts: dict[str, int] = {}
    number = parse_reference(reference)
    if number:
        votes = table_of(PollVote)
        contributions = table_of(Contribution)
        # The vote sent with the text goes with it (it would otherwise stay, unlinked).
        linked = votes.c.contribution_id.in_(
            select(contributions.c.id).where(contributions.c.reference == number)
        )
        result = session.exec(delete(votes).where(linked | (votes.c.voter_key == f"ref:{number}")))
        if result.rowcount:
            counts["poll_vote"] = result.rowcount
        ids = [
            r[0]
            for r in session.execute(
                select(table_of(Contribution).c.id).where(
                    table_of(Contribution).c.reference == number
                )
            ).all()
        ]
        _delete_contributions(session, ids, counts)
        found = responses.responses_by_reference(session, number)
        _erase_responses(session, found, counts, poll_too=True)
    return _finish(session, counts, via=via, staff_id=staff_id, kind="reference")


def erase_subject(
    session: Session,
    settings: Settings,
    *,
    phone: str | None = None,
    email: str | None = None,
    reference: str | None = None,
    staff_id: int | None = None,
) -> dict[str, int]:
    """The staff page's erase: every identifier given, one transaction, summed counts."""
    total: dict[str, int] = {}
    parts: list[dict[str, int]] = []
    if phone:
        key = resolve_phone(settings, phone)
        if key:
            parts.append(erase_phone_data(session, settings, key, via="staff", staff_id=staff_id))
    if email:
        parts.append(erase_email_data(session, settings, email, via="staff", staff_id=staff_id))
    if reference:
        parts.append(erase_reference(session, settings, reference, via="staff", staff_id=staff_id))
    for part in parts:
        for name, count in part.items():
            total[name] = total.get(name, 0) + count
    return total


def look_up_subject(
    session: Session,
    settings: Settings,
    *,
    action: str,
    staff_id: int,
    phone: str | None = None,
    email: str | None = None,
    reference: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """find_subject_data, recorded: looking at a person's data is itself audited, with
    the kinds of key used, never the keys."""
    found = find_subject_data(session, settings, phone=phone, email=email, reference=reference)
    keys = {"email": email, "phone": phone, "reference": reference}
    audit(session, action, staff_id=staff_id, by=sorted(name for name, v in keys.items() if v))
    return found
