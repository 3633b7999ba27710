"""Realistic demo data for a small Lower Saxon town: `participation demo`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from participation.accounts.models import Role, StaffUser
from participation.accounts.service import create_staff, get_by_email
from participation.channels.sms.demo import seed_sms_examples
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, PollOption
from participation.contributions.models import Channel, Contribution
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.contributions.votes import Voter, submit_vote
from participation.moderation import service as moderation
from participation.moderation.models import RejectionReason
from participation.questionnaires.builder import QuestionDraft, Words, add_question
from participation.questionnaires.models import QuestionKind
from participation.results.demo import add_demo_result

DEMO_ADMIN = ("admin@musterstadt.example", "demo-passwort-2026")
DEMO_MODERATOR = ("moderation@musterstadt.example", "demo-passwort-2026")

#: The three published consultations: slug, code, opened days ago, closing in days.
PUBLISHED = (
    ("marktplatz", "4711", 10, 20),
    ("buslinie-nord", "4712", 3, 40),
    ("freibad", "4713", 90, 1),
)

MARKET = {
    "de": dict(
        title="Soll der Marktplatz neu gestaltet werden?",
        summary="Mehr Bäume, mehr Bänke, weniger Parkplätze: Die Gemeinde fragt, wie der "
        "Marktplatz künftig aussehen soll.",
        body_md="Der Marktplatz wurde zuletzt 1987 umgebaut. Der Rat prüft drei Entwürfe.\n\n"
        "## Worum es geht\n\n- mehr Schatten durch Bäume\n- Sitzbänke und Trinkbrunnen\n"
        "- 24 von 60 Parkplätzen würden wegfallen\n\nIhre Meinung fließt in die "
        "Entscheidung des Rates im März ein.",
        phone_summary="Der Marktplatz soll neu gestaltet werden. Geplant sind mehr Bäume und "
        "Bänke. Dafür fallen 24 Parkplätze weg. Sind Sie dafür?",
        poll_question="Soll der Marktplatz neu gestaltet werden?",
    ),
    "en": dict(
        title="Should the market square be redesigned?",
        summary="More trees, more benches, fewer parking spaces: the council asks how the "
        "market square should look in future.",
        body_md="The market square was last rebuilt in 1987. The council is considering "
        "three designs.\n\n## What it is about\n\n- more shade from trees\n- benches "
        "and a drinking fountain\n- 24 of 60 parking spaces would go\n\nYour opinion "
        "feeds into the council's decision in March.",
        phone_summary="The market square is to be redesigned, with more trees and benches. "
        "24 parking spaces would go. Are you in favour?",
        poll_question="Should the market square be redesigned?",
    ),
    "de@easy": dict(
        title="Der Markt-Platz soll neu werden. Was meinen Sie?",
        summary="Die Gemeinde will den Markt-Platz neu machen. Sie können mit-reden.",
        body_md="Auf dem Markt-Platz sollen mehr Bäume stehen.\n\nEs soll mehr Bänke geben.\n\n"
        "Dann gibt es weniger Park-Plätze für Autos.\n\nSagen Sie uns Ihre Meinung.",
        phone_summary="Die Gemeinde will den Markt-Platz neu machen. Es gibt dann mehr Bäume. "
        "Es gibt dann weniger Park-Plätze. Sind Sie dafür?",
        poll_question="Soll der Markt-Platz neu werden?",
    ),
}
BUS = {
    "de": dict(
        title="Neue Buslinie zum Gewerbegebiet Nord",
        summary="Welche Haltestellen braucht die neue Linie 7, und zu welchen Zeiten soll sie "
        "fahren?",
        body_md="Ab Sommer soll eine neue Buslinie das Gewerbegebiet Nord anbinden. Sagen Sie "
        "uns, wo Sie einsteigen würden und wann Sie den Bus brauchen.",
        phone_summary="Eine neue Buslinie soll zum Gewerbegebiet Nord fahren. Sagen Sie uns, "
        "wo und wann Sie den Bus brauchen.",
    ),
    "tr": dict(
        title="Kuzey Sanayi Bölgesi'ne yeni otobüs hattı",
        summary="Yeni 7 numaralı hattın hangi duraklara ihtiyacı var ve hangi saatlerde çalışmalı?",
        body_md="Yazdan itibaren yeni bir otobüs hattı Kuzey Sanayi Bölgesi'ne bağlanacak. "
        "Nereden bineceğinizi ve otobüse ne zaman ihtiyacınız olduğunu bize söyleyin.",
        phone_summary="Yeni bir otobüs hattı Kuzey Sanayi Bölgesi'ne gidecek. Otobüse nerede "
        "ve ne zaman ihtiyacınız olduğunu söyleyin.",
    ),
    "ar": dict(
        title="خط حافلات جديد إلى المنطقة الصناعية الشمالية",
        summary="ما المحطات التي يحتاجها الخط الجديد رقم 7، وفي أي أوقات يجب أن يعمل؟",
        body_md="ابتداءً من الصيف سيربط خط حافلات جديد المنطقة الصناعية الشمالية. أخبرونا "
        "من أين ستركبون ومتى تحتاجون الحافلة.",
        phone_summary="خط حافلات جديد سيذهب إلى المنطقة الصناعية الشمالية. أخبرونا أين ومتى "
        "تحتاجون الحافلة.",
    ),
}
POOL = {
    "de": dict(
        title="Öffnungszeiten des Freibads",
        summary="Das Freibad war im Sommer 2026 länger geöffnet. Wie soll es weitergehen?",
        body_md="Im Probebetrieb war das Freibad bis 21 Uhr geöffnet.",
        phone_summary="Soll das Freibad auch künftig bis 21 Uhr geöffnet sein?",
        poll_question="Soll das Freibad bis 21 Uhr geöffnet bleiben?",
        results_summary="Eine deutliche Mehrheit wünscht die längeren Öffnungszeiten. Der Rat "
        "hat beschlossen, sie ab Mai 2027 dauerhaft einzuführen.",
    ),
    "en": dict(
        title="Opening hours of the outdoor pool",
        summary="The outdoor pool stayed open longer in summer 2026. What should happen next?",
        body_md="During the trial the pool was open until 9 pm.",
        phone_summary="Should the outdoor pool stay open until 9 pm?",
        poll_question="Should the pool stay open until 9 pm?",
        results_summary="A clear majority wants the longer hours. The council decided to "
        "make them permanent from May 2027.",
    ),
}


def seed_demo(session: Session) -> bool:
    """Adds the demo data once; returns False when it is already there."""
    if session.exec(select(Consultation).where(Consultation.slug == "marktplatz")).first():
        return False
    now = utcnow()
    admin = _seed_staff(session)
    market, bus, pool = _seed_consultations(session, now)
    market_options = consultations.poll_options(session, market.id)
    pool_options = consultations.poll_options(session, pool.id)
    samples = _samples(market, bus, pool, market_options, pool_options)
    created = [
        _submit_sample(session, index, sample, admin.id, now)
        for index, sample in enumerate(samples)
    ]
    seed_sms_examples(session)
    for contribution in created[:2] + created[3:5] + created[6:]:
        moderation.approve(session, contribution, admin.id)
    spam = submit_contribution(
        session,
        Submission(
            consultation=market,
            body="Billige Uhren! Jetzt kaufen",
            channel=Channel.web,
            locale="de",
        ),
    )
    moderation.reject(session, spam.contribution, admin.id, RejectionReason.advertising)
    add_demo_result(session, pool, created[8:12], admin.id)
    _seed_questions(session, market, admin.id)
    pool.closes_at = now - timedelta(days=5)
    pool.results_published_at = now - timedelta(days=1)
    session.add(pool)
    return True


def _seed_questions(session: Session, market: Consultation, staff_id: int) -> None:
    """The market square's questionnaire: its poll and five more questions, every kind
    once, in German and English (the other languages show the German, marked); six
    questions, so the web form has two pages."""
    drafts = [
        QuestionDraft(
            kind=QuestionKind.scale,
            required=True,
            words={
                "de": Words(
                    "Wie wichtig ist Ihnen Schatten auf dem Platz?", "", "unwichtig", "sehr wichtig"
                ),
                "en": Words(
                    "How important is shade on the square to you?",
                    "",
                    "not important",
                    "very important",
                ),
            },
        ),
        QuestionDraft(
            kind=QuestionKind.multiple_choice,
            max_choices=2,
            words={
                "de": Words("Was soll auf den Platz? Höchstens zwei."),
                "en": Words("What should go on the square? Two at most."),
            },
            options=[
                {"de": "Bänke", "en": "Benches"},
                {"de": "Bäume", "en": "Trees"},
                {"de": "Ein Brunnen", "en": "A fountain"},
                {"de": "Spielgeräte", "en": "Play equipment"},
            ],
        ),
        QuestionDraft(
            kind=QuestionKind.yes_no,
            words={
                "de": Words("Wohnen Sie in der Nähe des Marktplatzes?"),
                "en": Words("Do you live near the market square?"),
            },
        ),
        QuestionDraft(
            kind=QuestionKind.number,
            min_value=0,
            max_value=120,
            words={"de": Words("Wie alt sind Sie?"), "en": Words("How old are you?")},
        ),
        QuestionDraft(
            kind=QuestionKind.free_text,
            words={
                "de": Words("Was möchten Sie uns noch sagen?"),
                "en": Words("Is there anything else you would like to tell us?"),
            },
        ),
    ]
    for draft in drafts:
        add_question(session, market, draft, staff_id)


def _seed_staff(session: Session) -> StaffUser:
    """The demo's admin (returned) and moderator, unless they are there already."""
    admin = get_by_email(session, DEMO_ADMIN[0]) or create_staff(
        session, DEMO_ADMIN[0], DEMO_ADMIN[1], Role.admin, "Petra Schulz"
    )
    if get_by_email(session, DEMO_MODERATOR[0]) is None:
        create_staff(session, DEMO_MODERATOR[0], DEMO_MODERATOR[1], Role.moderator, "Jonas Weber")
    return admin


def _seed_consultations(
    session: Session, now: datetime
) -> tuple[Consultation, Consultation, Consultation]:
    """Three published consultations with their texts (two with a poll) and a draft."""
    market, bus, pool = (
        Consultation(
            slug=slug,
            code=code,
            is_published=True,
            opens_at=now - timedelta(days=opened),
            closes_at=now + timedelta(days=closing),
        )
        for slug, code, opened, closing in PUBLISHED
    )
    draft = Consultation(slug="spielplatz-lindenweg", code="4714", is_published=False)
    for consultation in (market, bus, pool, draft):
        session.add(consultation)
    session.flush()
    for consultation, texts in ((market, MARKET), (bus, BUS), (pool, POOL)):
        for locale, fields in texts.items():
            consultations.save_text(session, consultation, locale, **fields)
    consultations.save_text(
        session, draft, "de", title="Spielplatz am Lindenweg", summary="Entwurf"
    )
    consultations.set_poll(
        session, market, [("yes", {}), ("no", {}), ("undecided", {})], has_votes=False
    )
    consultations.set_poll(session, pool, [("yes", {}), ("no", {})], has_votes=False)
    return market, bus, pool


def _samples(
    market: Consultation,
    bus: Consultation,
    pool: Consultation,
    market_options: list[PollOption],
    pool_options: list[PollOption],
) -> list[tuple[Consultation, str, Channel, str, str | None, PollOption | None]]:
    """The sample contributions: consultation, text, door, language, name, poll answer."""
    return [
        (
            market,
            "Bitte mehr Bänke und Schatten, im Sommer ist der Platz unerträglich heiß.",
            Channel.web,
            "de",
            "Heike",
            market_options[0],
        ),
        (
            market,
            "Ohne Parkplätze kommen ältere Leute nicht mehr zum Wochenmarkt.",
            Channel.sms,
            "de",
            None,
            market_options[1],
        ),
        (
            market,
            "Ein Trinkbrunnen wäre schön, und bitte Fahrradbügel.",
            Channel.voice,
            "de",
            None,
            None,
        ),
        (market, "Please keep the Saturday market where it is.", Channel.web, "en", "Tom", None),
        (
            market,
            "Ich habe einen Brief geschrieben: Bitte die Linde am Brunnen erhalten.",
            Channel.paper,
            "de",
            "Familie Krüger",
            market_options[0],
        ),
        (
            bus,
            "Haltestelle am Friedhof wäre wichtig, ich fahre jeden Morgen um 6 Uhr.",
            Channel.sms,
            "de",
            None,
            None,
        ),
        (bus, "Sabah 6'da Sanayi Caddesi'nde bir durak lazım.", Channel.web, "tr", "Ayşe", None),
        (bus, "نحتاج محطة قرب المدرسة، شكراً!", Channel.web, "ar", "سامر", None),
        (
            pool,
            "Bis 21 Uhr ist perfekt für Berufstätige.",
            Channel.web,
            "de",
            "Lena",
            pool_options[0],
        ),
        (
            pool,
            "Zu laut für die Nachbarn am Abend.",
            Channel.in_person,
            "de",
            None,
            pool_options[1],
        ),
        (pool, "Länger offen, bitte!", Channel.sms, "de", None, pool_options[0]),
        (pool, "Yes, the longer hours are great.", Channel.web, "en", "Sam", pool_options[0]),
    ]


def _submit_sample(
    session: Session,
    index: int,
    sample: tuple[Consultation, str, Channel, str, str | None, PollOption | None],
    admin_id: int | None,
    now: datetime,
) -> Contribution:
    """One sample contribution, and its vote when it answers the poll."""
    consultation, body, channel, locale, name, option = sample
    submitted = submit_contribution(
        session,
        Submission(
            consultation=consultation,
            body=body,
            channel=channel,
            locale=locale,
            pseudonym=name,
            poll_option_id=option.id if option else None,
            details=ChannelDetails(
                author_key=f"demo-voter-{index}"
                if channel in (Channel.sms, Channel.voice)
                else None,
                entered_by_id=admin_id if channel in (Channel.paper, Channel.in_person) else None,
                received_at=now if channel in (Channel.paper, Channel.in_person) else None,
            ),
        ),
    )
    if option is not None:
        # Each sample's author stands for a voter a door vouched for (in the demo,
        # without a real phone number behind it).
        staff = channel in (Channel.paper, Channel.in_person)
        submit_vote(
            session,
            consultation=consultation,
            option_id=option.id,
            channel=channel,
            voter=Voter(f"demo-voter-{index}", attested_by_id=admin_id if staff else None),
            contribution_id=submitted.id,
            received_at=now if staff else None,
        )
    return submitted.contribution
