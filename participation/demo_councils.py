"""The demo's second council: one installation serving two councils, each on its own
host (`participation demo`). Browsers resolve every *.localhost name to this machine,
so no /etc/hosts entry is needed:

- http://musterstadt.localhost:8000 (and http://127.0.0.1:8000): Gemeinde Musterstadt,
  the first council, described by the environment (COUNCIL_NAME, ...);
- http://beispieldorf.localhost:8000: Gemeinde Beispieldorf, described by its row.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from participation.accounts.models import Role
from participation.accounts.service import create_staff
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.service import Submission, submit_contribution
from participation.councils.models import Council, CouncilHost
from participation.councils.service import add_host, by_slug, create_council
from participation.opening_hours import parse_hours
from participation.tenancy import scope

FIRST_HOSTS = ("musterstadt.localhost", "127.0.0.1", "localhost")
SECOND = "beispieldorf"
SECOND_ADMIN = ("admin@beispieldorf.example", "demo-passwort-2026")
POND = {
    "title": "Wie soll der Dorfteich wieder schön werden?",
    "summary": "Der Teich am Dorfgemeinschaftshaus verlandet. Der Rat fragt, was Ihnen "
    "wichtig ist: Steg, Bänke, Schilf oder freie Sicht.",
    "body_md": "Der Dorfteich ist in den letzten Jahren zugewachsen.\n\n## Was geplant ist\n\n"
    "- den Teich ausbaggern\n- einen Steg bauen\n- Bänke am Ufer aufstellen",
    "phone_summary": "Der Dorfteich soll wieder schön werden. Sagen Sie uns, was Ihnen "
    "wichtig ist.",
    "poll_question": "Soll am Dorfteich ein Steg gebaut werden?",
}


def seed_second_council(session: Session) -> bool:
    """Hosts for the first council and the second council with its staff and a
    consultation; False when it is there already."""
    if session.exec(select(Council).where(Council.slug == SECOND)).first() is not None:
        return False
    first = by_slug(session, "council")
    known = set(session.exec(select(CouncilHost.host)).all())
    for host in FIRST_HOSTS:
        if host not in known:
            add_host(session, first, host)
    council = create_council(
        session, SECOND, "Gemeinde Beispieldorf", hosts=[f"{SECOND}.localhost"]
    )
    council.address = "Dorfstraße 1, 31199 Beispieldorf"
    council.email = "rathaus@beispieldorf.example"
    council.phone = "+49 30 23125 515"
    council.sms_number = "+49 30 23125 516"
    council.front_desk_schedule = parse_hours("Di und Do 9–12 Uhr").to_json()
    council.phone_schedule = parse_hours("tue,thu 09:00-12:00").to_json()
    council.data_protection_officer = "Datenschutz Beispieldorf, Dorfstraße 1, 31199 Beispieldorf"
    council.accent_colour = "#1d5f3a"
    session.add(council)
    session.flush()
    scope(session, council.id)
    create_staff(session, *SECOND_ADMIN, Role.admin, "Anke Brandt")
    now = utcnow()
    pond = Consultation(
        slug="dorfteich",
        code="4711",
        is_published=True,
        opens_at=now - timedelta(days=4),
        closes_at=now + timedelta(days=30),
    )
    session.add(pond)
    session.flush()
    consultations.save_text(session, pond, "de", **POND)
    consultations.set_poll(session, pond, [("yes", {}), ("no", {})], has_votes=False)
    submit_contribution(
        session,
        Submission(
            consultation=pond,
            body="Bitte das Schilf am Nordufer lassen, dort brüten Enten.",
            channel=Channel.web,
            locale="de",
        ),
    )
    scope(session, None)
    return True
