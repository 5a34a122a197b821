"""Zoom cloud recordings: stored from webhooks, reported to the hub, deleted through the
API, downloaded by ``hub zoom recordings download``."""
