"""Staff pages of the phone line: recordings (playback and transcript), call-backs, the report.

Recordings are never linked publicly: staff hear them from our own storage, where the
worker copied them (encrypted) before deleting them at Twilio.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.permissions import ANY_STAFF, MODERATORS, requires_role
from participation.channels.voice import staff
from participation.channels.voice.models import CallbackOutcome
from participation.channels.voice.report import period_csv, period_report, service_report
from participation.channels.voice.staff import SIMULATED_PREFIX
from participation.channels.voice.summary_routes import routes as summary_routes
from participation.contributions.recordings import stored_audio
from participation.i18n.catalogs import gettext as _
from participation.paths import prefix_of, same_origin_path
from participation.settings import Settings
from participation.web.councils import settings_of
from participation.web.errors import error_response
from participation.web.forms import field
from participation.web.templating import is_fragment_request, render, url
from participation.web.transactions import read, write

log = logging.getLogger(__name__)


def outcome_labels() -> dict[str, str]:
    return {
        CallbackOutcome.reached.value: _("Reached and talked"),
        CallbackOutcome.no_answer.value: _("No answer after several tries"),
        CallbackOutcome.wrong_number.value: _("Wrong number"),
        CallbackOutcome.resolved.value: _("Settled otherwise"),
    }


def step_labels() -> dict[str, str]:
    return {
        "incoming": _("Greeting"),
        "language": _("Choosing a language"),
        "consultation": _("Choosing a consultation"),
        "code": _("Typing a consultation code"),
        "action": _("Main menu of a consultation"),
        "record": _("Recording a comment"),
        "vote": _("Voting"),
        "question": _("Answering the questionnaire"),
        "question-record": _("Recording an answer to the questionnaire"),
        "callback": _("Confirming the call-back number"),
        "callback-number": _("Typing a call-back number"),
        "callback-check": _("Checking the typed number"),
        "lookup": _("Typing a reference number"),
        "after": _("After finishing"),
        "goodbye": _("Goodbye"),
    }


def _safe_back(request: Request, back: str, default: str) -> str:
    staff_prefix = f"{prefix_of(request.scope)}/{request.scope.get('language', 'de')}/staff/"
    return same_origin_path(back, default, within=staff_prefix)


# --- Recordings ----------------------------------------------------------------------


@requires_role(*MODERATORS)
async def recording_audio(request: Request) -> Response:
    """The recording from our own storage, where the worker put it before deleting it
    at Twilio; never fetched from Twilio while staff wait."""
    settings: Settings = settings_of(request)
    contribution_id = request.path_params["id"]
    contribution, simulated = await read(request, staff.recording_of, contribution_id)
    if not contribution.recording_url:
        return error_response(request, 404)
    private = {"Cache-Control": "no-store, private", "X-Robots-Tag": "noindex"}
    if contribution.recording_url.startswith(SIMULATED_PREFIX):
        if simulated is None or not simulated.audio:
            return error_response(request, 404)
        return Response(
            simulated.audio,
            media_type=simulated.content_type or "audio/wav",
            headers=private,
        )
    stored = await read(request, stored_audio, settings.secret_key, contribution_id)
    if stored is None:
        # Not copied from Twilio yet (the worker does so within seconds), or gone.
        return error_response(request, 404)
    audio, content_type = stored
    extension = "mp3" if content_type == "audio/mpeg" else "wav"
    headers = dict(private)
    headers["Content-Disposition"] = f'inline; filename="{contribution.reference}.{extension}"'
    return Response(audio, media_type=content_type, headers=headers)


@requires_role(*MODERATORS)
async def recording_page(request: Request) -> Response:
    contribution_id = request.path_params["id"]
    context = await read(request, staff.recording_context, contribution_id)
    context["transcript_saved"] = request.query_params.get("saved") == "1"
    return render(request, "calls/recording.html", context)


@requires_role(*MODERATORS)
async def save_transcript(request: Request) -> Response:
    settings: Settings = settings_of(request)
    contribution_id = request.path_params["id"]
    user = request.scope["staff"]
    form = await request.form()
    text = field(form, "transcript", settings.max_contribution_chars * 2)
    back = field(form, "back", 500)
    problem = None
    try:
        saved = await write(
            request,
            staff.save_transcript,
            contribution_id,
            staff_id=user.id,
            text=text,
            max_chars=settings.max_contribution_chars,
        )
    except staff.TranscriptRefused as refused:
        problem = (
            _("Please type what the caller said.")
            if str(refused) == "empty"
            else _("The transcript is too long.")
        )
        context = await read(request, staff.recording_context, contribution_id)
    else:
        context = {"item": saved}
    context.update(transcript_problem=problem, transcript_saved=problem is None)
    if problem:
        context["draft"] = text
    if is_fragment_request(request):
        status = 422 if problem else 200
        return render(request, "calls/_transcript.html", context, status_code=status)
    if problem:
        return render(request, "calls/recording.html", context, status_code=422)
    default = url(request, "calls_recording", id=contribution_id) + "?saved=1"
    return RedirectResponse(_safe_back(request, back, default), status_code=303)


# --- Call-backs ----------------------------------------------------------------------


@requires_role(*MODERATORS)
async def callbacks(request: Request) -> Response:
    settings: Settings = settings_of(request)
    context = await read(request, staff.callbacks_overview, settings)
    context["outcomes"] = outcome_labels()
    context["message"] = (
        _("Marked as done; the number is deleted.") if request.query_params.get("done") else ""
    )
    return render(request, "calls/callbacks.html", context)


@requires_role(*MODERATORS)
async def callback_done(request: Request) -> Response:
    callback_id = request.path_params["id"]
    user = request.scope["staff"]
    form = await request.form()
    outcome_value = field(form, "outcome", 40)
    note = field(form, "note", 500)
    if outcome_value not in CallbackOutcome.__members__:
        return error_response(request, 400, _("Please choose how the call-back ended."))
    await write(
        request,
        staff.complete_callback,
        callback_id,
        staff_id=user.id,
        outcome=CallbackOutcome(outcome_value),
        note=note,
    )
    return RedirectResponse(url(request, "calls_callbacks") + "?done=1", status_code=303)


# --- The service report --------------------------------------------------------------


@requires_role(*ANY_STAFF)
async def report(request: Request) -> Response:
    settings: Settings = settings_of(request)
    report = await read(request, service_report, timezone=settings.timezone)
    periods = await read(
        request, period_report, timezone=settings.timezone, hours=settings.phone_hours
    )
    return render(
        request,
        "calls/report.html",
        {
            "report": report,
            "periods": periods,
            "steps": step_labels(),
            "hours": settings.phone_hours,
        },
    )


@requires_role(*ANY_STAFF)
async def report_csv(request: Request) -> Response:
    """The weekly and monthly figures of the page, for a council's own reporting."""
    settings: Settings = settings_of(request)
    periods = await read(
        request, period_report, timezone=settings.timezone, hours=settings.phone_hours
    )
    return Response(
        period_csv(periods),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="phone-line-report.csv"',
            "Cache-Control": "no-store, private",
        },
    )


#: Localized (under /{lang}/).
#: Under /staff (app.py).
staff_routes = [
    Mount(
        "/calls",
        routes=[
            Route("/callbacks", callbacks, name="calls_callbacks"),
            Route(
                "/callbacks/{id:int}/done",
                callback_done,
                methods=["POST"],
                name="calls_callback_done",
            ),
            Route("/report", report, name="calls_report"),
            Route("/report.csv", report_csv, name="calls_report_csv"),
            Route("/recordings/{id:int}", recording_page, name="calls_recording"),
            Route("/recordings/{id:int}/audio", recording_audio, name="calls_recording_audio"),
            Route(
                "/recordings/{id:int}/transcript",
                save_transcript,
                methods=["POST"],
                name="calls_transcript",
            ),
            *summary_routes,
        ],
    ),
]
