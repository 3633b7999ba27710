"""The moderation queue: one list for every channel; decisions in place (htmx) or by
plain POST and redirect (no JavaScript)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.models import Role
from participation.accounts.permissions import MODERATORS, requires_role
from participation.caching.staff_pages import kept_briefly
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.labels import channel_labels
from participation.contributions.models import Contribution, ContributionRow
from participation.i18n.catalogs import gettext as _
from participation.moderation import service
from participation.moderation.labels import (
    problem_text,
    reason_labels,
    report_labels,
)
from participation.moderation.models import RejectionReason
from participation.moderation.queue import (
    QueueFilter,
    QueuePage,
    attach_details,
    belongs,
    counts,
    page,
)
from participation.paths import same_origin_path
from participation.web.errors import error_response
from participation.web.forms import field, in_transaction, int_or_none, query_int
from participation.web.templating import is_fragment_request, language_of, render, url

__all__ = ["reason_labels", "staff_routes"]
ACTIONS = ("approve", "reject", "keep", "redact", "assign")


def _queue_url(request: Request, f: QueueFilter, **extra: object) -> str:
    values = f.params()
    values.update({k: str(v) for k, v in extra.items() if v is not None})
    return url(request, "moderation_queue") + "?" + urlencode(values)


def _reason(value: str) -> RejectionReason:
    return RejectionReason(value) if value in RejectionReason.__members__ else RejectionReason.other


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


def _common(session: Session, request: Request, f: QueueFilter) -> dict:
    # Tuples, so that templates can keep the options made of them (caching/fragments.py).
    choices = tuple(consultations.titled_choices(session, "de"))
    reasons = reason_labels()
    staff = request.scope.get("staff")
    return {
        "filter": f,
        "status": f.status,
        "consultation_id": f.consultation_id,
        "counts": counts(session, f),
        "choices": choices,
        "titles": {id_: title for id_, title, _code in choices},
        "reasons": reasons,
        "reason_choices": tuple(reasons.items()),
        "report_reasons": report_labels(),
        # Once a page here, not once an item in the template.
        "channel_names": channel_labels(),
        "is_admin": staff is not None and staff.role is Role.admin,
        "view_url": lambda **changes: _queue_url(request, QueueFilter(**{**f.__dict__, **changes})),
        "back": _queue_url(request, f),
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


def queue_context(
    session: Session, request: Request, f: QueueFilter, cursor: int | None, message: str = ""
) -> dict:
    result = page(session, f, cursor)
    context = _common(session, request, f)
    context.update(
        page=result,
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
    cursor = query_int(request, "after")
    message = message_for(request.query_params)
    context = await in_transaction(request, lambda s: queue_context(s, request, f, cursor, message))
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


def _decide(session: Session, contribution: Contribution, action: str, staff_id: int, form: dict):
    if action == "approve":
        service.approve(session, contribution, staff_id)
    elif action == "reject":
        service.reject(session, contribution, staff_id, _reason(form["reason"]), form["note"])
    elif action == "keep":
        service.keep(session, contribution, staff_id)
    elif action == "assign":
        target_id = int_or_none(form["consultation"])
        target = session.get(Consultation, target_id) if target_id else None
        if target is None:
            raise service.ModerationError("no_consultation")
        service.assign(session, contribution, staff_id, target)
    elif action == "redact":
        service.redact(session, contribution, staff_id, form["body"])
        if form["then"] == "approve":
            service.approve(session, contribution, staff_id)


async def _act(request: Request, action: str) -> Response:
    contribution_id = request.path_params["id"]
    staff = request.scope["staff"]
    raw = await request.form()
    form = {
        "reason": field(raw, "reason", 40),
        "note": field(raw, "note", 2000),
        "body": field(raw, "body", 100_000),
        "then": field(raw, "then", 20),
        "consultation": field(raw, "consultation", 20),
    }
    back = _safe_back(request, field(raw, "back", 1000))
    f = _filter_of(back)
    fragment = is_fragment_request(request)

    def run(session: Session) -> dict | None:
        contribution = session.get(Contribution, contribution_id)
        if contribution is None:
            return None
        problem = None
        try:
            with session.begin_nested():
                _decide(session, contribution, action, staff.id, form)
        except service.ModerationError as refused:
            # The savepoint rolled the half-made decision back; show the item as it was.
            session.refresh(contribution)
            problem = refused.code
        result: dict[str, object] = {"item": contribution, "problem": problem}
        if fragment:
            session.flush()
            result.update(_common(session, request, f))
            single = QueuePage(items=[contribution], next_cursor=None)
            attach_details(session, single)
            result["page"] = single
            result["still_here"] = problem is not None or belongs(contribution, f)
            params = (
                {"done": "error", "problem": problem}
                if problem
                else {"done": action, "ref": contribution.reference}
            )
            result["message"] = message_for(params)
        return result

    result = await in_transaction(request, run, write=True)
    if result is None:
        return error_response(request, 404)
    problem = result["problem"]
    if fragment:
        # In place: the item again while it still belongs here (a redaction, a refusal),
        # a short line otherwise; the counts and the announcement go out of band.
        return render(
            request,
            "moderation/queue.html",
            result,
            fragment="moderation/_update.html",
            status_code=422 if problem else 200,
        )
    if problem:
        return RedirectResponse(_with(back, done="error", problem=problem), status_code=303)
    return RedirectResponse(_with(back, done=action, ref=result["item"].reference), status_code=303)


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
    reason = _reason(field(form, "reason", 40))
    note = field(form, "note", 2000)
    back = _safe_back(request, field(form, "back", 1000))
    f = _filter_of(back)
    fragment = is_fragment_request(request)

    def run(session: Session) -> dict:
        done, skipped = service.bulk_decide(session, ids, action, staff.id, reason, note)
        params = {"done": f"bulk_{action}", "n": str(len(done)), "skipped": str(len(skipped))}
        if not fragment:
            return params
        session.flush()
        return queue_context(session, request, f, None, message_for(params))

    result = await in_transaction(request, run, write=True)
    if fragment:
        return render(
            request, "moderation/queue.html", result, fragment="moderation/_bulk_update.html"
        )
    return RedirectResponse(_with(back, **result), status_code=303)


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
