"""The words for the ways a contribution came in, one list for every page and chart."""

from __future__ import annotations

from participation.contributions import errors
from participation.i18n.catalogs import gettext as _


def channel_labels() -> dict[str, str]:
    return {
        "web": _("online"),
        "sms": _("by text message"),
        "voice": _("by phone"),
        "paper": _("by letter"),
        "in_person": _("in person"),
    }


def channel_label(channel: str) -> str:
    return channel_labels().get(str(channel), str(channel))


def refusal_beside_field(error: errors.ContributionRefused) -> tuple[str, str] | None:
    """(field, message) for a refusal every form words alike (the comment, the vote and the
    front desk's forms); None for one each form words its own way."""
    if isinstance(error, errors.PseudonymTooLong):
        return "pseudonym", _("Please use a shorter name (at most 80 characters).")
    if isinstance(error, errors.InvalidPollOption):
        return "poll_option", _("Please choose one of the answers shown.")
    return None
