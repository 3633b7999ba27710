"""The line's prompts: each adds one menu (a <Gather> or <Record>) to a TwiML answer.

A step answers with a prompt; a failed input answers with a re-prompt of the same one,
so every prompt is a function of the call's state alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from babel import Locale
from sqlmodel import Session
from twilio.twiml.voice_response import Gather, VoiceResponse

from participation.channels.voice.hours import spoken_hours
from participation.channels.voice.models import VoiceCall
from participation.channels.voice.service import caller_number, summary_audio_id
from participation.channels.voice.speech import (
    language_of_locale,
    say,
    say_template,
)
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, label_fallback
from participation.i18n.catalogs import babel_locale
from participation.i18n.spoken import spoken_digits, spoken_number
from participation.phone_keys import CODE_KEY, FINISH_KEY, MENU_LANGUAGES
from participation.questionnaires.builder import questions_of
from participation.settings import LANGUAGES, Settings
from participation.twilio import webhook_base

#: Seconds of silence before a menu counts as unanswered.
MENU_TIMEOUT = 6
#: Typing a code or a number takes longer than pressing one key.
ENTRY_TIMEOUT = 10
RECORD_MAX_SECONDS = 180
RECORD_SILENCE_SECONDS = 10
#: Consultations read out in the menu: keys 1 to 8, below CODE_KEY (typing a code from a
#: poster, which the poster prints) and 0 (back to the languages).
MAX_LISTED = CODE_KEY - 1
#: The order the languages are offered in (their keys stay MENU_LANGUAGES' positions):
#: Leichte Sprache right after German, so that its callers, who most need a short way
#: in, do not wait through six other languages first.
SPOKEN_ORDER = ("de", "ls", "en", "tr", "ar", "ru", "uk", "pl")


@dataclass
class Turn:
    """One webhook delivery: what Twilio sent, and the call it belongs to."""

    session: Session
    settings: Settings
    call: VoiceCall
    step: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    #: Set by a re-prompt, so the step does not reset the failure count.
    failed: bool = False
    #: A phone number the answer reads back: the cached answer is then kept encrypted.
    spoken_number: str | None = None

    @property
    def language(self) -> str:
        return self.call.language or "de"

    @property
    def locale(self) -> str:
        return LANGUAGES.get(self.language, "de")

    @property
    def digits(self) -> str:
        return (self.params.get("Digits") or "").strip()

    @property
    def caller_e164(self) -> str | None:
        return caller_number(self.params.get("From"), self.settings.default_region)

    def url(self, step: str, **extra: object) -> str:
        """An absolute step URL carrying the answer counter, so (CallSid, step) is unique."""
        query = {"n": str(self.call.seq)}
        query.update({k: str(v) for k, v in extra.items() if v is not None})
        return f"{webhook_base(self.settings)}/twilio/voice/{step}?{urlencode(query)}"

    def gather(self, parent: VoiceResponse, step: str, *, single: bool, **extra: object) -> Gather:
        """A keypad menu; silence still calls the action (empty Digits) so we can re-prompt."""
        self.call.last_step = step
        kwargs: dict[str, object] = {
            "input": "dtmf",
            "action": self.url(step, **extra),
            "method": "POST",
            "action_on_empty_result": True,
            "timeout": MENU_TIMEOUT if single else ENTRY_TIMEOUT,
        }
        if single:
            # One key and the line moves on at once, without waiting for "#".
            kwargs["num_digits"] = 1
        else:
            # Codes and numbers end with "#"; every such prompt says so.
            kwargs["finish_on_key"] = FINISH_KEY
        return parent.gather(**kwargs)


def hours_text(turn: Turn) -> str:
    return spoken_hours(turn.settings.phone_hours, turn.language)


def sms_number_text(turn: Turn) -> str:
    return spoken_number(turn.settings.council_sms_number, turn.settings.default_region)


def voice_language(caller: str, text_locale: str) -> str:
    """The voice for a text: the caller's own when it is their language (slow for LS)."""
    text_language = language_of_locale(text_locale)
    if text_language == caller or (caller == "ls" and text_language == "de"):
        return caller
    return text_language


# --- Menus ---------------------------------------------------------------------------


def prompt_language(turn: Turn, response: VoiceResponse, *, greeting: bool = False) -> None:
    menu = turn.gather(response, "language", single=True)
    if greeting:
        say_template(menu, "greeting", "de", council=turn.settings.council_name)
    for language in SPOKEN_ORDER:
        digit = MENU_LANGUAGES.index(language) + 1
        say_template(menu, "language_option", language, digit=digit)


def prompt_consultation(turn: Turn, response: VoiceResponse, *, notice: bool = False) -> None:
    """One key: a listed consultation (1-8), 9 to type a code from a poster, 0 for the
    languages. The privacy notice, heard once per call, sits inside the menu: a caller
    who knows it already skips it with their key."""
    language = turn.language
    open_now = consultations.open_consultations(turn.session)[:MAX_LISTED]
    if not open_now:
        say_template(response, "no_consultations", language)
        goodbye(turn, response)
        return
    menu = turn.gather(
        response, "consultation", single=True, m=".".join(str(c.id) for c in open_now)
    )
    if notice:
        say_template(menu, "notice", language)
    texts = [consultations.text_for(turn.session, c, turn.locale) for c in open_now]
    fallback = next((t.locale for t in texts if t and t.locale != turn.locale), None)
    if fallback:
        say_fallback(turn, menu, fallback, titles=True)
    for digit, (consultation, text) in enumerate(zip(open_now, texts, strict=True), start=1):
        title = text.text.title if text else consultation.code
        title_voice = voice_language(language, text.locale) if text else language
        if title_voice == language:
            say_template(menu, "consultation_option", language, title=title, digit=digit)
        else:
            # A title only written in another language is read by that language's voice.
            say(menu, title, title_voice)
            say_template(menu, "consultation_option", language, title="", digit=digit)
    say_template(menu, "consultation_code", language, digit=CODE_KEY)
    say_template(menu, "back_to_languages", language)


def prompt_code(turn: Turn, response: VoiceResponse) -> None:
    menu = turn.gather(response, "code", single=False)
    say_template(menu, "code_entry", turn.language)


def say_fallback(
    turn: Turn, parent: Gather, text_locale: str, *, answers: bool = False, titles: bool = False
) -> None:
    """Tells the caller that what follows is in another language (also a Leichte Sprache
    caller about standard German, which the same voice reads)."""
    babel_name = "de" if text_locale == "de@easy" else text_locale
    name = Locale.parse(babel_name).get_display_name(babel_locale(turn.language))
    say_template(
        parent,
        "summary_fallback",
        turn.language,
        language_name=name,
        easy=turn.locale == "de@easy" and text_locale == "de",
        answers=answers,
        titles=titles,
    )


def say_summary(turn: Turn, parent: Gather, consultation: Consultation) -> None:
    text = consultations.text_for(turn.session, consultation, turn.locale)
    if text is None:
        return
    words = text.text.phone_summary or text.text.summary or text.text.title
    voice = voice_language(turn.language, text.locale)
    if text.locale != turn.locale:
        say_fallback(turn, parent, text.locale)
    audio_id = summary_audio_id(turn.session, consultation.id, text.locale)
    if audio_id is not None:
        # A recorded reading by a person replaces the synthetic voice.
        # Fetched with GET, which finds its council by the host: the council's own address.
        parent.play(f"{turn.settings.public_base_url}/twilio/voice/summary-audio/{audio_id}")
    else:
        say(parent, words, voice)


def prompt_actions(
    turn: Turn, response: VoiceResponse, consultation: Consultation, *, summary: bool
) -> None:
    menu = turn.gather(response, "action", single=True, c=consultation.id)
    if summary:
        say_summary(turn, menu, consultation)
    has_poll = bool(consultations.poll_options(turn.session, consultation.id))
    say_template(
        menu,
        "action_menu",
        turn.language,
        has_poll=has_poll,
        has_questionnaire=has_questionnaire(turn.session, consultation.id),
    )


def has_questionnaire(session: Session, consultation_id: int) -> bool:
    """Questions beyond the poll (key 5; the poll alone is key 2, as always)."""
    return any(not q.is_poll for q in questions_of(session, consultation_id))


def prompt_record(turn: Turn, response: VoiceResponse, consultation_id: int | None) -> None:
    turn.call.last_step = "record"
    say_template(response, "record_intro", turn.language)
    status_query = urlencode({"c": consultation_id or "", "lang": turn.language})
    recorded = turn.url("recorded", c=consultation_id or "")
    response.record(
        max_length=RECORD_MAX_SECONDS,
        timeout=RECORD_SILENCE_SECONDS,
        finish_on_key="#",
        play_beep=True,
        action=recorded,
        method="POST",
        recording_status_callback=(
            f"{webhook_base(turn.settings)}/twilio/voice/recording?{status_query}"
        ),
        recording_status_callback_event="completed",
        recording_status_callback_method="POST",
    )
    # Reached only when nothing was recorded at all: the same step then says so.
    response.redirect(recorded, method="POST")


def prompt_vote(turn: Turn, response: VoiceResponse, consultation: Consultation) -> None:
    menu = turn.gather(response, "vote", single=True, c=consultation.id)
    text = consultations.text_for(turn.session, consultation, turn.locale)
    told = bool(text and text.text.poll_question and text.locale != turn.locale)
    if text and text.text.poll_question:
        if told:
            say_fallback(turn, menu, text.locale)
        say(menu, text.text.poll_question, voice_language(turn.language, text.locale))
    options = consultations.poll_options(turn.session, consultation.id)
    fallbacks = [label_fallback(option, turn.locale) for option in options]
    if any(fallbacks) and not told:
        say_fallback(turn, menu, "de", answers=True)
    for option, fallback in zip(options, fallbacks, strict=True):
        label = option.label(turn.locale)
        if fallback and voice_language(turn.language, fallback) != turn.language:
            # A German answer is read by the German voice, then its key in the caller's.
            say(menu, label, voice_language(turn.language, fallback))
            label = ""
        say_template(menu, "vote_option", turn.language, label=label, digit=option.position)
    say_template(menu, "back", turn.language)


def prompt_callback(turn: Turn, response: VoiceResponse) -> None:
    number = turn.caller_e164
    if number is None:
        prompt_callback_number(turn, response)
        return
    menu = turn.gather(response, "callback", single=True, c=turn.call.consultation_id)
    say_template(menu, "callback_confirm", turn.language, digits=spoken_digits(number[-3:]))


def prompt_callback_number(turn: Turn, response: VoiceResponse) -> None:
    menu = turn.gather(response, "callback-number", single=False)
    say_template(menu, "callback_number", turn.language)


def prompt_callback_check(turn: Turn, response: VoiceResponse, e164: str) -> None:
    menu = turn.gather(response, "callback-check", single=True)
    turn.spoken_number = e164
    digits = spoken_number(e164, turn.settings.default_region)
    say_template(menu, "callback_readback", turn.language, digits=digits)


def prompt_lookup(turn: Turn, response: VoiceResponse) -> None:
    menu = turn.gather(response, "lookup", single=False)
    say_template(menu, "status_prompt", turn.language)


def prompt_after(
    turn: Turn, response: VoiceResponse, reference: str | None = None, *, answers: bool = False
) -> None:
    """After a contribution, vote, questionnaire, call-back or status: SMS, back to the
    menu, or hang up. ``answers``: the reference is a questionnaire response's."""
    sms = bool(reference and turn.caller_e164)
    back = not turn.call.after_hours
    menu = turn.gather(
        response,
        "after",
        single=True,
        ref=reference if sms else None,
        a="1" if sms and answers else None,
    )
    say_template(menu, "after_menu", turn.language, sms=sms, back=back)


def say_reference(turn: Turn, parent: VoiceResponse, reference: str) -> None:
    say_template(parent, "reference", turn.language, digits=spoken_digits(reference))


# --- Endings -------------------------------------------------------------------------


def goodbye(turn: Turn, response: VoiceResponse) -> None:
    turn.call.last_step = "goodbye"
    say_template(response, "goodbye", turn.language)
    response.hangup()


def goodbye_failed(turn: Turn, response: VoiceResponse) -> None:
    """After three failed inputs: other ways to take part and when people answer.

    The call keeps the menu it failed at as its last step, for the service report."""
    turn.call.failed_out = True
    say_template(
        response,
        "goodbye_failed",
        turn.language,
        sms_number=sms_number_text(turn),
        hours=hours_text(turn),
    )
    response.hangup()
