"""A consultation's questionnaire: an ordered list of questions and the answers to them.

The consultation's poll is its first single-choice question (``is_poll``): its words stay
in consultation_text.poll_question and poll_option, its answers in poll_vote, written by
contributions.votes.submit_vote(). Every door that knew the poll (SMS, phone, front desk,
results, exports) keeps reading the same rows, so the migration that made each poll a
question (0012) changed no figure. The other questions keep their own texts, options and
answers in the tables below.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class QuestionKind(enum.StrEnum):
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    scale = "scale"
    yes_no = "yes_no"
    number = "number"
    free_text = "free_text"


#: Kinds answered by choosing among the question's options.
CHOICE_KINDS = frozenset({QuestionKind.single_choice, QuestionKind.multiple_choice})
SCALE_MIN, SCALE_MAX = 1, 5


class Question(CouncilOwned, table=True):
    __tablename__ = "question"
    __table_args__ = (Index("ix_question_consultation_position", "consultation_id", "position"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", ondelete="CASCADE")
    #: Order on every door, 1 first. Not unique: reordering swaps two rows in one flush.
    position: int
    #: A QuestionKind value; fixed once anybody answered.
    kind: str = Field(max_length=20)
    required: bool = Field(default=False)
    #: Multiple choice: at most this many options (None: any number).
    max_choices: int | None = None
    #: Number: the smallest and largest answer taken (e.g. an age or a postcode).
    min_value: int | None = None
    max_value: int | None = None
    #: The consultation's poll: words in consultation_text/poll_option, answers in poll_vote.
    is_poll: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class QuestionText(CouncilOwned, table=True):
    """One language's words of a question; German is the fallback, as for consultations."""

    __tablename__ = "question_text"
    __table_args__ = (UniqueConstraint("question_id", "locale"),)

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    locale: str = Field(max_length=8)
    prompt: str = Field(max_length=300)
    help_text: str = Field(default="", max_length=500)
    #: A scale's labelled ends ("not at all" for 1, "very much" for 5).
    low_label: str = Field(default="", max_length=80)
    high_label: str = Field(default="", max_length=80)


class QuestionOption(CouncilOwned, table=True):
    """A choice of a single- or multiple-choice question (the poll's are poll_option)."""

    __tablename__ = "question_option"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    #: 1-9: the keypad digit and the SMS number for this option.
    position: int
    labels: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class QuestionnaireResponse(CouncilOwned, table=True):
    """One voter's answers to a consultation's questions; a later response replaces it."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (
        UniqueConstraint("consultation_id", "voter_key"),
        UniqueConstraint("council_id", "reference", name="uq_questionnaire_response_reference"),
    )

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    #: The same voter key as poll_vote's (contributions.votes.Voter).
    voter_key: str = Field(max_length=80)
    reference: str = Field(max_length=8)
    channel: str = Field(max_length=20)
    locale: str = Field(max_length=8)
    attested_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class QuestionnaireAnswer(CouncilOwned, table=True):
    """One answer of a response: an option (one row per chosen option), a number (scale,
    yes/no as 1/0, number), or a free text's contribution in the moderation queue."""

    __tablename__ = "questionnaire_answer"
    __table_args__ = (Index("ix_questionnaire_answer_question", "question_id", "option_id"),)

    id: int = Field(default=None, primary_key=True)
    response_id: int = Field(
        foreign_key="questionnaire_response.id", index=True, ondelete="CASCADE"
    )
    #: No cascade: a question with answers is never deleted (questionnaires.builder).
    question_id: int = Field(foreign_key="question.id")
    option_id: int | None = Field(default=None, foreign_key="question_option.id")
    number: int | None = None
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", index=True, ondelete="SET NULL"
    )


#: A conversation's place in a questionnaire is kept this long after its last answer.
PROGRESS_HOURS = 24


class QuestionnaireProgress(CouncilOwned, table=True):
    """Where somebody is in a questionnaire answered one question at a time (SMS, phone),
    and the answers given so far, until they are stored as a response.

    ``holder`` names the conversation: an SMS sender's keyed hash, or a call's CallSid.
    The answers are encrypted (free texts are personal data until moderated), and the
    row goes a day after its last answer (participation.retention reads ``keep_hours``)."""

    __tablename__ = "questionnaire_progress"
    __table_args__ = (
        UniqueConstraint("council_id", "door", "holder"),
        Index("ix_questionnaire_progress_updated", "updated_at"),
        {"info": {"keep_hours": PROGRESS_HOURS}},
    )

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", ondelete="CASCADE")
    #: "sms" or "phone".
    door: str = Field(max_length=10)
    holder: str = Field(max_length=64)
    #: The sender's or caller's keyed hash, where known: erasure and access find it.
    phone_key: str | None = Field(default=None, max_length=64, index=True)
    locale: str = Field(max_length=8)
    #: Index into the consultation's questions (0 first) of the question being asked.
    position: int = Field(default=0)
    #: Fernet token of a JSON object: question id -> the raw values given.
    answers: str = Field(default="")
    updated_at: datetime = Field(default_factory=utcnow)
