"""Failed logins counted per client IP address (the per-account lock is in ``auth.services``).

The login form and the token endpoint ask ``retry_after(ip)`` before checking a password: once an
address has made ``LOGIN_RATE_LIMIT`` failed attempts (default 20 per 10 minutes, a moving window),
every attempt from it is answered 429 with ``Retry-After`` until the oldest failure leaves the window.
Only failures count: a school's whole staff may log in from one NAT address every morning.

Storage is the ``limits`` library's (the one Flask-Limiter is built on), chosen by
``RATELIMIT_STORAGE_URI``:

* ``memory://`` (the default) keeps counts in the process: right for one app server process;
  with several gunicorn workers or servers each keeps its own counts (an attacker gets N times the limit).
* ``redis://host:6379/0`` (``pip install 'limits[redis]'``) shares the counts between every worker
  and server: the place to plug Redis when the portal runs on several processes. ``memcached://``
  and the other ``limits`` storages work the same way.

Should the storage fail (Redis down), the failure is logged and the login goes on: the per-account
lock still holds, and a storage outage does not lock the whole region out.

The client's address is ``request.remote_addr``. Behind a reverse proxy set ``ESCHOOL_PROXY_FIX`` to
the number of proxies in front of the app (1 for one nginx): the address is then read from
``X-Forwarded-For`` (werkzeug's ProxyFix). Without it the header is ignored, so a client cannot
choose its own address by sending one.
"""
from __future__ import annotations

import logging
import math
import time

from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("eschool.ratelimit")

DEFAULT_LIMIT = "20 per 10 minutes"
NAMESPACE = "eschool-login-failures"


class LoginLimiter:
    """Counts failed logins per client address in a moving window; one per app."""

    def __init__(self, storage_uri: str = "memory://", limit: str = DEFAULT_LIMIT):
        try:
            self.storage = storage_from_string(storage_uri)
            self.limit = parse(limit)
        except (ConfigurationError, ValueError) as exc:
            from eschool.config import ConfigError

            raise ConfigError(f"RATELIMIT_STORAGE_URI / ESCHOOL_LOGIN_RATE_LIMIT: {exc}") from exc
        self.strategy = MovingWindowRateLimiter(self.storage)

    def retry_after(self, address: str | None) -> int | None:
        """Seconds to wait if the address has used up its failed attempts, else None."""
        key = address or "unknown"
        try:
            if self.strategy.test(self.limit, NAMESPACE, key):
                return None
            reset = self.strategy.get_window_stats(self.limit, NAMESPACE, key).reset_time
        except Exception:  # noqa: BLE001 -- a storage outage must not lock everyone out
            log.exception("login rate limit storage failed; the attempt is let through")
            return None
        return max(1, math.ceil(reset - time.time()))

    def failed(self, address: str | None) -> None:
        """Count one failed attempt from the address."""
        try:
            self.strategy.hit(self.limit, NAMESPACE, address or "unknown")
        except Exception:  # noqa: BLE001
            log.exception("login rate limit storage failed; the failure was not counted")

    def reset(self) -> None:
        """Forget every count (the CLI and tests)."""
        self.storage.reset()


def init_app(app) -> LoginLimiter:
    """Attach the app's limiter (``app.extensions['eschool_login_limiter']``) and, when
    ``PROXY_FIX`` is set, trust that many proxies' ``X-Forwarded-For`` / ``X-Forwarded-Proto``."""
    limiter = LoginLimiter(app.config["RATELIMIT_STORAGE_URI"], app.config["LOGIN_RATE_LIMIT"])
    app.extensions["eschool_login_limiter"] = limiter
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return limiter


def limiter() -> LoginLimiter:
    from flask import current_app

    return current_app.extensions["eschool_login_limiter"]


def client_address() -> str | None:
    from flask import request

    return request.remote_addr


def minutes(seconds: int) -> int:
    """Whole minutes to tell a person (at least 1)."""
    return max(1, math.ceil(seconds / 60))
