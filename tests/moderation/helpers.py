"""Small helpers for the council-side tests: forms read from the page, htmx requests."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from starlette.testclient import TestClient

from tests.factories import soup

HTMX = {"HX-Request": "true"}


def form_data(form: Tag, **overrides: str) -> dict[str, str]:
    """What a browser would send for this form: hidden fields, checked boxes, selects."""
    data: dict[str, str] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name:
            continue
        kind = field.get("type", "text")
        if field.name == "textarea":
            data[name] = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        elif kind in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif kind != "submit":
            data[name] = field.get("value", "")
    data.update(overrides)
    return data


def page(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return soup(response.text)


def item_form(html: BeautifulSoup, contribution_id: int, action: str) -> Tag:
    item = html.find(id=f"item-{contribution_id}")
    assert item is not None, f"item {contribution_id} not on the page"
    form = item.find("form", action=lambda a: a and a.endswith(f"/{contribution_id}/{action}"))
    assert form is not None, f"no {action} form for {contribution_id}"
    return form


def counts(html: BeautifulSoup) -> dict[str, int]:
    """The per-view counts in the queue's navigation: {"pending": 3, "flagged": 0, ...}."""
    return {
        link["data-view"]: int(link.find(attrs={"data-count": True})["data-count"])
        for link in html.select("#queue-feedback nav a[data-view]")
    }


def queue_ids(html: BeautifulSoup) -> list[int]:
    return [
        int(li["id"].removeprefix("item-")) for li in html.select("#queue-region li.queue-item")
    ]
