"""Who may use the simulator, and which phone numbers it may play."""

from __future__ import annotations

from participation.settings import Settings

#: The simulator writes only as one of the fictional numbers (phones.is_fictional_number)
#: and shows only their messages, so it can neither act as a resident nor show what was
#: sent to one.
FICTIONAL_RANGE = "+49 30 23125 000–999"
#: Example phones, so a trainer can play several residents without typing numbers.
EXAMPLE_NUMBERS = ("+49 30 23125 001", "+49 69 90009 002", "+49 40 66969 003")


def simulator_enabled(settings: Settings) -> bool:
    """Wherever no Twilio account is set up (development, training), and in the demo.
    Only logged-in staff use it (participation.simulator.access)."""
    return settings.demo_mode or not settings.twilio_configured
