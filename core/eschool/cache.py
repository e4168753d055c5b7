"""The cache of what the busiest readers build (the diary's week, the journal grid's data): a per-process
memory, and optionally a Redis shared by every worker of every app server behind it.

Correctness does not rest on invalidation: every key carries the journal stamps the value was built from
(``eschool.journal.stamps``: the classes' stamps, and the student's own or the class's members' stamps,
moved by database triggers in the writer's transaction), so a mark, an absence or a homework changed
anywhere, by any process, gives a new key at once, and the old entry is simply never asked for again. This
holds for the shared cache too: a value under a key is the same for every process that reads the same
stamps. What no stamp follows (a teacher's or a subject's name, the bell times, a work type's name) is at
most ``ESCHOOL_CACHE_SECONDS`` old, in both layers.

The per-process layer is bounded in bytes (``ESCHOOL_CACHE_MB``; 0 turns the whole cache off). The shared layer
(``ESCHOOL_CACHE_URL=redis://...``; none by default) saves each worker from building what another worker
built already: a week read at 19:00 is built once for the portal, not once per process. A Redis that is
down or slow never fails a request: the failure is logged, the value is built, and Redis is left alone for
a few seconds before it is tried again.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache

log = logging.getLogger("eschool.cache")


class SharedCache:
    """Values in a Redis, under ``<prefix>:<sha256 of the key>`` (bounded length; several portals share a
    Redis with their own prefixes), each at most ``ttl`` seconds old.

    Values are pickled (they are our own: bytes, text and markup, the grid's dataclasses and rows) and
    signed with an HMAC of the portal's ``SECRET_KEY``: a value that anybody else put there (whoever can
    write to the Redis but does not hold the key) is never unpickled, only logged and built again. Pickle
    rather than JSON because the grid's data are Python objects (model rows, dates) the page renders from.
    """

    #: seconds a Redis that failed is left alone before it is tried again (a down Redis costs one timeout
    #: per pause, not one per request)
    PAUSE = 5.0
    #: values larger than this are kept in the process only (one Redis value is read whole)
    MAX_BYTES = 8 * 1024 * 1024

    def __init__(self, url: str, prefix: str, ttl: float, secret: str | bytes, client=None, timeout: float = 0.2):
        if client is None:
            try:
                import redis
            except ImportError as exc:  # the [redis] or [server] extra is not installed
                from eschool.config import ConfigError

                raise ConfigError("ESCHOOL_CACHE_URL: a Redis cache needs the redis package "
                                  "(pip install 'eschool[redis]')") from exc
            client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._redis = client
        self._prefix = prefix
        self._ttl = max(int(ttl), 1)
        self._secret = secret.encode() if isinstance(secret, str) else secret
        self._paused_until = 0.0
        self.failures = 0

    def redis_key(self, key) -> str:
        """The key's ``repr`` (tuples of numbers, strings, dates: the same in every process), hashed."""
        return f"{self._prefix}:{hashlib.sha256(repr(key).encode()).hexdigest()}"

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def _failed(self, what: str, exc: Exception) -> None:
        self.failures += 1
        self._paused_until = time.monotonic() + self.PAUSE
        log.warning("cache: Redis %s failed (%s: %s); building without it for %.0f s",
                    what, type(exc).__name__, exc, self.PAUSE)

    def get(self, key) -> tuple[bool, Any, float]:
        """``(True, value, built_at)`` if Redis holds a value signed by this portal under ``key`` (``built_at``:
        when it was built, ``time.time()`` of the process that built it), else ``(False, None, 0)``."""
        if time.monotonic() < self._paused_until:
            return False, None, 0.0
        try:
            stored = self._redis.get(self.redis_key(key))
        except Exception as exc:  # noqa: BLE001 - any failure of the cache is a miss, never the request's
            self._failed("read", exc)
            return False, None, 0.0
        if stored is None:
            return False, None, 0.0
        signature, payload = stored[:32], stored[32:]
        if not hmac.compare_digest(signature, self._sign(payload)):
            log.warning("cache: a value in Redis under %s is not signed with this portal's key; ignored",
                        self.redis_key(key))
            return False, None, 0.0
        try:
            built_at, value = pickle.loads(payload)  # noqa: S301 - signed by this portal (above)
        except Exception as exc:  # noqa: BLE001 - e.g. a class changed by an upgrade: build it again
            log.warning("cache: a value in Redis could not be read back (%s); built again", exc)
            return False, None, 0.0
        return True, value, built_at

    def set(self, key, value, built_at: float) -> None:
        if time.monotonic() < self._paused_until:
            return
        try:
            payload = pickle.dumps((built_at, value), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a value that cannot be pickled stays in the process
            log.warning("cache: a value could not be pickled (%s); kept in the process only", exc)
            return
        if len(payload) > self.MAX_BYTES:
            return
        try:
            self._redis.set(self.redis_key(key), self._sign(payload) + payload, ex=self._ttl)
        except Exception as exc:  # noqa: BLE001
            self._failed("write", exc)


class BuiltCache:
    """Values with their size in bytes, least recently used out first, none older than ``ttl`` seconds; in
    front of a ``SharedCache`` when one is given."""

    def __init__(self, max_bytes: int, ttl: float, shared: SharedCache | None = None, clock=time.time):
        self.ttl = ttl
        self._clock = clock  # wall-clock seconds: built_at travels between servers through Redis
        self.local = self.enabled = max_bytes > 0 and ttl > 0  # 0 MB: no cache at all (bench/loadtest's "not cached")
        self.shared = shared if self.enabled else None
        self._entries = TTLCache(maxsize=max(max_bytes, 1), ttl=max(ttl, 0.001), getsizeof=lambda entry: entry[1])
        self._lock = threading.Lock()  # gunicorn's gthread workers share a process
        self.hits = self.misses = 0  # hits in either layer; misses are builds
        self.shared_hits = 0

    def _keep(self, key, value, size, built_at: float) -> None:
        """Keep in the process until ``built_at + ttl``: a value found in Redis near the end of its time is
        not kept another ``ttl`` here (a name in it is never older than ``ttl``)."""
        if not self.local:
            return
        weight = size(value)
        if weight <= self._entries.maxsize:
            with self._lock:
                self._entries[key] = (value, weight, built_at + self.ttl)

    def get_or_build(self, key, build: Callable[[], Any], size: Callable[[Any], int] = len):
        """The value kept under ``key`` (in the process, else in the shared cache), else ``build()``, kept."""
        if not self.enabled:
            return build()
        if self.local:
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None and entry[2] > self._clock():
                self.hits += 1
                return entry[0]
        if self.shared is not None:
            found, value, built_at = self.shared.get(key)
            if found and built_at + self.ttl > self._clock():
                self.hits += 1
                self.shared_hits += 1
                self._keep(key, value, size, built_at)
                return value
        self.misses += 1
        built_at = self._clock()
        value = build()
        self._keep(key, value, size, built_at)
        if self.shared is not None:
            self.shared.set(key, value, built_at)
        return value

    def clear(self) -> None:
        """Forget what this process keeps (the shared cache's values expire by themselves)."""
        with self._lock:
            self._entries.clear()


def from_config(config: dict) -> BuiltCache:
    """The app's cache: ``ESCHOOL_CACHE_MB`` in the process, and Redis behind it if ``ESCHOOL_CACHE_URL``."""
    shared = None
    url = config.get("CACHE_URL") or ""
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            from eschool.config import ConfigError

            raise ConfigError(f"ESCHOOL_CACHE_URL: expected redis://host:6379/1 (or rediss://, unix://), got {url!r}")
        shared = SharedCache(url, cache_prefix(config), config["CACHE_SECONDS"], config["SECRET_KEY"])
    return BuiltCache(config["CACHE_MB"] * 1024 * 1024, config["CACHE_SECONDS"], shared)


def cache_prefix(config: dict) -> str:
    """``ESCHOOL_CACHE_PREFIX``, else one made from the database's address (two portals sharing a Redis never
    read each other's values), always with the release (a new release's pages are never an old one's)."""
    from eschool import __version__

    prefix = config.get("CACHE_PREFIX") or \
        "eschool-" + hashlib.sha256(config["DATABASE_URL"].encode()).hexdigest()[:12]
    return f"{prefix}:{__version__}"
