"""``eschool backup`` / ``eschool restore`` (issue 19): the database (SQLite's backup API, or pg_dump and
pg_restore on PostgreSQL) and the uploaded files, in one file and back. The suite runs this on SQLite and, in
its PostgreSQL leg, on PostgreSQL (skipped, saying so, where pg_dump is not installed)."""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile

import pytest
from click.testing import CliRunner

from eschool import cli


def invoke(monkeypatch, database_url, instance, *args):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(instance))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setenv("ESCHOOL_NO_PLUGIN_COMMANDS", "1")
    monkeypatch.setattr(cli, "_APPS", {})
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_a_backup_restores_the_database_and_the_uploads(app, world, monkeypatch, database_url, tmp_path):
    from eschool.attachments import services as attachments
    from eschool.auth.models import User
    from eschool.people.models import Student

    if database_url.startswith("postgres") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not installed: the PostgreSQL backup is NOT tested here")
    instance = app.instance_path
    with app.app_context():
        stored = attachments.store_bytes("homework", "Задание к уроку".encode())
        first = Student.get_by_id(world.students[0])
        name = first.last_name
    app.extensions["eschool"].database.close()
    path = tmp_path / "portal.tar.gz"
    made = invoke(monkeypatch, database_url, instance, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert "1 uploaded files" in made.output and os.stat(path).st_mode & 0o777 == 0o600
    with tarfile.open(path, "r:gz") as tar:
        manifest = json.load(tar.extractfile("backup.json"))
    assert manifest["database"] in ("sqlite", "postgresql") and "core" in manifest["migrations"]
    assert f"uploads/homework/{stored}" in manifest["files"]
    assert invoke(monkeypatch, database_url, instance, "backup", str(path)).exit_code != 0  # never overwritten

    # the day after: a card changed, an account made, an upload lost
    with app.app_context():
        Student.update(last_name="Изменённая").where(Student.id == first.id).execute()
        User.create(username="after.backup", full_name="После Копии")
    app.extensions["eschool"].database.close()
    os.remove(os.path.join(instance, "uploads", "homework", stored))

    # a damaged backup is refused and changes nothing
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(path, "r:gz") as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name.startswith("uploads/"):
                data = b"something else"
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    refused = invoke(monkeypatch, database_url, instance, "restore", str(damaged), "--yes")
    assert refused.exit_code != 0 and "damaged" in refused.output
    with app.app_context():
        assert User.select().where(User.username == "after.backup").exists()

    restored = invoke(monkeypatch, database_url, instance, "restore", str(path), "--yes")
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        app.extensions["eschool"].database.close()
        assert Student.get_by_id(first.id).last_name == name
        assert not User.select().where(User.username == "after.backup").exists()
        assert User.get(User.username == "teacher").full_name == "Учитель Предметник"
    with open(os.path.join(instance, "uploads", "homework", stored), encoding="utf-8") as fh:
        assert fh.read() == "Задание к уроку"
    assert any(n.startswith("uploads.before-restore-") for n in os.listdir(instance))  # nothing thrown away
