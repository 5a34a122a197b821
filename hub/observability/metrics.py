"""Prometheus metrics, exposed at GET /metrics.

Delivery states are read from the database at scrape time (a gauge per state and plugin),
because with several hub processes no single process knows the whole backlog.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "hub_http_requests_total",
    "HTTP requests answered, by route and status class.",
    ["route", "status"],
    registry=REGISTRY,
)
INGESTED = Counter(
    "hub_facts_ingested_total",
    "Facts accepted, by kind and whether they were new.",
    ["kind", "result"],
    registry=REGISTRY,
)
HOOK_SECONDS = Histogram(
    "hub_hook_seconds",
    "Time spent in one plugin hook call.",
    ["plugin", "hook"],
    registry=REGISTRY,
)
HOOK_OUTCOMES = Counter(
    "hub_hook_outcomes_total",
    "Hook calls by outcome (ok, retry, transient, permanent, timeout).",
    ["plugin", "hook", "outcome"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "hub_delivery_retries_total", "Deliveries rescheduled.", ["plugin", "hook"], registry=REGISTRY
)
DEAD_LETTERS = Counter(
    "hub_delivery_dead_letters_total",
    "Deliveries that became dead letters.",
    ["plugin", "hook"],
    registry=REGISTRY,
)
DELIVERIES = Gauge(
    "hub_deliveries",
    "Deliveries in the database by state and plugin (read at scrape time).",
    ["state", "plugin"],
    registry=REGISTRY,
)


def render() -> bytes:
    return generate_latest(REGISTRY)
