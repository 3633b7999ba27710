"""Themes, the council's answers, publishing, and the published result with its charts,
downloads (parsed back) and printable report."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.moderation.models import RejectionReason as Reason
from participation.moderation.service import approve, reject
from participation.results import exports
from tests.factories import csrf_token, login, make_consultation, make_contribution, soup
from tests.moderation.helpers import HTMX, form_data, page


def _publish(engine, contribution):
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, contribution.id), None)


@pytest.fixture
def prepared(engine):
    consultation = make_consultation(
        engine,
        poll=["yes", "no", "undecided"],
        texts={"en": {"title": "Market square", "poll_question": "Redesign it?"}},
    )
    with session_scope(engine) as session:
        from participation.consultations.service import poll_options

        options = {o.key: o.id for o in poll_options(session, consultation.id)}
    made = {
        "shade": make_contribution(
            engine,
            consultation,
            "Mehr Schatten",
            Channel.web,
            poll_option_id=options["yes"],
            voter_key="k0",
        ),
        "parking": make_contribution(
            engine,
            consultation,
            "Parkplätze behalten",
            Channel.sms,
            author_key="k1",
            poll_option_id=options["no"],
            voter_key="k1",
        ),
        "trees": make_contribution(
            engine, consultation, "Bäume statt Beton", Channel.paper, locale="tr"
        ),
        "formula": make_contribution(engine, consultation, '=HYPERLINK("http://x.example","y")'),
        "spam": make_contribution(engine, consultation, "Billige Uhren"),
        "waiting": make_contribution(engine, consultation, "Noch nicht geprüft"),
    }
    for key in ("shade", "parking", "trees", "formula", "spam"):
        _publish(engine, made[key])
    with session_scope(engine, write=True) as session:
        reject(session, session.get(Contribution, made["spam"].id), None, Reason.advertising)
    return consultation, made


def _staff_result_page(client, consultation):
    return page(client, f"/en/staff/consultations/{consultation.id}/results")


def _add_theme(client, consultation, name):
    form = _staff_result_page(client, consultation).find(
        "form", action=lambda a: a and a.endswith("/themes")
    )
    response = client.post(form["action"], data=form_data(form, name=name), follow_redirects=False)
    assert response.status_code == 303


def _prepare_result(client, engine, consultation, made):
    staff = login(client, engine, Role.moderator)
    _add_theme(client, consultation, "Grün und Schatten")
    _add_theme(client, consultation, "Verkehr")
    duplicate = _staff_result_page(client, consultation).find(
        "form", action=lambda a: a and a.endswith("/themes")
    )
    refused = client.post(
        duplicate["action"], data=form_data(duplicate, name="verkehr"), follow_redirects=True
    )
    assert "has a theme with this name already" in refused.text

    # Weighing per theme.
    result_page = _staff_result_page(client, consultation)
    theme_forms = result_page.select("form.theme-form")
    assert [f.find("input", attrs={"name": "name"})["value"] for f in theme_forms] == [
        "Grün und Schatten",
        "Verkehr",
    ]
    client.post(
        theme_forms[1]["action"],
        data=form_data(theme_forms[1], answer="Die Parkplätze werden in die Tiefgarage verlegt."),
    )
    themes = {
        f.find("input", attrs={"name": "name"})["value"]: f["action"].rsplit("/", 1)[1]
        for f in theme_forms
    }

    # Answer per contribution: one with htmx in place, one without JavaScript.
    answers = page(client, f"/en/staff/consultations/{consultation.id}/answers")
    item = answers.find(id=f"answer-{made['shade'].id}")
    form = item.find("form")
    data = form_data(form, answer="Es werden zwölf Bäume gepflanzt.")
    data["themes"] = [themes["Grün und Schatten"]]
    in_place = client.post(form["action"], data=data, headers=HTMX)
    assert in_place.status_code == 200
    fragment = soup(in_place.text)
    assert fragment.find(attrs={"role": "status"}) is not None
    assert fragment.find("input", value=themes["Grün und Schatten"]).has_attr("checked")
    item = answers.find(id=f"answer-{made['parking'].id}")
    form = item.find("form")
    data = form_data(form, answer="Siehe Thema Verkehr.")
    data["themes"] = [themes["Verkehr"], themes["Grün und Schatten"]]
    plain = client.post(form["action"], data=data, follow_redirects=False)
    assert plain.status_code == 303 and f"#answer-{made['parking'].id}" in plain.headers["location"]

    unanswered = page(client, f"/en/staff/consultations/{consultation.id}/answers?unanswered=1")
    listed = {li["id"] for li in unanswered.select("li.queue-item")}
    assert listed == {f"answer-{made['trees'].id}", f"answer-{made['formula'].id}"}
    by_theme = page(
        client, f"/en/staff/consultations/{consultation.id}/answers?theme={themes['Verkehr']}"
    )
    assert [li["id"] for li in by_theme.select("li.queue-item")] == [f"answer-{made['parking'].id}"]

    # Short summaries per language.
    summary_form = _staff_result_page(client, consultation).find(
        "form", action=lambda a: a and a.endswith("/summaries")
    )
    assert {t["name"] for t in summary_form.find_all("textarea")} == {"summary:de", "summary:en"}
    client.post(
        summary_form["action"],
        data=form_data(
            summary_form,
            **{
                "summary:de": "Eine **Mehrheit** ist dafür.",
                "summary:en": "A **majority** is in favour.",
            },
        ),
    )
    publish = _staff_result_page(client, consultation).find(
        "form", action=lambda a: a and a.endswith("/publish-results")
    )
    published = client.post(publish["action"], data=form_data(publish), follow_redirects=False)
    assert published.status_code == 303
    client.cookies.clear()
    return staff, themes


def test_published_result_with_charts_themes_answers_and_report(client, engine, prepared):
    consultation, made = prepared
    staff, _themes = _prepare_result(client, engine, consultation, made)
    with session_scope(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent)) if e.staff_id == staff.id]
    assert actions.count("theme.create") == 2
    assert "contribution.answer" in actions and "results.publish" in actions

    response = client.get(f"/en/c/{consultation.slug}/results")
    assert response.status_code == 200
    html = soup(response.text)
    assert "A majority is in favour." in html.find(id="summary-title").parent.get_text()
    german = soup(client.get(f"/de/c/{consultation.slug}/results").text)
    assert "Eine Mehrheit ist dafür." in german.get_text()
    # No summary in Turkish: the German one, marked as German.
    turkish = soup(client.get(f"/tr/c/{consultation.slug}/results").text)
    assert turkish.find("div", class_="prose")["lang"] == "de"

    charts = html.select("figure.chart")
    assert len(charts) == 4  # poll, channel, language, theme
    for chart in charts:
        svg = chart.find("svg")
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.find(id=title_id).name == "title" and svg.find(id=desc_id).name == "desc"
        assert svg.find_all("rect"), "a bar per row"
        table = chart.find("table")
        assert len(table.select("tbody tr")) == len(svg.find_all("rect"))
    tables = {
        c.find("figcaption").get_text(strip=True): {
            r.th.get_text(strip=True): r.td.get_text(strip=True) for r in c.select("tbody tr")
        }
        for c in charts
    }
    assert tables["Poll result"] == {"Yes": "1", "No": "1", "Undecided": "0"}
    assert tables["Comments by way of taking part"] == {
        "online": "2",
        "by text message": "1",
        "by letter": "1",
    }
    assert tables["Comments by language"] == {"Deutsch": "3", "Türkçe": "1"}
    assert tables["Comments by theme"] == {"Grün und Schatten": "2", "Verkehr": "1"}
    poll_desc = charts[0].find("desc").get_text()
    assert "Yes: 1 (50%)" in poll_desc

    themes = html.find(id="themes-title").parent.get_text(" ", strip=True)
    assert "Die Parkplätze werden in die Tiefgarage verlegt." in themes
    listed = {li["id"]: li for li in html.select("#result-contributions li.contribution")}
    assert set(listed) == {
        f"c-{made[k].reference}" for k in ("shade", "parking", "trees", "formula")
    }
    shade = listed[f"c-{made['shade'].reference}"].get_text(" ", strip=True)
    assert "Es werden zwölf Bäume gepflanzt." in shade and "Grün und Schatten" in shade
    assert "Billige Uhren" not in html.get_text() and "Noch nicht" not in html.get_text()

    report = client.get(f"/en/c/{consultation.slug}/results/report")
    assert report.status_code == 200
    printable = soup(report.text)
    assert len(printable.select(".report-list li.contribution")) == 4
    assert printable.find("button", attrs={"data-print": True}) is not None
    sheet = printable.find("link", href=lambda h: h and "council" in h)["href"]
    css = client.get(sheet).text
    assert "@media print" in css and "break-inside: avoid" in css


def test_downloads_parse_back(client, engine, prepared, monkeypatch):
    consultation, made = prepared
    _prepare_result(client, engine, consultation, made)
    # Several keyset batches even for a handful of rows.
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    ref = {k: f"{c.reference[:4]}-{c.reference[4:]}" for k, c in made.items()}

    response = client.get(f"/de/c/{consultation.slug}/results.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [r["reference"] for r in rows] == [
        ref["shade"],
        ref["parking"],
        ref["trees"],
        ref["formula"],
    ]
    assert list(rows[0]) == exports.EXPORT_FIELDS
    by_ref = {r["reference"]: r for r in rows}
    assert by_ref[ref["shade"]]["answer"] == "Es werden zwölf Bäume gepflanzt."
    assert by_ref[ref["parking"]]["themes"] == "Grün und Schatten; Verkehr"
    assert by_ref[ref["parking"]]["poll_answer"] == "no"
    assert by_ref[ref["trees"]]["language"] == "tr" and by_ref[ref["trees"]]["channel"] == "paper"
    # A formula is defused in CSV (spreadsheets would run it) and exact elsewhere.
    assert by_ref[ref["formula"]]["text"] == "'" + made["formula"].body

    data = json.loads(client.get(f"/de/c/{consultation.slug}/results.json").content)
    assert data["format"] == "participation-result/1"
    assert data["consultation"]["code"] == consultation.code
    assert data["summary"] == {
        "de": "Eine **Mehrheit** ist dafür.",
        "en": "A **majority** is in favour.",
    }
    assert {p["option"]: p["votes"] for p in data["poll"]} == {"yes": 1, "no": 1, "undecided": 0}
    assert data["counts"]["published"] == 4 and data["counts"]["answered"] == 2
    assert data["counts"]["by_theme"] == {"Grün und Schatten": 2, "Verkehr": 1}
    assert data["themes"][1] == {
        "name": "Verkehr",
        "contributions": 1,
        "answer": "Die Parkplätze werden in die Tiefgarage verlegt.",
    }
    contributions = {c["reference"]: c for c in data["contributions"]}
    assert len(contributions) == 4
    assert contributions[ref["parking"]]["themes"] == ["Grün und Schatten", "Verkehr"]
    assert contributions[ref["formula"]]["text"] == made["formula"].body
    assert contributions[ref["shade"]]["text_redacted"] is False
    for row in data["contributions"]:
        assert set(row) == set(exports.EXPORT_FIELDS)
    assert "author_key" not in json.dumps(data) and "k1" not in json.dumps(data)

    xlsx = client.get(f"/de/c/{consultation.slug}/results.xlsx")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["contributions", "themes", "summary"]
    sheet = list(book["contributions"].iter_rows(values_only=True))
    assert list(sheet[0]) == exports.EXPORT_FIELDS
    cells = {row[0]: dict(zip(exports.EXPORT_FIELDS, row, strict=True)) for row in sheet[1:]}
    assert set(cells) == set(contributions)
    assert cells[ref["formula"]]["text"] == made["formula"].body  # a string, not a formula
    assert cells[ref["shade"]]["answer"] == "Es werden zwölf Bäume gepflanzt."
    themes = list(book["themes"].iter_rows(values_only=True))
    assert themes[1:] == [
        ("Grün und Schatten", 2, ""),
        ("Verkehr", 1, "Die Parkplätze werden in die Tiefgarage verlegt."),
    ]


def test_results_are_not_public_before_publication(client, engine, prepared):
    consultation, _made = prepared
    for path in ("results", "results.csv", "results.json", "results.xlsx", "results/report"):
        assert client.get(f"/de/c/{consultation.slug}/{path}").status_code == 404


def test_result_notification_sms_goes_through_the_outbox(client, engine, settings, prepared):
    consultation, _made = prepared
    sms_models = pytest.importorskip("participation.results.models")
    from participation.crypto import decrypt, encrypt
    from participation.outbox.models import OutboundMessage
    from participation.phones import phone_key

    numbers = {"+4915112345678": "de", "+905321234567": "tr"}
    with session_scope(engine, write=True) as session:
        for number, language in numbers.items():
            session.add(
                sms_models.SmsNotifyRequest(
                    consultation_id=consultation.id,
                    phone_key=phone_key(settings.secret_key, number),
                    number_encrypted=encrypt(settings.secret_key, number),
                    language=language,
                )
            )
    login(client, engine, Role.moderator)
    token = csrf_token(client, f"/de/staff/consultations/{consultation.id}/results")
    response = client.post(
        f"/de/staff/consultations/{consultation.id}/publish-results",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with session_scope(engine) as session:
        queued = session.exec(select(OutboundMessage)).all()
        assert len(queued) == 2
        sent_to = {decrypt(settings.secret_key, m.to_encrypted): m.body for m in queued}
        assert set(sent_to) == set(numbers)
        german = sent_to["+4915112345678"]
        assert consultation.code in german
        assert f"/de/c/{consultation.slug}/results" in german
        assert f"/tr/c/{consultation.slug}/results" in sent_to["+905321234567"]
        # The numbers were kept only for this message.
        assert session.exec(select(sms_models.SmsNotifyRequest)).all() == []
