"""A consultation's questionnaire answered by SMS, one question at a time.

"4711 START" opens the conversation at the first question (again: a restart); every
message after that answers the question asked, until the last answer stores the whole
response through finish_progress() -> submit_response(), in this message's transaction.
The place and the answers so far wait in questionnaires.progress (encrypted, a day after
the last answer forgotten, erased with the number). The voter is the sender's phone hash,
as for a poll answer by SMS: answering again replaces the earlier response.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import col, select

from participation.channels.sms import conversation, replies
from participation.channels.sms import questionnaire_replies as texts
from participation.channels.sms.models import InboundSms
from participation.channels.sms.parser import VOTES, Intent
from participation.channels.sms.questionnaire_reading import (
    Reading,
    Steer,
    read_answer,
    steering,
)
from participation.channels.sms.questionnaire_replies import Asked
from participation.channels.sms.turn import Turn
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.contributions.errors import ConsultationNotOpen
from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.i18n.catalogs import N_, gettext
from participation.questionnaires.builder import questions_of
from participation.questionnaires.models import QuestionKind, QuestionnaireProgress
from participation.questionnaires.pages import ShownQuestion, shown_questions
from participation.questionnaires.progress import (
    Holder,
    answers_so_far,
    check_answer,
    current_progress,
    finish_progress,
    forget_progress,
    record_answer,
    start_progress,
    step_back,
)
from participation.questionnaires.responses import ResponseRefused
from participation.settings import LANGUAGES

#: What the inbound log says of a message in an open questionnaire; the next message
#: after a forgotten one gets questionnaire_replies.expired.
IN_QUESTIONNAIRE = "questionnaire"
QUESTIONNAIRE_DONE = "questionnaire_done"
_LANGUAGE_OF_LOCALE = {locale: code for code, locale in LANGUAGES.items()}
_UNREADABLE = {
    QuestionKind.scale: N_("Please enter a whole number."),
    QuestionKind.number: N_("Please enter a whole number."),
    QuestionKind.free_text: N_("Please answer this question."),
}
_UNREADABLE_CHOICE = N_("Please choose one of the options shown.")


def holder(turn: Turn) -> Holder:
    return Holder("sms", turn.key, turn.key)


def open_progress(turn: Turn) -> QuestionnaireProgress | None:
    """This number's open questionnaire, unless a day has passed since its last answer."""
    return current_progress(turn.session, holder(turn), turn.now)


def messages_needed(turn: Turn, progress: QuestionnaireProgress) -> int:
    """Messages a questionnaire may take beyond the hourly cap: two per question (an
    answer and a correction) and the start."""
    return 2 * len(questions_of(turn.session, progress.consultation_id)) + 1


def begin(turn: Turn) -> str:
    """ "4711 START": the first question (a second START begins again)."""
    code = turn.parsed.code or ""
    consultation = conversation._by_code(turn, code)
    if consultation is None:
        return replies.unknown_code(
            turn.lang(), code=code, choices=conversation._open_choices(turn)
        )
    language = turn.lang(consultation)
    if consultation.phase(turn.now) is not Phase.open:
        return conversation._not_open(turn, consultation)
    locale = LANGUAGES.get(language, "de")
    shown = shown_questions(turn.session, consultation, locale)
    turn.remember(consultation)
    if not shown:
        turn.logged_intent = Intent.info.value
        return texts.no_questionnaire(language, code=consultation.code)
    # Asking for the questions is asking for replies: an earlier STOP of ours is lifted.
    turn.contact.opted_out = False
    turn.contact.opted_out_at = None
    start_progress(turn.session, consultation, holder(turn), locale, turn.settings.secret_key)
    turn.logged_intent = IN_QUESTIONNAIRE
    return texts.question(language, _asked(consultation, shown, 0), intro=True)


def restart(turn: Turn, progress: QuestionnaireProgress) -> str:
    """START alone while a questionnaire is open: its first question again."""
    consultation = turn.session.get(Consultation, progress.consultation_id)
    code = consultation.code if consultation is not None else ""
    turn.parsed = replace(turn.parsed, intent=Intent.questionnaire, code=code)
    turn.language = _language(progress)
    return begin(turn)


def help_text(turn: Turn, progress: QuestionnaireProgress) -> str:
    """HILFE while a questionnaire is open: how to go back, skip and end, and where."""
    consultation = turn.session.get(Consultation, progress.consultation_id)
    code = consultation.code if consultation is not None else ""
    count = len(shown_questions(turn.session, consultation, progress.locale)) if consultation else 0
    return texts.help_text(_language(progress), code=code, count=count)


def answers_it(turn: Turn, progress: QuestionnaireProgress) -> bool:
    """Whether the message is meant for the open questionnaire: not when it names
    another consultation's code ("4712 Mehr Busse" is a comment on 4712)."""
    code = turn.parsed.code
    if code is None:
        return True
    consultation = turn.session.get(Consultation, progress.consultation_id)
    return consultation is not None and consultation.code == code


def answer(turn: Turn, progress: QuestionnaireProgress, body: str) -> str:
    """The message as the answer to the question asked (or ZURÜCK, ENDE, WEITER)."""
    language = _language(progress)
    turn.language = language
    consultation = turn.session.get(Consultation, progress.consultation_id)
    if consultation is None or consultation.phase(turn.now) is not Phase.open:
        forget_progress(turn.session, progress)
        if consultation is None:
            return replies.help_text(language, code=None)
        return conversation._not_open(turn, consultation)
    turn.remember(consultation)
    turn.logged_intent = IN_QUESTIONNAIRE
    body = _without_code(body, consultation.code)
    shown = shown_questions(turn.session, consultation, progress.locale)
    if not shown:  # its questions were taken away meanwhile
        forget_progress(turn.session, progress)
        return texts.no_questionnaire(language, code=consultation.code)
    steer = steering(body)
    if steer is Steer.end:
        forget_progress(turn.session, progress)
        turn.logged_intent = QUESTIONNAIRE_DONE
        return texts.ended(language, code=consultation.code)
    if steer is Steer.back:
        step_back(turn.session, progress)
        return texts.question(language, _asked(consultation, shown, progress.position))
    position = min(progress.position, len(shown) - 1)
    question = shown[position]
    reading = read_answer(question, body, _poll_words(turn, consultation, question))
    said = _problem(turn, consultation, question, reading, language)
    if said is not None or reading is None:
        return texts.question(language, _asked(consultation, shown, position), problem=said or "")
    secret = turn.settings.secret_key
    progress.position = position
    record_answer(turn.session, progress, question.id, reading.values, secret)
    following = _next_open(progress, shown, secret)
    if following is None:
        return _finish(turn, consultation, progress, shown, reading.understood)
    progress.position = following
    turn.session.add(progress)
    return texts.question(
        language,
        _asked(consultation, shown, progress.position),
        understood=reading.understood,
        skipped=not reading.values,
    )


def _finish(
    turn: Turn,
    consultation: Consultation,
    progress: QuestionnaireProgress,
    shown: list[ShownQuestion],
    understood: list[str],
) -> str:
    """Stores the response; a question still unanswered is asked again."""
    language = _language(progress)
    voter = Voter(turn.key)
    try:
        recorded = finish_progress(
            turn.session, consultation, progress, Channel.sms, voter, turn.settings.secret_key
        )
    except ResponseRefused as refused:
        position = min((i for i, q in enumerate(shown) if q.id in refused.problems), default=0)
        progress.position = position
        turn.session.add(progress)
        turn.session.flush()
        return texts.question(language, _asked(consultation, shown, position), missing=True)
    except ConsultationNotOpen:
        forget_progress(turn.session, progress)
        return conversation._not_open(turn, consultation)
    turn.logged_intent = QUESTIONNAIRE_DONE
    if recorded.contribution_ids:
        turn.contribution_id = recorded.contribution_ids[0]
    return texts.done(
        language,
        code=consultation.code,
        reference=recorded.reference,
        understood=understood,
        replaced=recorded.replaced,
        texts=bool(recorded.contribution_ids),
    )


def _problem(
    turn: Turn,
    consultation: Consultation,
    question: ShownQuestion,
    reading: Reading | None,
    language: str,
) -> str | None:
    """What is wrong with the answer, in the sender's language; None when nothing is."""
    if reading is None:
        message, values = _UNREADABLE.get(question.kind, _UNREADABLE_CHOICE), {}
    else:
        found = check_answer(turn.session, consultation, question.id, reading.values)
        if found is None:
            return None
        message, values = found.message, found.values
    with replies.in_language(language):
        return gettext(message, **values)


def forgotten_code(turn: Turn) -> str | None:
    """The code of this number's questionnaire that was forgotten after a day without an
    answer, when its last message was part of it; None otherwise."""
    row = turn.session.exec(
        select(InboundSms.intent, InboundSms.consultation_id)
        .where(
            InboundSms.from_key == turn.key,
            col(InboundSms.created_at) > turn.now - conversation.CONTEXT_WINDOW,
        )
        .order_by(col(InboundSms.created_at).desc())
    ).first()
    if row is None or row[0] != IN_QUESTIONNAIRE or row[1] is None:
        return None
    consultation = turn.session.get(Consultation, row[1])
    return consultation.code if consultation is not None else None


def looks_like_an_answer(turn: Turn, body: str) -> bool:
    """A bare option number, JA/NEIN, ZURÜCK or ENDE: meant for a questionnaire."""
    parsed = turn.parsed
    if parsed.code is None and parsed.intent is Intent.vote:
        return True
    if steering(body) is not None:
        return True
    stripped = body.replace(",", " ").split()
    return bool(stripped) and all(part.isdecimal() and len(part) <= 3 for part in stripped)


def _next_open(
    progress: QuestionnaireProgress, shown: list[ShownQuestion], secret: str
) -> int | None:
    """The next question from here not answered yet (after a correction, the answers
    after it stand); None when every one is."""
    answered = answers_so_far(progress, secret)
    return next(
        (i for i in range(progress.position, len(shown)) if shown[i].id not in answered), None
    )


def _without_code(body: str, code: str) -> str:
    """ "4711 2" answers like "2": the conversation's own code in front is no answer."""
    words = body.split(maxsplit=1)
    if len(words) == 2 and words[0] == code:
        return words[1]
    return body


def _language(progress: QuestionnaireProgress) -> str:
    return _LANGUAGE_OF_LOCALE.get(progress.locale, "de")


def _asked(consultation: Consultation, shown: list[ShownQuestion], position: int) -> Asked:
    index = max(0, min(position, len(shown) - 1))
    return Asked(shown[index], index + 1, len(shown), consultation.code)


def _poll_words(
    turn: Turn, consultation: Consultation, question: ShownQuestion
) -> dict[int, tuple[str, ...]]:
    """The poll's options answer to JA, NEIN, ... in every language, as a poll SMS does."""
    if not question.is_poll:
        return {}
    words = {}
    for option in consultations.poll_options(turn.session, consultation.id):
        aliases = VOTES.get(option.key or "", {})
        words[option.id] = tuple(alias for group in aliases.values() for alias in group)
    return words
