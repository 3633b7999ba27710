"""What each door will say about a consultation, before it opens: the SMS replies a
resident gets (from the SMS door's own reply functions) and what a caller hears, in
order (the phone line's own steps, their TwiML read back).

Drafts answer nobody on SMS or the phone, so nothing here goes through the webhooks:
the replies and steps are called directly with this consultation, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from participation.channels.sms import replies
from participation.channels.sms.parser import SMS_LANGUAGES
from participation.channels.voice.models import VoiceCall
from participation.channels.voice.prompts import Turn
from participation.channels.voice.steps import on_action
from participation.channels.voice.twiml_reader import Spoken, read_twiml
from participation.consultations import service
from participation.i18n.catalogs import gettext as _
from participation.moderation.consultation_edits import Editing, for_editing
from participation.settings import LANGUAGES, Settings
from participation.sms_segments import SegmentCount, count_segments

#: Shown where the SMS reply names the reference number a resident gets.
EXAMPLE_REFERENCE = "12345678"
#: The phone line's keys after a consultation's code (channels/voice/steps.on_action).
SUMMARY_KEY, RECORD_KEY, POLL_KEY = "9", "1", "2"


@dataclass(frozen=True)
class SmsExchange:
    #: What the resident sends.
    sent: str
    reply: str
    segments: SegmentCount


@dataclass(frozen=True)
class PhoneScene:
    #: What the caller did to get here.
    heading: str
    said: list[Spoken]


def sms_language(language: str) -> str:
    """Leichte Sprache's readers write and get SMS in German."""
    return language if language in SMS_LANGUAGES else "de"


def _exchange(sent: str, reply: str) -> SmsExchange:
    return SmsExchange(sent, reply, count_segments(reply))


def sms_exchanges(editing: Editing, language: str) -> list[SmsExchange]:
    """INFO, a comment, the poll and HILFE for this consultation, as the SMS door answers."""
    consultation = editing.consultation
    code = consultation.code
    lang = sms_language(language)
    locale = LANGUAGES[lang]
    words = replies.keywords(lang)
    with replies.in_language(lang):
        # What a resident might write, in the language the preview shows.
        comment = _("Please more benches")
    picked = service.pick_text(editing.texts, locale, consultation.default_locale)
    text = picked.text if picked else None
    summary = (text.phone_summary or text.summary) if text else ""
    exchanges = [
        _exchange(
            f"{words['info']} {code}",
            replies.info(
                lang,
                code=code,
                title=text.title if text else "",
                summary=summary,
                phase="open",
                closes_at=consultation.closes_at,
            ),
        ),
        _exchange(
            f"{code} {comment}",
            replies.received(lang, code=code, reference=EXAMPLE_REFERENCE),
        ),
    ]
    if editing.options:
        labels = [(o.position, o.label(locale)) for o in editing.options]
        exchanges.append(
            _exchange(
                f"{code} {words['yes']}?", replies.vote_options(lang, code=code, options=labels)
            )
        )
        first = editing.options[0]
        exchanges.append(
            _exchange(
                f"{code} {first.position}",
                replies.voted(lang, code=code, option=first.label(locale)),
            )
        )
    else:
        exchanges.append(_exchange(f"{code} {words['yes']}", replies.no_poll(lang, code=code)))
    exchanges.append(_exchange(words["help"], replies.help_text(lang, code=code)))
    return exchanges


def sms_preview(session: Session, consultation_id: int, language: str) -> list[SmsExchange]:
    return sms_exchanges(for_editing(session, consultation_id), language)


def _heard(session: Session, settings: Settings, editing: Editing, language: str, key: str):
    # A call that is never stored: the steps only read the consultation and set its state.
    call = VoiceCall(call_sid="preview", language=language, seq=1, consultation_id=None)
    query = {"c": str(editing.consultation.id)}
    turn = Turn(session, settings, call, "action", {"Digits": key}, query)
    return read_twiml(str(on_action(turn))).said


def phone_preview(
    session: Session, settings: Settings, consultation_id: int, language: str
) -> list[PhoneScene]:
    """The phone line's texts for this consultation in ``language``, in the order a
    caller hears them: after the code, then after each key of its menu."""
    editing = for_editing(session, consultation_id)
    code = editing.consultation.code
    scenes = [
        PhoneScene(
            _("After typing the code %(code)s", code=code),
            _heard(session, settings, editing, language, SUMMARY_KEY),
        ),
        PhoneScene(
            _("After pressing 1: leave a message"),
            _heard(session, settings, editing, language, RECORD_KEY),
        ),
    ]
    if editing.options:
        scenes.append(
            PhoneScene(
                _("After pressing 2: the poll"),
                _heard(session, settings, editing, language, POLL_KEY),
            )
        )
    return scenes
