"""Is a consultation ready to open? What is missing per door (web page, SMS, phone,
poster) and language, in plain words, each with the set-up step that fixes it; and which
languages are complete, which are partly written, and which show German.

Opening with gaps is allowed: the clerk decides, having seen them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from participation.channels.sms import questionnaire_replies as sms_questions
from participation.channels.sms.parser import SMS_LANGUAGES
from participation.consultations.models import Consultation, ConsultationText
from participation.consultations.setup_steps import FURTHER_LANGUAGES, count_text
from participation.i18n.catalogs import gettext as _
from participation.moderation.consultation_edits import Editing
from participation.questionnaires.pages import shown_questions
from participation.settings import LANGUAGES


@dataclass(frozen=True)
class Gap:
    #: "web", "sms", "phone" or "poster".
    door: str
    #: URL language code, or "" for what concerns every language.
    language: str
    message: str
    #: The set-up step that fixes it.
    step: str


@dataclass(frozen=True)
class LanguageState:
    code: str
    #: "complete", "incomplete" (a title, but not every text) or "german" (none).
    state: str
    #: The names of the texts still missing.
    missing: list[str] = field(default_factory=list)
    required: bool = False


def part_names() -> dict[str, str]:
    return {
        "title": _("Title"),
        "summary": _("Summary"),
        "body_md": _("Text"),
        "phone_summary": _("Short text for phone and SMS"),
        "poll_question": _("Poll question"),
    }


def _wanted_parts(editing: Editing) -> tuple[str, ...]:
    parts = ("title", "summary", "body_md", "phone_summary")
    return (*parts, "poll_question") if editing.options else parts


def _missing(text: ConsultationText | None, editing: Editing) -> list[str]:
    names = part_names()
    return [names[p] for p in _wanted_parts(editing) if not text or not getattr(text, p).strip()]


def language_states(editing: Editing) -> list[LanguageState]:
    texts = {t.locale: t for t in editing.texts}
    states = []
    for code in ("de", *FURTHER_LANGUAGES):
        text = texts.get(LANGUAGES[code])
        missing = _missing(text, editing)
        if text is None and code != "de":
            state = "german"
        else:
            state = "incomplete" if missing else "complete"
        states.append(LanguageState(code, state, missing, required=code == "de"))
    return states


def _german_gaps(editing: Editing, german: ConsultationText | None) -> list[Gap]:
    gaps = []
    if german is None or not german.summary.strip():
        gaps.append(Gap("web", "de", _("The German summary is missing."), "what"))
    if german is None or not german.body_md.strip():
        gaps.append(Gap("web", "de", _("The German text is missing."), "what"))
    if editing.consultation.closes_at is None:
        message = _("There is no closing date: the consultation would stay open.")
        gaps.append(Gap("web", "", message, "what"))
        gaps.append(Gap("poster", "", _("The poster shows no closing date."), "what"))
    if german is None or not german.phone_summary.strip():
        message = _("The short text is missing: callers hear the whole summary instead.")
        gaps.append(Gap("phone", "de", message, "phone"))
    if editing.options and (german is None or not german.poll_question.strip()):
        message = _("There is a poll but no question: callers hear only the answers.")
        gaps.append(Gap("phone", "de", message, "phone"))
    return gaps


def _length_gaps(editing: Editing, code: str, text: ConsultationText) -> list[Gap]:
    if not text.phone_summary.strip():
        return []
    step = "phone" if code == "de" else code
    counts = count_text(text.phone_summary, code, code=editing.consultation.code, title=text.title)
    gaps = []
    if counts.too_long_to_say:
        message = _(
            "The short text takes about %(seconds)s seconds to say; callers listen for "
            "about %(limit)s.",
            seconds=counts.seconds,
            limit=counts.seconds_limit,
        )
        gaps.append(Gap("phone", code, message, step))
    if counts.cut:
        message = _("The short text does not fit into the SMS reply and is cut off.")
        gaps.append(Gap("sms", code, message, step))
    return gaps


def gaps_of(editing: Editing) -> list[Gap]:
    """Everything that is missing or too long, German and the consultation's own first."""
    texts = {t.locale: t for t in editing.texts}
    gaps = _german_gaps(editing, texts.get("de"))
    for state in language_states(editing):
        text = texts.get(LANGUAGES[state.code])
        if state.code != "de" and state.state == "incomplete":
            message = _("Partly translated; missing: %(parts)s.", parts=", ".join(state.missing))
            gaps.append(Gap("web", state.code, message, state.code))
        if text is not None:
            gaps.extend(_length_gaps(editing, state.code, text))
    return gaps


def questionnaire_gaps(session: Session, consultation_id: int) -> list[Gap]:
    """Questions an SMS cannot ask in two parts with their options' words whole, per SMS
    language (German words count where a language has none). The SMS door never cuts a
    question's words: it sends such a question longer, or its options' numbers only."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        return []
    gaps = []
    for code in SMS_LANGUAGES:
        shown = shown_questions(session, consultation, LANGUAGES[code])
        for index, question in enumerate(shown):
            asked = sms_questions.Asked(question, index + 1, len(shown), consultation.code)
            if not sms_questions.fits(code, asked):
                message = _(
                    "Question %(number)s is too long for an SMS reply of two parts.",
                    number=index + 1,
                )
            elif not sms_questions.whole(code, asked):
                message = _(
                    "Question %(number)s: its answers do not fit into the SMS in full and "
                    "are shortened.",
                    number=index + 1,
                )
            else:
                continue
            gaps.append(Gap("sms", code, message, "answers"))
    return gaps


def door_names() -> dict[str, str]:
    return {
        "web": _("Web page"),
        "sms": _("SMS"),
        "phone": _("Phone"),
        "poster": _("Poster"),
    }
