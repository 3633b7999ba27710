"""SMS examples for `participation demo`: staff see SMS texts with masked senders, one
text nobody could place (the "unassigned" bucket) and a Turkish one."""

from __future__ import annotations

from sqlmodel import Session, select

from participation.channels.sms.models import InboundSms
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.contributions.service import ChannelDetails, Submission, submit_contribution

#: (consultation code or None, text, language, last three digits shown to staff)
EXTRA_TEXTS = (
    (None, "Wann wird die Straßenlaterne in der Lindenstraße repariert?", "de", "417"),
    ("4712", "Sanayi Caddesi'nde sabah 6'da bir durak lazım, lütfen.", "tr", "283"),
)


def seed_sms_examples(session: Session) -> int:
    """Adds the log rows real SMS would have left, and two more texts; returns how many."""
    added = 0
    for code, text, locale, digits in EXTRA_TEXTS:
        consultation = (
            session.exec(select(Consultation).where(Consultation.code == code)).first()
            if code
            else None
        )
        submit_contribution(
            session,
            Submission(
                consultation=consultation,
                body=text,
                channel=Channel.sms,
                locale=locale,
                details=ChannelDetails(
                    external_id=f"SMdemo{digits}",
                    author_key=f"demo-sms-{digits}",
                ),
            ),
        )
    sms_contributions = session.exec(
        select(Contribution).where(Contribution.channel == Channel.sms)
    ).all()
    logged = set(session.exec(select(InboundSms.contribution_id)).all())
    for index, contribution in enumerate(sms_contributions):
        if contribution.id in logged:
            continue
        digits = (contribution.external_id or "")[-3:]
        if not digits.isdigit():
            digits = f"{(index * 137 + 42) % 1000:03d}"
        session.add(
            InboundSms(
                message_sid=contribution.external_id or f"SMdemolog{contribution.id}",
                from_key=contribution.author_key,
                from_masked="•••" + digits,
                intent="contribute",
                language=contribution.locale,
                body_chars=len(contribution.body),
                consultation_id=contribution.consultation_id,
                contribution_id=contribution.id,
            )
        )
        added += 1
    session.flush()
    return added
