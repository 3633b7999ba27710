"""The specific reasons submit_contribution refuses; each channel words them its own way."""

from __future__ import annotations

from participation.consultations.models import Phase


class ContributionRefused(Exception):
    code = "refused"


class ConsultationNotOpen(ContributionRefused):
    code = "not_open"

    def __init__(self, phase: Phase) -> None:
        super().__init__(f"consultation is {phase}")
        self.phase = phase


class EmptyContribution(ContributionRefused):
    code = "empty"


class TooLong(ContributionRefused):
    code = "too_long"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"{length} characters, limit {limit}")
        self.length = length
        self.limit = limit


class PseudonymTooLong(ContributionRefused):
    code = "pseudonym_too_long"


class InvalidPollOption(ContributionRefused):
    code = "invalid_option"
