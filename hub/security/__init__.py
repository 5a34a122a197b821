"""Secrets at rest and API keys at the door."""
