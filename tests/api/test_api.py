"""The public read API shows published data only, paginates by keyset, and is described
by its own OpenAPI document."""

from __future__ import annotations

from participation.contributions.models import Contribution, Status
from participation.db import session_scope
from participation.moderation.service import approve
from tests.factories import make_consultation, make_contribution


def _publish(engine, contribution: Contribution) -> None:
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, contribution.id), None)


def test_only_published_consultations_and_contributions_are_shown(client, engine):
    public = make_consultation(engine, poll=["yes", "no"])
    draft = make_consultation(engine, phase="draft", title="Geheimer Entwurf")
    shown = make_contribution(engine, public, "Mehr Bäume, bitte", pseudonym="Anna")
    hidden = make_contribution(engine, public, "Noch nicht geprüft")
    _publish(engine, shown)

    listing = client.get("/api/v1/consultations")
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "application/json"
    slugs = [c["slug"] for c in listing.json()["consultations"]]
    assert public.slug in slugs and draft.slug not in slugs
    assert client.get(f"/api/v1/consultations/{draft.slug}").status_code == 404

    detail = client.get(f"/api/v1/consultations/{public.slug}?lang=en").json()
    assert detail["phase"] == "open"
    assert detail["published_contributions"] == 1
    # Vote counts are not shown while people still vote.
    assert [o["votes"] for o in detail["poll_options"]] == [None, None]
    assert [o["label"] for o in detail["poll_options"]] == ["Ja", "Nein"]  # only German text

    page = client.get(f"/api/v1/consultations/{public.slug}/contributions").json()
    texts = [c["text"] for c in page["contributions"]]
    assert texts == ["Mehr Bäume, bitte"]
    assert hidden.body not in str(page)
    item = page["contributions"][0]
    assert item["pseudonym"] == "Anna" and item["reference"][4] == "-"
    assert set(item) == {
        "reference",
        "channel",
        "locale",
        "pseudonym",
        "text",
        "poll_answer",
        "created_at",
        "published_at",
        "answer",
        "answered_at",
    }
    assert page["next"] is None


def test_keyset_pagination_visits_every_contribution_once(client, engine):
    consultation = make_consultation(engine)
    for n in range(7):
        _publish(engine, make_contribution(engine, consultation, f"Beitrag {n}"))
    seen, url = [], f"/api/v1/consultations/{consultation.slug}/contributions?limit=3"
    while url:
        page = client.get(url).json()
        seen += [c["text"] for c in page["contributions"]]
        url = page["next"]
    assert seen == [f"Beitrag {n}" for n in range(7)]


def test_bad_parameters_get_a_json_400(client, engine):
    consultation = make_consultation(engine)
    base = f"/api/v1/consultations/{consultation.slug}/contributions"
    for query in ("limit=0", "limit=101", "limit=x", "after=-1", "after=99999999999999999999"):
        response = client.get(f"{base}?{query}")
        assert response.status_code == 400, query
        assert set(response.json()) == {"error", "detail"}
    assert client.get("/api/v1/consultations?lang=xx").status_code == 400


def test_results_show_vote_counts(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], phase="results")
    detail = client.get(f"/api/v1/consultations/{consultation.slug}").json()
    assert detail["phase"] == "results"
    assert [o["votes"] for o in detail["poll_options"]] == [0, 0]
    # The figures carry their counting rule, in the language asked for.
    assert detail["counting_rule"].startswith("So wird gezählt: eine Stimme pro Person.")
    english = client.get(f"/api/v1/consultations/{consultation.slug}?lang=en").json()
    assert "one vote per person" in english["counting_rule"]
    without_poll = make_consultation(engine, phase="results")
    assert client.get(f"/api/v1/consultations/{without_poll.slug}").json()["counting_rule"] is None


def test_the_api_sets_no_cookie_and_may_be_read_from_anywhere(client, engine):
    make_consultation(engine)
    response = client.get("/api/v1/consultations")
    assert "set-cookie" not in response.headers
    assert response.headers["access-control-allow-origin"] == "*"


def test_openapi_document(client, engine):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/v1/consultations",
        "/api/v1/consultations/{slug}",
        "/api/v1/consultations/{slug}/contributions",
    }
    # Every API route of the app is documented, except the document itself.
    from tests.trust.routing import all_routes

    api_paths = {f.template for f in all_routes(client.app) if f.template.startswith("/api/v1/")}
    assert api_paths - {"/api/v1/openapi.json"} == set(document["paths"])


def test_status_of_unpublished_contributions_never_leaks(client, engine):
    consultation = make_consultation(engine)
    rejected = make_contribution(engine, consultation, "Abgelehnt")
    with session_scope(engine, write=True) as session:
        row = session.get(Contribution, rejected.id)
        row.status = Status.rejected
        session.add(row)
    page = client.get(f"/api/v1/consultations/{consultation.slug}/contributions").json()
    assert page["contributions"] == []
