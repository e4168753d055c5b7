"""A process-local cache of what the busiest readers build (the diary's week, the journal grid's data).

Correctness does not rest on invalidation: every key carries the journal stamps of the classes the value
was built from (``eschool.journal.stamps``, moved by database triggers in the writer's transaction), so
a mark, an absence or a homework changed anywhere, by any process, gives a new key at once, and the old
entry is simply never asked for again. What no stamp follows (a teacher's or a subject's name, the bell
times, a work type's name) is at most ``ESCHOOL_CACHE_SECONDS`` old. Each process keeps its own cache,
bounded in bytes (``ESCHOOL_CACHE_MB``; 0 turns it off); app servers need not share anything.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache


class BuiltCache:
    """Values with their size in bytes, least recently used out first, none older than ``ttl`` seconds."""

    def __init__(self, max_bytes: int, ttl: float):
        self.enabled = max_bytes > 0 and ttl > 0
        self._entries = TTLCache(maxsize=max(max_bytes, 1), ttl=max(ttl, 0.001), getsizeof=lambda entry: entry[1])
        self._lock = threading.Lock()  # gunicorn's gthread workers share a process
        self.hits = self.misses = 0

    def get_or_build(self, key, build: Callable[[], Any], size: Callable[[Any], int] = len):
        """The value kept under ``key``, else ``build()``, kept when it fits."""
        if not self.enabled:
            return build()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None:
            self.hits += 1
            return entry[0]
        self.misses += 1
        value = build()
        weight = size(value)
        if weight <= self._entries.maxsize:
            with self._lock:
                self._entries[key] = (value, weight)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
