"""Zoom attendance: webhook rows as they happen, the authoritative report after the end,
per-holder records (interval union, thresholds, sessions), the live view, certificates."""
