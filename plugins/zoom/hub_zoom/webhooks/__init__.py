"""Zoom webhooks in: verification, durable receipt, and processing into hub facts."""
