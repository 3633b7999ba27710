"""The clerk's day: a consultation set up in short steps, each its own page, without
JavaScript; each step saves on its own; a refused step keeps what was typed; the
readiness check names what is missing and opens the consultation."""

from __future__ import annotations

from sqlmodel import select

from participation.accounts.models import Role
from participation.consultations.models import Consultation, ConsultationText, PollOption
from participation.db import session_scope
from tests.consultations.setup_flow import step_form, submit, visible_fields
from tests.factories import csrf_token, login, make_consultation, soup

STEP = "/de/staff/consultations/{id}/setup/{step}"


def _stored(engine, consultation_id: int) -> tuple[Consultation, dict[str, ConsultationText]]:
    with session_scope(engine) as session:
        consultation = session.get(Consultation, consultation_id)
        texts = session.exec(
            select(ConsultationText).where(ConsultationText.consultation_id == consultation_id)
        ).all()
        return consultation, {t.locale: t for t in texts}


def _options(engine, consultation_id: int) -> list[str]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(PollOption).where(PollOption.consultation_id == consultation_id)
        ).all()
        return [o.key for o in rows]


def _id_from(location: str) -> int:
    return int(location.split("/consultations/")[1].split("/")[0])


def test_the_whole_set_up_without_javascript(client, engine):
    login(client, engine, Role.editor)
    created = submit(
        client,
        "/de/staff/consultations/new",
        **{
            "title:de": "Neue Bänke am Dorfteich?",
            "summary:de": "Wo sollen die Bänke stehen?",
            "body_md:de": "Die Gemeinde stellt **zehn** Bänke auf.",
            "closes_at": "2099-12-31T18:00",
            "code": "4321",
        },
    )
    assert created.status_code == 303, created.text
    consultation_id = _id_from(created.headers["location"])
    assert created.headers["location"].endswith(f"/{consultation_id}/setup/answers?saved=1")
    consultation, texts = _stored(engine, consultation_id)
    # After step one a draft exists, and residents cannot see it.
    assert consultation.is_published is False
    assert texts["de"].title == "Neue Bänke am Dorfteich?"
    assert client.get(f"/de/c/{consultation.slug}").status_code == 404

    page = soup(client.get(created.headers["location"]).text)
    assert page.find(attrs={"role": "status"}).get_text() == "Gespeichert."
    answers = submit(client, STEP.format(id=consultation_id, step="answers"), poll_kind="yesno")
    assert answers.headers["location"].endswith("/setup/phone?saved=1")
    assert _options(engine, consultation_id) == ["yes", "no"]

    phone = submit(
        client,
        STEP.format(id=consultation_id, step="phone"),
        **{"phone_summary:de": "Zehn neue Bänke am Teich.", "poll_question:de": "Sind Sie dafür?"},
    )
    assert phone.headers["location"].endswith("/setup/languages?saved=1")

    english = submit(
        client,
        STEP.format(id=consultation_id, step="en"),
        **{
            "title:en": "New benches by the pond?",
            "summary:en": "Where should they go?",
            "body_md:en": "Ten benches.",
            "phone_summary:en": "Ten new benches by the pond.",
            "poll_question:en": "Are you in favour?",
        },
    )
    assert english.headers["location"].endswith("/setup/languages?saved=1")
    rows = soup(client.get(STEP.format(id=consultation_id, step="languages")).text).select(
        "tbody tr"
    )
    states = {r.th.get_text(strip=True): r.find_all("td")[0].get_text() for r in rows}
    assert states["Deutsch"] == "Vollständig" and states["English"] == "Vollständig"
    assert states["Türkçe"] == "Zeigt Deutsch"

    readiness = f"/de/staff/consultations/{consultation_id}/readiness"
    assert "Es fehlt nichts" in client.get(readiness).text
    token = csrf_token(client, readiness)
    opened = client.post(
        f"/de/staff/consultations/{consultation_id}/open",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    consultation, _texts = _stored(engine, consultation_id)
    assert consultation.is_published
    assert "Neue Bänke am Dorfteich?" in client.get(f"/de/c/{consultation.slug}").text


def test_every_screen_of_the_set_up_asks_for_at_most_a_dozen_fields(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft", poll=["yes", "no"])
    pages = ["/de/staff/consultations/new"] + [
        STEP.format(id=consultation.id, step=step)
        for step in ("what", "answers", "phone", "en", "ar", "ls")
    ]
    for path in pages:
        form = step_form(soup(client.get(path).text))
        assert 1 <= len(visible_fields(form)) <= 12, (path, visible_fields(form))


def test_a_refused_step_keeps_what_was_typed_and_says_why(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft", title="Alter Titel")
    response = submit(
        client,
        STEP.format(id=consultation.id, step="what"),
        **{
            "title:de": "Neuer Titel, den niemand verlieren will",
            "opens_at": "2099-12-31T18:00",
            "closes_at": "2099-01-01T08:00",
        },
    )
    assert response.status_code == 422
    page = soup(response.text)
    summary = page.find(class_="error-summary")
    assert summary["role"] == "alert"
    assert [a["href"] for a in summary.select("a")] == ["#field-closes_at"]
    field = page.find(id="field-closes_at")
    assert field["value"] == "2099-01-01T08:00"
    assert field["aria-invalid"] == "true"
    error = page.find(id=field["aria-describedby"].split()[-1])
    assert "nach dem Beginn" in error.get_text()
    assert page.find(id="field-title-de")["value"] == "Neuer Titel, den niemand verlieren will"
    # Nothing of the refused step was stored.
    assert _stored(engine, consultation.id)[1]["de"].title == "Alter Titel"


def test_a_language_needs_a_title_and_an_emptied_one_shows_german_again(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft", texts={"tr": {"title": "Pazar"}})
    refused = submit(
        client,
        STEP.format(id=consultation.id, step="tr"),
        **{"title:tr": "", "summary:tr": "Özet burada."},
    )
    assert refused.status_code == 422
    page = soup(refused.text)
    assert page.find(id="field-summary-tr").get_text() == "Özet burada."
    assert page.find(id="error-field-title-tr") is not None
    emptied = submit(client, STEP.format(id=consultation.id, step="tr"), **{"title:tr": ""})
    assert emptied.status_code == 303
    assert "tr" not in _stored(engine, consultation.id)[1]


def test_each_step_saves_only_its_own_part(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(
        engine, phase="draft", poll=["yes", "no"], texts={"en": {"title": "Market square"}}
    )
    before, texts_before = _stored(engine, consultation.id)
    submit(client, STEP.format(id=consultation.id, step="answers"), poll_kind="yesnoundecided")
    after, texts_after = _stored(engine, consultation.id)
    assert _options(engine, consultation.id) == ["yes", "no", "undecided"]
    assert (after.opens_at, after.closes_at, after.code) == (
        before.opens_at,
        before.closes_at,
        before.code,
    )
    assert {k: t.title for k, t in texts_after.items()} == {
        k: t.title for k, t in texts_before.items()
    }
    submit(client, STEP.format(id=consultation.id, step="phone"), **{"phone_summary:de": "Neu."})
    assert _options(engine, consultation.id) == ["yes", "no", "undecided"]
    stored = _stored(engine, consultation.id)[1]
    assert stored["de"].phone_summary == "Neu." and stored["de"].summary == "Kurze Zusammenfassung."


def test_editing_a_consultation_goes_through_the_same_steps(client, engine):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine)
    response = client.get(f"/de/staff/consultations/{consultation.id}", follow_redirects=False)
    assert response.headers["location"] == STEP.format(id=consultation.id, step="what")
    page = soup(client.get(response.headers["location"]).text)
    assert page.find(id="field-title-de")["value"] == "Soll der Marktplatz neu gestaltet werden?"
    assert page.find("a", attrs={"aria-current": "step"}).get_text().startswith("1.")


def test_a_new_way_of_answering_adds_its_own_step(client, engine, monkeypatch):
    from participation.consultations import setup_steps
    from participation.consultations.setup_forms import StepForm

    def label() -> str:
        return "Fragebogen"

    def parse(form) -> StepForm:
        return StepForm({}, {}, None)

    monkeypatch.setattr(setup_steps, "STEPS", list(setup_steps.STEPS))
    setup_steps.register_step(
        setup_steps.Step("questionnaire", label, "staff/setup/languages.html", parse, parse),
        after="answers",
    )
    assert setup_steps.next_step("answers") == "questionnaire"
    assert setup_steps.next_step("questionnaire") == "phone"
    login(client, engine, Role.editor)
    consultation = make_consultation(engine, phase="draft")
    page = soup(client.get(STEP.format(id=consultation.id, step="phone")).text)
    steps = [a.get_text() for a in page.select("nav.setup-steps ol a")]
    assert steps[:4] == [
        "1. Was und wann",
        "2. Wie die Menschen antworten",
        "3. Fragebogen",
        "4. Telefon und SMS",
    ]
    answers = submit(client, STEP.format(id=consultation.id, step="answers"), poll_kind="none")
    assert answers.headers["location"].endswith("/setup/questionnaire?saved=1")
