"""The hub's HTTP API: app factory, ingest, queries, deliveries, health and metrics."""
