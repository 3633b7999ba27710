"""Councils: the tenants of an installation, their addresses, numbers and profile."""
