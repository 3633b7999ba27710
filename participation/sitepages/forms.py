"""The barrier report form as sent, before the service checks and stores it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from participation.paths import same_origin_path
from participation.web.forms import field


@dataclass(frozen=True)
class BarrierReportForm:
    description: str
    #: The page the report is about: one of our own paths, or "".
    page: str
    contact_email: str
    submission_key: str
    #: The field people never see: filled in, the post came from a bot.
    honeypot: bool

    def shown(self) -> dict[str, str]:
        """The values to put back into the form."""
        values = asdict(self)
        del values["honeypot"]
        return values

    def content(self) -> tuple[str, ...]:
        """What makes two posts of the form the same post (web/submissions.py)."""
        return ("barrier-report", self.description, self.page, self.contact_email)


def parse_barrier_report(form) -> BarrierReportForm:
    return BarrierReportForm(
        description=field(form, "description", 20_000),
        page=same_origin_path(field(form, "page", 500)),
        contact_email=field(form, "contact_email", 300),
        submission_key=field(form, "submission_key", 100),
        honeypot=bool(field(form, "website", 1000)),
    )
