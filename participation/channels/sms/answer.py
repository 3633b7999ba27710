"""How the SMS door's answer reaches the resident: as TwiML <Message> in Twilio's US1
region, or through the outbox everywhere else.

Twilio offers <Message> in US1 only (error 13803), so a council in another region (ie1)
answers its webhook with an empty <Response/> and queues the reply in the same
transaction as the inbound message's handling; the worker sends it at once through the
REST API with the council's account, region and sender (outbox.models.REPLY), and its
record at Twilio is deleted like every message the worker sends.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from participation.channels.sms.service import handle_sms
from participation.channels.suspended import sms_notice_once_a_day
from participation.outbox.carrier import forget_inbound
from participation.outbox.service import enqueue_reply
from participation.settings import Settings
from participation.twilio import replies_in_twiml


def answer_sms(
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
    """handle_sms(); returns the reply for TwiML, or None when there is none or it is
    queued. A delivery Twilio retries gets the first delivery's reply from handle_sms,
    which the idempotency key finds queued already: one reply, however many deliveries."""
    reply = handle_sms(
        session,
        settings,
        from_e164,
        body,
        message_sid,
        num_media,
        shared_sender=shared_sender,
        opt_out_type=opt_out_type,
        media_urls=media_urls,
    )
    return _twiml_or_queued(session, settings, from_e164, reply, message_sid)


def answer_suspended(
    session: Session,
    settings: Settings,
    from_e164: str,
    notice: str,
    message_sid: str,
    media_urls: Sequence[str] = (),
) -> str | None:
    """A suspended council's notice (once a day a sender); nothing of the message kept."""
    text = sms_notice_once_a_day(session, settings, from_e164, notice)
    forget_inbound(session, message_sid, media_urls)
    return _twiml_or_queued(session, settings, from_e164, text, message_sid)


def _twiml_or_queued(
    session: Session, settings: Settings, to: str, reply: str | None, message_sid: str
) -> str | None:
    if reply is None or replies_in_twiml(settings):
        return reply
    enqueue_reply(session, settings.secret_key, to, reply, message_sid)
    return None
