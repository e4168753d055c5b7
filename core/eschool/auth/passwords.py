"""Password hashes: Argon2id for new ones, the older scrypt and PBKDF2 ones still checked and replaced.

Argon2id at the parameters of OWASP's Password Storage Cheat Sheet (m = 19 MiB, t = 2, p = 1): on the
2-core reference machine a check costs about 21 ms of CPU, where werkzeug's scrypt (the earlier default)
cost 87 ms: at 19:00 a login burst took 18 logins/s of the two cores (docs/performance.md, "Logins").
A hash of another kind (scrypt, PBKDF2 of earlier releases) is still accepted, and replaced by an Argon2id
one at its next successful login (``needs_rehash``).

``PASSWORD_HASH_METHOD`` (config) chooses the method of new hashes: ``argon2id`` (the default), or any
method werkzeug knows (the test suite uses a cheap PBKDF2 to stay fast). ``PASSWORD_HASH_CONCURRENCY``
bounds the checks running at once in one process (default 1): a burst of logins then takes at most that
many of a worker's threads' CPU, and the other threads go on serving reads.
"""
from __future__ import annotations

import threading

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2ID = "argon2id"
#: OWASP's first Argon2id configuration: 19 MiB of memory, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", ARGON2ID) if has_app_context() else ARGON2ID


def _slot() -> threading.BoundedSemaphore:
    size = int(current_app.config.get("PASSWORD_HASH_CONCURRENCY", 1) or 1) if has_app_context() else 1
    with _slots_lock:
        if size not in _slots:
            _slots[size] = threading.BoundedSemaphore(size)
        return _slots[size]


def hash_password(password: str) -> str:
    chosen = method()
    with _slot():
        if chosen == ARGON2ID:
            return HASHER.hash(password)
        return generate_password_hash(password, method=chosen)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the hash ``stored`` (Argon2id, or scrypt/PBKDF2 of earlier releases)."""
    if not stored:
        return False
    with _slot():
        if stored.startswith("$argon2"):
            try:
                return HASHER.verify(stored, password or "")
            except (VerificationError, InvalidHashError):
                return False
        return check_password_hash(stored, password or "")


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just matched should be replaced: another method than the configured one, or
    Argon2id with other parameters than today's."""
    chosen = method()
    if chosen != ARGON2ID:
        return False  # a werkzeug method chosen on purpose (the tests): leave hashes as they are
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


_dummy: dict[str, str] = {}


def dummy_check(password: str) -> None:
    """Spend what a real check costs, for an answer that has no hash to check (an unknown login, a locked
    account): the time of the answer does not tell whether the account exists."""
    chosen = method()
    if chosen not in _dummy:
        _dummy[chosen] = hash_password("not-a-real-password")
    verify_password(_dummy[chosen], password or "")
