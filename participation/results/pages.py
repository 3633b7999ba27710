"""What the result pages show, read in one transaction: the public page and report, the
staff overview and the answers list. Plain data for the templates; the doors add what
comes from the request (messages, the address to go back to)."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from sqlalchemy import Row
from sqlmodel import Session

from participation.caching.figures import large_figure
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase, label_fallback, phase_of
from participation.consultations.service import LocalisedText
from participation.outcomes import NotFound, get_or_404
from participation.results import export_files, service
from participation.results.charts import bar_rows
from participation.results.questionnaire import questionnaire_sections
from participation.results.rules import counting_rule, questionnaire_counting_rule
from participation.settings import LANGUAGES


def published_consultation(session: Session, slug: str) -> Consultation:
    """The consultation whose result is public, or NotFound."""
    consultation = consultations.get_by_slug(session, slug)
    if consultation is None or consultation.phase() is not Phase.results:
        raise NotFound
    return consultation


def _published_row(session: Session, slug: str) -> Row:
    """published_consultation() as the plain row the public page needs."""
    consultation = consultations.row_by_slug(session, slug)
    if consultation is None or phase_of(consultation) is not Phase.results:
        raise NotFound
    return consultation


def results_context(
    session: Session, consultation: Consultation | Row, lang: str, after: int | None = None
) -> dict:
    """The page's data; ``consultation`` a model or the plain row of _published_row()."""
    locale = LANGUAGES[lang]
    # Six GROUP BYs over every published contribution: kept for 30 s once there are
    # thousands (participation/caching/figures.py), so a linked result survives its visitors.
    summary = large_figure(
        ("results summary", session.get_bind(), consultation.id, consultation.updated_at),
        lambda: service.summarise(session, consultation),
        lambda summary: summary.published,
    )
    options = {o.id: o.label(locale) for o, _n in summary.poll}
    listing = service.published_page(session, consultation.id, after)
    theme_names = {t.id: t.name for t, _n in summary.by_theme}
    text = consultations.text_row_for(session, consultation, locale)
    return {
        "consultation": consultation,
        "text": text,
        "summary_text": summary_text(session, consultation, text),
        # Answers shown in German where they have no label in the reader's language.
        "option_label_langs": {
            o.id: lang for o, _n in summary.poll if (lang := label_fallback(o, locale))
        },
        "summary": summary,
        "locale": locale,
        "charts": bar_rows(summary, locale),
        "counting_rule": counting_rule(bool(summary.unverified)),
        "questions": questionnaire_sections(session, consultation, locale, staff=False),
        "questionnaire_rule": questionnaire_counting_rule(),
        "listing": listing,
        "option_labels": options,
        "theme_names": theme_names,
        # Per listed comment, the names of its themes: all the list shows of them.
        "item_themes": {
            item.id: tuple(theme_names.get(t, "") for t in listing.themes.get(item.id, []))
            for item in listing.items
        },
    }


def summary_text(
    session: Session, consultation: Consultation | Row, text: LocalisedText | None
) -> LocalisedText | None:
    """The text whose result summary the page shows: the reader's, or, where staff left
    that language's summary empty, the fallback language's (the page says so)."""
    if text is None or text.text.results_summary or text.is_fallback:
        return text
    fallback = consultations.text_row_for(session, consultation, consultation.default_locale)
    if fallback is None or not fallback.text.results_summary:
        return text
    return replace(fallback, requested=text.requested)


def public_results(session: Session, slug: str, lang: str, after: int | None) -> dict:
    """The public results page of a published result, or NotFound."""
    return results_context(session, _published_row(session, slug), lang, after)


def download_version(session: Session, slug: str, seconds: float) -> tuple[int, str | None]:
    """The consultation's id and the version of its result's downloads; None for a result
    never published or withdrawn. NotFound when there is no such consultation."""
    consultation = consultations.row_by_slug(session, slug)
    if consultation is None:
        raise NotFound
    if phase_of(consultation) is not Phase.results:
        return consultation.id, None
    return consultation.id, export_files.recent_version(session, consultation, seconds)


def staff_overview(session: Session, consultation_id: int, locale: str = "de") -> dict:
    """The staff's results page: the figures and every language's texts, German first."""
    consultation = get_or_404(session, Consultation, consultation_id)
    texts = consultations.texts_for(session, [consultation.id]).get(consultation.id, [])
    german = next((t for t in texts if t.locale == "de"), None)
    return {
        "consultation": consultation,
        "title": german.title if german else consultation.slug,
        "summary": service.summarise(session, consultation),
        "questions": questionnaire_sections(session, consultation, locale, staff=True),
        "questionnaire_rule": questionnaire_counting_rule(),
        "texts": sorted(texts, key=lambda t: (t.locale != "de", t.locale)),
    }


def answers_listing(
    session: Session,
    consultation_id: int,
    *,
    theme_id: int | None,
    unanswered: bool,
    after: int | None,
) -> dict:
    """One page of published contributions to answer, filtered by theme or unanswered."""
    consultation = get_or_404(session, Consultation, consultation_id)
    themes = service.themes_of(session, consultation.id)
    if theme_id not in {t.id for t in themes}:
        theme_id = None
    listing = service.published_page(
        session,
        consultation.id,
        after,
        theme_id=theme_id,
        unanswered=unanswered,
    )
    query = {"theme": str(theme_id) if theme_id else "", "unanswered": "1" if unanswered else ""}
    query = {k: v for k, v in query.items() if v}
    text = consultations.text_for(session, consultation, "de")
    return {
        "consultation": consultation,
        "title": text.text.title if text else consultation.slug,
        "themes": themes,
        "theme_id": theme_id,
        "unanswered": unanswered,
        "listing": listing,
        "query": query,
        "next_query": urlencode({**query, "after": listing.next_cursor})
        if listing.next_cursor
        else None,
    }
