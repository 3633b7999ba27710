"""Bad input gets a clear message, the person's text back, the right status, no 500."""

import pytest
from sqlmodel import select

from participation.contributions.models import Contribution
from participation.db import session_scope
from tests.factories import csrf_token, make_consultation, soup


def _stored(engine) -> list[Contribution]:
    with session_scope(engine) as session:
        return list(session.exec(select(Contribution)).all())


def _post(client, slug, body, lang="de", **extra):
    token = csrf_token(client, f"/{lang}/c/{slug}")
    data = {"csrf_token": token, "body": body, **extra}
    return client.post(f"/{lang}/c/{slug}/contribute", data=data, follow_redirects=False)


def _form_text(response) -> str:
    return soup(response.text).find("textarea", attrs={"name": "body"}).get_text()


@pytest.mark.parametrize("body", ["", "   \n  ", "\x00\x00\x00"])
def test_empty_comment_comes_back_with_a_message(client, engine, body):
    consultation = make_consultation(engine)
    response = _post(client, consultation.slug, body, lang="en")
    assert response.status_code == 422
    summary = soup(response.text).find(class_="error-summary")
    assert "Please write a comment" in summary.get_text()
    assert _stored(engine) == []


def test_oversize_comment_is_kept_in_the_form(client, engine):
    consultation = make_consultation(engine)
    body = "Sehr lang. " * 9400  # about 100 KB
    response = _post(client, consultation.slug, body, lang="en")
    assert response.status_code == 422
    assert "the limit is 5,000" in soup(response.text).find(class_="error-summary").get_text()
    assert _form_text(response) == body
    assert _stored(engine) == []


def test_body_over_the_request_limit_is_refused_politely(client, engine):
    consultation = make_consultation(engine)
    response = _post(client, consultation.slug, "x" * 300_000, lang="en")
    assert response.status_code == 413
    assert "larger than we accept" in response.text
    assert _stored(engine) == []


def test_script_is_stored_as_text_and_shown_escaped(client, engine):
    consultation = make_consultation(engine)
    response = _post(client, consultation.slug, "<script>alert('x')</script>")
    assert response.status_code == 303
    receipt = client.get(response.headers["location"])
    assert "<script>alert" not in receipt.text
    assert _stored(engine)[0].body == "<script>alert('x')</script>"


def test_invalid_utf8_form_data_never_breaks(client, engine):
    consultation = make_consultation(engine)
    token = csrf_token(client, f"/de/c/{consultation.slug}")
    raw = b"csrf_token=" + token.encode() + b"&body=Gr%FC%DFe+%FF%FE+aus+Hildesheim"
    response = client.post(
        f"/de/c/{consultation.slug}/contribute",
        content=raw,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code in (303, 422)
    if response.status_code == 303:
        assert "aus Hildesheim" in _stored(engine)[0].body


@pytest.mark.parametrize("phase", ["closed", "results"])
def test_comment_on_a_closed_consultation_keeps_the_text(client, engine, phase):
    consultation = make_consultation(engine, phase="open")
    token = csrf_token(client, f"/en/c/{consultation.slug}")
    from participation.clock import utcnow

    with session_scope(engine, write=True) as session:
        consultation.closes_at = utcnow()
        if phase == "results":
            consultation.results_published_at = utcnow()
        session.add(consultation)
    response = client.post(
        f"/en/c/{consultation.slug}/contribute",
        data={"csrf_token": token, "body": "Etwas spät"},
        follow_redirects=False,
    )
    assert response.status_code == 409
    assert "closed" in response.text
    assert _form_text(response) == "Etwas spät"
    assert _stored(engine) == []


def test_draft_and_unknown_consultations_are_not_found(client, engine):
    draft = make_consultation(engine, phase="draft")
    assert client.get(f"/de/c/{draft.slug}").status_code == 404
    assert client.get("/de/c/gibt-es-nicht").status_code == 404
    token = csrf_token(client, "/de/staff/login")
    response = client.post(
        "/de/c/gibt-es-nicht/contribute", data={"csrf_token": token, "body": "x"}
    )
    assert response.status_code == 404
    assert "Page not found" in response.text or "Seite nicht gefunden" in response.text


@pytest.mark.parametrize("token", [None, "", "forged-token", "anon.abc.def"])
def test_missing_or_wrong_csrf_token_keeps_the_text_and_stores_nothing(client, engine, token):
    consultation = make_consultation(engine)
    data = {"body": "Mein Text soll bleiben"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post(
        f"/en/c/{consultation.slug}/contribute", data=data, follow_redirects=False
    )
    assert response.status_code == 403
    assert _form_text(response) == "Mein Text soll bleiben"
    assert "expired" in response.text
    assert _stored(engine) == []


def test_csrf_failure_on_a_staff_form_is_403(client, engine):
    response = client.post("/de/staff/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 403


def test_cross_site_post_is_refused_even_with_a_token(client, engine):
    consultation = make_consultation(engine)
    token = csrf_token(client, f"/de/c/{consultation.slug}")
    response = client.post(
        f"/de/c/{consultation.slug}/contribute",
        data={"csrf_token": token, "body": "x"},
        headers={"origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _stored(engine) == []


def test_unknown_and_mistyped_reference_numbers(client, engine):
    consultation = make_consultation(engine)
    from tests.factories import make_contribution

    real = make_contribution(engine, consultation).reference
    wrong_digit = real[:3] + str((int(real[3]) + 1) % 10) + real[4:]
    assert client.get(f"/en/r/{wrong_digit}").status_code == 404
    lookup = client.get("/en/r", params={"ref": "12"}, follow_redirects=False)
    assert lookup.status_code == 422
    assert "8 digits" in lookup.text
    found = client.get("/en/r", params={"ref": f"{real[:4]} {real[4:]}"}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"].endswith(real)


def test_honeypot_submission_is_not_stored(client, engine):
    consultation = make_consultation(engine)
    response = _post(client, consultation.slug, "Spam", website="http://spam.example")
    assert response.status_code == 303
    assert _stored(engine) == []
