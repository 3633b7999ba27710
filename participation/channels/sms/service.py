"""The SMS conversation: parse -> act through the one write path -> reply text.

handle_sms() runs inside the caller's write transaction and writes the inbound log row
(unique MessageSid) last, with the reply given. A second delivery of the same message
meets that row at the end (racing on PostgreSQL, it waits for the first to commit),
undoes its own work and returns the first delivery's reply. Contributions go through
contributions.service.submit_contribution and poll answers through submit_vote, exactly
as on the web.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, update
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from participation.channels.sms import (
    commands,
    conversation,
    questionnaire,
    replies,
    twilio_keywords,
)
from participation.channels.sms import questionnaire_replies as questionnaire_texts
from participation.channels.sms.models import InboundSms
from participation.channels.sms.parser import (
    LEADING_COMMANDS,
    SMS_LANGUAGES,
    Intent,
    ParsedSms,
    detect_languages,
    parse_sms,
)
from participation.channels.sms.turn import Contact, Turn
from participation.clock import utcnow
from participation.db import dialect_insert, dialect_of, insert_or_skip, table_of
from participation.outbox.carrier import forget_inbound
from participation.outbox.consent import SmsContact
from participation.phones import masked, phone_key
from participation.settings import Settings
from participation.tenancy import council_or_first

#: Twilio takes at most 1,600 characters; a longer body is refused politely.
MAX_BODY = 1600
RATE_WINDOW = timedelta(hours=1)


def masked_number(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return masked(digits) if len(digits) >= 3 else "•••"


def handle_sms(
    session: Session,
    settings: Settings,
    from_e164: str,
    body: str | None,
    message_sid: str,
    num_media: int = 0,
    *,
    shared_sender: bool = False,
    opt_out_type: str = "",
    media_urls: Sequence[str] = (),
) -> str | None:
    """Answers one inbound SMS; returns the reply text, or None for no reply at all.

    ``shared_sender``: the message came from a sender name or short code, not from one
    person's number (participation.phones.is_personal_number). ``opt_out_type``: the
    webhook's OptOutType, set when Twilio's Advanced Opt-Out answered the message.
    ``media_urls``: its pictures, deleted at Twilio with it (participation.outbox.carrier).

    A delivery Twilio retries is answered in full once more and then meets the first
    delivery's log row: its work is rolled back and the first reply returned. That costs
    the rare retry a little and saves every other message a look-up.
    """
    key = phone_key(settings.secret_key, from_e164)
    raw = body or ""
    now = utcnow()
    parsed, answered = _parse(settings, raw, opt_out_type)
    contact = _contact(session, key, parsed.languages[0] if parsed.languages else None, now)
    turn = Turn(session, settings, from_e164, key, message_sid, num_media, parsed, contact, now=now)
    turn.shared_sender = shared_sender
    turn.twilio_answered = answered
    turn.language = _pick_language(parsed, contact)

    reply = _answer(turn, raw)
    if _log_inbound(turn, raw, reply) is None:
        # Another delivery of this message came first (or, racing on PostgreSQL, committed
        # first): this one's work is undone and the person gets that delivery's reply.
        session.rollback()
        earlier = _logged(session, message_sid)
        return earlier.reply if earlier is not None else None
    forget_inbound(session, message_sid, media_urls)
    if not turn.forgotten:
        _remember(turn, contact)
    return reply


def _log_inbound(turn: Turn, raw: str, reply: str | None) -> int | None:
    """The message's log row (its id), or None when a delivery of it is logged already."""
    return insert_or_skip(
        turn.session,
        InboundSms,
        {
            "message_sid": turn.message_sid,
            "from_key": None if turn.forgotten else turn.key,
            "from_masked": None if turn.forgotten else masked_number(turn.number),
            "num_media": max(0, turn.num_media),
            "body_chars": len(raw),
            "intent": turn.logged_intent or turn.parsed.intent.value,
            "language": turn.language or "",
            "consultation_id": turn.consultation_id,
            "contribution_id": turn.contribution_id,
            "reply": reply,
            "created_at": turn.now,
        },
    )


def _parse(settings: Settings, raw: str, opt_out_type: str) -> tuple[ParsedSms, bool]:
    """What the message asks for, and whether Twilio answered it already (a Messaging
    Service's Advanced Opt-Out, see twilio_keywords)."""
    if len(raw) <= MAX_BODY:
        parsed = parse_sms(raw)
    else:
        parsed = ParsedSms(Intent.unknown, languages=detect_languages(raw))
    advanced = settings.twilio_advanced_opt_out and bool(settings.twilio_messaging_service_sid)
    answered = twilio_keywords.answered_by_twilio(opt_out_type, raw, advanced)
    if answered is None:
        return parsed, False
    return ParsedSms(answered, languages=parsed.languages, twilio_keyword=True), True


def _remember(turn: Turn, contact: Contact) -> None:
    """What this message changed in the number's state, its language included."""
    if turn.parsed.languages and turn.language:
        contact.language = turn.language
    _save_contact(turn.session, turn.key, contact)


def _logged(session: Session, message_sid: str) -> Row | None:
    return session.execute(
        select(InboundSms.reply).where(InboundSms.message_sid == message_sid)
    ).first()


def _pick_language(parsed: ParsedSms, contact: Contact) -> str | None:
    if parsed.languages:
        if contact.language in parsed.languages:
            return contact.language
        return parsed.languages[0]
    return contact.language if contact.language in SMS_LANGUAGES else None


def _answer(turn: Turn, raw: str) -> str | None:
    parsed = turn.parsed
    if turn.twilio_answered:
        # Twilio's Messaging Service answered it (Advanced Opt-Out): we record what it
        # means and stay silent, so that no one gets two answers to one message.
        if parsed.intent is Intent.stop:
            _end_questionnaire(turn)
            commands.stop(turn)
        elif parsed.intent is Intent.start:
            commands.start(turn)
        return None
    # Opt-out, opt-in and erasure are honoured before any limit. STOP ends an open
    # questionnaire too: nothing of it is stored.
    if parsed.intent is Intent.stop:
        return commands.stop(turn, questionnaire=_end_questionnaire(turn))
    if parsed.intent is Intent.start or (
        # Twilio opts a number back in on a bare YES; so do we.
        turn.contact.opted_out and parsed.intent is Intent.vote and parsed.twilio_keyword
    ):
        return _start(turn)
    if parsed.intent is Intent.delete:
        if turn.shared_sender:
            return turn.quiet(replies.shared_sender(turn.lang()))
        # The erasure takes an open questionnaire with it (privacy finds it by phone_key).
        return commands.delete(turn)

    if len(raw) > MAX_BODY:
        return turn.quiet(replies.too_long(turn.lang(), length=len(raw), limit=MAX_BODY))
    if _over_rate_limit(turn):
        notice = turn.contact.rate_notice_at
        if notice is None or notice <= turn.now - RATE_WINDOW:
            turn.contact.rate_notice_at = turn.now
            return turn.quiet(replies.rate_limited(turn.lang()))
        return None
    if turn.shared_sender and (
        commands.needs_identity(parsed) or parsed.intent is Intent.questionnaire
    ):
        # A sender name or short code is shared by many: no vote, STATUS, ERGEBNIS or
        # questionnaire.
        return turn.quiet(replies.shared_sender(turn.lang()))
    if commands.erase_pending(turn) and commands.is_bare_yes(parsed):
        # A bare JA just after LÖSCHEN answers that question, not the poll: ask again.
        return commands.delete(turn)
    if parsed.intent is Intent.questionnaire:
        return turn.quiet(questionnaire.begin(turn))
    in_questionnaire = _in_questionnaire(turn, raw)
    if in_questionnaire is not None:
        return turn.quiet(in_questionnaire)
    if parsed.empty:
        example = conversation.example_code(turn)
        return turn.quiet(replies.empty(turn.lang(), media=turn.num_media > 0, code=example))
    handler = {
        Intent.vote: conversation.vote,
        Intent.help: conversation.help_text,
        Intent.info: conversation.info,
        Intent.notify: conversation.notify,
        Intent.status: conversation.status,
    }.get(parsed.intent, conversation.contribute)
    return turn.quiet(handler(turn))


def _start(turn: Turn) -> str:
    """START alone: replies again, and an open questionnaire begins anew."""
    reply = commands.start(turn)
    progress = None if turn.shared_sender else questionnaire.open_progress(turn)
    return reply if progress is None else questionnaire.restart(turn, progress)


def _end_questionnaire(turn: Turn) -> bool:
    progress = questionnaire.open_progress(turn)
    if progress is None:
        return False
    questionnaire.forget_progress(turn.session, progress)
    return True


def _in_questionnaire(turn: Turn, raw: str) -> str | None:
    """The reply when the message answers an open questionnaire (or one forgotten after
    a day); None when it is something else: a command alone, another consultation's
    code, or no questionnaire at all."""
    parsed = turn.parsed
    command_alone = not parsed.text and not parsed.raw_argument
    if turn.shared_sender or (
        parsed.intent in LEADING_COMMANDS and command_alone and parsed.intent is not Intent.help
    ):
        return None
    progress = questionnaire.open_progress(turn)
    if parsed.intent is Intent.help and command_alone:
        # HILFE in a questionnaire: its own words (ZURÜCK, ENDE, WEITER) and the usual.
        return None if progress is None else questionnaire.help_text(turn, progress)
    if progress is None:
        if not questionnaire.looks_like_an_answer(turn, raw):
            return None
        code = questionnaire.forgotten_code(turn)
        return questionnaire_texts.expired(turn.lang(), code=code) if code else None
    if not questionnaire.answers_it(turn, progress):
        return None
    return questionnaire.answer(turn, progress, raw)


def _over_rate_limit(turn: Turn) -> bool:
    """Over the hourly cap; an open questionnaire adds what its questions need (each
    answered, corrected once), so a long survey can be finished in one sitting."""
    count, cap = turn.contact.window_count, turn.settings.sms_per_hour
    if count <= cap:
        return False
    progress = None if turn.shared_sender else questionnaire.open_progress(turn)
    return progress is None or count > cap + questionnaire.messages_needed(turn, progress)


def _contact(session: Session, key: str, language: str | None, now: datetime) -> Contact:
    """This number's conversation state, created or touched, its hourly count moved on.

    One statement; on PostgreSQL the row stays locked until the transaction ends, so two
    messages from one number take turns (and are counted one after the other).
    """
    values = {
        "phone_key": key,
        "council_id": council_or_first(session),
        "language": language,
        "updated_at": now,
        "window_started_at": now,
        "window_count": 1,
        "window_cutoff": now - RATE_WINDOW,
    }
    row = session.execute(_contact_upsert(dialect_of(session)), values).one()
    return Contact(
        language=row.language,
        opted_out=row.opted_out,
        opted_out_at=row.opted_out_at,
        rate_notice_at=row.rate_notice_at,
        window_count=row.window_count,
        erase_requested_at=row.erase_requested_at,
    )


def _save_contact(session: Session, key: str, contact: Contact) -> None:
    """What this turn changed in the number's state (language, opt-out, notice), if anything."""
    now = contact.changes()
    changed = {name: value for name, value in now.items() if contact.found[name] != value}
    if changed:
        session.execute(
            update(SmsContact).where(col(SmsContact.phone_key) == key).values(**changed)
        )


@functools.cache
def _contact_upsert(dialect: str):
    table = table_of(SmsContact)
    statement = dialect_insert(dialect)(table)
    in_window = table.c.window_started_at > bindparam("window_cutoff")
    return statement.on_conflict_do_update(
        index_elements=["council_id", "phone_key"],
        set_={
            "updated_at": statement.excluded.updated_at,
            "window_count": case((in_window, table.c.window_count + 1), else_=1),
            "window_started_at": case(
                (in_window, table.c.window_started_at), else_=statement.excluded.updated_at
            ),
        },
    ).returning(
        table.c.language,
        table.c.opted_out,
        table.c.opted_out_at,
        table.c.rate_notice_at,
        table.c.window_count,
        table.c.erase_requested_at,
    )


# -- for staff pages -------------------------------------------------------------------------


def masked_senders(session: Session, contribution_ids: list[int]) -> dict[int, str]:
    """Contribution id -> the sender's last three digits, for the moderation queue."""
    if not contribution_ids:
        return {}
    rows = session.exec(
        select(InboundSms.contribution_id, InboundSms.from_masked).where(
            col(InboundSms.contribution_id).in_(contribution_ids),
            col(InboundSms.from_masked).is_not(None),
        )
    ).all()
    return {cid: shown for cid, shown in rows if cid is not None and shown}
