"""Front-desk entry: staff type in a letter or what a visitor said, for the resident.

The form is one more door to contributions.service.submit_contribution (channel paper or
in_person, the date it was received, entered_by_id = the staff member), then a receipt
with the reference number to print and hand over. An answer to the poll goes to
contributions.votes.submit_vote, only when the staff member attests that the resident
gave it: the voter is the resident's phone hash if they gave a number (so a later SMS
or web vote from it replaces this one), else a voter of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import cast
from zoneinfo import ZoneInfo

import segno
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.models import StaffUser
from participation.accounts.permissions import MODERATORS, requires_role
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.contributions import errors
from participation.contributions.labels import refusal_beside_field
from participation.contributions.models import Channel
from participation.contributions.service import (
    ChannelDetails,
    Submission,
    find_by_reference,
    submit_contribution,
)
from participation.contributions.votes import Voter, submit_vote
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_zone
from participation.moderation.service import audit, audit_contribution
from participation.phones import normalise_number, phone_key
from participation.settings import LANGUAGE_NAMES, LANGUAGES
from participation.web import submissions
from participation.web.councils import settings_of
from participation.web.errors import error_response
from participation.web.forms import field, in_transaction, int_or_none
from participation.web.templating import render, url

FRONT_DESK_CHANNELS = (Channel.paper, Channel.in_person)
#: The phases in which a letter or visit can still be entered (submit_contribution checks
#: the date received against the consultation's dates).
ENTERABLE = (Phase.open, Phase.closed)

#: The receipt a vote without a text leaves for its form key: it has no reference.
VOTE_ONLY_RECEIPT = "-"


def received_moment(day: date, now: datetime, tz: ZoneInfo) -> datetime:
    """Today means now; an earlier day means noon of that day in the council's time zone,
    so a letter from the first or last day of a consultation counts as inside it."""
    local_today = now.astimezone(tz).date()
    if day >= local_today:
        return now
    return datetime.combine(day, time(12, 0), tzinfo=tz).astimezone(UTC)


@requires_role(*MODERATORS)
async def index(request: Request) -> Response:
    def load(session: Session) -> dict:
        every = [c for c in consultations.public_consultations(session) if c.phase() in ENTERABLE]
        texts = consultations.texts_for(session, [c.id for c in every])
        rows = [(c, consultations.pick_text(texts.get(c.id, []), "de")) for c in every]
        return {"rows": rows}

    return render(request, "frontdesk/index.html", await in_transaction(request, load))


def _form_context(session: Session, consultation: Consultation, values: dict) -> dict:
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, "de"),
        "options": consultations.poll_options(session, consultation.id),
        "values": values,
        "errors": {},
        "locale_choices": [(locale, LANGUAGE_NAMES[code]) for code, locale in LANGUAGES.items()],
        "today": utcnow().astimezone(local_zone()).date().isoformat(),
    }


@requires_role(*MODERATORS)
async def entry_form(request: Request) -> Response:
    consultation_id = request.path_params["id"]

    def load(session: Session) -> dict | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or consultation.phase() not in ENTERABLE:
            return None
        return _form_context(session, consultation, {"channel": "paper", "locale": "de"})

    context = await in_transaction(request, load)
    if context is None:
        return error_response(request, 404)
    context["values"]["received"] = context["today"]
    context["voted"] = request.query_params.get("voted") == "1"
    return render(request, "frontdesk/form.html", context)


def _refusal(error: errors.ContributionRefused) -> tuple[str, str]:
    if isinstance(error, errors.ConsultationNotOpen):
        return "received", _(
            "On the date received, this consultation was not open. Please check the date."
        )
    if isinstance(error, errors.TooLong):
        return "body", _(
            "The text has %(length)s characters; the limit is %(limit)s.",
            length=error.length,
            limit=error.limit,
        )
    if isinstance(error, errors.EmptyContribution):
        return "body", _("Please type the text or choose an answer to the question.")
    return refusal_beside_field(error) or ("body", _("The contribution could not be stored."))


#: The fields of the entry form, each read as typed (the checks below say what is wrong).
ENTRY_FIELDS = ("channel", "received", "locale", "poll_option", "voter_phone", "pseudonym", "body")


def _read_entry(raw) -> dict:
    values = {name: field(raw, name, 100_000) for name in ENTRY_FIELDS}
    values["submission_key"] = field(raw, "submission_key", 100)
    values["attested"] = "on" if raw.get("attested") == "on" else ""
    return values


@dataclass
class _Entry:
    """What the form says once checked: the problems to show, or what to store."""

    problems: dict[str, str]
    day: date | None
    locale: str
    option_id: int | None
    voter_key: str | None


def _check_entry(values: dict, settings, tz: ZoneInfo, now: datetime) -> _Entry:
    problems: dict[str, str] = {}
    if values["channel"] not in {c.value for c in FRONT_DESK_CHANNELS}:
        problems["channel"] = _("Please choose how the contribution came in.")
    try:
        day: date | None = date.fromisoformat(values["received"])
    except ValueError:
        day = None
        problems["received"] = _("Please enter the date it was received.")
    if day is not None and day > now.astimezone(tz).date():
        problems["received"] = _("The date received cannot be in the future.")
    locale = values["locale"] if values["locale"] in LANGUAGES.values() else "de"
    option_id = int_or_none(values["poll_option"])
    voter_key = None
    if option_id is not None:
        if not values["attested"]:
            problems["attested"] = _(
                "Please confirm that the resident gave this answer themselves."
            )
        if values["voter_phone"].strip():
            e164 = normalise_number(values["voter_phone"], settings.default_region)
            if e164 is None:
                problems["voter_phone"] = _("Please check the phone number.")
            else:
                voter_key = phone_key(settings.secret_key, e164)
    elif not values["body"].strip():
        problems["body"] = _("Please type the text or choose an answer to the question.")
    return _Entry(problems, day, locale, option_id, voter_key)


def _audit_attested_vote(
    session: Session,
    staff: StaffUser,
    vote,
    consultation_id: int,
    values: dict,
    day: date,
    voter_key: str | None,
) -> None:
    audit(
        session,
        "vote.attest",
        staff_id=staff.id,
        object_type="poll_vote",
        object_id=vote.id,
        consultation=consultation_id,
        option=vote.option.id,
        channel=values["channel"],
        received=day.isoformat(),
        by_phone_number=voter_key is not None,
        replaced=vote.replaced,
    )


def _store_entry(
    session: Session,
    consultation: Consultation,
    staff: StaffUser,
    values: dict,
    entry: _Entry,
    received_at: datetime,
    settings,
) -> tuple[object | None, object | None]:
    """Store the text and/or the attested vote; a refusal raises ContributionRefused."""
    option_id = entry.option_id
    if values["poll_option"] and option_id is None:
        # Not a number we could ever have sent (a word, 20 digits).
        raise errors.InvalidPollOption(values["poll_option"])
    channel = Channel(values["channel"])
    submitted = None
    if values["body"].strip():
        submitted = submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=values["body"],
                channel=channel,
                locale=entry.locale,
                pseudonym=values["pseudonym"],
                poll_option_id=option_id,
                max_chars=settings.max_contribution_chars,
                details=ChannelDetails(entered_by_id=staff.id, received_at=received_at),
            ),
        )
    vote = None
    if option_id is not None:
        vote = submit_vote(
            session,
            consultation=consultation,
            option_id=option_id,
            channel=channel,
            voter=Voter.attested(staff.id, entry.voter_key),
            contribution_id=submitted.id if submitted else None,
            received_at=received_at,
        )
    return submitted, vote


def _earlier_entry(
    session: Session, claim, consultation_id: int
) -> tuple[tuple[str, object] | None, bool]:
    """The same form sent twice (a double click): the first one's outcome, and whether this
    one holds the claim to record its receipt."""
    earlier, claimed = submissions.earlier_receipt(session, claim)
    if earlier == VOTE_ONLY_RECEIPT:
        return ("voted", consultation_id), claimed
    if earlier:
        reference, _sep, earlier_locale = earlier.partition(" ")
        return ("stored", (reference, earlier_locale)), claimed
    return None, claimed


def _form_again(
    session: Session, consultation_id: int, values: dict, problems: dict[str, str]
) -> tuple[str, object]:
    """The form as typed, with what is wrong, after a check or a refusal."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        return "missing", None
    context = _form_context(session, consultation, values)
    context["errors"] = problems
    return "invalid", context


@requires_role(*MODERATORS)
async def enter(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff: StaffUser = request.scope["staff"]
    raw = await request.form()
    values = _read_entry(raw)
    settings = settings_of(request)
    tz = ZoneInfo(settings.timezone)
    claim = submissions.claim_for(
        settings.secret_key,
        field(raw, "csrf_token", 1000),
        values["submission_key"],
        (str(consultation_id), *(values[name] for name in sorted(values))),
    )

    def store(session: Session) -> tuple[str, object]:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or consultation.phase() not in ENTERABLE:
            return "missing", None
        now = utcnow()
        entry = _check_entry(values, settings, tz, now)
        problems, day = entry.problems, entry.day
        if not problems and day is not None:
            earlier, claimed = _earlier_entry(session, claim, consultation.id)
            if earlier is not None:
                return earlier
            try:
                submitted, vote = _store_entry(
                    session,
                    consultation,
                    staff,
                    values,
                    entry,
                    received_moment(day, now, tz),
                    settings,
                )
            except errors.ContributionRefused as refused:
                session.rollback()
                name, message = _refusal(refused)
                problems[name] = message
            else:
                return _record_entry(
                    session,
                    staff,
                    values,
                    entry,
                    day,
                    claim,
                    claimed,
                    submitted,
                    vote,
                    consultation.id,
                )
        return _form_again(session, consultation_id, values, problems)

    outcome, payload = await in_transaction(request, store, write=True)
    return _entry_response(request, outcome, payload)


def _record_entry(
    session: Session,
    staff: StaffUser,
    values: dict,
    entry: _Entry,
    day: date,
    claim,
    claimed: bool,
    submitted,
    vote,
    consultation_id: int,
) -> tuple[str, object]:
    """Audit what was stored and keep its receipt for a form sent twice."""
    if vote is not None:
        _audit_attested_vote(session, staff, vote, consultation_id, values, day, entry.voter_key)
    if submitted is None:
        if claimed:
            # A vote alone sent twice must not be a second attested voter.
            submissions.record_receipt(session, claim, VOTE_ONLY_RECEIPT)
        return "voted", consultation_id
    audit_contribution(
        session,
        "contribution.enter",
        submitted.id,
        staff_id=staff.id,
        reference=submitted.reference,
        channel=values["channel"],
        received=day.isoformat(),
        consultation=consultation_id,
    )
    if claimed:
        submissions.record_receipt(session, claim, f"{submitted.reference} {entry.locale}")
    return "stored", (submitted.reference, entry.locale)


def _entry_response(request: Request, outcome: str, payload: object) -> Response:
    if outcome == "missing":
        return error_response(request, 404)
    if outcome == "voted":
        # A vote alone has no reference number: the form again, for the next resident.
        return RedirectResponse(
            url(request, "frontdesk_form", id=payload) + "?voted=1", status_code=303
        )
    if outcome == "stored":
        reference, locale = cast(tuple[str, str], payload)
        # The receipt in the resident's language, so it can be handed over as printed.
        lang = next((code for code, value in LANGUAGES.items() if value == locale), "de")
        return RedirectResponse(
            url(request, "frontdesk_receipt", reference=reference, lang=lang), status_code=303
        )
    return render(request, "frontdesk/form.html", cast(dict, payload), status_code=422)


@requires_role(*MODERATORS)
async def receipt(request: Request) -> Response:
    settings = settings_of(request)

    def load(session: Session) -> dict | None:
        contribution = find_by_reference(session, request.path_params["reference"])
        if contribution is None or contribution.consultation_id is None:
            return None
        consultation = session.get(Consultation, contribution.consultation_id)
        if consultation is None:
            return None
        option = None
        if contribution.poll_option_id:
            option = next(
                (
                    o
                    for o in consultations.poll_options(session, consultation.id)
                    if o.id == contribution.poll_option_id
                ),
                None,
            )
        return {
            "contribution": contribution,
            "consultation": consultation,
            "text": consultations.text_for(session, consultation, contribution.locale),
            "option": option,
        }

    context = await in_transaction(request, load)
    if context is None:
        return error_response(request, 404)
    reference = context["contribution"].reference
    status_url = settings.public_base_url + url(request, "contribution_status", reference=reference)
    # A QR code to the status page, drawn as inline SVG (no image request, CSP-safe).
    context["status_url"] = status_url
    context["qr_svg"] = segno.make(status_url, error="m").svg_inline(
        scale=3, dark="#000", omitsize=True, title=None
    )
    return render(request, "frontdesk/receipt.html", context)


#: Under /staff (app.py); the index has no trailing slash, so it stands beside the Mount.
staff_routes = [
    Route("/front-desk", index, name="frontdesk"),
    Mount(
        "/front-desk",
        routes=[
            Route("/{id:int}", entry_form, methods=["GET"], name="frontdesk_form"),
            Route("/{id:int}", enter, methods=["POST"], name="frontdesk_enter"),
            Route("/receipt/{reference}", receipt, name="frontdesk_receipt"),
        ],
    ),
]
