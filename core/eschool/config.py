"""Configuration from the environment, with explicit overrides for tests.

| variable | meaning | default |
|---|---|---|
| ESCHOOL_REGION | region profile code (``regions/<code>/region.toml``) | kemerovo |
| DATABASE_URL | ``sqlite:///path`` or ``postgresql://user@host/db`` | SQLite file in the instance folder |
| SECRET_KEY | signs sessions and CSRF tokens; required in production, at least 32 characters | random per process in development |
| ESCHOOL_INSTANCE | folder for the SQLite file and uploads | ./instance |
| ESCHOOL_ENV | ``development`` or ``production`` (secure cookies; refuses a missing or short SECRET_KEY); any other value stops start-up | development |
| ESCHOOL_REGIONS_DIR / ESCHOOL_THEMES_DIR | other folders of region profiles / themes | the bundled ones |
| ESCHOOL_SMTP_HOST / _PORT / _USER / _PASSWORD / _STARTTLS, ESCHOOL_MAIL_FROM | outgoing mail | localhost:25 |
| RATELIMIT_STORAGE_URI | where failed logins per IP are counted: ``memory://`` or ``redis://host:6379/0`` | memory:// |
| ESCHOOL_LOGIN_RATE_LIMIT | failed logins allowed per client IP | 20 per 10 minutes |
| ESCHOOL_RESET_RATE_LIMIT | forgotten-password requests per client IP (then 429) | 10 per hour |
| ESCHOOL_RESET_ACCOUNT_LIMIT | forgotten-password letters per account (more: none sent, same answer) | 3 per hour |
| ESCHOOL_PASSWORD_HASH_CONCURRENCY | password checks (Argon2id, ``auth/passwords.py``) running at once per process | 1 |
| ESCHOOL_APPLICATION_RATE_LIMIT | enrolment applications sent per client IP through the public form and API (then 429) | 20 per hour |
| ESCHOOL_PROXY_FIX | number of reverse proxies whose X-Forwarded-For is trusted (0: none) | 0 |
| ESCHOOL_DB_POOL | PostgreSQL connections a process keeps open and reuses (0: a new connection per request) | 20 |
| ESCHOOL_CACHE_MB | memory per process for the diary's and the grid's built data (0: no cache at all, Redis neither; ``cache.py``) | 64 |
| ESCHOOL_CACHE_SECONDS | the longest a name or bell time in that cache (and in Redis) may lag (marks never lag) | 300 |
| ESCHOOL_CACHE_URL | a Redis shared by every worker and app server behind the per-process cache: ``redis://host:6379/1`` | none: each process builds its own |
| ESCHOOL_CACHE_PREFIX | the prefix of the cache's keys in that Redis (several portals may share one Redis) | made from DATABASE_URL |
| ESCHOOL_QUEUE_URL | the task queue (``jobs.py``): ``redis://host:6379/0``, or ``sqlite:///path`` | ``queue.sqlite3`` in the instance folder |
| ESCHOOL_QUEUE_NAME | the queue's name (several portals may share one Redis) | eschool |
| ESCHOOL_QUEUE_IMMEDIATE | ``1``: run jobs at once in the process that queues them (no worker; no retries later) | 0 |
| ESCHOOL_NOTIFY_RETRY_DELAYS | seconds before each retry of a failed delivery; then it is kept as failed | 60,300,1800,7200 |
| ESCHOOL_METRICS_TOKEN | the bearer token Prometheus sends to read ``/metrics`` (``ops/metrics.py``) | none: ``/metrics`` is off |
| ESCHOOL_METRICS_ALLOW | client addresses or networks that may read ``/metrics`` without the token: ``127.0.0.1,10.0.0.0/8`` | none |
| ESCHOOL_LOG_FORMAT / ESCHOOL_LOG_LEVEL | ``json`` or ``text`` log lines, and their level (``ops/logs.py``) | json in production, else text / INFO |
| ESCHOOL_ACCESS_LOG | ``0``: no log line per request (``ops/observe.py``) | 1 |
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(Exception):
    pass


#: The values ESCHOOL_ENV may take.
ENVIRONMENTS = ("development", "production")
#: The shortest SECRET_KEY production accepts (sessions and CSRF tokens are signed with it).
MIN_SECRET_KEY = 32


def from_env(overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None) or env.get("ESCHOOL_INSTANCE") or Path.cwd() / "instance")
    mode = overrides.get("ENV") or env.get("ESCHOOL_ENV") or "development"
    if mode not in ENVIRONMENTS:  # a typo ("prod") must not quietly run a public server in development mode
        raise ConfigError(f"ESCHOOL_ENV: '{mode}' is not one of {', '.join(ENVIRONMENTS)}")
    production = mode == "production"
    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY: must be set in production (ESCHOOL_ENV=production); make one with "
                              "python3 -c 'import secrets; print(secrets.token_hex(32))'")
        secret = secrets.token_hex(32)
    elif production and len(secret) < MIN_SECRET_KEY:
        raise ConfigError(f"SECRET_KEY: at least {MIN_SECRET_KEY} characters in production (this one has "
                          f"{len(secret)}); make one with python3 -c 'import secrets; print(secrets.token_hex(32))'")
    config = {
        "REGION": env.get("ESCHOOL_REGION", "kemerovo"),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'eschool.sqlite3'}",
        "SECRET_KEY": secret,
        "INSTANCE_PATH": str(instance),
        "ENV": "production" if production else "development",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "API_TOKEN_DAYS": int(env.get("ESCHOOL_API_TOKEN_DAYS", "30")),
        "EXTRA_PLUGINS": (),
        # Outgoing mail (invitations, password reset) through a real SMTP server.
        "SMTP_HOST": env.get("ESCHOOL_SMTP_HOST", "localhost"),
        "SMTP_PORT": int(env.get("ESCHOOL_SMTP_PORT", "25")),
        "SMTP_USER": env.get("ESCHOOL_SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("ESCHOOL_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env.get("ESCHOOL_SMTP_STARTTLS", "") == "1",
        "MAIL_FROM": env.get("ESCHOOL_MAIL_FROM", "noreply@localhost"),
        "TESTING": False,
        # Failed logins per client IP (auth/ratelimit.py); Redis for several app processes.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": env.get("ESCHOOL_LOGIN_RATE_LIMIT", "20 per 10 minutes"),
        # Forgotten-password requests per client IP, and letters per account (auth/ratelimit.py)
        "RESET_RATE_LIMIT": env.get("ESCHOOL_RESET_RATE_LIMIT", "10 per hour"),
        "RESET_ACCOUNT_LIMIT": env.get("ESCHOOL_RESET_ACCOUNT_LIMIT", "3 per hour"),
        # Enrolment applications sent per client IP (the public form and API; auth/ratelimit.py)
        "APPLICATION_RATE_LIMIT": env.get("ESCHOOL_APPLICATION_RATE_LIMIT", "20 per hour"),
        "PROXY_FIX": int(env.get("ESCHOOL_PROXY_FIX", "0") or 0),
        # Password checks running at once in one process (auth/passwords.py): a login burst leaves CPU to reads
        "PASSWORD_HASH_CONCURRENCY": max(1, int(env.get("ESCHOOL_PASSWORD_HASH_CONCURRENCY", "1") or 1)),
        # PostgreSQL: connections kept open per process and reused by its requests (0: connect per request)
        "DB_POOL": int(env.get("ESCHOOL_DB_POOL", "20") or 0),
        # The diary's and the grid's built data, kept per process until their journal stamps move (cache.py)
        "CACHE_MB": int(env.get("ESCHOOL_CACHE_MB", "64") or 0),
        "CACHE_SECONDS": int(env.get("ESCHOOL_CACHE_SECONDS", "300") or 0),
        # ... and shared by every process through Redis (cache.py); the prefix keeps portals apart
        "CACHE_URL": env.get("ESCHOOL_CACHE_URL", ""),
        "CACHE_PREFIX": env.get("ESCHOOL_CACHE_PREFIX", ""),
        # The task queue and the notifications' retries (jobs.py, notifications/services.py)
        "QUEUE_URL": env.get("ESCHOOL_QUEUE_URL", ""),
        "QUEUE_NAME": env.get("ESCHOOL_QUEUE_NAME", "eschool"),
        "QUEUE_IMMEDIATE": env.get("ESCHOOL_QUEUE_IMMEDIATE", "") == "1",
        # Production tools (ops/): who may read /metrics; one log line per request
        "METRICS_TOKEN": env.get("ESCHOOL_METRICS_TOKEN", ""),
        "METRICS_ALLOW": env.get("ESCHOOL_METRICS_ALLOW", ""),
        "ACCESS_LOG": env.get("ESCHOOL_ACCESS_LOG", "1") != "0",
        "NOTIFY_RETRY_DELAYS": [int(x) for x in env.get("ESCHOOL_NOTIFY_RETRY_DELAYS", "60,300,1800,7200").split(",") if x],
    }
    config.update(overrides)
    return config
