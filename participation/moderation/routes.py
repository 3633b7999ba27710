"""The moderation queue: one list for every channel; approve or reject in place."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import MODERATORS, requires_role
from participation.consultations import service as consultations
from participation.contributions.models import Contribution, Status
from participation.i18n.catalogs import gettext as _
from participation.moderation import service
from participation.moderation.models import RejectionReason
from participation.web.errors import error_response
from participation.web.forms import field, in_transaction, int_or_none
from participation.web.templating import is_fragment_request, render, url


def reason_labels() -> dict[str, str]:
    return {
        RejectionReason.insult.value: _("Insult or abuse"),
        RejectionReason.personal_data.value: _("Personal data of others"),
        RejectionReason.off_topic.value: _("Not about this consultation"),
        RejectionReason.duplicate.value: _("Duplicate"),
        RejectionReason.advertising.value: _("Advertising"),
        RejectionReason.other.value: _("Other reason"),
    }


def _queue_context(session: Session, request: Request) -> dict:
    status_value = request.query_params.get("status", Status.pending.value)
    status = Status(status_value) if status_value in Status.__members__ else Status.pending
    consultation_id = int_or_none(request.query_params.get("consultation"))
    before = int_or_none(request.query_params.get("before"))
    items = service.queue(session, status=status, consultation_id=consultation_id, before_id=before)
    all_consultations = consultations.all_consultations(session)
    texts = consultations.texts_for(session, [c.id for c in all_consultations])  # type: ignore[misc]
    titles = {}
    for c in all_consultations:
        picked = consultations.pick_text(texts.get(c.id, []), "de")  # type: ignore[arg-type]
        titles[c.id] = picked.text.title if picked else c.slug
    return {
        "items": items,
        "status": status,
        "consultation_id": consultation_id,
        "counts": service.status_counts(session, consultation_id),
        "consultations": all_consultations,
        "titles": titles,
        "reasons": reason_labels(),
        "next_before": items[-1].id if len(items) == service.QUEUE_PAGE else None,
    }


@requires_role(*MODERATORS)
async def queue(request: Request) -> Response:
    context = await in_transaction(request, lambda s: _queue_context(s, request))
    return render(request, "moderation/queue.html", context)


async def _decide(request: Request, action: str) -> Response:
    contribution_id = request.path_params["id"]
    staff = request.scope["staff"]
    form = await request.form()
    reason_value = field(form, "reason", 40)
    note = field(form, "note", 500)
    back = field(form, "back", 500)

    def decide(session: Session) -> tuple[Contribution | None, str | None]:
        contribution = session.get(Contribution, contribution_id)
        if contribution is None:
            return None, None
        try:
            if action == "approve":
                service.approve(session, contribution, staff.id)
            else:
                reason = (
                    RejectionReason(reason_value)
                    if reason_value in RejectionReason.__members__
                    else RejectionReason.other
                )
                service.reject(session, contribution, staff.id, reason, note)
        except service.ModerationError as problem:
            session.rollback()
            return session.get(Contribution, contribution_id), str(problem)
        return contribution, None

    contribution, problem = await in_transaction(request, decide, write=True)
    if contribution is None:
        return error_response(request, 404)
    if is_fragment_request(request):
        return render(
            request,
            "moderation/_decided.html",
            {"item": contribution, "problem": problem, "reasons": reason_labels()},
            status_code=422 if problem else 200,
        )
    target = (
        back
        if back.startswith("/") and not back.startswith("//")
        else url(request, "moderation_queue")
    )
    return RedirectResponse(target, status_code=303)


@requires_role(*MODERATORS)
async def approve(request: Request) -> Response:
    return await _decide(request, "approve")


@requires_role(*MODERATORS)
async def reject(request: Request) -> Response:
    return await _decide(request, "reject")


routes = [
    Route("/staff/moderation", queue, name="moderation_queue"),
    Route(
        "/staff/moderation/{id:int}/approve", approve, methods=["POST"], name="moderation_approve"
    ),
    Route("/staff/moderation/{id:int}/reject", reject, methods=["POST"], name="moderation_reject"),
]
