"""axe-core (WCAG 2.0-2.2 A/AA) on every page in every language: zero violations."""

from __future__ import annotations

import pytest

from participation.settings import LANGUAGES

#: Pages anyone can open: (name, path after /{lang}).
PUBLIC_PAGES = [
    ("home", "/"),
    ("consultation-open", "/c/marktplatz"),
    ("consultation-fallback", "/c/buslinie-nord"),
    ("consultation-closed", "/c/radweg-bahnhof"),
    ("consultation-results", "/c/freibad"),
    ("results", "/c/freibad/results"),
    ("lookup", "/r"),
    ("lookup-invalid", "/r?ref=12"),
    ("lookup-not-found", "/r/12345678"),
    ("login", "/staff/login"),
    ("not-found", "/no-such-page"),
]
STAFF_PAGES = [
    ("staff-overview", "/staff/"),
    ("moderation-queue", "/staff/moderation"),
    ("moderation-published", "/staff/moderation?status=published"),
    ("consultation-new", "/staff/consultations/new"),
    ("consultation-edit", "/staff/consultations/1"),
]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_public_pages(open_page, axe, lang: str) -> None:
    page = open_page()
    for name, path in PUBLIC_PAGES:
        page.goto(f"/{lang}{path}")
        axe(page, f"{name}/{lang}")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_staff_pages(open_page, axe, lang: str) -> None:
    page = open_page(staff=True)
    for name, path in STAFF_PAGES:
        page.goto(f"/{lang}{path}")
        axe(page, f"{name}/{lang}")
