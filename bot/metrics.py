"""Prometheus metrics, exposed on `GET /metrics`."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("partnerbot_updates_total", "Incoming updates handled", ["platform", "outcome"])
DELIVERIES = Counter("partnerbot_deliveries_total", "Outbox deliveries", ["platform", "outcome"])
RATE_LIMITED = Counter("partnerbot_rate_limited_total", "429 answers from a platform", ["platform"])
HANDLER_LATENCY = Histogram("partnerbot_handler_seconds", "Time to handle one update", ["platform"])
OUTBOX_DEPTH = Gauge("partnerbot_outbox_depth", "Pending outbox rows")
