"""Who may use the simulator, and the signed request it sends to our own webhook."""

from __future__ import annotations

from participation.settings import Settings


def simulator_enabled(settings: Settings) -> bool:
    """In the demo, and wherever no Twilio account is set up (development, training)."""
    return settings.demo_mode or not settings.twilio_configured
