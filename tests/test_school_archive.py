"""A school's whole data in one archive and back (issue 19): the demo school exported, imported into an empty
database and exported again gives the same archive, byte for byte; an archive that does not fit is refused
and changes nothing."""
from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import re
import zipfile

import pytest
from click.testing import CliRunner

from eschool import cli
from tests.conftest import DEMO_PASSWORD, PG_ADMIN_URL, _pg_connect, login


def _source_database(root):
    if not PG_ADMIN_URL:
        return f"sqlite:///{root / 'source.sqlite3'}", None
    url = re.sub(r"/[^/?]*(\?.*)?$", f"/eschool_archive_{os.getpid()}", PG_ADMIN_URL)
    admin = _pg_connect(PG_ADMIN_URL)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
        cur.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}" ENCODING \'UTF8\' TEMPLATE template0')
    return url, admin


def _extras(school):
    """What the demo does not make, so that every kind of row travels: a homework file (an upload), a
    homework for chosen students, a parent's absence notice with its file, a final mark, a substitution."""
    from eschool.attachments import services as attachments
    from eschool.auth.models import User
    from eschool.journal.models import (
        AbsenceNotice,
        FinalMark,
        Homework,
        HomeworkFile,
        HomeworkStudent,
        Lesson,
    )
    from eschool.people.models import ClassMembership, Guardian
    from eschool.school.models import Period
    from eschool.timetable.models import Substitution

    homework = Homework.select().join(Lesson).where(Lesson.school == school).order_by(Homework.id).first()
    lesson = Lesson.get_by_id(homework.lesson_id)
    student = (ClassMembership.select().where(ClassMembership.class_group == lesson.class_group_id).first()).student
    Homework.update(for_all=False).where(Homework.id == homework.id).execute()
    HomeworkStudent.create(homework=homework, student=student)
    stored = attachments.store_bytes("homework", "Упражнения 1–5\n".encode())
    HomeworkFile.create(homework=homework, stored_name=stored, original_name="задание.txt", content_type="text/plain",
                        size=20, uploaded_by=lesson.teacher_id)
    parent = Guardian.select().join(User).where(User.username == "parent").first()
    notice = AbsenceNotice.create(school=school, class_group=lesson.class_group_id, student=parent.student,
                                  starts_on=dt.date(2026, 12, 7), ends_on=dt.date(2026, 12, 8), reason="illness",
                                  note="=1+2 (a formula typed in a note)", reported_by=parent.user_id)
    note = attachments.Attachment.create(owner="core", record_id=notice.id, school_id=school.id,
                                         stored_name=attachments.store_bytes("core", b"%PDF-1.4 note"),
                                         original_name="справка.pdf", content_type="application/pdf", size=13)
    AbsenceNotice.update(attachment_id=note.id).where(AbsenceNotice.id == notice.id).execute()
    period = Period.select().order_by(Period.starts_on).first()
    FinalMark.create(student=student, class_group=lesson.class_group_id, subject=lesson.subject_id, kind="period",
                     period=period, value="5", numeric=5, set_by=lesson.teacher_id)
    Substitution.create(entry=lesson.timetable_entry_id, date=lesson.date, teacher=lesson.teacher_id, note="\\N")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The demo school (its journal's first three weeks) in a database of its own, exported once."""
    from eschool.app import create_app
    from eschool.cli import _plugin_files
    from eschool.structure.models import Municipality
    from eschool.transfer import services as archive
    from eschool_demo import journal
    from eschool_demo.demo import build_demo

    root = tmp_path_factory.mktemp("archive")
    url, admin = _source_database(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ESCHOOL_REGION", "kemerovo")
        # the first three weeks of the term: every kind of journal row, not a whole term of them
        mp.setattr(journal, "build_journal_demo", functools.partial(journal.build_journal_demo,
                                                                    today=dt.date(2026, 9, 21)))
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "REGION": "kemerovo",
                          "INSTANCE_PATH": str(root / "instance"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            app.extensions["eschool"].upgrade()
            school = build_demo(log=lambda *_: None, school_year=True)["school"]
            _extras(school)
            archive.export_archive(root / "school.zip", [school], plugin_files=_plugin_files)
            archive.export_archive(root / "municipality.zip", [school], Municipality.get_by_id(school.municipality_id),
                                   plugin_files=_plugin_files)
        database = app.extensions["eschool"].database
        database.close()
        if hasattr(database, "close_all"):
            database.close_all()
    if admin is not None:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
        admin.close()
    return root


@pytest.fixture
def empty(app):
    """A database as 'eschool init' leaves it: migrated, the region's municipalities."""
    from eschool.structure.services import sync_municipalities

    with app.app_context():
        sync_municipalities(app.extensions["eschool"].region)
    app.extensions["eschool"].database.close()
    return app


def invoke(monkeypatch, database_url, instance, *args):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(instance))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_export_import_export_gives_the_same_archive(source, empty, client, monkeypatch, database_url, tmp_path):
    from eschool.journal.models import HomeworkFile, Mark
    from eschool.people.models import Student

    archive = source / "school.zip"
    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = set(z.namelist())
        marks = z.read("journal/mark.csv").decode()
        users = z.read("oneroster/users.csv").decode()
        notices = z.read("journal/absence_notice.csv").decode()
    rows = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert manifest["format"] == "eschool-archive" and manifest["scope"]["schools"][0]["short_name"] == "Демо-школа №1"
    assert rows["student"] > 200 and rows["mark"] > 1000 and rows["attendance"] and rows["homework_file"] == 1
    assert {"journal/final_mark.csv", "oneroster/manifest.csv", "oneroster/enrollments.csv"} <= names
    assert len([n for n in names if n.startswith("files/uploads/")]) == 2 and not manifest["missing_files"]
    assert marks.splitlines()[0].startswith("id,lesson_id,student_id,")
    assert "'=1+2 (a formula typed in a note)" in notices  # text for a spreadsheet, never a formula
    assert ",user-1," in users or "user-1," in users  # OneRoster names people by the archive's numbers

    instance = tmp_path / "instance"
    dry = invoke(monkeypatch, database_url, instance, "import", "archive", str(archive), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "fits this database" in dry.output and "dry run, nothing written" in dry.output
    with empty.app_context():
        assert Student.select().count() == 0
    done = invoke(monkeypatch, database_url, instance, "import", "archive", str(archive))
    assert done.exit_code == 0, done.output
    assert "Imported Демо-школа №1" in done.output
    again = tmp_path / "again.zip"
    exported = invoke(monkeypatch, database_url, instance, "export", "school", str(again))
    assert exported.exit_code == 0, exported.output
    assert again.read_bytes() == archive.read_bytes()
    assert os.stat(again).st_mode & 0o777 == 0o600
    with empty.app_context():
        assert Mark.select().count() == rows["mark"]
        stored = HomeworkFile.get()
        assert (instance / "uploads" / "homework" / stored.stored_name).read_text(encoding="utf-8") == "Упражнения 1–5\n"
    # the accounts came with their passwords: the demo's administrator logs in as before
    login(client, "admin", DEMO_PASSWORD)
    # an archive is imported once: the second time nothing is written
    twice = invoke(monkeypatch, database_url, instance, "import", "archive", str(archive))
    assert twice.exit_code != 0 and "is in this database already" in twice.output
    with empty.app_context():
        assert Mark.select().count() == rows["mark"]


def test_a_municipality_archive_brings_its_operators_and_each_schools_files(source, empty, monkeypatch,
                                                                           database_url, tmp_path):
    from eschool.auth.models import RoleAssignment, User

    archive = source / "municipality.zip"
    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert "schools/1/oneroster/users.csv" in z.namelist()
    assert manifest["scope"]["kind"] == "municipality" and manifest["scope"]["municipality"] == "kemerovo"
    result = invoke(monkeypatch, database_url, tmp_path, "import", "archive", str(archive))
    assert result.exit_code == 0, result.output
    with empty.app_context():
        municipal = User.get(User.username == "municipal")
        role = RoleAssignment.get(RoleAssignment.user == municipal)
        assert role.role == "municipal_operator" and role.municipality.code == "kemerovo"
    again = tmp_path / "again.zip"
    assert invoke(monkeypatch, database_url, tmp_path, "export", "municipality", str(again),
                  "--municipality", "kemerovo").exit_code == 0
    assert again.read_bytes() == archive.read_bytes()


def test_a_changed_or_foreign_archive_is_refused(source, empty, monkeypatch, database_url, tmp_path):
    from eschool.people.models import Student

    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(source / "school.zip") as z, zipfile.ZipFile(changed, "w") as out:
        for item in z.infolist():
            data = z.read(item)
            if item.filename == "auth/user_account.csv":
                data = data.replace("Демонстрационный".encode(), "Подменённый".encode())
            out.writestr(item, data)
    result = invoke(monkeypatch, database_url, tmp_path, "import", "archive", str(changed))
    assert result.exit_code != 0 and "auth/user_account.csv: its SHA-256 is not the one manifest.json gives" in result.output
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as out:
        out.writestr("manifest.json", json.dumps({"format": "something-else"}))
    result = invoke(monkeypatch, database_url, tmp_path, "import", "archive", str(other))
    assert result.exit_code != 0 and "format is not eschool-archive" in result.output
    with empty.app_context():
        assert Student.select().count() == 0


def test_every_core_table_is_in_the_archive_or_left_out_with_a_reason(app):
    from eschool.transfer import services as archive

    core = {m._meta.table_name for owner, models in app.extensions["eschool"].models.items()
            if owner == "core" for m in models}
    assert core - set(archive.SPECS) - set(archive.LEFT_OUT) == set()
    assert set(archive.LEFT_OUT) <= core and not set(archive.LEFT_OUT) & set(archive.SPECS)


def test_a_text_cell_survives_the_trip_exactly():
    import peewee

    from eschool.transfer.services import _cell, _value

    text = peewee.CharField(null=True)
    for value in ["=HYPERLINK(\"x\")", "'=quoted", "'t Hooft", "-", "\\N", "", None, "a,b\n\"c\"", "@home"]:
        assert _value(text, _cell(text, value)) == value
    assert _cell(text, "=1") == "'=1" and _cell(text, None) == "\\N" and _cell(text, "\\N") == "\\\\N"
    assert io  # (imported for the zip helpers above)
