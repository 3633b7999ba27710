"""The words for the ways a contribution came in, one list for every page and chart."""

from __future__ import annotations

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
