"""One error summary for every refused form: templates/_error_summary.html."""

from __future__ import annotations

from participation.accounts.models import Role
from participation.i18n import catalogs
from participation.settings import PROJECT_ROOT
from participation.web.templating import templates
from tests.factories import csrf_token, login, soup

SUMMARY = (
    '{% from "_error_summary.html" import error_summary %}'
    "{{ error_summary(errors, order=order, id=id, level=level) }}"
)


def test_no_template_writes_its_own_summary() -> None:
    copies = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "templates").rglob("*.html")
        if "Please check your entry" in path.read_text()
    ]
    assert copies == ["templates/_error_summary.html"]


def test_the_summary_is_an_alert_that_links_each_message_to_its_field_in_page_order() -> None:
    language = catalogs.current_language.set("en")
    try:
        html = templates.env.from_string(SUMMARY).render(
            errors={"title:de": "Titel fehlt", "code": "<b>Code</b>", "closes_at": "Ende"},
            order=("closes_at", "code"),
            id="vote-error-summary",
            level=3,
        )
    finally:
        catalogs.current_language.reset(language)
    summary = soup(html).find(class_="error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert summary["id"] == "vote-error-summary"
    assert summary.find("h3").get_text() == "Please check your entry"
    links = [(a["href"], a.get_text()) for a in summary.select("li a")]
    # Page order first, then what the order does not name; escaped, ids without ':'.
    assert links == [
        ("#field-closes_at", "Ende"),
        ("#field-code", "<b>Code</b>"),
        ("#field-title-de", "Titel fehlt"),
    ]


def test_the_consultation_form_lists_its_errors_in_the_order_of_its_fields(client, engine):
    login(client, engine, Role.editor)
    path = "/de/staff/consultations/new"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "title:de": "",
            "opens_at": "gestern",
            "code": "12",
            "poll_kind": "none",
            "retention_days": "365",
        },
    )
    assert response.status_code == 422
    summary = soup(response.text).find(class_="error-summary")
    hrefs = [a["href"] for a in summary.select("li a")]
    # Step one of the set-up asks for the German title first, then the dates and code.
    assert hrefs == ["#field-title-de", "#field-opens_at", "#field-code"]
    for href in hrefs:
        assert soup(response.text).find(id=href[1:]) is not None, href
