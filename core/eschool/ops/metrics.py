"""The app's Prometheus metrics (prometheus_client), one registry per app (never a module-global one).

| metric | type | labels |
|---|---|---|
| ``eschool_http_requests_total`` | counter | ``endpoint`` (Flask's endpoint name: bounded), ``method``, ``status`` |
| ``eschool_http_request_duration_seconds`` | histogram | ``endpoint``, ``method`` |
| ``eschool_failed_logins_total`` | counter | ``reason``: ``wrong_password``, ``locked``, ``rate_limited`` |
| ``eschool_security_events_total`` | counter | ``event`` (``eschool.ops.security``) |
| ``eschool_queue_depth`` | gauge | jobs waiting in the task queue (read at scrape time) |
| ``eschool_queue_scheduled`` | gauge | jobs queued for later (retries, delayed alerts) |
| ``eschool_queue_up`` | gauge | 1 if the queue answered the scrape |
| ``eschool_build_info`` | gauge | ``version``, ``region`` (always 1) |

**gunicorn.** Each worker is its own process with its own counters. Set ``PROMETHEUS_MULTIPROC_DIR``
to an empty folder writable by the workers (``/run/eschool/metrics``) in gunicorn's environment only
(the systemd unit's ``Environment=``, not the file the CLI reads too): the counters are then kept in
files there and ``/metrics`` adds up every worker's (prometheus_client's multiprocess mode). The sample configuration ``eschool.ops.gunicorn_conf`` empties the folder when
gunicorn starts and removes a dead worker's live gauges; without the variable each scrape sees only the
worker that answered it.

**Who may read it.** ``/metrics`` answers 404 until ``ESCHOOL_METRICS_TOKEN`` (Prometheus sends it as
``Authorization: Bearer <token>``) or ``ESCHOOL_METRICS_ALLOW`` (client addresses or networks,
comma-separated: ``127.0.0.1,10.0.0.0/8``) is set; any other caller gets 403.
"""
from __future__ import annotations

import hmac
import ipaddress
import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FAILED_LOGIN_REASONS = ("wrong_password", "locked", "rate_limited")
#: The exposition's content type (Prometheus' text format).
CONTENT_TYPE = CONTENT_TYPE_LATEST


class QueueCollector:
    """The task queue's depth, read from huey at scrape time."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        queue = self.app.extensions.get("eschool_queue")
        up = GaugeMetricFamily("eschool_queue_up", "1 if the task queue answered this scrape")
        if queue is None:
            return
        try:
            depth, scheduled = queue.huey.pending_count(), queue.huey.scheduled_count()
        except Exception:  # noqa: BLE001 - a scrape reports the outage, it does not fail
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("eschool_queue_depth", "Jobs waiting in the task queue", value=depth)
        yield GaugeMetricFamily("eschool_queue_scheduled", "Jobs queued for a later time (retries, delays)",
                                value=scheduled)


class BuildInfo:
    def __init__(self, app):
        self.app = app

    def collect(self):
        from eschool import __version__

        info = GaugeMetricFamily("eschool_build_info", "The installed version and the region", labels=["version", "region"])
        info.add_metric([__version__, self.app.extensions["eschool"].region.code], 1)
        yield info


class Metrics:
    """The metrics of one app (``app.extensions['eschool_metrics']``)."""

    def __init__(self, app):
        self.app = app
        self.registry = CollectorRegistry()
        self.requests = Counter("eschool_http_requests", "HTTP requests by endpoint, method and status",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("eschool_http_request_duration_seconds", "Time to answer an HTTP request",
                                 ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.failed_logins = Counter("eschool_failed_logins", "Failed logins (form and API) by reason",
                                     ["reason"], registry=self.registry)
        self.security_events = Counter("eschool_security_events", "Security events by kind (see the logs)",
                                       ["event"], registry=self.registry)
        for reason in FAILED_LOGIN_REASONS:  # present at 0 from the start, so rate() works at once
            self.failed_logins.labels(reason)
        self.extra = [QueueCollector(app), BuildInfo(app)]
        for collector in self.extra:
            self.registry.register(collector)

    def observe(self, endpoint: str, method: str, status: int, seconds: float | None) -> None:
        self.requests.labels(endpoint, method, str(status)).inc()
        if seconds is not None:
            self.latency.labels(endpoint, method).observe(seconds)

    def security(self, event: str, fields: dict) -> None:
        self.security_events.labels(event).inc()
        if event == "login_failed":
            self.failed_logins.labels(fields.get("reason") or "wrong_password").inc()

    def exposition(self) -> bytes:
        """The text format of every metric: this process's, or every gunicorn worker's in multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            for collector in self.extra:
                registry.register(collector)
            return generate_latest(registry)
        return generate_latest(self.registry)


def init_app(app) -> Metrics:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # multiprocess mode keeps each process's values in files there
        os.makedirs(folder, exist_ok=True)
    metrics = app.extensions["eschool_metrics"] = Metrics(app)
    return metrics


# --------------------------------------------------------------------------- who may read /metrics


def parse_allow(text: str) -> list:
    """``ESCHOOL_METRICS_ALLOW``: addresses and networks, comma-separated; a bad entry is named."""
    networks = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            from eschool.config import ConfigError

            raise ConfigError(f"ESCHOOL_METRICS_ALLOW: '{item}' is not an address or a network "
                              "(expected e.g. 127.0.0.1,10.0.0.0/8)") from exc
    return networks


def access(config: dict, address: str | None, authorization: str) -> str:
    """``"off"`` (nothing configured: 404), ``"allowed"`` or ``"refused"`` (403)."""
    token, networks = config.get("METRICS_TOKEN") or "", config.get("METRICS_ALLOW_NETWORKS") or []
    if not token and not networks:
        return "off"
    if token and authorization.lower().startswith("bearer "):
        if hmac.compare_digest(authorization[7:].strip().encode(), token.encode()):
            return "allowed"
    if networks and address:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return "refused"
        if any(ip in network for network in networks):
            return "allowed"
    return "refused"
