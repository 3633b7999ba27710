"""What the public moderation pages show and do, in one transaction each: a
consultation's moderation log, the report of a published comment, and a contribution's
status with the decisions taken on it."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions import lookups
from participation.contributions.models import Contribution, Status
from participation.contributions.reference import parse_reference
from participation.contributions.service import find_by_reference
from participation.moderation import flags
from participation.moderation.service import decisions_for, public_log
from participation.outcomes import NotFound
from participation.questionnaires.status import find_response, response_status
from participation.settings import LANGUAGES


def _public(session: Session, slug: str) -> Consultation:
    consultation = consultations.public_by_slug(session, slug)
    if consultation is None:
        raise NotFound
    return consultation


def moderation_log(session: Session, slug: str, lang: str, before: int | None) -> dict:
    """A public consultation's moderation log, a page of decisions, and its totals."""
    consultation = _public(session, slug)
    rows, next_before = public_log(session, consultation.id, before)
    totals = dict(
        session.exec(
            select(Contribution.status, func.count())
            .where(Contribution.consultation_id == consultation.id)
            .group_by(Contribution.status)
        ).all()
    )
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
        "rows": rows,
        "next_before": next_before,
        "totals": {Status(k).value: v for k, v in totals.items()},
    }


def _reportable(session: Session, slug: str, raw: str) -> tuple[Consultation, Contribution]:
    consultation = consultations.public_by_slug(session, slug)
    reference = parse_reference(raw)
    if consultation is None or reference is None:
        raise NotFound
    contribution = session.exec(
        select(Contribution).where(
            Contribution.reference == reference,
            Contribution.consultation_id == consultation.id,
            Contribution.status == Status.published,
        )
    ).first()
    if contribution is None:
        raise NotFound
    return consultation, contribution


def reportable(session: Session, slug: str, raw: str, lang: str) -> dict:
    """A published comment of a public consultation by its reference, or NotFound."""
    consultation, contribution = _reportable(session, slug, raw)
    return {
        "consultation": consultation,
        "contribution": contribution,
        "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
    }


def report(
    session: Session,
    slug: str,
    raw: str,
    *,
    reason: flags.ReportReason,
    note: str,
    secret_key: str,
    client_address: str,
) -> bool:
    """Reports the comment (NotFound when it is not reportable); False when this address
    reported too much lately. A second report of the same comment counts as done. Not
    raised: the old reporter keys forgotten on the way are kept either way."""
    _consultation, contribution = _reportable(session, slug, raw)
    try:
        flags.report_contribution(
            session,
            secret_key=secret_key,
            contribution=contribution,
            reason=reason,
            note=note,
            client_address=client_address,
        )
    except flags.AlreadyReported:
        return True
    except flags.TooManyReports:
        return False
    return True


def consultation_page(session: Session, slug: str, lang: str) -> dict:
    """A public consultation with its text (the page after a report), or NotFound."""
    consultation = _public(session, slug)
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
    }


def contribution_status(session: Session, key: str, reference: str, lang: str) -> dict:
    """A contribution by its reference with its consultation and the decisions on it, or
    a questionnaire response's status (``response``).

    Raises LookupsLimited while ``key`` is locked and NotFound for no such reference,
    without counting the miss: the web page reads first and writes only on a miss."""
    if lookups.is_limited(session, key):
        raise lookups.LookupsLimited
    contribution = find_by_reference(session, reference)
    if contribution is None:
        return _response_status(session, reference, lang)
    consultation = None
    text = None
    if contribution.consultation_id:
        consultation = session.get(Consultation, contribution.consultation_id)
        if consultation is not None:
            text = consultations.text_for(session, consultation, LANGUAGES[lang])
    return {
        "contribution": contribution,
        "consultation": consultation,
        "text": text,
        "decisions": decisions_for(session, contribution.id),
    }


def _response_status(session: Session, reference: str, lang: str) -> dict:
    number = parse_reference(reference)
    response = find_response(session, number) if number else None
    found = response_status(session, response) if response is not None else None
    if found is None:
        raise NotFound
    return {
        "response": found,
        "consultation": found.consultation,
        "text": consultations.text_for(session, found.consultation, LANGUAGES[lang]),
    }
