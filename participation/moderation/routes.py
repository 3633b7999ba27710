"""The moderation queue: one list for every channel; decisions in place (htmx) or by
plain POST and redirect (no JavaScript)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.models import Role
from participation.accounts.permissions import MODERATORS, requires_role
from participation.caching.staff_pages import kept_briefly
from participation.contributions.labels import channel_labels
from participation.contributions.models import ContributionRow
from participation.i18n.catalogs import gettext as _
from participation.moderation import decisions
from participation.moderation.decisions import QueueView
from participation.moderation.forms import parse_decision, parse_reason
from participation.moderation.labels import (
    problem_text,
    reason_labels,
    report_labels,
)
from participation.moderation.queue import QueueFilter, QueuePage
from participation.paths import same_origin_path
from participation.web.forms import field, int_or_none, query_int
from participation.web.templating import is_fragment_request, language_of, render, url
from participation.web.transactions import read, write

__all__ = ["reason_labels", "staff_routes"]
ACTIONS = ("approve", "reject", "keep", "redact", "assign")


def _queue_url(request: Request, f: QueueFilter, **extra: object) -> str:
    values = f.params()
    values.update({k: str(v) for k, v in extra.items() if v is not None})
    return url(request, "moderation_queue") + "?" + urlencode(values)


def message_for(params) -> str:
    """The confirmation shown (and announced) after a decision."""
    done = params.get("done", "")
    if done == "error":
        return problem_text(params.get("problem", ""))
    ref = params.get("ref", "")
    shown = f"{ref[:4]}-{ref[4:]}" if len(ref) == 8 and ref.isdigit() else ""
    number = int_or_none(params.get("n")) or 0
    skipped = int_or_none(params.get("skipped")) or 0
    messages = {
        "approve": lambda: _("Approved and published: %(ref)s", ref=shown),
        "reject": lambda: _("Rejected: %(ref)s", ref=shown),
        "keep": lambda: _("Reports checked, stays published: %(ref)s", ref=shown),
        "redact": lambda: _("Text changed and recorded: %(ref)s", ref=shown),
        "assign": lambda: _("Assigned to a consultation: %(ref)s", ref=shown),
        "bulk_approve": lambda: _(
            "%(n)s approved, %(skipped)s skipped.", n=number, skipped=skipped
        ),
        "bulk_reject": lambda: _("%(n)s rejected, %(skipped)s skipped.", n=number, skipped=skipped),
    }
    return messages[done]() if done in messages else ""


def _common(request: Request, f: QueueFilter, view: QueueView) -> dict:
    reasons = reason_labels()
    staff = request.scope.get("staff")
    return {
        "filter": f,
        "status": f.status,
        "consultation_id": f.consultation_id,
        "counts": view.counts,
        "choices": view.choices,
        "titles": {id_: title for id_, title, _code in view.choices},
        "reasons": reasons,
        "reason_choices": tuple(reasons.items()),
        "report_reasons": report_labels(),
        # Once a page here, not once an item in the template.
        "channel_names": channel_labels(),
        "is_admin": staff is not None and staff.role is Role.admin,
        "view_url": lambda **changes: _queue_url(request, QueueFilter(**{**f.__dict__, **changes})),
        "back": _queue_url(request, f),
        "page": view.page,
    }


def _item_key(result: QueuePage, context: dict, lang: str):
    """Everything a queue item shows beyond what its template's language fixes: the key
    under which its HTML is kept (templates/moderation/_region.html,
    participation/caching/fragments.py), made here in one place beside the context it
    reads. The consultation titles are in it as the page's ``choices``; the SMS sender,
    which the template looks up itself, is passed in by the template."""
    shared = (
        lang,
        context["is_admin"],
        context["back"],
        context["choices"],
        context.get("problem"),
        context.get("message") if context.get("problem") else "",
    )

    def key(item: ContributionRow, sms_sender: str) -> tuple:
        option = result.options.get(item.poll_option_id) if item.poll_option_id else None
        return (
            *shared,
            item,
            result.staff_names.get(item.entered_by_id) if item.entered_by_id else None,
            option.label("de") if option else None,
            tuple(result.reports.get(item.id, ())),
            sms_sender,
        )

    return key


def queue_context(request: Request, f: QueueFilter, view: QueueView, message: str = "") -> dict:
    result = view.page
    context = _common(request, f, view)
    context.update(
        items=result.items,
        next_url=_queue_url(request, f, after=result.next_cursor) if result.next_cursor else None,
        message=message,
    )
    context["item_key"] = _item_key(result, context, language_of(request))
    return context


@kept_briefly
@requires_role(*MODERATORS)
async def queue(request: Request) -> Response:
    f = QueueFilter.from_params(request.query_params)
    view = await read(request, decisions.queue_view, f, query_int(request, "after"))
    context = queue_context(request, f, view, message_for(request.query_params))
    return render(request, "moderation/queue.html", context)


def _safe_back(request: Request, back: str) -> str:
    # Only our own queue: a form field must never send the browser elsewhere.
    ours = url(request, "moderation_queue")
    return same_origin_path(back, ours, within=ours)


def _filter_of(back: str) -> QueueFilter:
    return QueueFilter.from_params(dict(parse_qsl(urlsplit(back).query)))


def _with(back: str, **params: object) -> str:
    parts = urlsplit(back)
    drop = {"after", "done", "ref", "n", "skipped", "problem"}
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in drop]
    kept += [(k, str(v)) for k, v in params.items() if v is not None]
    return parts.path + "?" + urlencode(kept)


async def _act(request: Request, action: str) -> Response:
    staff = request.scope["staff"]
    raw = await request.form()
    decision = parse_decision(raw)
    back = _safe_back(request, field(raw, "back", 1000))
    f = _filter_of(back)
    fragment = is_fragment_request(request)
    decided = await write(
        request,
        decisions.decide,
        request.path_params["id"],
        action,
        staff.id,
        decision,
        f if fragment else None,
    )
    problem, item = decided.problem, decided.contribution
    if fragment:
        assert decided.view is not None  # asked for with the filter
        params = (
            {"done": "error", "problem": problem}
            if problem
            else {"done": action, "ref": item.reference}
        )
        context = _common(request, f, decided.view)
        context.update(
            item=item,
            problem=problem,
            still_here=decided.still_here,
            message=message_for(params),
        )
        # In place: the item again while it still belongs here (a redaction, a refusal),
        # a short line otherwise; the counts and the announcement go out of band.
        return render(
            request,
            "moderation/queue.html",
            context,
            fragment="moderation/_update.html",
            status_code=422 if problem else 200,
        )
    if problem:
        return RedirectResponse(_with(back, done="error", problem=problem), status_code=303)
    return RedirectResponse(_with(back, done=action, ref=item.reference), status_code=303)


def _endpoint(action: str):
    async def endpoint(request: Request) -> Response:
        return await _act(request, action)

    endpoint.__name__ = f"moderation_{action}"
    return requires_role(*MODERATORS)(endpoint)


@requires_role(*MODERATORS)
async def bulk(request: Request) -> Response:
    staff = request.scope["staff"]
    form = await request.form()
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()]
    action = "approve" if field(form, "action", 20) == "approve" else "reject"
    reason = parse_reason(field(form, "reason", 40))
    note = field(form, "note", 2000)
    back = _safe_back(request, field(form, "back", 1000))
    f = _filter_of(back)
    fragment = is_fragment_request(request)

    result = await write(
        request,
        decisions.bulk_decide,
        ids,
        action,
        staff.id,
        reason,
        note,
        f if fragment else None,
    )
    params = {"done": f"bulk_{action}", "n": str(result.done), "skipped": str(result.skipped)}
    if fragment:
        assert result.view is not None  # asked for with the filter
        context = queue_context(request, f, result.view, message_for(params))
        return render(
            request, "moderation/queue.html", context, fragment="moderation/_bulk_update.html"
        )
    return RedirectResponse(_with(back, **params), status_code=303)


#: Under /staff (app.py); the queue has no trailing slash, so it stands beside the Mount.
staff_routes = [
    Route("/moderation", queue, name="moderation_queue"),
    Mount(
        "/moderation",
        routes=[
            Route("/bulk", bulk, methods=["POST"], name="moderation_bulk"),
            *[
                Route(
                    f"/{{id:int}}/{action}",
                    _endpoint(action),
                    methods=["POST"],
                    name=f"moderation_{action}",
                )
                for action in ACTIONS
            ],
        ],
    ),
]
