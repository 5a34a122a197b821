"""Logs, metrics and the redaction that keeps secrets out of both."""
