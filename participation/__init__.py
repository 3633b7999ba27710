"""Citizen participation for councils: web, SMS, phone and paper in one moderation queue."""
