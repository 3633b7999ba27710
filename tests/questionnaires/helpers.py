"""Questionnaires built through the builder, as staff would."""

from __future__ import annotations

from participation.db import session_scope
from participation.questionnaires.builder import QuestionDraft, Words, add_question
from participation.questionnaires.models import QuestionKind


def draft(kind: QuestionKind, prompt: str = "Frage?", **fields) -> QuestionDraft:
    words = {"de": Words(prompt, low_label="gar nicht", high_label="sehr")}
    words.update(fields.pop("words", {}))
    return QuestionDraft(kind=kind, words=words, **fields)


def options(*labels: str) -> list[dict[str, str]]:
    return [{"de": label} for label in labels]


def five_questions(engine, consultation, council_id=None) -> dict[str, int]:
    """Five kinds and a number: name -> question id."""
    made = {
        "single": draft(
            QuestionKind.single_choice,
            "Wie kommen Sie?",
            required=True,
            options=options("Rad", "Bus", "Auto"),
            words={
                "en": __import__("participation.questionnaires.builder", fromlist=["Words"]).Words(
                    "How do you come?"
                )
            },
        ),
        "multi": draft(
            QuestionKind.multiple_choice,
            "Was fehlt?",
            max_choices=2,
            options=options("Bänke", "Bäume", "Licht"),
        ),
        "scale": draft(QuestionKind.scale, "Wie zufrieden?"),
        "yes_no": draft(QuestionKind.yes_no, "Wohnen Sie hier?", required=True),
        "age": draft(QuestionKind.number, "Wie alt sind Sie?", min_value=14, max_value=120),
        "text": draft(QuestionKind.free_text, "Was noch?"),
    }
    ids = {}
    with session_scope(engine, write=True, council_id=council_id) as session:
        for name, item in made.items():
            ids[name] = add_question(session, consultation, item, staff_id=None).id
    return ids


def form_fields(form, **overrides) -> dict[str, list[str]]:
    """What a browser would send for this form, every value of a name kept (checkboxes,
    the hidden answers of the other pages); ``overrides`` replace a name's values."""
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea"]):
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind == "submit":
            continue
        if kind in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        value = field.get_text() if field.name == "textarea" else field.get("value", "")
        data.setdefault(name, []).append(value)
    data.update({name: [value] for name, value in overrides.items()})
    return data
