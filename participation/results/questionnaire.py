"""A questionnaire's results as the result pages show them: per question a chart with its
table, a number's median, the answers by channel and by language, the free texts.

Every figure comes from a GROUP BY (questionnaires.tallies), so 100,000 responses cost
the same few statements as ten; the free texts shown are the latest few per question,
read by key (the downloads and the report hold every one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Row, func
from sqlmodel import Session, col, select

from participation.caching.figures import large_figure
from participation.consultations.models import Consultation
from participation.contributions.labels import channel_labels
from participation.contributions.models import Contribution, Status
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_number
from participation.questionnaires.models import QuestionKind
from participation.questionnaires.pages import ShownQuestion
from participation.questionnaires.tallies import (
    SPLITS,
    QuestionResult,
    answer_figures,
    cross_tabs,
    kind_keys,
    question_results,
)
from participation.results.charts import Chart, language_name, make_chart
from participation.results.service import themes_for, themes_of

#: Free texts listed per question on a page; the downloads and the report hold them all.
TEXTS_SHOWN = 20
#: A number question with more distinct answers than this is shown in bands.
MAX_NUMBER_ROWS = 10
BANDS = 8


@dataclass
class TextAnswer:
    id: int
    reference: str
    body: str
    status: str
    themes: list[str] = field(default_factory=list)


@dataclass
class CrossTab:
    #: "channel" or "language"
    split: str
    title: str
    #: The groups (columns), as (key, label).
    groups: list[tuple[str, str]]
    #: Per answer: (label, fallback language, counts per group, total).
    rows: list[tuple[str, str, list[int], int]]
    totals: list[int]


@dataclass
class QuestionSection:
    result: QuestionResult
    chart: Chart | None = None
    median: float | None = None
    in_bands: bool = False
    cross: list[CrossTab] = field(default_factory=list)
    texts: list[TextAnswer] = field(default_factory=list)
    #: Free texts per moderation state ("published", "pending", ...).
    text_counts: dict[str, int] = field(default_factory=dict)

    @property
    def question(self) -> ShownQuestion:
        return self.result.question


def answer_keys(result: QuestionResult) -> list[tuple[int, str, str]]:
    """The answers a question's table lists, in order: (key, label, fallback language)."""
    question = result.question
    if question.kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
        return [(o.id, o.label, o.fallback) for o in question.options]
    if question.kind is QuestionKind.yes_no:
        return [(1, _("Yes"), ""), (0, _("No"), "")]
    if question.kind is QuestionKind.scale:
        ends = {1: question.low_label, 5: question.high_label}
        return [
            (k, f"{local_number(k)} – {ends[k]}" if ends.get(k) else local_number(k), "")
            for k in kind_keys(question)
        ]
    return []


def _number_pairs(counts: dict[int, int]) -> tuple[list[tuple[str, int]], bool]:
    """A number question's distribution: each value, or equal bands when there are many."""
    if len(counts) <= MAX_NUMBER_ROWS:
        return [(local_number(v), counts[v]) for v in sorted(counts)], False
    low, high = min(counts), max(counts)
    width = max(1, math.ceil((high - low + 1) / BANDS))
    pairs = []
    for start in range(low, high + 1, width):
        end = min(high, start + width - 1)
        n = sum(c for v, c in counts.items() if start <= v <= end)
        pairs.append((f"{local_number(start)}–{local_number(end)}", n))
    return pairs, True


def _chart(result: QuestionResult) -> tuple[Chart, bool]:
    question = result.question
    if question.kind is QuestionKind.number:
        pairs, in_bands = _number_pairs(result.counts)
        langs = None
    else:
        keys = answer_keys(result)
        pairs = [(label, result.counts.get(key, 0)) for key, label, _lang in keys]
        langs = [lang for _key, _label, lang in keys]
        in_bands = False
    chart = make_chart(f"q{question.id}", question.prompt, pairs, langs)
    # Shares of the people who answered: a multiple choice's add up to more than 100 %.
    chart.total = result.respondents
    for bar in chart.bars:
        bar.share = 100 * bar.value / result.respondents if result.respondents else 0.0
    chart.columns = (_("Answer"), _("Answers"))
    return chart, in_bands


def _group_label(split: str, key: str) -> str:
    if split == "channel":
        return channel_labels().get(key, key)
    return language_name(key) if key else _("Not known")


def _cross_tab(result: QuestionResult, split: str, cells: dict) -> CrossTab:
    groups = sorted({by for (_key, by) in cells}, key=lambda g: (g == "", g))
    rows = []
    for key, label, lang in answer_keys(result):
        counts = [cells.get((key, g), 0) for g in groups]
        rows.append((label, lang, counts, sum(counts)))
    totals = [sum(row[2][i] for row in rows) for i in range(len(groups))]
    title = _("Answers by way of taking part") if split == "channel" else _("Answers by language")
    return CrossTab(split, title, [(g, _group_label(split, g)) for g in groups], rows, totals)


def questionnaire_sections(
    session: Session, consultation: Consultation | Row, locale: str, *, staff: bool
) -> list[QuestionSection]:
    """Every question's section, in order; empty when the consultation has no questions
    beyond its poll (the results page shows the poll as it always did)."""
    results, tabs = _figures(session, consultation, locale)
    if not any(not r.question.is_poll for r in results):
        return []
    text_ids = [r.question.id for r in results if r.question.kind is QuestionKind.free_text]
    texts, text_counts = _free_texts(session, consultation.id, text_ids, staff)
    sections = []
    for result in results:
        section = QuestionSection(result)
        if result.question.kind is QuestionKind.free_text:
            section.texts = texts.get(result.question.id, [])
            section.text_counts = text_counts.get(result.question.id, {})
        else:
            section.chart, section.in_bands = _chart(result)
        if result.question.kind is QuestionKind.number:
            section.median = result.median
        elif result.question.kind is not QuestionKind.free_text:
            section.cross = [
                _cross_tab(result, split, tabs[split].get(result.question.id, {}))
                for split in SPLITS
            ]
        sections.append(section)
    return sections


def _figures(
    session: Session, consultation: Consultation | Row, locale: str
) -> tuple[list[QuestionResult], dict[str, dict[int, dict]]]:
    """The counts and cross-tabs: kept for 30 s once a question has thousands of answers
    (participation/caching/figures.py), as the results page keeps its other figures."""

    def compute() -> tuple[list[QuestionResult], dict[str, dict[int, dict]]]:
        figures = answer_figures(session, consultation.id)
        results = question_results(session, consultation, locale, figures)  # type: ignore[arg-type]
        if not any(not r.question.is_poll for r in results):
            return results, {}
        return results, {
            split: cross_tabs(session, consultation.id, split, figures) for split in SPLITS
        }

    key = ("questionnaire results", session.get_bind(), consultation.id, consultation.updated_at)
    return large_figure(
        (*key, locale),
        compute,
        lambda figures: max((r.respondents for r in figures[0]), default=0),
    )


def _free_texts(
    session: Session, consultation_id: int, question_ids: list[int], staff: bool
) -> tuple[dict[int, list[TextAnswer]], dict[int, dict[str, int]]]:
    """The latest TEXTS_SHOWN free texts per question (published ones only unless for
    staff) with their themes, and how many there are in each moderation state."""
    if not question_ids:
        return {}, {}
    counts: dict[int, dict[str, int]] = {}
    for question_id, status, n in session.exec(
        # By question alone (its index), as the questions are the consultation's.
        select(Contribution.question_id, Contribution.status, func.count())
        .where(col(Contribution.question_id).in_(question_ids))
        .group_by(col(Contribution.question_id), col(Contribution.status))
    ).all():
        counts.setdefault(question_id or 0, {})[str(status)] = n
    texts: dict[int, list[TextAnswer]] = {}
    for question_id in question_ids:
        query = select(Contribution).where(Contribution.question_id == question_id)
        if not staff:
            query = query.where(Contribution.status == Status.published)
        rows = session.exec(query.order_by(col(Contribution.id).desc()).limit(TEXTS_SHOWN)).all()
        texts[question_id] = [
            TextAnswer(c.id, c.reference, c.body, str(c.status.value)) for c in rows
        ]
    _add_themes(session, consultation_id, texts)
    return texts, counts


def _add_themes(session: Session, consultation_id: int, texts: dict) -> None:
    published = [t for items in texts.values() for t in items if t.status == Status.published]
    if not published:
        return
    names = {t.id: t.name for t in themes_of(session, consultation_id)}
    themes = themes_for(session, [t.id for t in published])
    for text in published:
        text.themes = sorted(names[i] for i in themes.get(text.id, []) if i in names)
