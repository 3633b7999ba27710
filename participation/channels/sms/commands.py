"""STOP, START and LÖSCHEN: what a number wants done with it, honoured before any limit."""

from __future__ import annotations

from datetime import timedelta

from participation.channels.sms import replies
from participation.channels.sms.parser import Intent, ParsedSms
from participation.channels.sms.turn import Turn
from participation.contributions.models import Contribution, PollVote
from participation.db import table_of
from participation.outbox.consent import cancel_queued
from participation.privacy import erase_phone_data
from participation.results.models import SmsNotifyRequest


def stop(turn: Turn, *, questionnaire: bool = False) -> str | None:
    """The number opts out; ``questionnaire``: an open one was ended with it (said)."""
    contact = turn.contact
    already = contact.opted_out
    contact.opted_out = True
    contact.opted_out_at = turn.now
    cancel_queued(turn.session, turn.key, "opted_out")
    # Twilio confirms its own opt-out words itself and would block our reply anyway;
    # for STOPP and the other languages' words the confirmation is ours to send.
    if turn.parsed.twilio_keyword or already:
        return None
    return replies.stopped(turn.lang(), questionnaire=questionnaire)


# -- erasure (LÖSCHEN, then LÖSCHEN JA) ----------------------------------------------------

#: How long the question LÖSCHEN asks waits for its LÖSCHEN JA.
ERASE_CONFIRM_TIME = timedelta(minutes=15)


def needs_identity(parsed: ParsedSms) -> bool:
    """What acts on "this number": erasure, votes, STATUS without a reference, results
    by SMS. A sender name or short code is shared by many, so none of it is theirs."""
    if parsed.intent in (Intent.delete, Intent.vote, Intent.notify):
        return True
    return parsed.intent is Intent.status and parsed.reference is None


def erase_pending(turn: Turn) -> bool:
    asked = turn.contact.erase_requested_at
    return asked is not None and asked > turn.now - ERASE_CONFIRM_TIME


def is_bare_yes(parsed: ParsedSms) -> bool:
    return (
        parsed.intent is Intent.vote
        and parsed.vote == "yes"
        and parsed.code is None
        and not parsed.text
    )


def delete(turn: Turn) -> str | None:
    """LÖSCHEN asks first, since published texts go too; LÖSCHEN JA within
    ERASE_CONFIRM_TIME erases. A number that opted out gets no replies, so it cannot be
    asked: there LÖSCHEN JA alone is the confirmation."""
    confirmed = turn.parsed.confirmed and (erase_pending(turn) or turn.contact.opted_out)
    if confirmed:
        return _erase(turn)
    turn.contact.erase_requested_at = turn.now
    minutes = int(ERASE_CONFIRM_TIME.total_seconds() // 60)
    return turn.quiet(replies.erase_question(turn.lang(), minutes=minutes))


def _erase(turn: Turn) -> str | None:
    """The project's one erasure path (participation.privacy), which finds every table
    holding this number's key; the reply says what went (GDPR Art. 17)."""
    language = turn.lang()
    opted_out = turn.contact.opted_out
    # This message's own log row is written afterwards, unlinked, so a retried delivery
    # gets this reply.
    turn.forgotten = True
    # An objection (STOP) is kept by the erasure: no reply to a number that opted out.
    counts = erase_phone_data(turn.session, turn.settings, turn.key, via="sms")
    if opted_out:
        return None
    return replies.deleted(
        language,
        texts=counts.get(table_of(Contribution).name, 0),
        votes=counts.get(table_of(PollVote).name, 0),
        requests=counts.get(table_of(SmsNotifyRequest).name, 0),
        kept=0,
    )


def start(turn: Turn) -> str:
    turn.contact.opted_out = False
    turn.contact.opted_out_at = None
    return replies.started(turn.lang())
