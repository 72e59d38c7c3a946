"""The staff console: an aiohttp app for staff (handoff tickets, procedure lookup, figures)."""
