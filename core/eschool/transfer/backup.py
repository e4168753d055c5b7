"""``eschool backup`` / ``eschool restore``: the whole portal, its database and its uploaded files, in one
file and back (docs/integrators.md, "Backups").

A backup is a ``.tar.gz`` file:

* ``backup.json``: ``format`` (``eschool-backup``), ``version``, the database's kind, when it was made, the
  portal's version and the migrations applied, and the SHA-256 of every other file;
* ``database.sqlite3`` (SQLite: a consistent copy made with SQLite's online backup API, while the portal
  runs) or ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``, consistent by PostgreSQL's own
  snapshot);
* ``uploads/...``: the instance folder's uploaded files (homework files, attachments of every plugin).

A restore puts both back: the database through the same tools (SQLite's backup API, ``pg_restore --clean``
in one transaction), then the uploads folder, the one it replaces kept beside it as
``uploads.before-restore-<time>``. A backup restores only into the same kind of database; the schema is
brought up to date afterwards (``eschool db upgrade``), so an older backup restores into a newer portal.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

FORMAT = "eschool-backup"
VERSION = 1
MANIFEST = "backup.json"


class BackupError(RuntimeError):
    """A backup cannot be made or restored: the message says why."""


def kind_of(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    raise BackupError(f"DATABASE_URL: backups know SQLite and PostgreSQL, not {url.split(':', 1)[0]}")


def sqlite_path(url: str) -> Path:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("DATABASE_URL: an in-memory SQLite database has nothing to back up")
    return Path(path)


def pg_url(url: str) -> str:
    """The URL as libpq reads it (``pg_dump --dbname``)."""
    return "postgresql://" + url[len("postgres://"):] if url.startswith("postgres://") else url


def tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a BackupError saying it is missing."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client programs "
                          "(Debian/Ubuntu: apt install postgresql-client) in the server's major version")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[:2000]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_backup(path: Path, url: str, instance: Path, migrations: dict, version: str) -> dict:
    """Write a backup of the database at ``url`` and of ``instance``'s uploads to ``path`` (a new file,
    readable by its owner only). Returns its manifest."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists; a backup goes into a new file")
    kind = kind_of(url)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if kind == "sqlite":
            source = sqlite_path(url)
            if not source.is_file():
                raise BackupError(f"DATABASE_URL: no database file {source}")
            database = work / "database.sqlite3"
            src, dst = sqlite3.connect(source), sqlite3.connect(database)
            try:
                with dst:
                    src.backup(dst)  # page by page, consistent while the portal writes
            finally:
                src.close()
                dst.close()
        else:
            database = work / "database.dump"
            _run([tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={database}",
                  f"--dbname={pg_url(url)}"])
        uploads = Path(instance) / "uploads"
        files = {database.name: _sha256(database)}
        listed = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else []
        for item in listed:
            files["uploads/" + item.relative_to(uploads).as_posix()] = _sha256(item)
        manifest = {"format": FORMAT, "version": VERSION, "database": kind,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "eschool": version,
                    "migrations": migrations, "files": files}
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # every personal datum of the region
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(database, arcname=database.name)
            for item in listed:
                tar.add(item, arcname="uploads/" + item.relative_to(uploads).as_posix())
    return manifest


def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r:gz") as tar:
            return json.load(tar.extractfile(MANIFEST))
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{path}: not a backup of this portal ({exc})") from exc


def restore_backup(path: Path, url: str, instance: Path, close_connections=None) -> dict:
    """Put a backup back: the database at ``url`` and ``instance``'s uploads. ``close_connections()`` is
    called before the database is replaced (the portal's own connections). Returns the manifest."""
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path}: backup.json is not a backup of format {FORMAT} version {VERSION}")
    kind = kind_of(url)
    if manifest.get("database") != kind:
        raise BackupError(f"{path}: a backup of a {manifest.get('database')} database restores into the same kind "
                          f"of database, not into {kind} (move data between kinds with 'eschool export')")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(work, filter="data")  # no absolute paths, no links out of the folder
        for name, digest in manifest.get("files", {}).items():
            item = work / name
            if not item.is_file() or _sha256(item) != digest:
                raise BackupError(f"{path}: {name} is missing or changed (its SHA-256 is not backup.json's): "
                                  "the backup is damaged; nothing was restored")
        if close_connections is not None:
            close_connections()
        if kind == "sqlite":
            target = sqlite_path(url)
            src, dst = sqlite3.connect(work / "database.sqlite3"), sqlite3.connect(target)
            try:
                with dst:
                    src.backup(dst)  # the target's every page replaced, in one go
            finally:
                src.close()
                dst.close()
        else:
            _run([tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", f"--dbname={pg_url(url)}", str(work / "database.dump")])
        uploads = Path(instance) / "uploads"
        restored = work / "uploads"
        if uploads.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            uploads.rename(uploads.with_name(f"uploads.before-restore-{stamp}"))
        if restored.is_dir():
            shutil.copytree(restored, uploads)
    return manifest
