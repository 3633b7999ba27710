"""One inbound SMS being answered: who wrote, what they asked, in which language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from participation.channels.sms.parser import ParsedSms
from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.settings import LANGUAGES, Settings

_LOCALE_TO_LANGUAGE = {locale: code for code, locale in LANGUAGES.items()}


#: What a turn may change in a number's conversation state (written back once, at the end).
CONTACT_CHANGES = (
    "language",
    "opted_out",
    "opted_out_at",
    "rate_notice_at",
    "erase_requested_at",
)


@dataclass
class Contact:
    """A number's conversation state (the sms_contact row) as this turn found it.

    A plain object rather than the ORM's SmsContact: loading the row through the ORM cost
    each SMS 0.15 ms, more than the statement itself. service.handle_sms writes back what
    changed with one UPDATE.
    """

    language: str | None
    opted_out: bool
    opted_out_at: datetime | None
    rate_notice_at: datetime | None
    #: Messages from this number in its current hour, this one included.
    window_count: int
    #: LÖSCHEN asked to confirm at this moment (commands.ERASE_CONFIRM_TIME to answer).
    erase_requested_at: datetime | None = None
    found: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.found = self.changes()

    def changes(self) -> dict:
        return {name: getattr(self, name) for name in CONTACT_CHANGES}


@dataclass
class Turn:
    """One inbound message being answered."""

    session: Session
    settings: Settings
    number: str
    key: str
    message_sid: str
    num_media: int
    parsed: ParsedSms
    contact: Contact
    language: str | None = None
    now: datetime = field(default_factory=utcnow)
    #: What the inbound log row will link to; the row is written once the reply is known.
    consultation_id: int | None = None
    contribution_id: int | None = None
    #: LÖSCHEN: the log row keeps no trace of the number (but stays, for retries).
    forgotten: bool = False
    #: The sender is no one person's number (a sender name such as "Vodafone", a short
    #: code): many people share it, so nothing that acts on "this number" is allowed.
    shared_sender: bool = False
    #: Twilio answered this message itself (a Messaging Service's Advanced Opt-Out).
    twilio_answered: bool = False
    #: What the log row says the message was, where not its parsed intent (a
    #: questionnaire's answer: channels.sms.questionnaire).
    logged_intent: str | None = None

    def lang(self, consultation: Consultation | None = None) -> str:
        if self.language:
            return self.language
        if consultation is not None:
            return _LOCALE_TO_LANGUAGE.get(consultation.default_locale, "de")
        return "de"

    def quiet(self, text: str | None) -> str | None:
        """No reply at all to a number that opted out."""
        return None if self.contact.opted_out else text

    def remember(self, consultation: Consultation) -> None:
        """This message was about ``consultation``: a bare "JA" in the next days is too."""
        self.consultation_id = consultation.id
