"""Public pages of moderation: the moderation log of a consultation and the report form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.i18n.catalogs import gettext as _
from participation.moderation import flags
from participation.moderation import public_pages as pages
from participation.moderation.labels import decision_labels, reason_labels, report_labels
from participation.web.councils import settings_of
from participation.web.errors import error_response, page
from participation.web.forms import field, query_int
from participation.web.templating import language_of, render, url
from participation.web.transactions import read, write


async def moderation_log(request: Request) -> Response:
    before = query_int(request, "before")
    context = await read(
        request, pages.moderation_log, request.path_params["slug"], language_of(request), before
    )
    context.update(decisions=decision_labels(), reasons=reason_labels())
    return render(request, "moderation/log.html", context)


async def report_form(request: Request) -> Response:
    slug, reference = request.path_params["slug"], request.path_params["reference"]
    context = await read(request, pages.reportable, slug, reference, language_of(request))
    context.update(reasons=report_labels(), form={}, errors={})
    return render(request, "moderation/report.html", context)


async def report(request: Request) -> Response:
    slug, reference = request.path_params["slug"], request.path_params["reference"]
    raw = await request.form()
    values = {"reason": field(raw, "reason", 40), "note": field(raw, "note", 2000)}
    if values["reason"] not in flags.ReportReason.__members__:
        context = await read(request, pages.reportable, slug, reference, language_of(request))
        context.update(
            reasons=report_labels(),
            form=values,
            errors={"reason": _("Please choose what is wrong with this comment.")},
        )
        return render(request, "moderation/report.html", context, status_code=422)
    reported = await write(
        request,
        pages.report,
        slug,
        reference,
        reason=flags.ReportReason(values["reason"]),
        note=values["note"],
        secret_key=settings_of(request).secret_key,
        client_address=request.client.host if request.client else "",
    )
    if not reported:
        response = error_response(request, 429)
        response.headers["Retry-After"] = "3600"
        return response
    target = url(request, "report_thanks", slug=slug)
    return RedirectResponse(target, status_code=303)


async def report_thanks(request: Request) -> Response:
    return await page(
        request,
        "moderation/report_thanks.html",
        pages.consultation_page,
        request.path_params["slug"],
        language_of(request),
    )


public_routes = [
    Route("/c/{slug}/moderation", moderation_log, name="moderation_log"),
    Route("/c/{slug}/report/{reference}", report_form, methods=["GET"], name="report_form"),
    Route("/c/{slug}/report/{reference}", report, methods=["POST"], name="report_contribution"),
    Route("/c/{slug}/reported", report_thanks, name="report_thanks"),
]
