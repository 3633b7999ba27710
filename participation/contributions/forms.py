"""The public forms of a consultation's page, read as sent: the comment form and the
poll's first form (the answer and a number)."""

from __future__ import annotations

from dataclasses import dataclass

from participation.web.forms import field


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
    poll_option: str
    phone: str
    #: "unconfirmed" for the answer without a number, where the consultation allows it.
    action: str

    def shown(self) -> dict[str, str]:
        return {"poll_option": self.poll_option, "phone": self.phone, "action": self.action}


def parse_poll(form) -> PollForm:
    return PollForm(
        poll_option=field(form, "poll_option", 20),
        phone=field(form, "phone", 100),
        action=field(form, "action", 20),
    )
