"""The public forms of a consultation's page, read as sent: the comment form and the
poll's first form (the answer and a number)."""

from __future__ import annotations

from dataclasses import dataclass

from participation.web.forms import field, int_or_none


@dataclass(frozen=True)
class CommentForm:
    body: str
    pseudonym: str
    #: The one-time key of the rendered form (web/submissions.py).
    submission_key: str
    #: The field people never see; bots fill it.
    honeypot: str
    csrf_token: str

    def shown(self) -> dict[str, str]:
        """What goes back into the form when it is shown again."""
        return {
            "body": self.body,
            "pseudonym": self.pseudonym,
            "submission_key": self.submission_key,
        }


def parse_comment(form, header_token: str) -> CommentForm:
    """``header_token``: the CSRF token htmx sends as a header instead of a field."""
    return CommentForm(
        body=field(form, "body", 1_000_000),
        pseudonym=field(form, "pseudonym", 1000),
        submission_key=field(form, "submission_key", 100),
        honeypot=field(form, "website", 1000),
        csrf_token=field(form, "csrf_token", 1000) or header_token,
    )


@dataclass(frozen=True)
class PollForm:
    """The poll's first form as sent; ``values`` go back into it when it is refused."""

    values: dict[str, str]
    option_id: int | None
    phone: str
    #: The answer without a number, where the consultation allows it.
    unconfirmed: bool


#: The poll form's fields and how many characters of each are read.
POLL_FIELDS = (("poll_option", 20), ("phone", 100), ("action", 20))


def parse_poll(form) -> PollForm:
    values = {name: field(form, name, limit) for name, limit in POLL_FIELDS}
    return PollForm(
        values=values,
        option_id=int_or_none(values["poll_option"]),
        phone=values["phone"],
        unconfirmed=values["action"] == "unconfirmed",
    )
