"""One inbound SMS being answered: who wrote, what they asked, in which language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from participation.channels.sms.models import SmsContact
from participation.channels.sms.parser import ParsedSms
from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.settings import LANGUAGES, Settings

_LOCALE_TO_LANGUAGE = {locale: code for code, locale in LANGUAGES.items()}


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
    contact: SmsContact
    language: str | None = None
    now: datetime = field(default_factory=utcnow)
    #: What the inbound log row will link to; the row is written once the reply is known.
    consultation_id: int | None = None
    contribution_id: int | None = None
    #: LÖSCHEN: the log row keeps no trace of the number (but stays, for retries).
    forgotten: bool = False

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
