"""Telling residents who asked ("text me the results") that the result is published.

The SMS door stores those requests in results.models.SmsNotifyRequest: the number
encrypted, with the person's SMS language. On publication each request becomes one
outbox message in the same transaction (sent later by the worker), and the request with
its number is deleted: it was kept only for this message.

A request can still be stored after that: the SMS webhook may have read the consultation
as not yet published while the publication's transaction ran, and commits its request
after the publication read the table. The worker's housekeeping hands those to
``notify_waiting_subscribers``. The idempotency key ``results:{consultation}:{phone_key}``
keeps it to one message per person and consultation, even when two workers do so at once.
"""

from __future__ import annotations

import logging

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from participation.consultations.models import Consultation, Phase
from participation.crypto import decrypt
from participation.db import table_of
from participation.i18n import catalogs
from participation.outbox.service import enqueue_sms
from participation.rendering import environment
from participation.results.models import SmsNotifyRequest
from participation.settings import LANGUAGES, Settings

log = logging.getLogger(__name__)


def result_sms_text(settings: Settings, consultation: Consultation, language: str) -> str:
    lang = language if language in LANGUAGES else "de"
    token = catalogs.current_language.set(lang)
    try:
        link = f"{settings.public_base_url}/{lang}/c/{consultation.slug}/results"
        return (
            environment.get_template("results/sms_published.txt")
            .render(consultation=consultation, link=link, settings=settings)
            .strip()
        )
    finally:
        catalogs.current_language.reset(token)


def notify_result_subscribers(
    session: Session, settings: Settings, consultation: Consultation
) -> int:
    """Queues one SMS per notification request of the consultation; returns how many."""
    model = SmsNotifyRequest
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
                result_sms_text(settings, consultation, request.language),
                idempotency_key=f"results:{consultation.id}:{request.phone_key}",
            )
            queued += 1
    if requests:
        # Exactly the rows read above: one committed meanwhile is left for the worker's
        # housekeeping. One executemany by key, not the ORM's delete, because a row that a
        # second worker's pass deleted first is simply gone (the ORM would warn about it).
        table = table_of(model)
        session.execute(
            table.delete().where(table.c.id == bindparam("request_id")),
            [{"request_id": request.id} for request in requests],
        )
        for request in requests:
            session.expunge(request)
    return queued


def notify_waiting_subscribers(session: Session, settings: Settings) -> int:
    """Queues the result SMS for requests left in the table of consultations whose result
    is already published; returns how many were queued."""
    model = SmsNotifyRequest
    waiting = session.exec(
        select(Consultation).where(
            col(Consultation.results_published_at).is_not(None),
            col(Consultation.id).in_(select(model.consultation_id).distinct()),
        )
    ).all()
    return sum(
        notify_result_subscribers(session, settings, consultation)
        for consultation in waiting
        if consultation.phase() is Phase.results
    )
