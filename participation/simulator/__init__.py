"""A phone simulator for the demo and staff training: no Twilio account needed."""
