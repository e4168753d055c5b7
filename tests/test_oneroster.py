"""OneRoster 1.1 CSV: the demo school exported, then imported into an empty database, is the same school;
a bad file is refused with its file, line and reason, and changes nothing."""
from __future__ import annotations

import csv
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

from eschool import cli
from tests.conftest import PG_ADMIN_URL, _pg_connect


def school_facts(school) -> dict:
    """What must survive the trip, by names and usernames (ids differ between databases)."""
    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import ClassMembership, Guardian, Student
    from eschool.school.models import ClassGroup, CurriculumItem, Period, Subject, TeachingAssignment

    def person(s):
        return f"{s.last_name} {s.first_name} {s.middle_name} {s.birth_date} {s.gender}"

    # the contingent OneRoster carries: not a summer camp's squads (a module's seasonal groups)
    camp = {c.id for c in ClassGroup.select().where((ClassGroup.school == school) & (ClassGroup.kind == "summer_camp"))}
    classes = {c.id: c.name for c in ClassGroup.select().where((ClassGroup.school == school)
                                                               & (ClassGroup.kind != "summer_camp"))}
    students = {s.id: s for s in Student.select().where(Student.school == school)}
    users = {u.id: u.username for u in User.select().join(RoleAssignment).where(RoleAssignment.school == school)}
    subjects = {s.id: s.name for s in Subject.select().where(Subject.school == school)}
    return {
        "users": sorted(set(users.values())),
        "roles": sorted((users[r.user_id], r.role, classes.get(r.class_group_id)) for r in
                        RoleAssignment.select().where((RoleAssignment.school == school)
                                                      & (RoleAssignment.role != "student"))
                        if r.class_group_id not in camp),
        # a student's login is held in their class on import; the demo leaves some without the class
        # (its bulk insert of roles drops class_group_id in a batch that starts with parents' rows)
        "student roles": sorted(users[r.user_id] for r in RoleAssignment.select().where(
            (RoleAssignment.school == school) & (RoleAssignment.role == "student"))),
        "students": sorted(person(s) for s in students.values()),
        "student logins": sorted((person(s), users.get(s.user_id)) for s in students.values() if s.user_id),
        "classes": sorted(classes.values()),
        "class teachers": sorted((c.name, users.get(c.class_teacher_id)) for c in
                                 ClassGroup.select().where(ClassGroup.school == school) if c.id not in camp),
        "memberships": sorted((person(students[m.student_id]), classes[m.class_group_id], m.starts_on, m.ends_on)
                              for m in ClassMembership.select().where(ClassMembership.student.in_(list(students)))),
        "assignments": sorted((users[a.teacher_id], classes[a.class_group_id], subjects[a.subject_id])
                              for a in TeachingAssignment.select().where(
                                  TeachingAssignment.class_group.in_(list(classes)))),
        "curriculum": sorted((classes[i.class_group_id], subjects[i.subject_id], float(i.hours_per_week))
                             for i in CurriculumItem.select().where(CurriculumItem.class_group.in_(list(classes)))),
        "guardians": sorted((users[g.user_id], person(students[g.student_id]), g.relation)
                            for g in Guardian.select().where(Guardian.student.in_(list(students)))),
        "periods": sorted((p.kind, p.number, p.starts_on, p.ends_on, p.grade_from, p.grade_to)
                          for p in Period.select()),
    }


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The demo school (with its year, classes and students) exported once for the module."""
    from eschool.app import create_app
    from eschool_demo.demo import build_demo
    from eschool_oneroster import services as oneroster

    root = tmp_path_factory.mktemp("oneroster")
    if PG_ADMIN_URL:  # the leg's own database: the tests reset its schema again before each test
        import re

        url = re.sub(r"/[^/?]*(\?.*)?$", f"/eschool_oneroster_{__import__('os').getpid()}", PG_ADMIN_URL)
        admin = _pg_connect(PG_ADMIN_URL)
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
            cur.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}" ENCODING \'UTF8\' TEMPLATE template0')
    else:
        url = f"sqlite:///{root / 'source.sqlite3'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ESCHOOL_REGION", "kemerovo")
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url, "REGION": "kemerovo",
                          "INSTANCE_PATH": str(root / "instance"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            app.extensions["eschool"].upgrade()
            school = build_demo(log=lambda *_: None, school_year=True)["school"]
            folder = root / "files"
            counts = oneroster.export(school, folder)
            facts = school_facts(school)
        database = app.extensions["eschool"].database
        database.close()
        if hasattr(database, "close_all"):  # the PostgreSQL pool: the database is dropped next
            database.close_all()
    if PG_ADMIN_URL:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
        admin.close()
    return {"folder": folder, "counts": counts, "facts": facts}


def read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def records(path) -> list[dict]:
    header, *rows = read(path)
    return [dict(zip(header, row, strict=True)) for row in rows]


def invoke(monkeypatch, database_url, tmp_path, *args):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setenv("ESCHOOL_NO_PLUGIN_COMMANDS", "1")
    monkeypatch.setattr(cli, "_APPS", {})
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


@pytest.fixture
def empty(app):
    """A fresh database with the region's municipalities (what ``eschool init`` leaves)."""
    from eschool.structure.services import sync_municipalities

    with app.app_context():
        sync_municipalities(app.extensions["eschool"].region)
    return app


def test_export_writes_the_specification_files(exported):
    folder = exported["folder"]
    manifest = dict(read(folder / "manifest.csv")[1:])
    assert manifest["oneroster.version"] == "1.1"
    for name in ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics"):
        assert manifest[f"file.{name}"] == "bulk"
    assert manifest["file.results"] == "absent"
    users = read(folder / "users.csv")
    assert users[0][:18] == ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
                             "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
                             "sms", "phone", "agentSourcedIds", "grades", "password"]
    assert read(folder / "enrollments.csv")[0] == ["sourcedId", "status", "dateLastModified", "classSourcedId",
                                                   "schoolSourcedId", "userSourcedId", "role", "primary",
                                                   "beginDate", "endDate"]
    rows = records(folder / "users.csv")
    by_username = {r["username"]: r for r in rows}
    parent, student = by_username["parent"], by_username["student"]
    assert parent["role"] == "parent" and student["role"] == "student"
    assert student["sourcedId"] in parent["agentSourcedIds"].split(",")
    assert parent["sourcedId"] in student["agentSourcedIds"].split(",")
    assert by_username["admin"]["role"] == "administrator" and by_username["uchitel01"]["role"] == "teacher"
    assert all(r["password"] == "" for r in rows)  # passwords never leave
    classes = records(folder / "classes.csv")
    types = Counter(c["classType"] for c in classes)
    assert types["homeroom"] == len(exported["facts"]["classes"]) and types["scheduled"] > types["homeroom"]
    enrollments = records(folder / "enrollments.csv")
    primary = [e for e in enrollments if e["primary"] == "true"]
    homerooms = {c["sourcedId"] for c in classes if c["classType"] == "homeroom"}
    assert all(e["classSourcedId"] in homerooms and e["role"] == "teacher" for e in primary)
    assert by_username["classteacher"]["sourcedId"] in {e["userSourcedId"] for e in primary}
    assert len(primary) == len([t for _c, t in exported["facts"]["class teachers"] if t])
    sexes = {r[4] for r in read(folder / "demographics.csv")[1:]}
    assert sexes == {"male", "female"}


def test_export_then_import_into_an_empty_database_is_the_same_school(empty, exported, monkeypatch, database_url,
                                                                      tmp_path):
    from eschool.structure.models import School
    from eschool_oneroster import services as oneroster

    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(exported["folder"]))
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output and "Imported into Демо-школа №1" in result.output
    with empty.app_context():
        school = School.get(School.short_name == "Демо-школа №1")
        facts = school_facts(school)
        source = exported["facts"]
        assert len(source["students"]) > 200 and len(source["assignments"]) > 100 and source["guardians"]
        for key in source:
            assert facts[key] == source[key], key
        again = tmp_path / "again"
        oneroster.export(school, again)
    # the sourcedIds came with the people: a second export names them the same way
    first = {r[0] for r in read(exported["folder"] / "users.csv")[1:]}
    assert {r[0] for r in read(again / "users.csv")[1:]} == first
    homerooms = [{r["sourcedId"] for r in records(f / "classes.csv") if r["classType"] == "homeroom"}
                 for f in (exported["folder"], again)]
    assert homerooms[0] == homerooms[1]
    # importing the same files again finds everyone by sourcedId and creates nothing
    roles = empty.extensions["eschool"].roles
    with empty.app_context():
        counts = _counts()
        plan = oneroster.check_folder(exported["folder"], None, roles)
        assert plan.ok and plan.creates == [] and plan.school.id == school.id
        assert set(oneroster.run(plan, roles).values()) == {0}
        assert _counts() == counts


def _counts():
    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import ClassMembership, Guardian, Movement, Student
    from eschool.school.models import ClassGroup, TeachingAssignment
    from eschool.structure.models import School

    return [m.select().count() for m in (User, RoleAssignment, Student, ClassMembership, Movement, Guardian,
                                         ClassGroup, TeachingAssignment, School)]


def test_dry_run_lists_what_would_be_created_and_writes_nothing(empty, exported, monkeypatch, database_url,
                                                                tmp_path):
    from eschool.auth.models import User
    from eschool.people.models import Student

    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(exported["folder"]), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create school: " in result.output and "would create student: " in result.output
    assert "would create parent: Родитель Демонстрационный (users.csv, line" in result.output
    assert "dry run, nothing written" in result.output
    with empty.app_context():
        assert Student.select().count() == 0 and User.select().count() == 0


def _edit(path, line: int, column: str, value: str) -> None:
    rows = read(path)
    rows[line - 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_the_old_command_names_still_work_with_a_warning(empty, exported, monkeypatch, database_url, tmp_path):
    """'eschool import oneroster' moved to the oneroster plugin ('eschool oneroster import'): for one
    release the old name runs the new command and says so."""
    old = invoke(monkeypatch, database_url, tmp_path, "import", "oneroster", str(exported["folder"]), "--dry-run")
    assert old.exit_code == 0, old.output
    assert "'eschool import oneroster' is deprecated" in old.output and "'eschool oneroster import'" in old.output
    assert "dry run, nothing written" in old.output


def test_bad_rows_are_named_by_file_line_and_reason_and_nothing_changes(empty, exported, monkeypatch,
                                                                         database_url, tmp_path):
    from eschool.auth.models import User
    from eschool.people.models import Student
    from eschool.school.models import ClassGroup
    from eschool.structure.models import School

    folder = tmp_path / "bad"
    shutil.copytree(exported["folder"], folder)
    _edit(folder / "enrollments.csv", 3, "classSourcedId", "class-nowhere")
    _edit(folder / "users.csv", 4, "role", "headmaster")
    _edit(folder / "demographics.csv", 2, "birthDate", "31.02.2015")
    _edit(folder / "classes.csv", 5, "title", "")
    _edit(folder / "enrollments.csv", 6, "role", "janitor")
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(folder))
    assert result.exit_code != 0
    out = result.output
    # the command speaks the region's language (Russian here); file, line and field are as in the files
    assert "enrollments.csv, line 3, classSourcedId: Неизвестная ссылка: class-nowhere нет в classes.csv." in out
    assert "users.csv, line 4, role: Неизвестная роль «headmaster»" in out
    assert "demographics.csv, line 2, birthDate: Не дата: «31.02.2015»" in out
    assert "classes.csv, line 5, title: Не заполнено обязательное поле." in out
    assert "enrollments.csv, line 6, role: Неизвестная роль «janitor»" in out
    assert "nothing was imported" in out
    dry = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(folder), "--dry-run")
    assert dry.exit_code != 0 and "enrollments.csv, line 3, classSourcedId" in dry.output
    with empty.app_context():
        assert (User.select().count(), Student.select().count(), ClassGroup.select().count(),
                School.select().count()) == (0, 0, 0, 0)


def test_a_folder_without_manifest_or_with_missing_files_is_refused(empty, exported, monkeypatch, database_url,
                                                                     tmp_path):
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(tmp_path))
    assert result.exit_code != 0 and "нет manifest.csv" in result.output
    folder = tmp_path / "partial"
    shutil.copytree(exported["folder"], folder)
    (folder / "users.csv").unlink()
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(folder))
    assert result.exit_code != 0
    assert "manifest.csv, line 16, file.users: Файл users.csv указан в манифесте, но его нет." in result.output
    (folder / "users.csv").write_text("sourcedId,username,givenName\nu1,ivanov,Иван\n", encoding="utf-8")
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(folder), "--dry-run")
    assert result.exit_code != 0
    assert "users.csv, line 1, role: В строке заголовков нет этого столбца." in result.output


def test_export_command_writes_the_files(app, demo, monkeypatch, database_url, tmp_path):
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "export", str(tmp_path / "out"),
                    "--school", "Демо-школа №1")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "manifest.csv").is_file()
    usernames = {r[6] for r in read(tmp_path / "out" / "users.csv")[1:]}
    assert {"admin", "director", "parent"} <= usernames and "region" not in usernames


def _write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


def other_system(folder):
    """Files as another system writes them: no metadata.eschool.* columns, a transfer and a leaving."""
    _write(folder, "manifest.csv", """
propertyName,value
manifest.version,1.0
oneroster.version,1.1
file.orgs,bulk
file.academicSessions,bulk
file.courses,bulk
file.classes,bulk
file.users,bulk
file.enrollments,bulk
file.demographics,bulk
file.results,absent
""")
    _write(folder, "orgs.csv", """
sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,,,Округ,district,nowhere,
s1,,,Школа №7,school,7,d1
""")
    _write(folder, "academicSessions.csv", """
sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
y1,,,2026/2027,schoolYear,2026-09-01,2027-05-31,,2027
t1,,,Trimester 1,term,2026-09-01,2026-11-30,y1,2027
""")
    _write(folder, "courses.csv", """
sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
c-hr,,,y1,Grade 5,,05,s1,,
c-math,,,y1,Mathematics,Мат,05,s1,Математика,
""")
    _write(folder, "classes.csv", """
sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
h5a,,,5А,05,c-hr,5А,homeroom,,s1,y1,,,
h5b,,,5Б,05,c-hr,5Б,homeroom,,s1,y1,,,
m5a,,,Математика 5А,05,c-math,5А,scheduled,,s1,t1,,,
""")
    _write(folder, "users.csv", """
sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
u-t1,,,true,s1,teacher,petrova.ai,,Анна,Петрова,Ивановна,,petrova@example.org,,,,,
u-p1,,,true,s1,guardian,orlov.p,,Пётр,Орлов,,,,,,u-s1,,
u-s1,,,false,s1,student,u-s1,,Глеб,Орлов,Петрович,,,,,u-p1,05,
u-s2,,,true,s1,student,zueva.m,,Мария,Зуева,,,,,,,05,
""")
    _write(folder, "demographics.csv", """
sourcedId,status,dateLastModified,birthDate,sex
u-s1,,,2015-03-04,male
u-s2,,,2015-05-05,female
""")
    _write(folder, "enrollments.csv", """
sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
e1,,,h5a,s1,u-s1,student,false,2026-09-01,2026-12-01
e2,,,h5b,s1,u-s1,student,false,2026-12-01,
e3,,,h5a,s1,u-s2,student,false,2026-09-01,2027-01-15
e4,,,m5a,s1,u-t1,teacher,false,,
e5,,,h5a,s1,u-t1,teacher,true,,
e6,,,m5a,s1,u-s2,student,false,,
""")


def test_a_school_that_switched_the_exchange_off_is_refused(app, demo, monkeypatch, database_url, tmp_path):
    from eschool.plugins.services import set_toggle

    with app.app_context():
        set_toggle(app.extensions["eschool"].plugins, "oneroster", "school", demo["school"].id, False)
    app.extensions["eschool"].database.close()
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "export", str(tmp_path / "out"),
                    "--school", str(demo["school"].id))
    assert result.exit_code != 0 and "switched off" in result.output
    assert not (tmp_path / "out").exists()


def test_files_of_another_system_go_into_a_named_school(app, demo, monkeypatch, database_url, tmp_path):
    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import ClassMembership, Guardian, Movement, Student
    from eschool.school.models import AcademicYear, ClassGroup, Period, TeachingAssignment

    other_system(tmp_path / "in")
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(tmp_path / "in"),
                    "--school", "Демо-школа №1", "--order", "12-у")
    assert result.exit_code == 0, result.output
    with app.app_context():
        school = demo["school"]
        year = AcademicYear.get(AcademicYear.school == school)
        assert (year.name, year.is_current) == ("2026/2027", True)
        assert [(p.kind, p.number) for p in Period.select()] == [("trimester", 1)]
        a, b = (ClassGroup.get(ClassGroup.name == n) for n in ("5А", "5Б"))
        assert (a.grade, a.letter, b.letter) == (5, "А", "Б")
        teacher = User.get(User.username == "petrova.ai")
        assert (teacher.full_name, teacher.password_hash) == ("Петрова Анна Ивановна", "")  # a password to set
        assert a.class_teacher_id == teacher.id
        roles = {(r.role, r.class_group_id) for r in RoleAssignment.select().where(RoleAssignment.user == teacher)}
        assert roles == {("subject_teacher", None), ("class_teacher", a.id)}
        assert [(t.subject.name, t.class_group_id) for t in TeachingAssignment.select()] == [("Математика", a.id)]
        gleb = Student.get(Student.first_name == "Глеб")
        assert gleb.user_id is None and gleb.status == "studying"
        assert [(m.class_group_id, str(m.starts_on), m.ends_on and str(m.ends_on)) for m in
                gleb.memberships.order_by(ClassMembership.starts_on)] == [
            (a.id, "2026-09-01", "2026-12-01"), (b.id, "2026-12-01", None)]
        assert [(m.kind, m.order_number) for m in Movement.select().where(Movement.student == gleb)
                .order_by(Movement.id)] == [("enrolment", "12-у"), ("transfer", "12-у")]
        maria = Student.get(Student.first_name == "Мария")
        assert maria.status == "left" and maria.user.username == "zueva.m"
        guardian = Guardian.get(Guardian.student == gleb)
        assert (guardian.user.username, guardian.relation) == ("orlov.p", "guardian")
        assert RoleAssignment.select().where((RoleAssignment.user == guardian.user)
                                             & (RoleAssignment.role == "parent")).exists()


def test_a_school_the_region_does_not_know_is_refused(empty, monkeypatch, database_url, tmp_path):
    other_system(tmp_path / "in")
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(tmp_path / "in"), "--dry-run")
    assert result.exit_code != 0
    assert "orgs.csv, line 3, parentSourcedId: Округ (district) школы должен быть муниципалитетом" in result.output


def test_a_second_import_matches_people_by_sourced_id(app, demo, tmp_path):
    from eschool.auth.models import User
    from eschool.people.models import Student
    from eschool_oneroster import services as oneroster

    folder = tmp_path / "in"
    other_system(folder)
    roles = app.extensions["eschool"].roles
    with app.app_context():
        school = demo["school"]
        oneroster.run(oneroster.check_folder(folder, school, roles), roles)
        users, students = User.select().count(), Student.select().count()
        # the other system renamed a student and added one: the renamed one is still the same person
        text = (folder / "users.csv").read_text(encoding="utf-8").replace(",Глеб,Орлов,", ",Глеб,Орлов-Сидоров,")
        (folder / "users.csv").write_text(text + "u-s3,,,false,s1,student,u-s3,,Ян,Белов,,,,,,,05,\n", encoding="utf-8")
        with open(folder / "demographics.csv", "a", encoding="utf-8") as fh:
            fh.write("u-s3,,,2015-07-07,male\n")
        with open(folder / "enrollments.csv", "a", encoding="utf-8") as fh:
            fh.write("e7,,,h5b,s1,u-s3,student,false,2026-09-01,\n")
        plan = oneroster.check_folder(folder, school, roles)
        assert plan.ok, plan.errors
        assert [(what, name) for what, name, _f, _l in plan.creates] == [("student", "Белов Ян")]
        assert oneroster.run(plan, roles)["students"] == 1
        assert (User.select().count(), Student.select().count()) == (users, students + 1)
        assert Student.select().where(Student.last_name == "Орлов").count() == 1


def test_a_username_taken_by_an_account_not_from_the_files_is_refused(app, demo, tmp_path):
    from eschool_oneroster import services as oneroster

    folder = tmp_path / "in"
    other_system(folder)
    text = (folder / "users.csv").read_text(encoding="utf-8").replace(",petrova.ai,", ",director,")
    (folder / "users.csv").write_text(text, encoding="utf-8")
    roles = app.extensions["eschool"].roles
    with app.app_context():
        plan = oneroster.check_folder(folder, demo["school"], roles)
        assert [(f, line, name) for f, line, name, _r in plan.errors] == [("users.csv", 2, "username")]
        with pytest.raises(ValueError):
            oneroster.run(plan, roles)


def test_subgroups_and_curriculum_hours_travel_in_metadata_columns(app, demo, tmp_path):
    from eschool.school.models import ClassGroup, CurriculumItem, Subgroup, TeachingAssignment
    from eschool_oneroster import services as oneroster

    folder = tmp_path / "in"
    other_system(folder)
    lines = (folder / "classes.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",metadata.eschool.subgroup,metadata.eschool.hoursPerWeek",
             lines[1] + ",,", lines[2] + ",,", lines[3] + ",1 группа,4.5",
             "m5a2,,,Математика 5А (2 группа),05,c-math,5А,scheduled,,s1,t1,,,,2 группа,"]
    (folder / "classes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(folder / "enrollments.csv", "a", encoding="utf-8") as fh:
        fh.write("e8,,,m5a2,s1,u-t1,teacher,false,,\n")
    roles = app.extensions["eschool"].roles
    with app.app_context():
        school = demo["school"]
        plan = oneroster.check_folder(folder, school, roles)
        assert plan.ok, plan.errors
        oneroster.run(plan, roles)
        group = ClassGroup.get(ClassGroup.name == "5А")
        assert sorted(s.name for s in Subgroup.select().where(Subgroup.class_group == group)) == ["1 группа",
                                                                                                 "2 группа"]
        assert sorted(a.subgroup.name for a in TeachingAssignment.select()) == ["1 группа", "2 группа"]
        assert [float(i.hours_per_week) for i in CurriculumItem.select()] == [4.5]
        oneroster.export(school, tmp_path / "out")
    out = {(r["title"], r["metadata.eschool.subgroup"], r["metadata.eschool.hoursPerWeek"])
           for r in records(tmp_path / "out" / "classes.csv") if r["classType"] == "scheduled"}
    # the curriculum line is the whole class's; each subgroup is a subject class of its own
    assert out == {("5А Математика", "", "4.5"), ("5А Математика (1 группа)", "1 группа", ""),
                   ("5А Математика (2 группа)", "2 группа", "")}
