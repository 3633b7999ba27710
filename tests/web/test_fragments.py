"""Kept template fragments (caching/fragments.py) never show a stale page: what a listed
comment or an option list shows changes with the data the moment the data changes."""

from __future__ import annotations

from datetime import timedelta

from jinja2 import DictLoader, Environment

from participation.accounts.models import Role
from participation.caching import fragments
from participation.caching.fragments import FragmentCacheExtension
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.db import session_scope
from participation.moderation.flags import ReportReason, report_contribution
from participation.moderation.models import RejectionReason
from participation.moderation.service import approve, redact, reject
from participation.results import service as results
from tests.factories import login, make_consultation, make_contribution, soup

TEMPLATE = (
    "{% for item in items %}{% cache item.id %}<b>{{ item.name }}</b>{% endcache %}{% endfor %}"
)


class Item:
    def __init__(self, id: int, name: str) -> None:
        self.id, self.name = id, name


def environment(*, auto_reload: bool) -> Environment:
    return Environment(
        loader=DictLoader({"list.html": TEMPLATE}),
        autoescape=True,
        auto_reload=auto_reload,
        extensions=[FragmentCacheExtension],
    )


def test_a_fragment_is_kept_under_its_key_and_made_anew_for_another():
    template = environment(auto_reload=False).get_template("list.html")
    assert template.render(items=[Item(1, "<Bänke>"), Item(2, "Bäume")]) == (
        "<b>&lt;Bänke&gt;</b><b>Bäume</b>"
    )
    # Same key, other data: the kept fragment. That is why a key must hold all it shows.
    assert template.render(items=[Item(1, "anders")]) == "<b>&lt;Bänke&gt;</b>"
    assert template.render(items=[Item(3, "neu")]) == "<b>neu</b>"


def test_nothing_is_kept_where_templates_are_reloaded():
    template = environment(auto_reload=True).get_template("list.html")
    assert template.render(items=[Item(1, "eins")]) == "<b>eins</b>"
    assert template.render(items=[Item(1, "zwei")]) == "<b>zwei</b>"


def test_at_most_max_fragments_are_kept(monkeypatch):
    monkeypatch.setattr(fragments, "MAX_FRAGMENTS", 3)
    env = environment(auto_reload=False)
    template = env.get_template("list.html")
    template.render(items=[Item(n, str(n)) for n in range(10)])
    (extension,) = env.extensions.values()
    assert len(extension.fragments) == 3
    # The newest stay.
    assert template.render(items=[Item(9, "x")]) == "<b>9</b>"


def test_a_changed_template_or_one_it_includes_never_meets_its_old_fragments():
    # The template's own name and version are in every key: whoever edits the item's
    # template (or one it includes) needs to know no key to have it made anew.
    sources = {
        "list.html": "{% for item in items %}{% cache item.id %}"
        '{% include "item.html" %}{% endcache %}{% endfor %}',
        "item.html": "<b>{{ item.name }}</b>",
    }
    env = Environment(
        loader=DictLoader(sources),
        autoescape=True,
        auto_reload=False,
        extensions=[FragmentCacheExtension],
    )
    assert env.get_template("list.html").render(items=[Item(1, "eins")]) == "<b>eins</b>"
    sources["item.html"] = "<i>{{ item.name }}</i>"
    env.cache.clear()  # what a restart or a reload does: the templates compiled anew
    assert env.get_template("list.html").render(items=[Item(1, "eins")]) == "<i>eins</i>"
    sources["list.html"] = sources["list.html"].replace("{% endfor %}", "{% endfor %}.")
    env.cache.clear()
    assert env.get_template("list.html").render(items=[Item(1, "eins")]) == "<i>eins</i>."


def _published(engine, consultation, body, **kwargs) -> Contribution:
    contribution = make_contribution(engine, consultation, body, **kwargs)
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, contribution.id), None)
    return contribution


def _listed(client, path: str, reference: str) -> str:
    page = soup(client.get(path).text)
    item = page.find(id=f"c-{reference}")
    assert item is not None, f"{reference} not listed on {path}"
    return item.get_text(" ", strip=True)


def test_a_listed_comment_shows_its_changes_at_once(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine) as session:
        yes = consultations.poll_options(session, consultation.id)[0]  # type: ignore[arg-type]
    comment = _published(engine, consultation, "Mehr Schatten", poll_option_id=yes.id)
    path = f"/de/c/{consultation.slug}"
    assert "Antwort: Ja" in _listed(client, path, comment.reference)
    assert "Answer: Yes" in _listed(client, f"/en/c/{consultation.slug}", comment.reference)

    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        consultations.set_poll(  # type: ignore[arg-type]
            session, row, [("yes", {"de": "Ja, gern"}), ("no", {})], has_votes=False
        )
    assert "Antwort: Ja, gern" in _listed(client, path, comment.reference)

    with session_scope(engine, write=True) as session:
        reject(
            session, session.get(Contribution, comment.id), None, RejectionReason.off_topic, "Thema"
        )
    shown = _listed(client, path, comment.reference)
    assert "Mehr Schatten" not in shown
    assert "Von der Moderation abgelehnt: Kein Bezug zu dieser Beteiligung – Thema" in shown


def test_a_listed_result_shows_renamed_themes_and_new_answers(client, engine):
    consultation = make_consultation(engine)
    comment = _published(engine, consultation, "Mehr Bänke")
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        theme = results.add_theme(session, consultation.id, "Sitzen", None)
        results.answer_contribution(
            session,
            session.get(Contribution, comment.id),  # type: ignore[arg-type]
            answer="",
            theme_ids=[theme.id],  # type: ignore[list-item]
            staff_id=None,
        )
        row.closes_at = utcnow() - timedelta(minutes=1)  # type: ignore[union-attr]
        row.results_published_at = utcnow()  # type: ignore[union-attr]
        session.add(row)
    path = f"/de/c/{consultation.slug}/results"
    shown = _listed(client, path, comment.reference)
    assert "Sitzen" in shown and "Danke" not in shown

    with session_scope(engine, write=True) as session:
        results.update_theme(
            session, theme.id, name="Sitzen und Schatten", answer="", staff_id=None
        )
    assert "Sitzen und Schatten" in _listed(client, path, comment.reference)

    with session_scope(engine, write=True) as session:
        results.answer_contribution(
            session,
            session.get(Contribution, comment.id),  # type: ignore[arg-type]
            answer="Danke, kommt.",
            theme_ids=[theme.id],  # type: ignore[list-item]
            staff_id=None,
        )
    shown = _listed(client, path, comment.reference)
    assert "Sitzen und Schatten" in shown
    assert "Danke, kommt." in shown


def test_each_queue_item_offers_the_current_titles_with_its_own_consultation_chosen(client, engine):
    first = make_consultation(engine, title="Marktplatz")
    second = make_consultation(engine, title="Bahnhof")
    waiting = {
        first.id: make_contribution(engine, first, "Mehr Bänke"),
        second.id: make_contribution(engine, second, "Mehr Züge"),
    }
    login(client, engine, Role.moderator)

    def offered() -> dict[int, tuple[list[str], str]]:
        page = soup(client.get("/de/staff/moderation").text)
        found = {}
        for consultation_id, contribution in waiting.items():
            select = page.find(id=f"assign-{contribution.id}")
            assert select is not None
            titles = [o.get_text(strip=True) for o in select.find_all("option")]
            chosen = select.find("option", selected=True)
            assert chosen is not None
            assert chosen["value"] == str(consultation_id)
            found[consultation_id] = (titles, chosen.get_text(strip=True))
        return found

    before = offered()
    assert before[first.id][1] == f"Marktplatz ({first.code})"
    assert before[second.id][1] == f"Bahnhof ({second.code})"

    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, first.id)
        consultations.save_text(session, row, "de", title="Neuer Marktplatz")  # type: ignore[arg-type]
    after = offered()
    for titles, _chosen in after.values():
        assert f"Neuer Marktplatz ({first.code})" in titles
        assert f"Marktplatz ({first.code})" not in titles
    assert after[first.id][1] == f"Neuer Marktplatz ({first.code})"


def test_a_kept_queue_item_shows_every_change_and_this_requests_csrf_token(client, engine):
    consultation = make_consultation(engine, title="Marktplatz")
    contribution = make_contribution(engine, consultation, "Herr Meier will Bänke")
    login(client, engine, Role.admin)
    queue = f"/de/staff/moderation?consultation={consultation.id}"

    def item(path: str = queue) -> tuple[str, set[str], str]:
        html = client.get(path).text
        assert "csrf-slot" not in html
        page = soup(html)
        shown = page.find(id=f"item-{contribution.id}")
        assert shown is not None, f"item not on {path}"
        tokens = {str(i["value"]) for i in shown.find_all("input", attrs={"name": "csrf_token"})}
        bulk = page.find("form", id="bulk-form").find("input", attrs={"name": "csrf_token"})
        return shown.get_text(" ", strip=True), tokens, str(bulk["value"])

    first, tokens, page_token = item()
    assert "Herr Meier will Bänke" in first
    assert tokens == {page_token}
    # The kept item's forms carry each request's own token, and it is accepted.
    _text, again, again_token = item()
    assert again == {again_token}

    with session_scope(engine, write=True) as session:
        redact(session, session.get(Contribution, contribution.id), None, "[…] will Bänke")
    edited = item()[0]
    assert "Herr Meier" in edited  # the original, shown to admins only
    assert "[…] will Bänke" in edited
    assert "von der Moderation bearbeitet" in edited

    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        consultations.save_text(session, row, "de", title="Neuer Marktplatz")  # type: ignore[arg-type]
    assert "Neuer Marktplatz" in item()[0]

    with session_scope(engine, write=True) as session:
        row = session.get(Contribution, contribution.id)
        approve(session, row, None)
        report_contribution(
            session,
            secret_key="k",
            contribution=row,
            reason=ReportReason.personal_data,
            note="Name genannt",
            client_address="198.51.100.7",
        )
    reported = item(f"{queue}&status=flagged")[0]
    assert "1-mal gemeldet" in reported
    assert "Name genannt" in reported

    token = item(f"{queue}&status=flagged")[2]
    answer = client.post(
        f"/de/staff/moderation/{contribution.id}/keep",
        data={"csrf_token": token, "back": queue},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "gemeldet" not in item(f"{queue}&status=published")[0]
