"""Public pages of moderation: the moderation log of a consultation and the report form."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.consultations import service as consultations
from participation.contributions.models import Contribution, Status
from participation.contributions.reference import parse_reference
from participation.i18n.catalogs import gettext as _
from participation.moderation import flags
from participation.moderation.labels import decision_labels, reason_labels, report_labels
from participation.moderation.service import public_log
from participation.settings import LANGUAGES
from participation.web.errors import error_response, page_or_404
from participation.web.forms import field, in_transaction, query_int
from participation.web.templating import language_of, render, url


async def moderation_log(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]
    before = query_int(request, "before")

    def load(session: Session) -> dict | None:
        consultation = consultations.public_by_slug(session, slug)
        if consultation is None:
            return None
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
            "decisions": decision_labels(),
            "reasons": reason_labels(),
        }

    return await page_or_404(request, load, "moderation/log.html")


def _reportable(session: Session, slug: str, raw: str) -> tuple | None:
    consultation = consultations.public_by_slug(session, slug)
    reference = parse_reference(raw)
    if consultation is None or reference is None:
        return None
    contribution = session.exec(
        select(Contribution).where(
            Contribution.reference == reference,
            Contribution.consultation_id == consultation.id,
            Contribution.status == Status.published,
        )
    ).first()
    if contribution is None:
        return None
    return consultation, contribution


async def report_form(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]

    def load(session: Session) -> dict | None:
        found = _reportable(session, slug, request.path_params["reference"])
        if found is None:
            return None
        consultation, contribution = found
        return {
            "consultation": consultation,
            "contribution": contribution,
            "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
            "reasons": report_labels(),
            "form": {},
            "errors": {},
        }

    return await page_or_404(request, load, "moderation/report.html")


async def report(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]
    raw = await request.form()
    values = {"reason": field(raw, "reason", 40), "note": field(raw, "note", 2000)}
    settings = request.app.state.settings
    address = request.client.host if request.client else ""

    def store(session: Session) -> tuple[str, dict | None]:
        found = _reportable(session, slug, request.path_params["reference"])
        if found is None:
            return "missing", None
        consultation, contribution = found
        context = {
            "consultation": consultation,
            "contribution": contribution,
            "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
            "reasons": report_labels(),
            "form": values,
            "errors": {},
        }
        if values["reason"] not in flags.ReportReason.__members__:
            context["errors"] = {"reason": _("Please choose what is wrong with this comment.")}
            return "invalid", context
        try:
            flags.report_contribution(
                session,
                secret_key=settings.secret_key,
                contribution=contribution,
                reason=flags.ReportReason(values["reason"]),
                note=values["note"],
                client_address=address,
            )
        except flags.AlreadyReported:
            return "stored", context
        except flags.TooManyReports:
            return "limited", context
        return "stored", context

    outcome, context = await in_transaction(request, store, write=True)
    if outcome == "missing":
        return error_response(request, 404)
    if outcome == "invalid":
        return render(request, "moderation/report.html", context, status_code=422)
    if outcome == "limited":
        response = error_response(request, 429)
        response.headers["Retry-After"] = "3600"
        return response
    target = url(request, "report_thanks", slug=slug)
    return RedirectResponse(target, status_code=303)


async def report_thanks(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]

    def load(session: Session) -> dict | None:
        consultation = consultations.public_by_slug(session, slug)
        if consultation is None:
            return None
        return {
            "consultation": consultation,
            "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
        }

    return await page_or_404(request, load, "moderation/report_thanks.html")


public_routes = [
    Route("/c/{slug}/moderation", moderation_log, name="moderation_log"),
    Route("/c/{slug}/report/{reference}", report_form, methods=["GET"], name="report_form"),
    Route("/c/{slug}/report/{reference}", report, methods=["POST"], name="report_contribution"),
    Route("/c/{slug}/reported", report_thanks, name="report_thanks"),
]
