"""The questionnaire by phone: the steps "question" and "question-recorded".

Key 5 of a consultation's menu starts it (the poll is its first question). Each answer
is checked at once (questionnaires.progress.check_answer) and waits, encrypted, with the
call's progress; the last one stores the whole response through submit_response(), the
one write path, and the line reads its reference number. A spoken free-text answer
becomes that answer's contribution in the moderation queue, as a recorded comment does.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from participation.channels.voice import service
from participation.channels.voice.prompts import (
    Turn,
    prompt_actions,
    prompt_after,
    say_reference,
)
from participation.channels.voice.question_prompts import (
    BACK_KEY,
    RECORD_KEY,
    REPEAT_KEY,
    SKIP_KEY,
    has_back_key,
    holder_of,
    is_typed,
    prompt_answer_recording,
    prompt_question,
)
from participation.channels.voice.reprompts import back_to_actions, failure, retry
from participation.channels.voice.speech import say, say_template, spoken
from participation.consultations.models import Consultation
from participation.contributions.errors import ContributionRefused
from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.i18n.formatting import local_list
from participation.numbers import bounded_int, digits_only, menu_choice
from participation.questionnaires.answers import NO, YES, Recording
from participation.questionnaires.models import (
    SCALE_MAX,
    QuestionKind,
    QuestionnaireProgress,
)
from participation.questionnaires.pages import ShownQuestion, shown_questions
from participation.questionnaires.progress import (
    check_answer,
    current_progress,
    finish_progress,
    forget_progress,
    record_answer,
    record_recording,
    recordings_so_far,
    start_progress,
    step_back,
)
from participation.questionnaires.responses import ResponseRefused


class _Place:
    """Where the call is in its questionnaire, read once per webhook."""

    def __init__(self, turn: Turn, consultation: Consultation, progress: QuestionnaireProgress):
        self.turn = turn
        self.consultation = consultation
        self.progress = progress
        self.questions = shown_questions(turn.session, consultation, progress.locale)

    @property
    def question(self) -> ShownQuestion:
        return self.questions[self.progress.position]

    def ask(self, response: VoiceResponse, *, intro: bool = False) -> VoiceResponse:
        """The current question, or the end when every question has its answer."""
        if self.progress.position >= len(self.questions):
            return self.finish(response)
        prompt_question(
            self.turn,
            response,
            self.consultation.id,
            self.questions,
            self.progress.position,
            intro=intro,
        )
        return response

    def again(self, turn: Turn, response: VoiceResponse) -> None:
        prompt_question(
            turn, response, self.consultation.id, self.questions, self.progress.position
        )

    def finish(self, response: VoiceResponse) -> VoiceResponse:
        turn = self.turn
        secret = turn.settings.secret_key
        recordings = list(recordings_so_far(self.progress, secret).values())
        voter = Voter(service.voter_key(turn.settings, turn.call))
        try:
            recorded = finish_progress(
                turn.session, self.consultation, self.progress, Channel.voice, voter, secret
            )
        except ResponseRefused as refused:
            # A required question left without an answer: back to the first such one.
            ids = [q.id for q in self.questions]
            first = min((ids.index(q) for q in refused.problems if q in ids), default=0)
            self.progress.position = first
            problem = refused.problems.get(ids[first]) if ids else None
            if problem is not None:
                say_template(
                    response, "question_problem", turn.language, code=problem.code, **problem.values
                )
            return self.ask(response)
        except ContributionRefused:
            service.log_event(turn.session, turn.call, "question", "not_open")
            say_template(response, "not_open", turn.language)
            prompt_after(turn, response)
            return response
        service.kept_answer_recordings(turn.session, recordings)
        turn.call.voted = True
        turn.call.contributed = turn.call.contributed or bool(recordings)
        service.log_event(turn.session, turn.call, "question", "response", recorded.reference)
        say_template(response, "questionnaire_saved", turn.language, replaced=recorded.replaced)
        say_reference(turn, response, recorded.reference)
        prompt_after(turn, response, recorded.reference, answers=True)
        return response


def start_questionnaire(turn: Turn, consultation: Consultation) -> VoiceResponse:
    """Key 5: the first question (a questionnaire begun earlier in the call starts over)."""
    progress = start_progress(
        turn.session, consultation, holder_of(turn), turn.locale, turn.settings.secret_key
    )
    service.log_event(turn.session, turn.call, "question", "started", consultation.code)
    return _Place(turn, consultation, progress).ask(VoiceResponse(), intro=True)


def _place(turn: Turn) -> _Place | None:
    """The call's questionnaire, when the request belongs to it."""
    progress = current_progress(turn.session, holder_of(turn))
    consultation_id = bounded_int(turn.query.get("c"), low=1)
    if progress is None or progress.consultation_id != consultation_id:
        return None
    consultation = turn.session.get(Consultation, progress.consultation_id)
    if consultation is None:
        return None
    return _Place(turn, consultation, progress)


def _lost(turn: Turn) -> VoiceResponse:
    """No questionnaire under way (it was finished, or forgotten): the consultation's menu
    or, without one, the list."""
    return back_to_actions(turn)


def _values(question: ShownQuestion, digits: str) -> list[str] | None:
    """The keys pressed as submit_response() takes the answer; None: no such choice."""
    kind = question.kind
    by_key = {str(option.position): str(option.id) for option in question.options}
    if kind is QuestionKind.single_choice:
        return [by_key[digits]] if digits in by_key else None
    if kind is QuestionKind.multiple_choice:
        keys = digits_only(digits) or ""
        if not keys or any(key not in by_key for key in keys):
            return None
        # "2 1 2": Bus and Rad, each once, in the order pressed.
        return [by_key[key] for key in dict.fromkeys(keys)]
    if kind is QuestionKind.yes_no:
        return {"1": [YES], "2": [NO]}.get(digits)
    if kind is QuestionKind.scale:
        choice = menu_choice(digits, SCALE_MAX)
        return [str(choice)] if choice else None
    if kind is QuestionKind.number:
        number = digits_only(digits)
        return [number] if number else None
    return None


def _understood(turn: Turn, question: ShownQuestion, values: list[str]) -> str:
    """ "You chose Bus": what the line took the keys for."""
    kind = question.kind
    if not values:
        return spoken("question_understood", turn.language, skipped=True)
    if kind is QuestionKind.yes_no:
        return spoken("question_understood", turn.language, yes=values == [YES])
    if kind is QuestionKind.number:
        return spoken("question_understood", turn.language, number=int(values[0]))
    if kind is QuestionKind.scale:
        return spoken("question_understood", turn.language, labels=values[0])
    labels = {str(option.id): option.label for option in question.options}
    chosen = local_list([labels[value] for value in values], language=turn.language)
    return spoken("question_understood", turn.language, labels=chosen)


def _answered(place: _Place, values: list[str]) -> VoiceResponse:
    turn, question = place.turn, place.question
    problem = check_answer(turn.session, place.consultation, question.id, values)
    if problem is not None:
        message = spoken("question_problem", turn.language, code=problem.code, **problem.values)
        return retry(turn, problem.code, place.again, message)
    record_answer(turn.session, place.progress, question.id, values, turn.settings.secret_key)
    service.log_event(turn.session, turn.call, "question", "answer", str(question.position))
    response = VoiceResponse()
    say(response, _understood(turn, question, values), turn.language)
    return place.ask(response)


def on_question(turn: Turn) -> VoiceResponse:
    """The keys pressed at a question: an answer, star, back, or skip."""
    place = _place(turn)
    if place is None:
        return _lost(turn)
    if place.progress.position >= len(place.questions):
        return place.finish(VoiceResponse())
    question, digits = place.question, turn.digits
    if bounded_int(turn.query.get("q"), low=1) != question.id:
        # Keys meant for another question (a stale request) answer none: this one again.
        return place.ask(VoiceResponse())
    if REPEAT_KEY in digits:
        # Asked again, and no failure: the caller wanted to hear it once more.
        return place.ask(VoiceResponse())
    if digits == BACK_KEY and has_back_key(question):
        return _back(place)
    skipped = digits == SKIP_KEY or (is_typed(question) and not digits)
    if skipped and not question.required:
        return _answered(place, [])
    if skipped and digits:
        message = spoken("question_problem", turn.language, code="missing")
        return retry(turn, "missing", place.again, message)
    if question.kind is QuestionKind.free_text and digits == RECORD_KEY:
        response = VoiceResponse()
        prompt_answer_recording(turn, response, place.consultation.id, question.id)
        return response
    values = _values(question, digits) if digits and not skipped else None
    if values is None:
        if is_typed(question) and len(digits) > 1:
            message = spoken("question_problem", turn.language, code="not_understood")
            return retry(turn, "invalid", place.again, message)
        return failure(turn, place.again)
    return _answered(place, values)


def _back(place: _Place) -> VoiceResponse:
    turn = place.turn
    if place.progress.position == 0:
        # Back from the first question: the consultation's menu; nothing was kept.
        forget_progress(turn.session, place.progress)
        response = VoiceResponse()
        prompt_actions(turn, response, place.consultation, summary=False)
        return response
    step_back(turn.session, place.progress)
    return place.ask(VoiceResponse())


def on_question_recorded(turn: Turn) -> VoiceResponse:
    """<Record> of a spoken answer finished (# pressed, silence, time up, or hang-up)."""
    params = turn.params
    sid, url = params.get("RecordingSid"), params.get("RecordingUrl") or ""
    place = _place(turn)
    question_id = bounded_int(turn.query.get("q"), low=1)
    current = place is not None and place.progress.position < len(place.questions)
    if place is None or not current or place.question.id != question_id:
        service.drop_answer_recording(turn.session, sid, url)
        return _lost(turn) if place is None else place.ask(VoiceResponse())
    if params.get("Digits") == "hangup":
        # Nobody listens any more, and nothing counts before the last answer.
        service.drop_answer_recording(turn.session, sid, url)
        turn.call.last_step = "question-record"
        response = VoiceResponse()
        response.hangup()
        return response
    recording = service.answer_recording(
        turn.session,
        call_sid=turn.call.call_sid,
        question_id=place.question.id,
        recording_sid=sid,
        recording_url=url,
        duration=bounded_int(params.get("RecordingDuration"), low=0) or 0,
    )
    if recording is None:
        message = spoken("question_problem", turn.language, code="too_short")
        return retry(turn, "too_short", place.again, message)
    return _recorded(place, recording)


def _recorded(place: _Place, recording: Recording) -> VoiceResponse:
    turn = place.turn
    secret = turn.settings.secret_key
    record_recording(turn.session, place.progress, place.question.id, recording, secret)
    service.log_event(turn.session, turn.call, "question", "recorded", str(recording.duration))
    response = VoiceResponse()
    say(response, spoken("question_understood", turn.language, recorded=True), turn.language)
    return place.ask(response)
