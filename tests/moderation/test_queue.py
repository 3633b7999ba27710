"""The moderation queue: every channel in one list, filters, counts, keyset pages,
decisions in place (htmx) and by plain POST, bulk decisions, assignment."""

from __future__ import annotations

from sqlmodel import select

from participation.accounts.models import Role
from participation.contributions.models import Channel, Contribution, Status
from participation.db import session_scope
from participation.moderation.models import Decision, ModerationDecision
from tests.factories import login, make_consultation, make_contribution, soup
from tests.moderation.helpers import HTMX, counts, form_data, item_form, page, queue_ids


def _mixed(engine):
    market = make_consultation(engine, title="Marktplatz")
    bus = make_consultation(engine, title="Buslinie")
    web = make_contribution(engine, market, "Mehr Bänke", Channel.web)
    sms = make_contribution(engine, market, "Bitte Schatten", Channel.sms, author_key="k1")
    voice = make_contribution(engine, bus, "Haltestelle am Friedhof", Channel.voice)
    arabic = make_contribution(engine, bus, "نحتاج محطة", Channel.web, locale="ar")
    lost = make_contribution(engine, None, "4799 Wer liest das?", Channel.sms, author_key="k2")
    return market, bus, {"web": web, "sms": sms, "voice": voice, "ar": arabic, "lost": lost}


def test_one_queue_for_every_channel_with_filters_and_counts(client, engine):
    market, bus, c = _mixed(engine)
    login(client, engine, Role.moderator)

    everything = page(client, "/de/staff/moderation")
    assert set(queue_ids(everything)) == {x.id for x in c.values()}
    # Oldest first while waiting: the first to arrive is at the top.
    assert queue_ids(everything)[0] == c["web"].id
    assert counts(everything)["pending"] == 5
    text = everything.get_text(" ", strip=True)
    assert "Unassigned" in text or "Nicht zugeordnet" in text

    by_consultation = page(client, f"/de/staff/moderation?consultation={market.id}")
    assert set(queue_ids(by_consultation)) == {c["web"].id, c["sms"].id}
    assert counts(by_consultation)["pending"] == 2

    by_channel = page(client, "/de/staff/moderation?channel=sms")
    assert set(queue_ids(by_channel)) == {c["sms"].id, c["lost"].id}

    by_language = page(client, "/de/staff/moderation?language=ar")
    assert queue_ids(by_language) == [c["ar"].id]
    assert by_language.find(id=f"item-{c['ar'].id}").find("bdi").get_text() == "نحتاج محطة"

    unassigned = page(client, "/de/staff/moderation?consultation=unassigned")
    assert queue_ids(unassigned) == [c["lost"].id]
    assert counts(unassigned)["pending"] == 1

    combined = page(client, f"/de/staff/moderation?consultation={bus.id}&channel=voice")
    assert queue_ids(combined) == [c["voice"].id]
    # The filter form keeps what was chosen.
    assert combined.find("select", id="filter-channel").find("option", selected=True)["value"] == (
        "voice"
    )


def test_keyset_pages_cover_everything_once(client, engine):
    consultation = make_consultation(engine)
    made = [make_contribution(engine, consultation, f"Nummer {n}").id for n in range(31)]
    login(client, engine, Role.moderator)
    first = page(client, "/de/staff/moderation")
    assert queue_ids(first) == made[:25]
    following = first.select_one("p.more a")["href"]
    assert "after=" in following and "offset" not in following
    second = page(client, following)
    assert queue_ids(second) == made[25:]
    assert second.select_one("p.more a") is None


def test_approve_without_javascript_redirects_back_with_a_message(client, engine):
    consultation = make_consultation(engine)
    contribution = make_contribution(engine, consultation, "Mehr Bäume")
    login(client, engine, Role.moderator)
    queue = page(client, f"/en/staff/moderation?consultation={consultation.id}")
    form = item_form(queue, contribution.id, "approve")
    response = client.post(form["action"], data=form_data(form), follow_redirects=False)
    assert response.status_code == 303
    assert f"consultation={consultation.id}" in response.headers["location"]
    after = page(client, response.headers["location"])
    assert contribution.id not in queue_ids(after)
    status = after.find(id="queue-status").get_text(strip=True)
    assert (
        status
        == f"Approved and published: {contribution.reference[:4]}-{contribution.reference[4:]}"
    )
    assert counts(after) == {"pending": 0, "flagged": 0, "published": 1, "rejected": 0}
    public = client.get(f"/en/c/{consultation.slug}").text
    assert "Mehr Bäume" in public


def test_decisions_in_place_with_htmx_update_counts_and_announce(client, engine):
    consultation = make_consultation(engine)
    first = make_contribution(engine, consultation, "Erster")
    second = make_contribution(engine, consultation, "Zweiter")
    login(client, engine, Role.moderator)
    queue = page(client, "/en/staff/moderation")
    form = item_form(queue, first.id, "reject")
    assert form["hx-post"] == form["action"] and form["hx-target"] == f"#item-{first.id}"
    response = client.post(
        form["action"],
        data=form_data(form, reason="off_topic", note="Gehört zur Buslinie"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    fragment = soup(response.text)
    assert fragment.find("html") is None
    replaced = fragment.find(id=f"item-{first.id}")
    assert "decided" in replaced["class"]
    assert "Not about this consultation" in replaced.get_text()
    feedback = fragment.find(id="queue-feedback")
    assert feedback["hx-swap-oob"] == "true"
    status = feedback.find(attrs={"role": "status"})
    assert status.get_text(strip=True).startswith("Rejected:")
    assert counts(fragment) == {"pending": 1, "flagged": 0, "published": 0, "rejected": 1}
    with session_scope(engine) as session:
        stored = session.get(Contribution, first.id)
        assert stored.status is Status.rejected
        assert stored.rejection_reason == "off_topic"
        assert stored.rejection_note == "Gehört zur Buslinie"
        assert session.get(Contribution, second.id).status is Status.pending


def test_approving_an_unassigned_text_is_refused_in_place(client, engine):
    lost = make_contribution(engine, None, "Ohne Code", Channel.sms, author_key="k")
    login(client, engine, Role.moderator)
    queue = page(client, "/en/staff/moderation")
    # No approve button without a consultation; a request made anyway is refused.
    item = queue.find(id=f"item-{lost.id}")
    assert item.find("form", action=lambda a: a and a.endswith("/approve")) is None
    form = item_form(queue, lost.id, "assign")
    response = client.post(
        form["action"].replace("/assign", "/approve"), data=form_data(form), headers=HTMX
    )
    assert response.status_code == 422
    fragment = soup(response.text)
    item = fragment.find(id=f"item-{lost.id}")
    assert "decided" not in item["class"]
    assert "Assign the contribution to a consultation first." in item.get_text()
    with session_scope(engine) as session:
        assert session.get(Contribution, lost.id).status is Status.pending


def test_unassigned_text_is_assigned_then_approved(client, engine):
    consultation = make_consultation(engine, title="Freibad")
    lost = make_contribution(engine, None, "Länger offen bitte", Channel.sms, author_key="k")
    login(client, engine, Role.moderator)
    queue = page(client, "/en/staff/moderation?consultation=unassigned")
    form = item_form(queue, lost.id, "assign")
    labels = [o.get_text() for o in form.find_all("option")]
    assert any("Freibad" in label for label in labels)
    response = client.post(
        form["action"],
        data=form_data(form, consultation=str(consultation.id)),
        follow_redirects=False,
    )
    assert response.status_code == 303
    unassigned = page(client, response.headers["location"])
    assert queue_ids(unassigned) == []
    assert counts(unassigned)["pending"] == 0
    mine = page(client, f"/en/staff/moderation?consultation={consultation.id}")
    form = item_form(mine, lost.id, "approve")
    assert client.post(form["action"], data=form_data(form)).status_code == 200
    with session_scope(engine) as session:
        stored = session.get(Contribution, lost.id)
        assert stored.consultation_id == consultation.id
        assert stored.status is Status.published
        kinds = [
            d.decision
            for d in session.exec(
                select(ModerationDecision).where(ModerationDecision.contribution_id == lost.id)
            )
        ]
        assert kinds == [Decision.assign, Decision.approve]


def test_bulk_approve_and_reject_without_and_with_htmx(client, engine):
    consultation = make_consultation(engine)
    items = [make_contribution(engine, consultation, f"Text {n}") for n in range(4)]
    lost = make_contribution(engine, None, "Ohne Code", Channel.sms, author_key="k")
    login(client, engine, Role.moderator)
    queue = page(client, "/en/staff/moderation")
    bulk = queue.find("form", id="bulk-form")
    boxes = queue.find_all("input", attrs={"name": "ids", "form": "bulk-form"})
    assert len(boxes) == 5
    data = form_data(bulk, action="approve")
    data["ids"] = [str(items[0].id), str(items[1].id), str(lost.id)]
    response = client.post(bulk["action"], data=data, follow_redirects=False)
    assert response.status_code == 303
    after = page(client, response.headers["location"])
    assert after.find(id="queue-status").get_text(strip=True) == "2 approved, 1 skipped."
    assert set(queue_ids(after)) == {items[2].id, items[3].id, lost.id}

    data = form_data(after.find("form", id="bulk-form"), action="reject", reason="duplicate")
    data["ids"] = [str(items[2].id), str(items[3].id)]
    response = client.post(bulk["action"], data=data, headers=HTMX)
    assert response.status_code == 200
    fragment = soup(response.text)
    assert queue_ids(fragment) == [lost.id]
    assert fragment.find(id="queue-feedback")["hx-swap-oob"] == "true"
    assert counts(fragment) == {"pending": 1, "flagged": 0, "published": 2, "rejected": 2}
    with session_scope(engine) as session:
        rejected = session.exec(
            select(Contribution).where(Contribution.status == Status.rejected)
        ).all()
        assert {c.rejection_reason for c in rejected} == {"duplicate"}


def test_queue_page_has_documented_shortcuts_and_no_inline_script(client, engine):
    consultation = make_consultation(engine)
    make_contribution(engine, consultation)
    login(client, engine, Role.moderator)
    response = client.get("/en/staff/moderation")
    html = soup(response.text)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    for script in html.find_all("script"):
        assert script.get("src", "").startswith("/static/"), script
        assert not script.get_text(strip=True)
    shortcuts = html.find(id="shortcuts").get_text(" ", strip=True)
    for key in ("j", "k", "a", "r", "e", "x", "?"):
        assert f" {key} " in f" {shortcuts} "
    script_url = next(s["src"] for s in html.find_all("script") if "moderation" in s["src"])
    served = client.get(script_url)
    assert served.status_code == 200
    assert "eval(" not in served.text and "new Function" not in served.text


def test_back_field_cannot_send_the_browser_elsewhere(client, engine):
    consultation = make_consultation(engine)
    contribution = make_contribution(engine, consultation)
    login(client, engine, Role.moderator)
    form = item_form(page(client, "/de/staff/moderation"), contribution.id, "approve")
    response = client.post(
        form["action"],
        data=form_data(form, back="https://evil.example/de/staff/moderation"),
        follow_redirects=False,
    )
    assert response.headers["location"].startswith("/de/staff/moderation?")
