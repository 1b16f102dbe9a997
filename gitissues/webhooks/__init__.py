"""Receiving the hosted trackers' webhook deliveries (SPEC §9)."""
