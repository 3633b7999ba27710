"""Walking the consultation set-up as a browser without JavaScript would: read the page's
form, fill in what a clerk types, send it to the form's own action."""

from __future__ import annotations

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.factories import soup


def step_form(page: BeautifulSoup):
    """The step's own form (the page's one form with a submit button and a CSRF token
    inside <main>, not the header's)."""
    forms = [f for f in page.select("main form[method=post]") if f.find("button")]
    assert forms, page.get_text()[:500]
    return forms[0]


def fields_of(form) -> dict[str, str]:
    data: dict[str, str] = {}
    for element in form.select("input, textarea"):
        name = element.get("name")
        if not name:
            continue
        if element.name == "textarea":
            data[name] = element.get_text()
        elif element.get("type") in ("radio", "checkbox"):
            if element.has_attr("checked"):
                data[name] = element.get("value", "on")
        else:
            data[name] = element.get("value", "")
    return data


def visible_fields(form) -> list[str]:
    """The names a clerk fills in: inputs (a group of radios counts once) and textareas."""
    names = []
    for element in form.select("input, textarea, select"):
        if element.get("type") == "hidden":
            continue
        name = element.get("name")
        if name not in names:
            names.append(name)
    return names


def submit(client: TestClient, path: str, **changes: str):
    """GETs ``path``, fills its step form with ``changes`` and POSTs it (no redirects)."""
    page = soup(client.get(path).text)
    form = step_form(page)
    data = fields_of(form)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(form["action"], data=data, follow_redirects=False)
