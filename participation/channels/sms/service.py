"""The SMS conversation: parse -> act through the one write path -> reply text.

handle_sms() runs inside the caller's write transaction. It first inserts the message's
row in the inbound log (unique MessageSid): a second delivery of the same message either
finds that row, or, racing on PostgreSQL, waits on the unique index and then reads the
first delivery's reply. Contributions go through contributions.service.submit_contribution
and poll answers through record_vote, exactly as on the web.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from participation.channels.sms import commands, conversation, replies
from participation.channels.sms.models import InboundSms, SmsContact
from participation.channels.sms.parser import (
    SMS_LANGUAGES,
    Intent,
    ParsedSms,
    detect_languages,
    parse_sms,
)
from participation.channels.sms.turn import Turn
from participation.phones import masked, phone_key
from participation.settings import Settings

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
) -> str | None:
    """Answers one inbound SMS; returns the reply text, or None for no reply at all."""
    earlier = _logged(session, message_sid)
    if earlier is not None:
        return earlier.reply
    key = phone_key(settings.secret_key, from_e164)
    raw = body or ""
    log = InboundSms(
        message_sid=message_sid,
        from_key=key,
        from_masked=masked_number(from_e164),
        num_media=max(0, num_media),
        body_chars=len(raw),
    )
    savepoint = session.begin_nested()
    session.add(log)
    try:
        session.flush()
    except IntegrityError:
        # Another delivery of this message got there first and has committed by now.
        savepoint.rollback()
        earlier = _logged(session, message_sid)
        return earlier.reply if earlier is not None else None
    savepoint.commit()

    contact = _contact(session, key)
    if len(raw) <= MAX_BODY:
        parsed = parse_sms(raw)
    else:
        parsed = ParsedSms(Intent.unknown, languages=detect_languages(raw))
    turn = Turn(session, settings, from_e164, key, message_sid, num_media, parsed, contact, log)
    turn.language = _pick_language(parsed, contact)
    if parsed.languages and turn.language:
        contact.language = turn.language

    reply = _answer(turn, raw)
    if turn.log in session:  # LÖSCHEN anonymises the log but keeps the row for retries
        turn.log.intent = parsed.intent.value
        turn.log.language = turn.language or ""
        turn.log.reply = reply
        session.add(turn.log)
    if contact in session:
        contact.updated_at = turn.now
        session.add(contact)
    session.flush()
    return reply


def _logged(session: Session, message_sid: str) -> InboundSms | None:
    return session.exec(select(InboundSms).where(InboundSms.message_sid == message_sid)).first()


def _contact(session: Session, key: str) -> SmsContact:
    found = session.exec(select(SmsContact).where(SmsContact.phone_key == key)).first()
    if found is not None:
        return found
    contact = SmsContact(phone_key=key)
    savepoint = session.begin_nested()
    session.add(contact)
    try:
        session.flush()
    except IntegrityError:
        # The same number's other message (another MessageSid) created it a moment ago.
        savepoint.rollback()
        return session.exec(select(SmsContact).where(SmsContact.phone_key == key)).one()
    savepoint.commit()
    return contact


def _pick_language(parsed: ParsedSms, contact: SmsContact) -> str | None:
    if parsed.languages:
        if contact.language in parsed.languages:
            return contact.language
        return parsed.languages[0]
    return contact.language if contact.language in SMS_LANGUAGES else None


def _answer(turn: Turn, raw: str) -> str | None:
    parsed = turn.parsed
    # Opt-out, opt-in and erasure are honoured before any limit.
    if parsed.intent is Intent.stop:
        return commands.stop(turn)
    if parsed.intent is Intent.start or (
        # Twilio opts a number back in on a bare YES; so do we.
        turn.contact.opted_out and parsed.intent is Intent.vote and parsed.twilio_keyword
    ):
        return commands.start(turn)
    if parsed.intent is Intent.delete:
        return commands.delete(turn)

    if len(raw) > MAX_BODY:
        return turn.quiet(replies.too_long(turn.lang(), length=len(raw), limit=MAX_BODY))
    if _over_rate_limit(turn):
        notice = turn.contact.rate_notice_at
        if notice is None or notice <= turn.now - RATE_WINDOW:
            turn.contact.rate_notice_at = turn.now
            return turn.quiet(replies.rate_limited(turn.lang()))
        return None
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


def _over_rate_limit(turn: Turn) -> bool:
    count = turn.session.exec(
        select(func.count())
        .select_from(InboundSms)
        .where(
            InboundSms.from_key == turn.key,
            col(InboundSms.created_at) > turn.now - RATE_WINDOW,
            InboundSms.id != turn.log.id,
        )
    ).one()
    return count >= turn.settings.sms_per_hour


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
