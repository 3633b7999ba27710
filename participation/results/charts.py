"""Bar charts as data for inline SVG: labels, values and bar lengths, computed here so the
template only draws. Every chart also goes out as a table (the text alternative)."""

from __future__ import annotations

from dataclasses import dataclass, field

from participation.consultations.models import label_fallback
from participation.contributions.labels import channel_labels
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_number, local_percent
from participation.results.service import ResultSummary
from participation.settings import LANGUAGE_NAMES, LANGUAGES

#: SVG user units; the chart scales to the page width through its viewBox.
WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 70
ROW_HEIGHT = 30
BAR_HEIGHT = 20


@dataclass
class Bar:
    label: str
    value: int
    share: float
    length: float
    y: float
    #: The label's language where it is not the reader's (an untranslated poll answer).
    lang: str = ""

    @property
    def share_text(self) -> str:
        """A percentage as the reader's language writes it: 75 %, %75, 75%."""
        return local_percent(round(self.share, 1) / 100)


@dataclass
class Chart:
    key: str
    title: str
    bars: list[Bar] = field(default_factory=list)
    total: int = 0
    #: The table's column headings (answer, count) where not those of the poll's charts.
    columns: tuple[str, ...] = ()

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 10

    @property
    def bar_start(self) -> int:
        return LABEL_WIDTH + 10

    @property
    def description(self) -> str:
        """The chart in words, for screen readers (the table says it again in full)."""
        return "; ".join(f"{b.label}: {local_number(b.value)} ({b.share_text})" for b in self.bars)


def language_name(locale: str) -> str:
    code = next((c for c, value in LANGUAGES.items() if value == locale), locale)
    return LANGUAGE_NAMES.get(code, locale)


def make_chart(
    key: str, title: str, pairs: list[tuple[str, int]], langs: list[str] | None = None
) -> Chart:
    chart = Chart(key=key, title=title, total=sum(v for _label, v in pairs))
    largest = max((v for _label, v in pairs), default=0)
    room = WIDTH - LABEL_WIDTH - 10 - VALUE_WIDTH
    for index, (label, value) in enumerate(pairs):
        chart.bars.append(
            Bar(
                label=label,
                value=value,
                share=100 * value / chart.total if chart.total else 0.0,
                length=round(room * value / largest, 1) if largest else 0.0,
                y=index * ROW_HEIGHT + 5,
                lang=langs[index] if langs else "",
            )
        )
    return chart


def _answers_chart(key: str, title: str, counts: list, locale: str) -> Chart:
    """A poll's answers, each label in the reader's language or marked as German."""
    return make_chart(
        key,
        title,
        [(o.label(locale), n) for o, n in counts],
        [label_fallback(o, locale) for o, _n in counts],
    )


def bar_rows(summary: ResultSummary, locale: str) -> dict[str, Chart]:
    names = channel_labels()
    charts = {
        "channel": make_chart(
            "channel",
            _("Comments by way of taking part"),
            [(names.get(k, k), v) for k, v in summary.by_channel.items()],
        ),
        "language": make_chart(
            "language",
            _("Comments by language"),
            [(language_name(k), v) for k, v in summary.by_language.items()],
        ),
    }
    if summary.poll:
        charts["poll"] = _answers_chart("poll", _("Poll result"), summary.poll, locale)
    if summary.unverified:
        charts["unverified"] = _answers_chart(
            "unverified",
            _("Online answers without a confirmed number (not counted)"),
            summary.unverified,
            locale,
        )
    if summary.by_theme:
        charts["theme"] = make_chart(
            "theme", _("Comments by theme"), [(t.name, n) for t, n in summary.by_theme]
        )
    return charts
