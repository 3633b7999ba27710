"""Demo data for a published result: themes, the council's weighing and answers."""

from __future__ import annotations

from sqlmodel import Session

from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.results import service

#: (theme, the council's answer to it)
POOL_THEMES = [
    (
        "Öffnungszeiten",
        "Die Mehrheit wünscht längere Öffnungszeiten. Ab Mai 2027 ist das Freibad montags bis "
        "freitags bis 21 Uhr geöffnet; am Wochenende bleibt es bei 19 Uhr.",
    ),
    (
        "Lärm für die Nachbarn",
        "Der Rat nimmt die Sorge ernst: Nach 20 Uhr bleiben Sprungturm und Lautsprecher "
        "ausgeschaltet, und der Eingang an der Parkstraße schließt um 20:30 Uhr.",
    ),
]
#: Per contribution of the pool consultation, in the demo's order: (theme numbers, answer)
POOL_ANSWERS = [
    ([0], "Danke! Genau dafür gelten die neuen Zeiten ab Mai 2027."),
    ([1], "Siehe die Antwort zum Thema Lärm: Ab 20 Uhr wird es ruhiger."),
    ([0], ""),
    ([0], "Thank you! The longer hours start in May 2027."),
]


def add_demo_result(
    session: Session,
    consultation: Consultation,
    contributions: list[Contribution],
    staff_id: int | None,
) -> None:
    themes = []
    for name, answer in POOL_THEMES:
        theme = service.add_theme(session, consultation.id, name, staff_id)
        service.update_theme(session, theme.id, name=name, answer=answer, staff_id=staff_id)
        themes.append(theme)
    session.flush()
    for contribution, (numbers, answer) in zip(contributions, POOL_ANSWERS, strict=False):
        service.answer_contribution(
            session,
            contribution,
            answer=answer,
            theme_ids=[themes[n].id for n in numbers],
            staff_id=staff_id,
        )
