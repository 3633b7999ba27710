"""Open-data downloads of a published result: CSV, JSON and XLSX, all streamed.

Rows are read by key in batches of EXPORT_BATCH and written out as they come, so memory
stays flat whatever the number of contributions. The fields are documented in the
README ("Open data export"); only published contributions, never personal data beyond
the pseudonym the author chose to show.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

import xlsxwriter
from sqlmodel import Session, col, select

from participation.consultations.models import Consultation
from participation.consultations.service import poll_options
from participation.contributions.models import Contribution, Status
from participation.contributions.reference import format_reference
from participation.results.rules import counting_rules
from participation.results.service import ResultSummary, themes_for, themes_of

EXPORT_BATCH = 2000
EXPORT_FIELDS = [
    "reference",
    "consultation",
    "channel",
    "language",
    "created_at",
    "received_at",
    "published_at",
    "pseudonym",
    "poll_answer",
    "text",
    "text_redacted",
    "themes",
    "answer",
    "answered_at",
]
#: A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def export_rows(session: Session, consultation: Consultation) -> Iterator[dict]:
    """Published contributions, oldest first, in keyset batches; themes as a list."""
    options = {o.id: o.key or str(o.position) for o in poll_options(session, consultation.id)}
    theme_names = {t.id: t.name for t in themes_of(session, consultation.id)}
    columns = (
        Contribution.id,
        Contribution.reference,
        Contribution.channel,
        Contribution.locale,
        Contribution.created_at,
        Contribution.received_at,
        Contribution.published_at,
        Contribution.pseudonym,
        Contribution.poll_option_id,
        Contribution.body,
        col(Contribution.body_original).is_not(None),
        Contribution.answer,
        Contribution.answered_at,
    )
    last_id = 0
    while True:
        rows = session.exec(
            select(*columns)  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            .where(
                Contribution.consultation_id == consultation.id,
                Contribution.status == Status.published,
                col(Contribution.id) > last_id,
            )
            .order_by(col(Contribution.id))
            .limit(EXPORT_BATCH)
        ).all()
        if not rows:
            return
        themes = themes_for(session, [row[0] for row in rows])
        for row in rows:
            yield {
                "reference": format_reference(row[1]),
                "consultation": consultation.code,
                "channel": str(row[2]),
                "language": row[3],
                "created_at": _iso(row[4]),
                "received_at": _iso(row[5] or row[4]),
                "published_at": _iso(row[6]),
                "pseudonym": row[7] or "",
                "poll_answer": options.get(row[8], "") if row[8] else "",
                "text": row[9],
                "text_redacted": bool(row[10]),
                "themes": sorted(
                    theme_names[t] for t in themes.get(row[0], []) if t in theme_names
                ),
                "answer": row[11] or "",
                "answered_at": _iso(row[12]),
            }
        last_id = rows[-1][0]


def _flat(row: dict) -> dict:
    flat = dict(row)
    flat["themes"] = "; ".join(row["themes"])
    flat["text_redacted"] = "yes" if row["text_redacted"] else "no"
    return flat


def csv_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(session: Session, consultation: Consultation) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    # A byte-order mark so Excel, which councils open CSV files in, reads UTF-8 correctly.
    yield "\ufeff"
    writer.writeheader()
    for row in export_rows(session, consultation):
        writer.writerow({k: csv_safe(v) for k, v in _flat(row).items()})
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def result_head(
    consultation: Consultation, summary: ResultSummary, title: str, summaries: dict[str, str]
) -> dict:
    return {
        "format": "participation-result/1",
        "consultation": {
            "code": consultation.code,
            "slug": consultation.slug,
            "title": title,
            "opens_at": _iso(consultation.opens_at),
            "closes_at": _iso(consultation.closes_at),
            "results_published_at": _iso(consultation.results_published_at),
        },
        "summary": summaries,
        "poll": [
            {"option": o.key or str(o.position), "position": o.position, "votes": n}
            for o, n in summary.poll
        ],
        # What the poll's figures count, in words (every language) and as fields.
        "counting_rule": {
            "one_vote_per": "person",
            "latest_answer_counts": True,
            "not_counted": ["votes_with_text_rejected_as_spam_or_fake", "unconfirmed_online"],
            "text": counting_rules(bool(summary.unverified)),
        },
        "unverified_poll": [
            {"option": o.key or str(o.position), "position": o.position, "answers": n}
            for o, n in summary.unverified
        ],
        "counts": {
            "published": summary.published,
            "answered": summary.answered,
            "by_channel": summary.by_channel,
            "by_language": summary.by_language,
            "by_theme": {t.name: n for t, n in summary.by_theme},
        },
        "themes": [
            {"name": t.name, "contributions": n, "answer": t.answer} for t, n in summary.by_theme
        ],
    }


def export_json(
    session: Session,
    consultation: Consultation,
    summary: ResultSummary,
    title: str,
    summaries: dict[str, str] | None = None,
) -> Iterator[str]:
    head = result_head(consultation, summary, title, summaries or {})
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "contributions": ['
    # Rows go out in pieces of ~64 KB: one response message per row made the download of
    # 100,000 contributions six times slower than the CSV (each message passes every
    # middleware and the gzip compressor on its own).
    parts: list[str] = []
    size = 0
    separator = ""
    for row in export_rows(session, consultation):
        parts.append(separator + json.dumps(row, ensure_ascii=False))
        separator = ","
        size += len(parts[-1])
        if size > 65536:
            yield "".join(parts)
            parts, size = [], 0
    yield "".join(parts) + "]}"


def text_workbook(path: str, folder: str) -> xlsxwriter.Workbook:
    """A workbook written row by row to ``folder`` (constant memory) in which citizens'
    text stays text: never a formula, number or link by accident."""
    return xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "tmpdir": folder,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )


def export_xlsx(
    session: Session,
    consultation: Consultation,
    summary: ResultSummary,
    title: str,
    chunk_size: int = 65536,
) -> Iterator[bytes]:
    """xlsxwriter in constant_memory mode flushes each row to a temporary file as it is
    written; the finished workbook is then streamed from disk in chunks."""
    with tempfile.TemporaryDirectory(prefix="results-xlsx-") as folder:
        path = os.path.join(folder, "results.xlsx")
        workbook = text_workbook(path, folder)
        bold = workbook.add_format({"bold": True})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        sheet = workbook.add_worksheet("contributions")
        themes_sheet = workbook.add_worksheet("themes")
        counts_sheet = workbook.add_worksheet("summary")
        _write_contributions(sheet, session, consultation, bold, wrap)
        _write_themes(themes_sheet, summary, bold, wrap)
        _write_summary(counts_sheet, consultation, summary, title, bold)
        workbook.close()
        with open(path, "rb") as handle:
            while chunk := handle.read(chunk_size):
                yield chunk


def _write_contributions(sheet, session: Session, consultation: Consultation, bold, wrap) -> None:
    widths = {"text": 80, "answer": 60, "themes": 30, "pseudonym": 20}
    for index, name in enumerate(EXPORT_FIELDS):
        sheet.set_column(index, index, widths.get(name, 18), wrap if name in widths else None)
    sheet.freeze_panes(1, 0)
    for index, name in enumerate(EXPORT_FIELDS):
        sheet.write_string(0, index, name, bold)
    row_number = 0
    for row_number, row in enumerate(export_rows(session, consultation), start=1):
        flat = _flat(row)
        for index, name in enumerate(EXPORT_FIELDS):
            sheet.write_string(row_number, index, str(flat[name]))
    sheet.autofilter(0, 0, max(row_number, 1), len(EXPORT_FIELDS) - 1)


def _write_themes(themes_sheet, summary: ResultSummary, bold, wrap) -> None:
    themes_sheet.set_column(0, 0, 30)
    themes_sheet.set_column(2, 2, 80, wrap)
    for index, name in enumerate(("theme", "contributions", "answer")):
        themes_sheet.write_string(0, index, name, bold)
    for number, (theme, count) in enumerate(summary.by_theme, start=1):
        themes_sheet.write_string(number, 0, theme.name)
        themes_sheet.write_number(number, 1, count)
        themes_sheet.write_string(number, 2, theme.answer)


def _write_summary(
    counts_sheet, consultation: Consultation, summary: ResultSummary, title: str, bold
) -> None:
    counts_sheet.set_column(0, 1, 24)
    line = 0
    counts_sheet.write_string(line, 0, title, bold)
    line += 2
    if summary.poll:
        # The rule beside the figures, in the consultation's own language.
        rule = counting_rules(bool(summary.unverified)).get(consultation.default_locale)
        counts_sheet.write_string(line, 0, "counting rule", bold)
        counts_sheet.write_string(line, 1, rule or counting_rules(False)["de"])
        line += 2
    for heading, pairs in (
        ("poll", [(o.key or str(o.position), n) for o, n in summary.poll]),
        (
            "unverified (not counted)",
            [(o.key or str(o.position), n) for o, n in summary.unverified],
        ),
        ("channel", list(summary.by_channel.items())),
        ("language", list(summary.by_language.items())),
    ):
        if heading.startswith("unverified") and not pairs:
            continue
        counts_sheet.write_string(line, 0, heading, bold)
        counts_sheet.write_string(line, 1, "count", bold)
        line += 1
        for key, count in pairs:
            counts_sheet.write_string(line, 0, str(key))
            counts_sheet.write_number(line, 1, count)
            line += 1
        line += 1
