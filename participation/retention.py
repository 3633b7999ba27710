"""The deletion concept (DSGVO Art. 5(1)(c) and (e)): contact data is kept only while needed.

``apply_retention`` runs in the worker (and from tests with a moved clock). What it does,
and why, is listed in README.md ("Operations"):

- When a consultation's retention period runs out (``retention_days`` after it closed),
  every link from its contributions and votes to a phone number goes (the keyed hash),
  voice recordings and the text before a moderator's redaction are deleted, and contact
  data in other tables for that consultation (result-notification numbers, call-back
  numbers, e-mail addresses, masked numbers) is blanked, or the row deleted where it
  means nothing without it. The published texts and the vote counts stay: they are the
  consultation's result.
- A voice recording is deleted as soon as it has been transcribed and the transcript
  was published: from then on the text is the contribution.
- Unassigned contributions (texts nobody could place) and contact data tied to no
  consultation (a call that chose none, a barrier report's e-mail address) go after
  ``UNASSIGNED_RETENTION_DAYS``. A row that records an objection (``opted_out``: the
  person texted STOP) stays: it holds only the keyed hash, and without it we would text
  them again.
- Outbound messages lose their recipient after ``OUTBOX_KEEP_DAYS`` once final.
- Whatever goes here goes at Twilio too (participation.outbox.carrier): a recording
  whose ``recording_url`` is cleared is deleted there and our copy of it here; an
  outbound message still held there is deleted with its row. Finished deletion jobs go
  after 30 days (the audit trail keeps what was deleted).
- Login-throttle rows (keyed hashes of client addresses) are deleted once expired.
- Short-lived caches say so in their table's ``info``: ``keep_hours`` deletes rows older
  than that (the phone line's cached answers, which may read a typed number back);
  ``forget_hours`` blanks the ``forget_columns`` (a call's caller hash and typed
  call-back number). Both are a day, whether or not another call comes in to purge them.

Every run that changed something writes to the audit trail: what, how many, never whom.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, String, Table, cast, delete, literal, or_, select, update
from sqlmodel import Session, SQLModel, col

from participation.accounts.throttle import purge_expired
from participation.carrier_deletions import forget_recordings_at_carrier
from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.consultations.service import clamp_retention_days
from participation.contributions.models import Contribution, PollVote, Status
from participation.contributions.recordings import RecordingAudio
from participation.db import table_of
from participation.moderation.service import audit
from participation.outbox.carrier import forget_now, purge_finished
from participation.outbox.models import CarrierKind, OutboundMessage, OutboundStatus
from participation.privacy import EMAIL_COLUMNS, PHONE_KEY_COLUMNS
from participation.questionnaires.models import QuestionnaireResponse
from participation.settings import Settings

UNASSIGNED_RETENTION_DAYS = 180
#: Long enough to answer "did my SMS arrive?" and to read delivery receipts.
OUTBOX_KEEP_DAYS = 30
FINAL_OUTBOUND = (
    OutboundStatus.sent,
    OutboundStatus.delivered,
    OutboundStatus.undelivered,
    OutboundStatus.failed,
)
#: Tables whose own handling is below, staff accounts and councils (not a resident's
#: contact data: a council's e-mail address is its office's).
_HANDLED = frozenset(
    {
        "contribution",
        "poll_vote",
        "questionnaire_response",
        "outbound_message",
        "audit_event",
        "staff_user",
        "council",
        "recording_audio",
        "carrier_deletion",
    }
)
#: The first of these a table has tells how old a row is.
_AGE_COLUMNS = ("created_at", "started_at", "at", "updated_at")


def retention_ends(consultation: Consultation) -> datetime | None:
    """When the consultation's contact data must be gone; None while it has no end.

    The stored period is read within the bounds the form and the service enforce
    (consultations.service.clamp_retention_days): a value saved before them, or written
    by hand, can neither end a running consultation's data (a negative period) nor run
    the date past the calendar (a huge one). An end so close to year 9999 that even the
    longest period overflows means no end at all."""
    end = consultation.closes_at or consultation.results_published_at
    if end is None:
        return None
    try:
        return end + timedelta(days=clamp_retention_days(consultation.retention_days))
    except OverflowError:
        return None


def _contact_tables() -> list[tuple[Table, list[Column]]]:
    """Other tables holding contact data: phone keys, e-mail addresses, encrypted numbers.

    Found through the metadata (complete once the assembly imported participation.tables),
    so tables added by other modules are covered as soon as
    they name their columns like the rest of the schema.
    """
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _HANDLED:
            continue
        contact = [
            c
            for c in table.columns
            if c.name in PHONE_KEY_COLUMNS
            or c.name in EMAIL_COLUMNS
            or c.name.endswith(("_encrypted", "_masked"))
        ]
        if contact:
            found.append((table, contact))
    return found


def _forget(
    session: Session, table: Table, contact: list[Column], where: Any, counts: dict[str, int]
) -> None:
    """Blanks the contact columns where the row means something without them (a call in
    the service report); deletes the row where it does not (a required number)."""
    if all(c.nullable for c in contact):
        _count(
            counts,
            table.name,
            session.execute(
                update(table)
                .where(where, or_(*(c.is_not(None) for c in contact)))
                .values({c.name: None for c in contact})
            ),
        )
    else:
        _count(counts, table.name, session.execute(delete(table).where(where)))


def _count(counts: dict[str, int], name: str, result: Any) -> None:
    if result.rowcount and result.rowcount > 0:
        counts[name] = counts.get(name, 0) + result.rowcount


def _forget_audio(session: Session, where: Any, counts: dict[str, int]) -> None:
    """Before a recording_url goes: the recording at Twilio (if still there) and our
    copy of it go too."""
    _add(counts, "recordings_at_twilio", forget_recordings_at_carrier(session, where))
    contributions = table_of(Contribution)
    audio = table_of(RecordingAudio)
    chosen = select(contributions.c.id).where(where, contributions.c.recording_url.is_not(None))
    _count(
        counts,
        "recording_audio",
        session.execute(delete(audio).where(audio.c.contribution_id.in_(chosen))),
    )


def _add(counts: dict[str, int], name: str, number: int) -> None:
    if number > 0:
        counts[name] = counts.get(name, 0) + number


def _strip_contributions(session: Session, where: Any, counts: dict[str, int]) -> None:
    table = table_of(Contribution)
    _forget_audio(session, where, counts)
    for column, name in (
        (table.c.author_key, "phone_links"),
        (table.c.recording_url, "recordings"),
        (table.c.body_original, "texts_before_redaction"),
    ):
        _count(
            counts,
            name,
            session.execute(
                update(table).where(where, column.is_not(None)).values({column.name: None})
            ),
        )


def _expire_consultation(session: Session, consultation: Consultation) -> dict[str, int]:
    counts: dict[str, int] = {}
    contributions = table_of(Contribution)
    _strip_contributions(session, contributions.c.consultation_id == consultation.id, counts)
    # The vote and the questionnaire response stay (they are part of the result); the
    # phone key that made them one per number is replaced by a meaningless unique value.
    # "ref:" keys are not contact data.
    for model, name in (
        (PollVote, "vote_phone_links"),
        (QuestionnaireResponse, "response_phone_links"),
    ):
        rows = table_of(model)
        _count(
            counts,
            name,
            session.execute(
                update(rows)
                .where(
                    rows.c.consultation_id == consultation.id,
                    ~rows.c.voter_key.startswith("ref:"),
                    ~rows.c.voter_key.startswith("anon:"),
                )
                .values(voter_key=literal("anon:") + cast(rows.c.id, String))
            ),
        )
    for table, contact in _contact_tables():
        if "consultation_id" in table.columns:
            _forget(session, table, contact, table.c.consultation_id == consultation.id, counts)
    return counts


def _age_column(table: Table) -> Column | None:
    return next((table.c[name] for name in _AGE_COLUMNS if name in table.columns), None)


def _expire_short_lived(session: Session, now: datetime, counts: dict[str, int]) -> None:
    """Tables that declare in their ``info`` how long their rows or columns may live."""
    for table in SQLModel.metadata.sorted_tables:
        age = _age_column(table)
        if age is None:
            continue
        keep_hours = table.info.get("keep_hours")
        if keep_hours is not None:
            cutoff = now - timedelta(hours=keep_hours)
            _count(counts, table.name, session.execute(delete(table).where(age <= cutoff)))
        forget_hours = table.info.get("forget_hours")
        if forget_hours is not None:
            after = timedelta(hours=forget_hours)
            columns = [table.c[name] for name in table.info["forget_columns"]]
            _count(
                counts,
                table.name,
                session.execute(
                    update(table)
                    .where(age <= now - after, or_(*(c.is_not(None) for c in columns)))
                    .values({c.name: None for c in columns})
                ),
            )


def apply_retention(
    session: Session, settings: Settings, now: datetime | None = None
) -> dict[str, int]:
    """One pass of the deletion concept; returns what it removed, summed over everything."""
    now = now or utcnow()
    totals: dict[str, int] = {}

    def record(action: str, object_type: str, object_id: object, counts: dict[str, int]) -> None:
        if not counts:
            return
        audit(
            session,
            action,
            staff_id=None,
            object_type=object_type,
            object_id=object_id,
            counts=dict(sorted(counts.items())),
        )
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count

    for consultation in _consultations_past_retention(session, now):
        record(
            "retention.expired",
            "consultation",
            consultation.id,
            _expire_consultation(session, consultation),
        )
    record("retention.recordings_transcribed", "contribution", "", _forget_recordings(session))
    record("retention.unassigned", "", "", _forget_unassigned(session, now))
    record("retention.outbox", "outbound_message", "", _clear_outbox(session, now))
    short_lived: dict[str, int] = {}
    _expire_short_lived(session, now, short_lived)
    record("retention.short_lived", "", "", short_lived)

    purge_expired(session, now)
    session.flush()
    return totals


def _consultations_past_retention(session: Session, now: datetime) -> list[Consultation]:
    candidates = session.execute(
        select(Consultation).where(
            or_(
                col(Consultation.closes_at).is_not(None),
                col(Consultation.results_published_at).is_not(None),
            )
        )
    ).scalars()
    return [c for c in candidates if (ends := retention_ends(c)) is not None and ends <= now]


def _forget_recordings(session: Session) -> dict[str, int]:
    """A published contribution's recording goes once its transcript stands in for it."""
    contributions = table_of(Contribution)
    transcribed: dict[str, int] = {}
    published = (contributions.c.status == Status.published) & (contributions.c.body != "")
    _forget_audio(session, published, transcribed)
    _count(
        transcribed,
        "recordings",
        session.execute(
            update(contributions)
            .where(contributions.c.recording_url.is_not(None), published)
            .values(recording_url=None)
        ),
    )
    return transcribed


def _forget_unassigned(session: Session, now: datetime) -> dict[str, int]:
    contributions = table_of(Contribution)
    unassigned: dict[str, int] = {}
    _strip_contributions(
        session,
        (contributions.c.consultation_id.is_(None))
        & (contributions.c.created_at <= now - timedelta(days=UNASSIGNED_RETENTION_DAYS)),
        unassigned,
    )
    # Contact data tied to no consultation (a call that never chose one, a call-back
    # request about the council in general) runs out after the same fixed period.
    cutoff = now - timedelta(days=UNASSIGNED_RETENTION_DAYS)
    for table, contact in _contact_tables():
        age = _age_column(table)
        if age is None:
            continue
        where = age <= cutoff
        if "consultation_id" in table.columns:
            where = where & table.c.consultation_id.is_(None)
        if "opted_out" in table.columns:
            where = where & (table.c.opted_out == False)  # noqa: E712
        _forget(session, table, contact, where, unassigned)
    return unassigned


def _clear_outbox(session: Session, now: datetime) -> dict[str, int]:
    outbox: dict[str, int] = {}
    messages = table_of(OutboundMessage)
    old = messages.c.status.in_(FINAL_OUTBOUND) & (
        messages.c.updated_at <= now - timedelta(days=OUTBOX_KEEP_DAYS)
    )
    # Long deleted at Twilio as a rule; any still queued there goes now.
    sids = session.execute(
        select(messages.c.provider_sid, messages.c.council_id).where(
            old, messages.c.provider_sid.is_not(None)
        )
    ).all()
    queued = forget_now(session, CarrierKind.message, [(row[0], row[1]) for row in sids])
    _add(outbox, "messages_at_twilio", queued)
    _count(outbox, "outbound_messages", session.execute(delete(messages).where(old)))
    _add(outbox, "carrier_deletion_jobs", purge_finished(session, now))
    return outbox
