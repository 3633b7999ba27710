"""The moderation queue's decision form, read into a Decision."""

from __future__ import annotations

from participation.moderation.decisions import Decision
from participation.moderation.models import RejectionReason
from participation.web.forms import field, int_or_none


def parse_reason(value: str) -> RejectionReason:
    return RejectionReason(value) if value in RejectionReason.__members__ else RejectionReason.other


def parse_decision(form) -> Decision:
    return Decision(
        reason=parse_reason(field(form, "reason", 40)),
        note=field(form, "note", 2000),
        body=field(form, "body", 100_000),
        then_approve=field(form, "then", 20) == "approve",
        consultation_id=int_or_none(field(form, "consultation", 20)),
    )
