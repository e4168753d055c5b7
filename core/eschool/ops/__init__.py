"""Running the portal in production: health, version, metrics, structured logs and security events.

* ``logs``: JSON log lines (time, level, request id, user id, client IP), the request id, and a warning
  that is written at most once per interval (an outage must not write a traceback per request);
* ``security``: ``security_event(name, **fields)``, one log line per failed login, lockout, 429, CSRF
  rejection, permission refusal, module toggle and password reset (and a Prometheus counter);
* ``metrics``: the app's Prometheus metrics (prometheus_client; gunicorn's multiprocess mode);
* ``services``: the health checks behind ``/healthz``;
* ``views``: ``/healthz``, ``/version`` and ``/metrics``;
* ``observe``: the request hooks that tie them together (installed first by ``create_app``);
* ``gunicorn_conf``: the sample gunicorn configuration (``gunicorn -c python:eschool.ops.gunicorn_conf``).

docs/deployment.md is the integrator's page for all of it.
"""
