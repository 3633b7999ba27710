"""Site pages, the barrier report form, and their staff pages."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import ADMINS, ANY_STAFF, requires_role
from participation.i18n.catalogs import gettext as _
from participation.paths import prefix_of, same_origin_path
from participation.settings import LANGUAGES
from participation.sitepages import service
from participation.sitepages.forms import BarrierReportForm, parse_barrier_report
from participation.sitepages.media import sign_video
from participation.sitepages.models import ReportStatus
from participation.web import submissions
from participation.web.councils import settings_of
from participation.web.csrf import form_token_ok, keeps_text_on_expired_token
from participation.web.errors import error_response
from participation.web.forms import field
from participation.web.templating import language_of, render, url
from participation.web.transactions import read, write


def page_titles() -> dict[str, str]:
    """Link texts in the reader's language (the pages' own titles may be in German)."""
    return {
        "accessibility": _("Accessibility statement"),
        "easy-read": _("Easy read (Leichte Sprache)"),
        "sign-language": _("Sign language (DGS)"),
        "privacy": _("Privacy statement"),
        "imprint": _("Imprint"),
    }


async def site_page(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]
    settings = settings_of(request)
    prefix = prefix_of(request.scope)
    page = await read(request, service.get_page, slug, LANGUAGES[lang], settings, lang, prefix)
    if page is None:
        return error_response(request, 404)
    return render(
        request,
        "sitepages/page.html",
        {
            "page": page,
            "video": sign_video(settings.media_dir, prefix) if slug == "sign-language" else None,
        },
    )


async def report_form(request: Request) -> Response:
    return render(
        request,
        "sitepages/barrier_report.html",
        {
            "form": {"page": same_origin_path(request.query_params.get("from", ""))},
            "errors": {},
        },
    )


def _store_report(
    session: Session,
    claim: submissions.Claim | None,
    report: BarrierReportForm,
    locale: str,
    messages: dict[str, str],
) -> None:
    """Stores the report once: the same form sent twice gets the first one's answer.
    ReportInvalid rolls the claim back too, so the corrected form may use the key."""
    earlier, claimed = submissions.earlier_receipt(session, claim)
    if earlier:
        return
    stored = service.submit_barrier_report(
        session,
        description=report.description,
        page=report.page,
        contact_email=report.contact_email,
        locale=locale,
        messages=messages,
    )
    if claimed:
        submissions.record_receipt(session, claim, f"barrier-report:{stored.id}")


@keeps_text_on_expired_token
async def report_submit(request: Request) -> Response:
    lang = language_of(request)
    form = await request.form()
    report = parse_barrier_report(form)
    if report.honeypot:
        # Filled by a bot: people never see this field. Answer as if it worked.
        return RedirectResponse(url(request, "barrier_report_sent"), status_code=303)
    if not form_token_ok(request):
        errors = {
            "description": _(
                "For your safety this form had expired. Your text is still here: "
                "please check it and send it again."
            )
        }
        return _report_form(request, report.shown(), errors, 403)
    messages = {
        "empty": _("Please describe the barrier."),
        "long": _("Please shorten your description to at most 5,000 characters."),
        "email": _("Please enter an e-mail address like name@example.org, or leave it empty."),
    }
    claim = submissions.claim_for(
        settings_of(request).secret_key,
        field(form, "csrf_token", 1000),
        report.submission_key,
        report.content(),
    )
    try:
        await write(request, _store_report, claim, report, LANGUAGES[lang], messages)
    except service.ReportInvalid as invalid:
        return _report_form(request, report.shown(), invalid.errors, 422)
    return RedirectResponse(url(request, "barrier_report_sent"), status_code=303)


def _report_form(request: Request, values: dict, errors: dict, status_code: int) -> Response:
    """The barrier report form again, with what was written and why it was not taken."""
    return render(
        request,
        "sitepages/barrier_report.html",
        {"form": values, "errors": errors},
        status_code=status_code,
    )


async def report_sent(request: Request) -> Response:
    return render(request, "sitepages/barrier_report.html", {"sent": True, "form": {}})


@requires_role(*ANY_STAFF)
async def staff_reports(request: Request) -> Response:
    show = request.query_params.get("status", "new")
    status = ReportStatus(show) if show in ReportStatus.__members__ else None

    context = {
        "reports": await read(request, service.barrier_reports, status),
        "status": status.value if status else "all",
    }
    return render(request, "sitepages/staff_reports.html", context)


@requires_role(*ANY_STAFF)
async def staff_report_answered(request: Request) -> Response:
    report_id = request.path_params["id"]
    staff = request.scope["staff"]
    await write(request, service.mark_answered, report_id, staff.id)
    return RedirectResponse(url(request, "staff_barrier_reports") + "?done=1", status_code=303)


@requires_role(*ADMINS)
async def staff_pages(request: Request) -> Response:
    overview = await read(request, service.overview)
    return render(
        request,
        "sitepages/staff_pages.html",
        {"overview": overview, "titles": page_titles(), "codes": _locale_codes()},
    )


def _locale_codes() -> dict[str, str]:
    return {locale: code for code, locale in LANGUAGES.items()}


@requires_role(*ADMINS)
async def staff_page_edit(request: Request) -> Response:
    slug = request.path_params["slug"]
    code = request.path_params["code"]
    if slug not in service.PAGE_SLUGS or code not in LANGUAGES:
        return error_response(request, 404)
    locale = LANGUAGES[code]
    errors: dict[str, str] = {}
    saved = request.query_params.get("saved") == "1"
    if request.method == "POST":
        form = await request.form()
        title = field(form, "title", 200).strip()
        body = field(form, "body_md", 100_000)
        staff = request.scope["staff"]
        if "reset" in form:
            await write(request, service.reset_page, slug, locale)
            target = url(request, "staff_site_page_edit", slug=slug, code=code) + "?saved=1"
            return RedirectResponse(target, status_code=303)
        if not title:
            errors["title"] = _("Please enter a title.")
        else:
            await write(request, service.save_page, slug, locale, title, body, staff.id)
            target = url(request, "staff_site_page_edit", slug=slug, code=code) + "?saved=1"
            return RedirectResponse(target, status_code=303)
        values = {"title": title, "body_md": body, "is_custom": True}
    else:
        title, body, custom, _updated = await read(request, service.raw_page, slug, locale)
        values = {"title": title, "body_md": body, "is_custom": custom}
    return render(
        request,
        "sitepages/staff_edit.html",
        {
            "slug": slug,
            "code": code,
            "locale": locale,
            "values": values,
            "errors": errors,
            "saved": saved,
            "titles": page_titles(),
        },
        status_code=422 if errors else 200,
    )


public_routes = [
    Route("/p/{slug}", site_page, name="site_page"),
    Route("/barrier-report", report_form, methods=["GET"], name="barrier_report"),
    Route("/barrier-report", report_submit, methods=["POST"], name="barrier_report_post"),
    Route("/barrier-report/sent", report_sent, name="barrier_report_sent"),
]
#: Under /staff (app.py).
staff_routes = [
    Route("/barrier-reports", staff_reports, name="staff_barrier_reports"),
    Route(
        "/barrier-reports/{id:int}/answered",
        staff_report_answered,
        methods=["POST"],
        name="staff_barrier_report_answered",
    ),
    Route("/pages", staff_pages, name="staff_site_pages"),
    Route(
        "/pages/{slug}/{code}",
        staff_page_edit,
        methods=["GET", "POST"],
        name="staff_site_page_edit",
    ),
]
