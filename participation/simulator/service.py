"""Who may use the simulator, and which phone numbers it may play."""

from __future__ import annotations

from participation.settings import Settings

#: The Bundesnetzagentur's numbers for films, books and teaching material ("Drama
#: Numbers", Amtsblatt 7/2021, Mitteilung Nr. 148/2021): 1,000 each in Berlin, Frankfurt,
#: Hamburg, Cologne and Munich, never given to anyone. The simulator writes only as one
#: of them and shows only their messages, so it can neither act as a resident nor show
#: what was sent to one.
FICTIONAL_BLOCKS = ("+493023125", "+496990009", "+494066969", "+492214710", "+498999998")
FICTIONAL_RANGE = "+49 30 23125 000–999"
#: Example phones, so a trainer can play several residents without typing numbers.
EXAMPLE_NUMBERS = ("+49 30 23125 001", "+49 69 90009 002", "+49 40 66969 003")


def simulator_enabled(settings: Settings) -> bool:
    """Wherever no Twilio account is set up (development, training), and in the demo.
    Only logged-in staff use it (participation.simulator.access)."""
    return settings.demo_mode or not settings.twilio_configured


def is_simulator_number(e164: str | None) -> bool:
    """One of the fictional numbers (E.164)."""
    if not e164:
        return False
    return any(
        e164.startswith(block) and len(e164) == len(block) + 3 and e164[len(block) :].isdigit()
        for block in FICTIONAL_BLOCKS
    )
