"""Keywords a Twilio Messaging Service with Advanced Opt-Out answers itself.

With Advanced Opt-Out, Twilio replies to its opt-out, opt-in and help keywords (the
defaults below plus those the council configured, German ones for example) and adds
``OptOutType`` (STOP, START or HELP) to the webhook of that message. We record what it
means for us (the opt-out, the opt-in) and answer nothing, so the resident never gets
Twilio's answer and ours to one message.

``OptOutType`` covers the configured keywords, which we cannot know; the default lists
are for a webhook without it (Twilio documents it for Advanced Opt-Out; without it we
would rather stay silent on a word Twilio answers than answer twice).
"""

from __future__ import annotations

import re

from participation.channels.sms.parser import Intent

#: Twilio's default keywords of a Messaging Service with Advanced Opt-Out, whole message.
#: YES is left out: Twilio opts back in on it only where the number had opted out, and a
#: bare YES is an English poll answer here.
ADVANCED_OPT_OUT_DEFAULTS: dict[str, Intent] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
        Intent.stop,
    ),
    **dict.fromkeys(("START", "UNSTOP"), Intent.start),
    **dict.fromkeys(("HELP", "INFO"), Intent.help),
}
#: OptOutType's values.
OPT_OUT_TYPES = {"STOP": Intent.stop, "START": Intent.start, "HELP": Intent.help}


def answered_by_twilio(opt_out_type: str, body: str, advanced_opt_out: bool) -> Intent | None:
    """What Twilio took the message for, when it answered it itself; None otherwise."""
    kind = OPT_OUT_TYPES.get(opt_out_type.strip().upper())
    if kind is not None:
        return kind
    if not advanced_opt_out:
        return None
    word = re.sub(r"[^\w]", "", body.strip(), flags=re.UNICODE).upper()
    if len(body.split()) != 1:
        return None
    return ADVANCED_OPT_OUT_DEFAULTS.get(word)
