"""Telling residents who asked ("text me the results") that the result is published.

The SMS channel keeps those requests in channels/sms/models.SmsNotifyRequest: the number
encrypted, with the person's SMS language. On publication each request becomes one
outbox message in the same transaction (sent later by the worker), and the request with
its number is deleted: it was kept only for this message.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from participation.consultations.models import Consultation
from participation.crypto import decrypt
from participation.i18n import catalogs
from participation.settings import LANGUAGES, Settings

log = logging.getLogger(__name__)


def _notify_model():  # noqa: ANN202
    """The request table, if the SMS channel is installed; None otherwise."""
    try:
        from participation.channels.sms.models import SmsNotifyRequest
    except ImportError:
        return None
    return SmsNotifyRequest


def result_sms_text(settings: Settings, consultation: Consultation, language: str) -> str:
    from participation.web.templating import templates

    lang = language if language in LANGUAGES else "de"
    token = catalogs.current_language.set(lang)
    try:
        link = f"{settings.public_base_url}/{lang}/c/{consultation.slug}/results"
        return (
            templates.env.get_template("results/sms_published.txt")
            .render(consultation=consultation, link=link, settings=settings)
            .strip()
        )
    finally:
        catalogs.current_language.reset(token)


def notify_result_subscribers(
    session: Session, settings: Settings, consultation: Consultation
) -> int:
    """Queues one SMS per notification request of the consultation; returns how many."""
    model = _notify_model()
    if model is None:
        return 0
    from participation.outbox.service import enqueue_sms

    requests = session.exec(select(model).where(model.consultation_id == consultation.id)).all()
    queued = 0
    for request in requests:
        number = decrypt(settings.secret_key, request.number_encrypted)
        if number is None:
            # Encrypted under another SECRET_KEY: cannot be read, so cannot be used.
            log.warning("result notification %s: number not readable", request.id)
        else:
            enqueue_sms(
                session,
                settings.secret_key,
                number,
                result_sms_text(settings, consultation, getattr(request, "language", "de")),
                idempotency_key=f"results:{consultation.id}:{request.phone_key}",
            )
            queued += 1
        session.delete(request)
    return queued
