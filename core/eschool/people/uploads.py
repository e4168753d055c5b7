"""Uploads waiting for confirmation: a checked import file kept between "check" and "import".

The student and staff imports check a file first (nothing written) and import it when the user
confirms. Between the two steps the file, full of personal data, is kept here:

- under the instance folder (never the web root), in ``pending-uploads/<school id>/``, the folders
  ``0700`` and the files ``0600``;
- named ``<kind>-<user id>-<token>.<csv|xlsx>``: bound to the school, the uploader and the kind of
  import; the token is random (``secrets.token_hex``), checked against :data:`TOKEN` and looked up
  by its exact name (never a pattern, never a path made of what the user sent);
- taken once: :func:`take` reads it and deletes it (the confirmation; a second confirmation finds
  nothing), or it expires after :data:`LIFETIME`: refused and deleted. Every use of the store sweeps the
  expired files of every school; :func:`sweep` is the same for a periodic job.

Every function takes ``now`` (seconds since the epoch, default the clock) so tests need not wait.
"""
from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

LIFETIME = 3600  # seconds a checked file waits for its confirmation
TOKEN = re.compile(r"[0-9a-f]{64}")  # secrets.token_hex(32)
KINDS = ("students", "staff", "schools")  # the core's imports (schools: an operator's list, kept under folder 0);
# a plugin's kind is "<plugin code>_<import>" (PLUGIN_KIND)
PLUGIN_KIND = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")  # "nutrition_register": never a path, never a "-"
SUFFIXES = (".csv", ".xlsx")
FOLDER = "pending-uploads"
LEGACY_FOLDER = "imports"  # where versions before this one kept checked files


class UploadGone(LookupError):
    """No file waits under this token for this school, user and kind (or the token is malformed)."""

    message = _l("The checked file is gone; upload it again.")


class UploadExpired(UploadGone):
    """The file waited longer than :data:`LIFETIME`; it has been deleted."""

    message = _l("The checked file waited more than an hour and was deleted; upload it again.")


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str  # what the import's messages call the file


def root() -> Path:
    """The store's folder in the app's instance folder."""
    from flask import current_app

    return Path(current_app.instance_path) / FOLDER


def _known(kind) -> bool:
    return kind in KINDS or (isinstance(kind, str) and len(kind) <= 40 and PLUGIN_KIND.fullmatch(kind) is not None)


def _folder(school_id: int, store: Path | None, create: bool) -> Path:
    base = store or root()
    folder = base / str(int(school_id))
    if create:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def keep(school_id: int, user_id: int, kind: str, data: bytes, filename: str, *, store: Path | None = None,
         now: float | None = None) -> str:
    """Keep a checked file for ``user_id`` at ``school_id``; returns its token."""
    if not _known(kind):
        raise ValueError(kind)
    sweep(store, now)
    suffix = ".xlsx" if (filename or "").lower().endswith(".xlsx") else ".csv"
    token = secrets.token_hex(32)
    path = _folder(school_id, store, create=True) / f"{kind}-{int(user_id)}-{token}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    if now is not None:
        os.utime(path, (now, now))
    return token


def take(school_id: int, user_id: int, kind: str, token: str, *, store: Path | None = None,
         now: float | None = None) -> Upload:
    """The file kept under ``token`` by this user for this school and kind, deleted as it is read (a
    second confirmation finds nothing). :class:`UploadGone` if there is none, :class:`UploadExpired`
    (and the file deleted) if it waited too long."""
    try:
        return _take(school_id, user_id, kind, token, store, now)
    finally:
        sweep(store, now)


def _take(school_id, user_id, kind, token, store, now) -> Upload:
    if not _known(kind) or not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise UploadGone()
    limit = (time.time() if now is None else now) - LIFETIME
    folder = _folder(school_id, store, create=False)
    for suffix in SUFFIXES:
        path = folder / f"{kind}-{int(user_id)}-{token}{suffix}"
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                raise UploadExpired()
            data = path.read_bytes()
            path.unlink()  # only one confirmation gets the file
        except FileNotFoundError:
            continue
        return Upload(data, f"{kind}{suffix}")
    raise UploadGone()


def _files(store: Path | None):
    base = store or root()
    if not base.is_dir():
        return
    for folder in base.iterdir():
        if folder.is_dir() and folder.name.isdigit():
            for path in folder.iterdir():
                if not path.is_dir():
                    yield path


def sweep(store: Path | None = None, now: float | None = None) -> int:
    """Delete every file older than :data:`LIFETIME`; returns how many. Called on every use of the store;
    a periodic job may call it too (in the app's context, or with ``store``). The folder earlier versions kept checked files in (``imports/``,
    files without an owner) is emptied and removed."""
    limit = (time.time() if now is None else now) - LIFETIME
    deleted = 0
    for path in list(_files(store)):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue
    if store is None:
        legacy = root().parent / LEGACY_FOLDER
        if legacy.is_dir():
            for path in legacy.iterdir():
                if path.is_file():
                    path.unlink(missing_ok=True)
                    deleted += 1
            try:
                legacy.rmdir()
            except OSError:
                pass
    return deleted
