"""The words staff and the public see for reasons, decisions and refusals."""

from __future__ import annotations

from participation.i18n.catalogs import gettext as _
from participation.moderation.flags import ReportReason
from participation.moderation.models import Decision, RejectionReason


def reason_labels() -> dict[str, str]:
    return {
        RejectionReason.insult.value: _("Insult or abuse"),
        RejectionReason.personal_data.value: _("Personal data of others"),
        RejectionReason.off_topic.value: _("Not about this consultation"),
        RejectionReason.duplicate.value: _("Duplicate"),
        RejectionReason.advertising.value: _("Advertising"),
        RejectionReason.spam.value: _("Spam or fake"),
        RejectionReason.other.value: _("Other reason"),
    }


def report_labels() -> dict[str, str]:
    """What the public may report, in the words of the moderators' reasons of that name."""
    reasons = reason_labels()
    return {reason.value: reasons[reason.value] for reason in ReportReason}


def decision_labels() -> dict[str, str]:
    """For the public moderation log."""
    return {
        Decision.approve.value: _("Published"),
        Decision.reject.value: _("Removed by moderation"),
        Decision.redact.value: _("Personal data removed from the text"),
        Decision.transcribe.value: _("Phone message written down"),
        Decision.assign.value: _("Assigned to this consultation"),
        Decision.reopen.value: _("Opened again for checking"),
        Decision.keep.value: _("Reported, checked and kept"),
    }


def problem_text(code: str) -> str:
    return {
        "unassigned": _("Assign the contribution to a consultation first."),
        "no_text": _("There is no text to publish yet: type the transcript first."),
        "not_published": _("Only a published contribution can be kept."),
        "redact_empty": _("The text cannot be empty. Reject the contribution instead."),
        "no_consultation": _("Please choose a consultation."),
        "results_frozen": _(
            "The published result counts the vote sent with this text. "
            "Withdraw the result first to change this decision."
        ),
    }.get(code, _("This was not possible."))
