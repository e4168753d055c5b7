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

The same storage also keeps:

* the lock of login names that are no account (``unknown_failed`` / ``unknown_locked_until``): five
  wrong attempts lock such a name for 15 minutes exactly as they lock an account (``auth.services``),
  so a locked-out answer does not tell whether the account exists;
* the forgotten-password requests (``reset_wait``, ``reset_letter_allowed``): per client address ``RESET_RATE_LIMIT`` requests
  (default 10 per hour; above it 429 with Retry-After, whatever the login) and per account
  ``RESET_ACCOUNT_LIMIT`` letters (default 3 per hour; above it no letter is sent, and the answer is the
  one every login gets, so nobody learns the account exists and a mailbox cannot be flooded);
* the enrolment applications sent without a login (``application_wait``): per client address
  ``APPLICATION_RATE_LIMIT`` sendings of the public form or its API, valid or not (default 20 per hour;
  above it 429 with Retry-After and nothing is read or kept), so a script cannot fill a school's queue
  or probe which children have applied. A family, or a school's office helping several families, stays
  far below it; behind a proxy set ``ESCHOOL_PROXY_FIX`` so each family counts apart.

Should the storage fail (Redis down), the login goes on: the per-account lock still holds, and a storage
outage does not lock the whole region out. The outage is logged as one warning (the exception's type and
message, no traceback) at most once a minute per process, saying how many failures it stands for.

The client's address is ``request.remote_addr``. Behind a reverse proxy set ``ESCHOOL_PROXY_FIX`` to
the number of proxies in front of the app (1 for one nginx): the address is then read from
``X-Forwarded-For`` (werkzeug's ProxyFix). Without it the header is ignored, so a client cannot
choose its own address by sending one.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import time

from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from eschool.ops.logs import Throttled, describe

log = logging.getLogger("eschool.ratelimit")

DEFAULT_LIMIT = "20 per 10 minutes"
NAMESPACE = "eschool-login-failures"
DEFAULT_RESET_LIMIT = "10 per hour"
DEFAULT_RESET_ACCOUNT_LIMIT = "3 per hour"
DEFAULT_APPLICATION_LIMIT = "20 per hour"
#: Wrong passwords for a login name that is no account, counted over this long (an account's count
#: has no window: it lasts until a right password or the lock).
UNKNOWN_NAME_WINDOW = "1 day"
#: A storage outage is logged at most once per this many seconds (per process).
OUTAGE_LOG_SECONDS = 60.0


class LoginLimiter:
    """Counts failed logins per client address in a moving window; one per app."""

    def __init__(self, storage_uri: str = "memory://", limit: str = DEFAULT_LIMIT,
                 reset_limit: str = DEFAULT_RESET_LIMIT, reset_account_limit: str = DEFAULT_RESET_ACCOUNT_LIMIT,
                 application_limit: str = DEFAULT_APPLICATION_LIMIT):
        from eschool.auth.services import LOCKOUT_MINUTES, MAX_FAILED_LOGINS

        try:
            self.storage = storage_from_string(storage_uri)
            self.limit = parse(limit)
            self.reset_limit, self.reset_account_limit = parse(reset_limit), parse(reset_account_limit)
            self.application_limit = parse(application_limit)
        except (ConfigurationError, ValueError) as exc:
            from eschool.config import ConfigError

            raise ConfigError("RATELIMIT_STORAGE_URI / ESCHOOL_LOGIN_RATE_LIMIT / ESCHOOL_RESET_RATE_LIMIT / "
                              f"ESCHOOL_RESET_ACCOUNT_LIMIT / ESCHOOL_APPLICATION_RATE_LIMIT: {exc}") from exc
        self.unknown_limit = parse(f"{MAX_FAILED_LOGINS - 1} per {UNKNOWN_NAME_WINDOW}")
        self.unknown_lock = parse(f"1 per {LOCKOUT_MINUTES} minutes")
        self.strategy = MovingWindowRateLimiter(self.storage)
        self._warn = Throttled(log, OUTAGE_LOG_SECONDS)

    def _outage(self, exc: BaseException, consequence: str) -> None:
        """The storage failed: one warning per interval (``OUTAGE_LOG_SECONDS``), never a traceback."""
        self._warn.warning("storage", "rate limit storage unavailable (%s): %s; logins go on, the per-account "
                           "lock still holds", describe(exc), consequence)

    def retry_after(self, address: str | None) -> int | None:
        """Seconds to wait if the address has used up its failed attempts, else None."""
        key = address or "unknown"
        try:
            if self.strategy.test(self.limit, NAMESPACE, key):
                return None
            reset = self.strategy.get_window_stats(self.limit, NAMESPACE, key).reset_time
        except Exception as exc:  # noqa: BLE001 -- a storage outage must not lock everyone out
            self._outage(exc, "the attempt is let through")
            return None
        return max(1, math.ceil(reset - time.time()))

    def failed(self, address: str | None) -> None:
        """Count one failed attempt from the address."""
        try:
            self.strategy.hit(self.limit, NAMESPACE, address or "unknown")
        except Exception as exc:  # noqa: BLE001
            self._outage(exc, "the failure was not counted")

    def _seconds_left(self, limit, namespace: str, key: str) -> int:
        reset = self.strategy.get_window_stats(limit, namespace, key).reset_time
        return max(1, math.ceil(reset - time.time()))

    # -------------------------------------------------------------- login names that are no account

    @staticmethod
    def _name(login: str) -> str:
        return (login or "").strip().lower()

    def unknown_locked_until(self, login: str) -> dt.datetime | None:
        """When the lock of a login name that is no account ends (UTC, naive), or None."""
        try:
            if self.strategy.test(self.unknown_lock, "eschool-unknown-lock", self._name(login)):
                return None
            seconds = self._seconds_left(self.unknown_lock, "eschool-unknown-lock", self._name(login))
        except Exception as exc:  # noqa: BLE001
            self._outage(exc, "the name's lock is not checked")
            return None
        return dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=seconds)

    def unknown_failed(self, login: str) -> dt.datetime | None:
        """Count a wrong attempt for a login name that is no account; the fifth locks the name as an
        account would be locked: returns the lock's end then, else None."""
        name = self._name(login)
        try:
            if self.strategy.hit(self.unknown_limit, "eschool-unknown-failures", name):
                return None
            self.strategy.clear(self.unknown_limit, "eschool-unknown-failures", name)
            self.strategy.hit(self.unknown_lock, "eschool-unknown-lock", name)
        except Exception as exc:  # noqa: BLE001
            self._outage(exc, "the failure was not counted")
            return None
        return self.unknown_locked_until(login)

    # -------------------------------------------------------------- forgotten-password letters

    def reset_wait(self, address: str | None) -> int | None:
        """Count a forgotten-password request from the address: seconds to wait if it is over the
        address's limit (the request is refused), else None."""
        key = address or "unknown"
        try:
            if self.strategy.hit(self.reset_limit, "eschool-reset-address", key):
                return None
            return self._seconds_left(self.reset_limit, "eschool-reset-address", key)
        except Exception as exc:  # noqa: BLE001
            self._outage(exc, "the password reset request is let through")
            return None

    def reset_letter_allowed(self, user_id: int) -> bool:
        """Whether the account may get one more reset letter now (counted when True)."""
        try:
            return self.strategy.hit(self.reset_account_limit, "eschool-reset-account", str(user_id))
        except Exception as exc:  # noqa: BLE001
            self._outage(exc, "the reset letter is sent")
            return True

    # -------------------------------------------------------------- enrolment applications

    def application_wait(self, address: str | None) -> int | None:
        """Count an application sent from the address: seconds to wait if it is over the address's limit
        (the sending is refused), else None."""
        key = address or "unknown"
        try:
            if self.strategy.hit(self.application_limit, "eschool-application-address", key):
                return None
            return self._seconds_left(self.application_limit, "eschool-application-address", key)
        except Exception:  # noqa: BLE001
            log.exception("rate limit storage failed; the application is let through")
            return None

    def reset(self) -> None:
        """Forget every count (the CLI and tests)."""
        self.storage.reset()


def init_app(app) -> LoginLimiter:
    """Attach the app's limiter (``app.extensions['eschool_login_limiter']``) and, when
    ``PROXY_FIX`` is set, trust that many proxies' ``X-Forwarded-For`` / ``X-Forwarded-Proto``."""
    limiter = LoginLimiter(app.config["RATELIMIT_STORAGE_URI"], app.config["LOGIN_RATE_LIMIT"],
                           app.config.get("RESET_RATE_LIMIT", DEFAULT_RESET_LIMIT),
                           app.config.get("RESET_ACCOUNT_LIMIT", DEFAULT_RESET_ACCOUNT_LIMIT),
                           app.config.get("APPLICATION_RATE_LIMIT", DEFAULT_APPLICATION_LIMIT))
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
