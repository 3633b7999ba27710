"""The IVR steps: each reads the caller's keys and answers with TwiML (VoiceResponse).

`answer()` is the one entry: it makes every (CallSid, step) idempotent by caching the
TwiML it answered, so a webhook Twilio delivers twice gets the same answer and writes once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlmodel import Session
from twilio.twiml.voice_response import VoiceResponse

from participation.channels.voice import service
from participation.channels.voice.hours import line_is_open
from participation.channels.voice.prompts import (
    CODE_KEY,
    Turn,
    goodbye,
    has_questionnaire,
    hours_text,
    prompt_actions,
    prompt_after,
    prompt_callback,
    prompt_callback_check,
    prompt_callback_number,
    prompt_code,
    prompt_consultation,
    prompt_language,
    prompt_lookup,
    prompt_record,
    prompt_vote,
    say_reference,
)
from participation.channels.voice.question_prompts import QUESTIONNAIRE_KEY
from participation.channels.voice.questionnaire import (
    on_question,
    on_question_recorded,
    start_questionnaire,
)
from participation.channels.voice.reference_sms import reference_sms
from participation.channels.voice.reprompts import (
    back_to_actions,
    current_consultation,
    failure,
    input_kind,
    retry,
)
from participation.channels.voice.response_status import response_status_reply
from participation.channels.voice.speech import (
    say_template,
    speaking,
    spoken,
)
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.contributions import lookups
from participation.contributions.errors import ConsultationNotOpen, ContributionRefused
from participation.crypto import decrypt, encrypt
from participation.i18n.spoken import spoken_digits
from participation.moderation.labels import reason_labels
from participation.numbers import bounded_int, digits_only, menu_choice
from participation.phone_keys import MENU_LANGUAGES
from participation.phones import phone_key
from participation.questionnaires.status import ResponseStatus
from participation.settings import Settings

# --- Steps ---------------------------------------------------------------------------


def on_incoming(turn: Turn) -> VoiceResponse:
    response = VoiceResponse()
    prompt_language(turn, response, greeting=True)
    return response


def on_language(turn: Turn) -> VoiceResponse:
    digits = turn.digits
    choice = menu_choice(digits, len(MENU_LANGUAGES))
    if choice is None:
        return failure(turn, prompt_language)
    turn.call.language = MENU_LANGUAGES[choice - 1]
    service.log_event(turn.session, turn.call, "language", "language", turn.call.language)
    response = VoiceResponse()
    if turn.call.after_hours:
        say_template(response, "closed", turn.language, hours=hours_text(turn))
        say_template(response, "notice", turn.language)
        prompt_record(turn, response, None)
        return response
    # Heard once per call, before anything can be recorded; a key skips it.
    prompt_consultation(turn, response, notice=True)
    return response


def on_consultation(turn: Turn) -> VoiceResponse:
    digits = turn.digits
    response = VoiceResponse()
    if digits == "0":
        prompt_language(turn, response)
        return response
    if digits == str(CODE_KEY):
        prompt_code(turn, response)
        return response
    menu = [n for x in turn.query.get("m", "").split(".") if (n := bounded_int(x, low=1))]
    choice = menu_choice(digits, len(menu))
    if choice is None:
        return failure(turn, prompt_consultation)
    return _chosen(turn, turn.session.get(Consultation, menu[choice - 1]), digits)


def on_code(turn: Turn) -> VoiceResponse:
    """A consultation's code from a poster, typed and finished with "#"."""
    digits = turn.digits
    # "#" alone (or any key but 0-9) is no code: asked again.
    if input_kind(digits) != "input" or digits_only(digits) is None:
        return failure(turn, prompt_code)
    digits = digits_only(digits) or ""
    return _chosen(turn, consultations.get_by_code(turn.session, digits), digits)


def _chosen(turn: Turn, consultation: Consultation | None, digits: str) -> VoiceResponse:
    if consultation is None or consultation.phase() is not Phase.open:
        message = spoken("unknown_code", turn.language, code=spoken_digits(digits))
        again = prompt_code if len(digits) > 1 else prompt_consultation
        return retry(turn, "unknown_code", again, message)
    turn.call.consultation_id = consultation.id
    service.log_event(turn.session, turn.call, "consultation", "chosen", consultation.code)
    response = VoiceResponse()
    prompt_actions(turn, response, consultation, summary=True)
    return response


def on_action(turn: Turn) -> VoiceResponse:
    consultation = current_consultation(turn)
    response = VoiceResponse()
    if consultation is None:
        prompt_consultation(turn, response)
        return response

    def again(t: Turn, r: VoiceResponse) -> None:
        prompt_actions(t, r, consultation, summary=False)

    choice = turn.digits
    if choice == "1":
        prompt_record(turn, response, consultation.id)
    elif choice == "2":
        if not consultations.poll_options(turn.session, consultation.id):
            message = spoken("no_poll", turn.language)
            return retry(turn, "no_poll", again, message)
        prompt_vote(turn, response, consultation)
    elif choice == "3":
        prompt_callback(turn, response)
    elif choice == "4":
        prompt_lookup(turn, response)
    elif choice == QUESTIONNAIRE_KEY and has_questionnaire(turn.session, consultation.id):
        return start_questionnaire(turn, consultation)
    elif choice == "9":
        prompt_actions(turn, response, consultation, summary=True)
    elif choice == "0":
        prompt_consultation(turn, response)
    else:
        return failure(turn, again)
    return response


def on_recorded(turn: Turn) -> VoiceResponse:
    """<Record> finished (# pressed, silence, time up, or hang-up: then Digits=hangup).

    Twilio still requests this action after a hang-up, with the recording's duration; the
    recording is kept if it is long enough, but the answer asks nothing more: nobody is
    listening, and a dialogue there would only pile up webhooks of a call that is over.
    """
    response = VoiceResponse()
    hung_up = turn.params.get("Digits") == "hangup"
    raw_c = turn.query.get("c") or ""
    duration = bounded_int(turn.params.get("RecordingDuration"), low=0) or 0
    try:
        contribution = service.store_recording(
            turn.session,
            turn.settings,
            call_sid=turn.call.call_sid,
            consultation_id=bounded_int(raw_c, low=1),
            language=turn.language,
            recording_sid=turn.params.get("RecordingSid"),
            recording_url=turn.params.get("RecordingUrl") or "",
            duration=duration,
        )
    except ConsultationNotOpen:
        service.log_event(turn.session, turn.call, "recorded", "not_open")
        if hung_up:
            return response
        say_template(response, "not_open", turn.language)
        prompt_after(turn, response)
        return response
    if hung_up:
        kind = "hangup_kept" if contribution else "hangup_dropped"
        service.log_event(turn.session, turn.call, "recorded", kind, str(duration))
        turn.call.last_step = "record"
        response.hangup()
        return response
    if contribution is None:
        service.log_event(turn.session, turn.call, "recorded", "too_short", str(duration))
        say_template(response, "recording_too_short", turn.language)
        if turn.call.after_hours:
            goodbye(turn, response)
            return response
        return back_to_actions(turn, response)
    service.log_event(turn.session, turn.call, "recorded", "contribution", contribution.reference)
    say_template(response, "recording_saved", turn.language)
    say_reference(turn, response, contribution.reference)
    prompt_after(turn, response, contribution.reference)
    return response


def on_vote(turn: Turn) -> VoiceResponse:
    consultation = current_consultation(turn)
    if consultation is None:
        return back_to_actions(turn)

    def again(t: Turn, r: VoiceResponse) -> None:
        prompt_vote(t, r, consultation)

    digits = turn.digits
    if digits == "0":
        return back_to_actions(turn)
    options = {o.position: o for o in consultations.poll_options(turn.session, consultation.id)}
    option = options.get(menu_choice(digits, max(options, default=0)) or 0)
    if option is None:
        return failure(turn, again)
    response = VoiceResponse()
    try:
        replaced = service.cast_vote(
            turn.session, turn.settings, call=turn.call, consultation=consultation, option=option
        )
    except ContributionRefused:
        service.log_event(turn.session, turn.call, "vote", "not_open")
        say_template(response, "not_open", turn.language)
        prompt_after(turn, response)
        return response
    service.log_event(turn.session, turn.call, "vote", "vote", option.key or str(option.position))
    label = option.label(turn.locale)
    # A vote is not a contribution: no reference number to note down or send.
    say_template(response, "vote_saved", turn.language, label=label, replaced=replaced)
    prompt_after(turn, response)
    return response


def _callback_saved(turn: Turn, e164: str) -> VoiceResponse:
    service.request_callback(
        turn.session, turn.settings, call=turn.call, e164=e164, language=turn.language
    )
    turn.call.pending_number = None
    turn.call.pending_number_key = None
    service.log_event(turn.session, turn.call, "callback", "callback")
    response = VoiceResponse()
    say_template(response, "callback_saved", turn.language, hours=hours_text(turn))
    prompt_after(turn, response)
    return response


def on_callback(turn: Turn) -> VoiceResponse:
    digits = turn.digits
    number = turn.caller_e164
    if digits == "1" and number:
        return _callback_saved(turn, number)
    if digits == "2":
        response = VoiceResponse()
        prompt_callback_number(turn, response)
        return response
    if digits == "0":
        return back_to_actions(turn)
    return failure(turn, prompt_callback)


def on_callback_number(turn: Turn) -> VoiceResponse:
    digits = turn.digits
    if input_kind(digits) != "input":
        return failure(turn, prompt_callback_number)
    e164 = service.callback_number(digits, turn.settings.default_region)
    if e164 is None:
        message = spoken("callback_invalid", turn.language)
        return retry(turn, "invalid_number", prompt_callback_number, message)
    turn.call.pending_number = encrypt(turn.settings.secret_key, e164)
    turn.call.pending_number_key = phone_key(turn.settings.secret_key, e164)
    response = VoiceResponse()
    prompt_callback_check(turn, response, e164)
    return response


def on_callback_check(turn: Turn) -> VoiceResponse:
    pending = turn.call.pending_number
    e164 = decrypt(turn.settings.secret_key, pending) if pending else None
    if e164 is None:
        response = VoiceResponse()
        prompt_callback_number(turn, response)
        return response
    digits = turn.digits
    if digits == "1":
        return _callback_saved(turn, e164)
    if digits == "2":
        response = VoiceResponse()
        prompt_callback_number(turn, response)
        return response

    def again(t: Turn, r: VoiceResponse) -> None:
        prompt_callback_check(t, r, e164)

    return failure(turn, again)


def on_lookup(turn: Turn) -> VoiceResponse:
    digits = turn.digits
    if digits == "0":
        return back_to_actions(turn)
    if input_kind(digits) != "input":
        return failure(turn, prompt_lookup)
    caller = turn.call.caller_key
    try:
        # Counted per caller, as by SMS; a withheld number has three tries per call.
        contribution = (
            lookups.look_up(
                turn.session, lookups.phone_lookup_key(turn.settings.secret_key, caller), digits
            )
            if caller
            else lookups.find_any(turn.session, digits)
        )
    except lookups.LookupsLimited:
        service.log_event(turn.session, turn.call, "lookup", "limited")
        response = VoiceResponse()
        say_template(response, "status_limited", turn.language)
        prompt_after(turn, response)
        return response
    if contribution is None:
        message = spoken("status_not_found", turn.language, digits=spoken_digits(digits))
        return retry(turn, "unknown_reference", prompt_lookup, message)
    turn.call.heard_status = True
    if isinstance(contribution, ResponseStatus):
        return response_status_reply(turn, contribution)
    service.log_event(turn.session, turn.call, "lookup", "status", contribution.status.value)
    with speaking(turn.language):
        reason = reason_labels().get(contribution.rejection_reason or "", "")
    response = VoiceResponse()
    say_template(
        response,
        "status_result",
        turn.language,
        status=contribution.status.value,
        digits=spoken_digits(contribution.reference),
        answered=bool(contribution.answer),
        reason=reason,
    )
    prompt_after(turn, response)
    return response


def on_after(turn: Turn) -> VoiceResponse:
    digits = turn.digits
    reference = turn.query.get("ref") or ""
    number = turn.caller_e164

    def again(t: Turn, r: VoiceResponse) -> None:
        prompt_after(t, r, reference or None, answers=turn.query.get("a") == "1")

    if digits == "1" and reference and number:
        # A questionnaire's number has no status page: the text names it alone.
        answers = turn.query.get("a") == "1"
        body = reference_sms(turn.settings, turn.language, reference, answers=answers)
        service.send_reference_sms(
            turn.session, turn.settings, call=turn.call, e164=number, body=body, reference=reference
        )
        service.log_event(turn.session, turn.call, "after", "sms")
        response = VoiceResponse()
        say_template(response, "sms_queued", turn.language)
        prompt_after(turn, response)
        return response
    if digits == "0" and not turn.call.after_hours:
        return back_to_actions(turn)
    if not digits:
        # Silence after the work is done is the natural end of a call, not a failure.
        response = VoiceResponse()
        goodbye(turn, response)
        return response
    return failure(turn, again)


STEPS: dict[str, Callable[[Turn], VoiceResponse]] = {
    "incoming": on_incoming,
    "language": on_language,
    "consultation": on_consultation,
    "code": on_code,
    "action": on_action,
    "recorded": on_recorded,
    "vote": on_vote,
    "callback": on_callback,
    "callback-number": on_callback_number,
    "callback-check": on_callback_check,
    "lookup": on_lookup,
    "after": on_after,
    "question": on_question,
    "question-recorded": on_question_recorded,
}


def answer_key(step: str, query: Mapping[str, str]) -> str:
    """(step, answer counter): what makes a repeated delivery meet its first answer."""
    return f"{step}:{bounded_int(query.get('n'), low=0) or 0}"


def answer(
    session: Session,
    settings: Settings,
    step: str,
    query: Mapping[str, str],
    params: Mapping[str, str],
) -> str:
    """The TwiML for one webhook; the same (CallSid, step) always gets the same answer."""
    call_sid = params["CallSid"]
    key = answer_key(step, query)
    cached = service.cached_answer(session, settings, call_sid, key)
    if cached is not None:
        return cached
    call = service.get_call(session, call_sid)
    if call is None or step == "incoming":
        if step == "incoming":
            service.purge_call_data(session)
        call = service.start_call(session, settings, call_sid, params.get("From", ""))
        if step == "incoming":
            call.after_hours = not line_is_open(settings.phone_hours, settings.timezone)
        # A call whose state was lost starts over instead of failing.
        step = "incoming" if call.seq == 0 else step
    call.seq += 1
    turn = Turn(session, settings, call, step, params, query)
    response = STEPS[step](turn)
    if not turn.failed:
        call.tries = 0
    session.add(call)
    twiml = str(response)
    service.store_answer(session, settings, call_sid, key, twiml, number=turn.spoken_number)
    return twiml
