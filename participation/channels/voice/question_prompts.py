"""The questionnaire's prompts on the phone: each question read out with its keys.

A question is one keypad menu. Single choice, scale, yes/no and a free text's "press 1 to
record" take one key; a multiple choice and a number are typed and ended with "#". On
every question star repeats it, 0 goes back one question and an optional question is
skipped with "#" (typed questions: "#" alone); a number question whose range holds 0
has no back key, since 0 is then an answer.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from participation.channels.voice.prompts import Turn, say_fallback, voice_language
from participation.channels.voice.speech import say, say_template
from participation.phone_keys import FINISH_KEY
from participation.questionnaires.models import QuestionKind
from participation.questionnaires.pages import ShownOption, ShownQuestion
from participation.questionnaires.progress import Holder

#: In the consultation's menu, after the keys 1-4 the line always had.
QUESTIONNAIRE_KEY = "5"
REPEAT_KEY = "*"
BACK_KEY = "0"
SKIP_KEY = FINISH_KEY
#: In a free-text question's menu: the key that starts the recording.
RECORD_KEY = "1"
#: A spoken answer is short; a longer comment has its own place (key 1 of the menu).
ANSWER_MAX_SECONDS = 60
ANSWER_SILENCE_SECONDS = 8
#: Typed, ended with "#": the others take one key.
TYPED_KINDS = frozenset({QuestionKind.multiple_choice, QuestionKind.number})


def holder_of(turn: Turn) -> Holder:
    """The call's conversation: its CallSid, and the caller's hash for erasure."""
    return Holder("phone", turn.call.call_sid, turn.call.caller_key)


def is_typed(question: ShownQuestion) -> bool:
    return question.kind in TYPED_KINDS


def has_back_key(question: ShownQuestion) -> bool:
    """0 goes back, unless 0 is an answer to this number question."""
    if question.kind is not QuestionKind.number:
        return True
    return question.min_value is not None and question.min_value > 0


def _say_options(turn: Turn, menu: Gather, options: list[ShownOption], *, told: bool) -> None:
    """Each option and its key ("For Rad, press 1"); a German label is read by the German
    voice. ``told``: the caller just heard that the question is in German."""
    if not told and any(option.fallback for option in options):
        say_fallback(turn, menu, "de", answers=True)
    for option in options:
        label = option.label
        voice = voice_language(turn.language, option.fallback) if option.fallback else None
        if voice and voice != turn.language:
            say(menu, label, voice)
            label = ""
        say_template(menu, "vote_option", turn.language, label=label, digit=option.position)


def prompt_question(
    turn: Turn,
    response: VoiceResponse,
    consultation_id: int,
    questions: list[ShownQuestion],
    position: int,
    *,
    intro: bool = False,
) -> None:
    """The question at ``position``: "Question 2 of 6", its words, its keys."""
    question = questions[position]
    typed = is_typed(question)
    menu = turn.gather(response, "question", single=not typed, c=consultation_id, q=question.id)
    if not typed:
        # "#" is a key here (skip), not the end of an entry.
        menu.attrs["finishOnKey"] = ""
    language = turn.language
    say_template(
        menu, "question_number", language, intro=intro, number=position + 1, count=len(questions)
    )
    # Said once for a run of questions in German, not before each of them.
    earlier = questions[position - 1].fallback if position else ""
    if question.fallback and question.fallback != earlier:
        say_fallback(turn, menu, question.fallback)
    voice = voice_language(language, question.fallback or turn.locale)
    say(menu, question.prompt, voice)
    if question.help_text:
        say(menu, question.help_text, voice)
    if question.kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
        _say_options(turn, menu, question.options, told=bool(question.fallback))
    say_template(
        menu,
        "question_keys",
        language,
        kind=question.kind.value,
        low=question.low_label,
        high=question.high_label,
        limit=question.max_choices,
        least=question.min_value,
        most=question.max_value,
    )
    # After the answer's keys, so a caller who knows them can press at once.
    say_template(
        menu,
        "question_controls",
        language,
        typed=typed,
        back=has_back_key(question),
        skip=not question.required,
    )


def prompt_answer_recording(
    turn: Turn, response: VoiceResponse, consultation_id: int, question_id: int
) -> None:
    """A short recording; no status callback: the answer is stored with the response,
    not as a comment of its own."""
    turn.call.last_step = "question-record"
    say_template(response, "question_record", turn.language)
    recorded = turn.url("question-recorded", c=consultation_id, q=question_id)
    response.record(
        max_length=ANSWER_MAX_SECONDS,
        timeout=ANSWER_SILENCE_SECONDS,
        finish_on_key=FINISH_KEY,
        play_beep=True,
        action=recorded,
        method="POST",
    )
    # Reached only when nothing was recorded at all: the same step then says so.
    response.redirect(recorded, method="POST")
