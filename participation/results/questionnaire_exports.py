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

import xlsxwriter
from sqlalchemy import and_, case, func, literal
from sqlmodel import Session, col, select

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution, PollVote, Status
from participation.questionnaires.builder import options_of, questions_of, texts_of
from participation.questionnaires.models import (
    Question,
    QuestionKind,
    QuestionnaireAnswer,
    QuestionnaireResponse,
)
from participation.questionnaires.tallies import median_of, question_results
from participation.results.exports import _iso, csv_safe
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
    session: Session, consultation_id: int, after: int, upto: int
) -> Iterator[tuple[int, int, int | None, int | None, str | None]]:
    """(response id, question id, option id, number, published text) of a batch."""
    answer, response = QuestionnaireAnswer, QuestionnaireResponse
    published_text = case(
        (col(Contribution.status) == Status.published, col(Contribution.body)), else_=literal("")
    )
    yield from session.exec(
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            answer.response_id, answer.question_id, answer.option_id, answer.number, published_text
        )
        .join(response, col(response.id) == answer.response_id)
        .outerjoin(Contribution, col(Contribution.id) == answer.contribution_id)
        .where(
            response.consultation_id == consultation_id,
            col(response.id) > after,
            col(response.id) <= upto,
        )
    ).all()
    vote = PollVote
    yield from (
        (response_id, -1, option_id, None, None)
        for response_id, option_id in session.exec(
            select(response.id, vote.option_id)
            .join(
                vote,
                and_(
                    col(vote.consultation_id) == response.consultation_id,
                    col(vote.voter_key) == response.voter_key,
                ),
            )
            .where(
                response.consultation_id == consultation_id,
                col(response.id) > after,
                col(response.id) <= upto,
            )
        ).all()
    )


def response_rows(session: Session, consultation: Consultation, shape: Layout) -> Iterator[list]:
    """Every response as a list of values in shape.names' order, oldest first."""
    response = QuestionnaireResponse
    last_id, number = 0, 0
    while True:
        batch = session.exec(
            select(response.id, response.channel, response.locale, response.updated_at)
            .where(response.consultation_id == consultation.id, col(response.id) > last_id)
            .order_by(col(response.id))
            .limit(EXPORT_BATCH)
        ).all()
        if not batch:
            return
        given: dict[int, dict] = {}
        for response_id, question_id, option_id, value, text in _batch_answers(
            session, consultation.id, last_id, batch[-1][0]
        ):
            mine = given.setdefault(response_id, {})
            key = shape.poll_id if question_id == -1 else question_id
            mine.setdefault(key, []).append((option_id, value, text))
        for response_id, channel, locale, updated_at in batch:
            number += 1
            head = [number, channel, locale, _iso(updated_at)[:10]]
            yield head + [_cell(c, given.get(response_id, {}), shape) for c in shape.columns]
        last_id = batch[-1][0]


def _cell(column: Column, given: dict, shape: Layout) -> object:
    answers = given.get(column.question_id, [])
    if column.kind is QuestionKind.multiple_choice:
        return 1 if any(option == column.option_id for option, _n, _t in answers) else 0
    if not answers:
        return ""
    option, value, text = answers[0]
    if column.kind is QuestionKind.single_choice:
        return shape.positions.get(option, "")
    if column.kind is QuestionKind.yes_no:
        return "yes" if value == 1 else "no"
    if column.kind is QuestionKind.free_text:
        return text or ""
    return value if value is not None else ""


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
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "tmpdir": folder,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
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
