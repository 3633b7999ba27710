"""A questionnaire's downloads: every response as CSV or XLSX, the questionnaire's
structure with its totals as JSON. Streamed like the comments' downloads (exports.py).

One row per response, one column per question (a multiple choice: one column per option,
1 or 0). No personal data: a running number in place of the response's reference, its
channel, language and day; a free text only as published (empty while waiting or when
rejected). A poll answer is read from the vote, as every figure of the poll is.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, literal
from sqlmodel import Session, select

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution, PollVote, Status
from participation.db import table_of
from participation.questionnaires.builder import options_of, questions_of, texts_of
from participation.questionnaires.models import (
    Question,
    QuestionKind,
    QuestionnaireAnswer,
    QuestionnaireResponse,
)
from participation.questionnaires.tallies import median_of, question_results
from participation.results.exports import csv_safe, text_workbook
from participation.results.rules import questionnaire_counting_rules

EXPORT_BATCH = 2000
FIXED = ["response", "channel", "language", "date"]


@dataclass
class Column:
    name: str
    question_id: int
    kind: QuestionKind
    #: A multiple choice's option: this column is 1 when it was chosen.
    option_id: int | None = None


@dataclass
class Layout:
    columns: list[Column]
    #: option id -> its position, the value a single choice's column holds
    positions: dict[int, int]
    poll_id: int | None

    @property
    def names(self) -> list[str]:
        return FIXED + [c.name for c in self.columns]


def layout(session: Session, consultation_id: int) -> Layout:
    questions = questions_of(session, consultation_id)
    options = options_of(session, [q.id for q in questions if not q.is_poll])
    positions = {o.id: o.position for opts in options.values() for o in opts}
    positions.update(
        {o.id: o.position for o in consultations.poll_options(session, consultation_id)}
    )
    columns = []
    for question in questions:
        kind = QuestionKind(question.kind)
        name = f"q{question.position}"
        if kind is QuestionKind.multiple_choice:
            columns += [
                Column(f"{name}_{o.position}", question.id, kind, o.id)
                for o in options.get(question.id, [])
            ]
        else:
            columns.append(Column(name, question.id, kind))
    poll_id = next((q.id for q in questions if q.is_poll), None)
    return Layout(columns, positions, poll_id)


def _batch_answers(
    session: Session, consultation_id: int, after: int, upto: int, poll_id: int | None
) -> Iterator[tuple[int, int, int | None, int | None, str | None]]:
    """(response id, question id, option id, number, published text) of a batch, read as
    plain rows (no ORM objects: 100,000 responses are some 500,000 answers)."""
    answer, response = table_of(QuestionnaireAnswer), table_of(QuestionnaireResponse)
    contribution, vote = table_of(Contribution), table_of(PollVote)
    published_text = case(
        (contribution.c.status == Status.published.value, contribution.c.body),
        else_=literal(""),
    )
    in_batch = and_(
        response.c.consultation_id == consultation_id,
        response.c.id > after,
        response.c.id <= upto,
    )
    connection = session.connection()
    yield from connection.execute(
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            answer.c.response_id,
            answer.c.question_id,
            answer.c.option_id,
            answer.c.number,
            published_text,
        )
        .select_from(
            answer.join(response, response.c.id == answer.c.response_id).outerjoin(
                contribution, contribution.c.id == answer.c.contribution_id
            )
        )
        .where(in_batch)
    )
    if poll_id is None:
        return
    yield from (
        (response_id, poll_id, option_id, None, None)
        for response_id, option_id in connection.execute(
            select(response.c.id, vote.c.option_id)
            .select_from(
                response.join(
                    vote,
                    and_(
                        vote.c.consultation_id == response.c.consultation_id,
                        vote.c.voter_key == response.c.voter_key,
                    ),
                )
            )
            .where(in_batch)
        )
    )


def _value(kind: QuestionKind, option: int | None, number: int | None, text, shape) -> object:
    if kind is QuestionKind.single_choice:
        return shape.positions.get(option, "")
    if kind is QuestionKind.yes_no:
        return "yes" if number == 1 else "no"
    if kind is QuestionKind.free_text:
        return text or ""
    return number if number is not None else ""


def response_rows(session: Session, consultation: Consultation, shape: Layout) -> Iterator[list]:
    """Every response as a list of values in shape.names' order, oldest first."""
    response = table_of(QuestionnaireResponse)
    # Where each answer goes: (question, option) for a multiple choice's own columns.
    slots = {
        (c.question_id, c.option_id if c.kind is QuestionKind.multiple_choice else None): (
            i,
            c.kind,
        )
        for i, c in enumerate(shape.columns)
    }
    blank = [0 if c.kind is QuestionKind.multiple_choice else "" for c in shape.columns]
    last_id, number = 0, 0
    while True:
        batch = (
            session.connection()
            .execute(
                select(response.c.id, response.c.channel, response.c.locale, response.c.updated_at)
                .where(response.c.consultation_id == consultation.id, response.c.id > last_id)
                .order_by(response.c.id)
                .limit(EXPORT_BATCH)
            )
            .all()
        )
        if not batch:
            return
        filled: dict[int, list] = {}
        for rid, question_id, option, value, text in _batch_answers(
            session, consultation.id, last_id, batch[-1][0], shape.poll_id
        ):
            slot = slots.get((question_id, option)) or slots.get((question_id, None))
            if slot is None:
                continue
            cells = filled.get(rid) or filled.setdefault(rid, blank.copy())
            index, kind = slot
            cells[index] = (
                1
                if kind is QuestionKind.multiple_choice
                else _value(kind, option, value, text, shape)
            )
        for rid, channel, locale, updated_at in batch:
            number += 1
            yield [number, channel, locale, _day(updated_at), *filled.get(rid, blank)]
        last_id = batch[-1][0]


def _day(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def responses_csv(session: Session, consultation: Consultation) -> Iterator[str]:
    shape = layout(session, consultation.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"  # Excel reads UTF-8 with it
    writer.writerow(shape.names)
    for row in response_rows(session, consultation, shape):
        writer.writerow([csv_safe(v) for v in row])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def responses_xlsx(
    session: Session, consultation: Consultation, chunk_size: int = 65536
) -> Iterator[bytes]:
    """xlsxwriter in constant_memory mode, then the file from disk in chunks."""
    shape = layout(session, consultation.id)
    with tempfile.TemporaryDirectory(prefix="responses-xlsx-") as folder:
        path = os.path.join(folder, "responses.xlsx")
        workbook = text_workbook(path, folder)
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet("responses")
        sheet.freeze_panes(1, 0)
        for index, name in enumerate(shape.names):
            sheet.write_string(0, index, name, bold)
        for line, row in enumerate(response_rows(session, consultation, shape), start=1):
            for index, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(line, index, value)
                else:
                    sheet.write_string(line, index, str(value))
        workbook.close()
        with open(path, "rb") as handle:
            while chunk := handle.read(chunk_size):
                yield chunk


def questionnaire_json(session: Session, consultation: Consultation, title: str) -> Iterator[str]:
    """The questionnaire's structure in every language, and each question's totals."""
    shape = layout(session, consultation.id)
    questions = questions_of(session, consultation.id)
    results = {
        r.question.id: r
        for r in question_results(session, consultation, consultation.default_locale)
    }
    responses = session.exec(
        select(func.count()).where(QuestionnaireResponse.consultation_id == consultation.id)
    ).one()
    document = {
        "format": "participation-questionnaire/1",
        "consultation": {"code": consultation.code, "slug": consultation.slug, "title": title},
        "counting_rule": {
            "one_response_per": "person",
            "latest_response_counts": True,
            "text": questionnaire_counting_rules(),
        },
        "responses": responses,
        "questions": _questions_json(session, consultation, questions, results, shape),
    }
    yield json.dumps(document, ensure_ascii=False, indent=1)


def _questions_json(session, consultation, questions: list[Question], results, shape) -> list:
    ids = [q.id for q in questions if not q.is_poll]
    texts, options = texts_of(session, ids), options_of(session, ids)
    poll_texts = consultations.texts_for(session, [consultation.id]).get(consultation.id, [])
    out = []
    for question in questions:
        kind = QuestionKind(question.kind)
        result = results.get(question.id)
        opts: list
        if question.is_poll:
            words = {t.locale: {"prompt": t.poll_question} for t in poll_texts if t.poll_question}
            opts = consultations.poll_options(session, consultation.id)
        else:
            words = {
                t.locale: {
                    "prompt": t.prompt,
                    "help_text": t.help_text,
                    "low_label": t.low_label,
                    "high_label": t.high_label,
                }
                for t in texts.get(question.id, [])
            }
            opts = options.get(question.id, [])
        out.append(
            {
                "position": question.position,
                "kind": kind.value,
                "required": question.required,
                "poll": question.is_poll,
                "columns": [c.name for c in shape.columns if c.question_id == question.id],
                "words": words,
                "options": [{"position": o.position, "labels": o.labels} for o in opts],
                "min_value": question.min_value,
                "max_value": question.max_value,
                "max_choices": question.max_choices,
                "totals": _totals(kind, result, {o.id: o.position for o in opts}),
            }
        )
    return out


def _totals(kind: QuestionKind, result, positions: dict[int, int]) -> dict:
    if result is None:
        return {"respondents": 0, "counts": {}}
    counts = result.counts
    if kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
        shown = {str(positions[k]): n for k, n in counts.items() if k in positions}
    elif kind is QuestionKind.yes_no:
        shown = {"yes": counts.get(1, 0), "no": counts.get(0, 0)}
    else:
        shown = {str(k): n for k, n in sorted(counts.items())}
    totals: dict = {"respondents": result.respondents, "counts": shown}
    if kind is QuestionKind.number:
        totals["median"] = median_of(counts)
    return totals


def produce(kind: str) -> Callable[[Session, Consultation], Iterator]:
    """A questionnaire's download: the same for the public (built once per version) and
    for staff (streamed as it is read)."""

    def generate(session: Session, consultation: Consultation) -> Iterator:
        if kind == "csv":
            yield from responses_csv(session, consultation)
        elif kind == "xlsx":
            yield from responses_xlsx(session, consultation)
        else:
            text = consultations.text_for(session, consultation, consultation.default_locale)
            title = text.text.title if text else consultation.slug
            yield from questionnaire_json(session, consultation, title)

    return generate
