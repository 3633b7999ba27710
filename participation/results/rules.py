"""The counting rule, stated beside every figure of a poll: the results page, the printed
report and the downloads. A result is worth only as much as its rule, so a reader never
has to guess what a number counts."""

from __future__ import annotations

from participation.i18n import catalogs
from participation.i18n.catalogs import gettext as _
from participation.settings import LANGUAGES


def counting_rule(with_unverified: bool) -> list[str]:
    """The rule in the current language, one sentence a line."""
    sentences = [
        _(
            "How the votes are counted: one vote per person. If a person answered more "
            "than once, their latest answer counts, whichever way it came."
        ),
        _(
            "A person is a phone number for SMS and phone votes; online, a mobile number "
            "confirmed with a code sent by SMS; at the front desk, a resident whom council "
            "staff confirmed."
        ),
        _("Votes sent with a text that moderation removed as spam or fake are not counted."),
    ]
    if with_unverified:
        sentences.append(
            _(
                "Online answers without a confirmed number are shown separately and are "
                "not included in the result."
            )
        )
    return sentences


def questionnaire_counting_rule() -> list[str]:
    """The rule beside a questionnaire's figures, in the current language."""
    return [
        _(
            "How the answers are counted: one response per person. If a person answered "
            "more than once, their latest response counts, whichever way it came."
        ),
        _(
            "Shares are of the people who answered the question. Where several answers "
            "could be chosen, the shares add up to more than one hundred per cent."
        ),
    ]


def questionnaire_counting_rules() -> dict[str, str]:
    """questionnaire_counting_rule() in every language, keyed by locale: for the downloads."""
    rules = {}
    for code, locale in LANGUAGES.items():
        token = catalogs.current_language.set(code)
        try:
            rules[locale] = " ".join(questionnaire_counting_rule())
        finally:
            catalogs.current_language.reset(token)
    return rules


def counting_rule_in(language: str, with_unverified: bool) -> list[str]:
    """The rule in ``language`` (a URL language code: "de", "ls", ...)."""
    token = catalogs.current_language.set(language if language in LANGUAGES else "de")
    try:
        return counting_rule(with_unverified)
    finally:
        catalogs.current_language.reset(token)


def counting_rules(with_unverified: bool) -> dict[str, str]:
    """The rule in every language, keyed by locale ("de", "de@easy", ...): for the
    downloads, which have no reader's language."""
    return {
        locale: " ".join(counting_rule_in(code, with_unverified))
        for code, locale in LANGUAGES.items()
    }
