"""UTC time in one place, so tests can move the clock (retention, phases, rate limits)."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Aware UTC; SQLModel stores it as UTC and hands it back aware on every database."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    global _frozen
    _frozen = moment
