"""Staff pages for consultations: create and edit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.clock import utcnow
from participation.consultations import service
from participation.consultations.models import Consultation
from participation.contributions.votes import has_votes
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_zone
from participation.moderation.service import audit
from participation.numbers import digits_only
from participation.web.errors import error_response, page_or_404
from participation.web.forms import field, in_transaction
from participation.web.templating import render, url

#: Languages staff write texts in on this form; the others are added on the same form.
EDIT_LOCALES = ("de", "en", "tr", "ar", "ru", "uk", "pl", "de@easy")
#: The form's own hint to the browser; the server checks the same bounds in the service.
RETENTION_BOUNDS = {
    "retention_min": service.RETENTION_MIN_DAYS,
    "retention_max": service.RETENTION_MAX_DAYS,
}


def _parse_datetime(value: str) -> datetime | None:
    """A datetime-local field means the council's local time; stored as UTC."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC) if moment else None


def _local_input(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).replace(tzinfo=None).isoformat(timespec="minutes")


def _form_values(form) -> dict:
    values: dict = {
        name: field(form, name, 20_000)
        for name in (
            "opens_at",
            "closes_at",
            "code",
            "poll_kind",
            "poll_choices",
            "retention_days",
            "default_locale",
        )
    }
    values["is_published"] = form.get("is_published") == "on"
    values["allow_unverified_votes"] = form.get("allow_unverified_votes") == "on"
    for locale in EDIT_LOCALES:
        for part in ("title", "summary", "body_md", "phone_summary", "poll_question"):
            values[f"{part}:{locale}"] = field(form, f"{part}:{locale}", 20_000)
    return values


def _values_from(session: Session, consultation: Consultation) -> dict:
    values: dict = {
        "opens_at": _local_input(consultation.opens_at),
        "closes_at": _local_input(consultation.closes_at),
        "code": consultation.code,
        "is_published": consultation.is_published,
        "allow_unverified_votes": consultation.allow_unverified_votes,
        "retention_days": str(consultation.retention_days),
        "default_locale": consultation.default_locale,
    }
    for text in service.texts_for(session, [consultation.id]).get(consultation.id, []):
        for part in ("title", "summary", "body_md", "phone_summary", "poll_question"):
            values[f"{part}:{text.locale}"] = getattr(text, part)
    options = service.poll_options(session, consultation.id)
    keys = [o.key for o in options]
    if not options:
        values["poll_kind"] = "none"
    elif keys == ["yes", "no"]:
        values["poll_kind"] = "yesno"
    elif keys == ["yes", "no", "undecided"]:
        values["poll_kind"] = "yesnoundecided"
    else:
        values["poll_kind"] = "choices"
        values["poll_choices"] = "\n".join(o.labels.get("de", "") for o in options)
    return values


def _validate(values: dict) -> dict[str, str]:
    errors = {}
    if not values["title:de"].strip():
        errors["title:de"] = _(
            "Please enter a German title: it is the fallback for every language."
        )
    opens, closes = _parse_datetime(values["opens_at"]), _parse_datetime(values["closes_at"])
    if values["opens_at"] and opens is None:
        errors["opens_at"] = _("Please enter a valid date and time.")
    if values["closes_at"] and closes is None:
        errors["closes_at"] = _("Please enter a valid date and time.")
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("The end must be after the start.")
    # '٤٧١١' is kept as 4711, the code people key in; '²²²' is no code (isdigit() says it is).
    values["code"] = digits_only(values["code"]) or values["code"]
    if values["code"] and (not values["code"].isascii() or not 3 <= len(values["code"]) <= 6):
        errors["code"] = _("The code must have 3 to 6 digits.")
    try:
        service.parse_retention_days(values["retention_days"])
    except service.InvalidRetention:
        errors["retention_days"] = _(
            "Please enter a number of days from %(min)s to %(max)s (ten years).",
            min=service.RETENTION_MIN_DAYS,
            max=service.RETENTION_MAX_DAYS,
        )
    if values["poll_kind"] == "choices":
        choices = [c for c in values["poll_choices"].splitlines() if c.strip()]
        if not 2 <= len(choices) <= 9:
            errors["poll_choices"] = _("Please enter 2 to 9 answers, one per line.")
    return errors


def _save(session: Session, consultation: Consultation, values: dict, staff_id: int | None) -> None:
    consultation.opens_at = _parse_datetime(values["opens_at"])
    consultation.closes_at = _parse_datetime(values["closes_at"])
    consultation.is_published = values["is_published"]
    consultation.allow_unverified_votes = values["allow_unverified_votes"]
    service.set_retention_days(consultation, values["retention_days"])
    consultation.updated_at = utcnow()
    if values["code"]:
        consultation.code = values["code"]
    session.add(consultation)
    session.flush()
    for locale in EDIT_LOCALES:
        parts = {
            p: values[f"{p}:{locale}"].strip()
            for p in ("title", "summary", "body_md", "phone_summary", "poll_question")
        }
        if parts["title"] or locale == "de":
            service.save_text(session, consultation, locale, **parts)
    kind = values["poll_kind"]
    wanted: list[tuple[str, dict]]
    if kind == "yesno":
        wanted = [("yes", {}), ("no", {})]
    elif kind == "yesnoundecided":
        wanted = [("yes", {}), ("no", {}), ("undecided", {})]
    elif kind == "choices":
        choices = [c.strip() for c in values["poll_choices"].splitlines() if c.strip()]
        wanted = [("", {"de": c}) for c in choices]
    else:
        wanted = []
    # Raises PollLocked, before changing an option, when votes or a published result
    # forbid it; a wording fix keeps the option and goes to the audit log.
    voted = has_votes(session, consultation.id)
    for change in service.set_poll(session, consultation, wanted, has_votes=voted):
        audit(
            session,
            "poll_option.relabel",
            "poll_option",
            change.option_id,
            staff_id=staff_id,
            consultation=consultation.id,
            position=change.position,
            before=change.before,
            after=change.after,
        )


def poll_locked_message(error: service.PollLocked) -> str:
    if error.code == "results_published":
        return _(
            "The results are published, so the poll cannot be changed. "
            "Withdraw the results first if they must be corrected."
        )
    if error.code == "swapped":
        return _(
            "People have voted: an answer cannot take the wording of another answer, "
            "as that would move their votes."
        )
    return _(
        "People have voted, so the answers cannot be removed, added or switched off. "
        "You can only correct their wording."
    )


@requires_role(*EDITORS)
async def new_form(request: Request) -> Response:
    return render(
        request,
        "staff/consultation_form.html",
        {
            "values": {
                "poll_kind": "none",
                "retention_days": str(service.RETENTION_DEFAULT_DAYS),
            },
            "errors": {},
            "consultation": None,
            "locales": EDIT_LOCALES,
            **RETENTION_BOUNDS,
        },
    )


@requires_role(*EDITORS)
async def create(request: Request) -> Response:
    values = _form_values(await request.form())
    errors = _validate(values)
    staff = request.scope["staff"]

    def store(session: Session) -> Consultation | dict:
        if values["code"] and service.get_by_code(session, values["code"]):
            return {"code": _("This code is already used by another consultation.")}
        consultation = Consultation(
            slug=service.unique_slug(session, values["title:de"]),
            code=values["code"] or service.new_code(session),
        )
        _save(session, consultation, values, staff.id)
        audit(session, "consultation.create", "consultation", consultation.id, staff_id=staff.id)
        return consultation

    if not errors:
        result = await in_transaction(request, store, write=True)
        if isinstance(result, Consultation):
            return RedirectResponse(
                url(request, "staff_consultation_edit", id=result.id) + "?saved=1", status_code=303
            )
        errors = result
    return render(
        request,
        "staff/consultation_form.html",
        {
            "values": values,
            "errors": errors,
            "consultation": None,
            "locales": EDIT_LOCALES,
            **RETENTION_BOUNDS,
        },
        status_code=422,
    )


@requires_role(*EDITORS)
async def edit_form(request: Request) -> Response:
    consultation_id = request.path_params["id"]

    def load(session: Session) -> dict | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return None
        return {
            "consultation": consultation,
            "values": _values_from(session, consultation),
            "errors": {},
            "locales": EDIT_LOCALES,
            **RETENTION_BOUNDS,
            "saved": request.query_params.get("saved") == "1",
            "has_votes": has_votes(session, consultation.id),
        }

    return await page_or_404(request, load, "staff/consultation_form.html")


@requires_role(*EDITORS)
async def update(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    values = _form_values(await request.form())
    errors = _validate(values)
    staff = request.scope["staff"]

    def store(session: Session) -> Consultation | dict | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return None
        other = service.get_by_code(session, values["code"]) if values["code"] else None
        if other is not None and other.id != consultation.id:
            return {"code": _("This code is already used by another consultation.")}
        try:
            _save(session, consultation, values, staff.id)
        except service.PollLocked as locked:
            # Nothing of this save is kept: the form comes back with what was typed.
            session.rollback()
            return {"poll_kind": poll_locked_message(locked)}
        audit(session, "consultation.update", "consultation", consultation.id, staff_id=staff.id)
        return consultation

    if not errors:
        result = await in_transaction(request, store, write=True)
        if result is None:
            return error_response(request, 404)
        if isinstance(result, Consultation):
            return RedirectResponse(
                url(request, "staff_consultation_edit", id=result.id) + "?saved=1", status_code=303
            )
        errors = result
    context = await in_transaction(request, lambda s: s.get(Consultation, consultation_id))
    return render(
        request,
        "staff/consultation_form.html",
        {
            "values": values,
            "errors": errors,
            "consultation": context,
            "locales": EDIT_LOCALES,
            **RETENTION_BOUNDS,
        },
        status_code=422,
    )


#: Under /staff (app.py). A consultation's results pages are the results area's, under
#: /staff/consultations/{id}/... (results/staff_routes.py).
staff_routes = [
    Route("/consultations/new", new_form, methods=["GET"], name="staff_consultation_new"),
    Route("/consultations/new", create, methods=["POST"], name="staff_consultation_create"),
    Route("/consultations/{id:int}", edit_form, methods=["GET"], name="staff_consultation_edit"),
    Route("/consultations/{id:int}", update, methods=["POST"], name="staff_consultation_update"),
]
