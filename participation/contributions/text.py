"""Contributed text is normalised by the shared ground-floor module (participation.text)."""

from participation.text import normalise_line, normalise_text

__all__ = ["normalise_line", "normalise_text"]
