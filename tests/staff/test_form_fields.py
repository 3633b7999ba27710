"""No staff screen shows more than about a dozen form fields at once.

A field is an input (not hidden, not a button), a select or a textarea that is on screen
when the page opens: fields inside a closed <details> are folded away. A list of items
each with its own small form (the moderation queue, the answers) counts as its page's
own fields plus the fields of one item (an <li>), the most any item has. The figures are
printed for the record: ``pytest tests/staff/test_form_fields.py -s -k sqlite``.
"""

from __future__ import annotations

import pytest
from bs4 import Tag

from participation.accounts.models import Role
from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.moderation.service import approve
from tests.factories import login, make_consultation, make_contribution, soup

LIMIT = 12
#: Rebuilt as a guided flow of short steps (/staff/consultations/{id}/setup/{step}); until
#: then the one long form stands apart.
LONG_FORMS = {"/de/staff/consultations/new", "/de/staff/consultations/{id}"}
PAGES = [
    "/de/staff/",
    "/de/staff/consultations/{id}/results",
    "/de/staff/consultations/{id}/answers",
    "/de/staff/moderation",
    "/de/staff/moderation?status=published",
    "/de/staff/front-desk",
    "/de/staff/front-desk/{id}",
    "/de/staff/barrier-reports",
    "/de/staff/pages",
    "/de/staff/pages/privacy/de",
    "/de/staff/account/security",
    "/de/staff/account/password",
    "/de/staff/accounts",
    "/de/staff/privacy",
    "/de/staff/calls/callbacks",
    "/de/staff/calls/report",
    "/de/staff/calls/summaries",
    "/de/staff/outbox",
]
FIELDS = "input, select, textarea"
NOT_FIELDS = {"hidden", "submit", "button", "reset", "image"}


def _shown(field: Tag) -> bool:
    if field.name == "input" and field.get("type", "text") in NOT_FIELDS:
        return False
    folded = field.find_parent("details")
    while folded is not None:
        if not folded.has_attr("open"):
            return False
        folded = folded.find_parent("details")
    return True


def fields_per_item(html: str) -> list[int]:
    main = soup(html).select_one("main")
    assert main is not None
    return [
        len([f for f in item.select(FIELDS) if _shown(f)])
        for item in main.select("[data-queue-item]")
    ]


def fields_at_once(html: str) -> tuple[int, int]:
    """(fields on the page outside list items plus one item's, all fields shown)."""
    main = soup(html).select_one("main")
    assert main is not None
    shown = [f for f in main.select(FIELDS) if _shown(f)]
    per_item: dict[int, int] = {}
    outside = 0
    for field in shown:
        item = field.find_parent("li")
        if item is None:
            outside += 1
        else:
            per_item[id(item)] = per_item.get(id(item), 0) + 1
    return outside + max(per_item.values(), default=0), len(shown)


@pytest.fixture
def world(engine) -> dict:
    consultation = make_consultation(engine, poll=["Ja", "Nein"])
    for number in range(60):
        channel = [Channel.web, Channel.sms, Channel.voice, Channel.paper][number % 4]
        made = make_contribution(engine, consultation, f"Beitrag {number}", channel=channel)
        if number % 2:
            with session_scope(engine, write=True) as session:
                approve(session, session.get(Contribution, made.id), None)
    return {"id": consultation.id}


def test_every_staff_screen_shows_at_most_a_dozen_fields(client, engine, world) -> None:
    login(client, engine, Role.admin)
    figures = {}
    for template in [*PAGES, *sorted(LONG_FORMS)]:
        path = template.format(**world)
        response = client.get(path)
        assert response.status_code == 200, path
        figures[template] = fields_at_once(response.text)
    print("\nform fields at once (page + one list item) / all shown:")
    for template, (at_once, shown) in sorted(figures.items(), key=lambda kv: -kv[1][0]):
        print(f"  {at_once:3d} / {shown:3d}  {template}")
    too_many = {t: f for t, f in figures.items() if f[0] > LIMIT and t not in LONG_FORMS}
    assert not too_many, too_many


def test_a_queue_item_shows_its_selection_box_and_folds_its_forms(client, engine, world) -> None:
    """Rejecting (reason, note) and moving to another consultation are folded; only a
    text nobody could place shows its consultation choice open."""
    login(client, engine, Role.moderator)
    per_item = fields_per_item(client.get("/de/staff/moderation").text)
    assert len(per_item) == 25
    assert set(per_item) == {1}, per_item


def test_the_count_sees_folded_fields_as_folded() -> None:
    page = """<main><input name=a><input type=hidden name=b><button>x</button>
      <details><summary>s</summary><select name=c></select></details>
      <details open><textarea name=d></textarea></details>
      <ul><li><input type=checkbox><select></select></li>
          <li><input type=checkbox></li></ul></main>"""
    assert fields_at_once(page) == (4, 5)
