"""A OneRoster 1.1 set written by another system imports in one go (issue 19).

The set is built here by hand, as another SIS writes it, independently of this portal's exporter:
subject classes coded by subject (``MATH-05A``), no ``demographics.csv``, blank ``status`` and
``dateLastModified`` everywhere (bulk mode), passwords in ``users.csv``, two pupils of 5А with the same
name, and a school whose ``identifier`` is a code (``SCH77``)."""
from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from eschool import cli
from tests.conftest import DEMO_PASSWORD, login

BLANK = ["", ""]  # status, dateLastModified: blank, as bulk files may leave them
SCHOOL_NAME = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 77»"


def _file(folder, name, header, rows):
    with open(folder / name, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def foreign_set(folder, elective: bool = False):
    """Another SIS's export of School No. 77: 5А and 5Б, maths and Russian per class, a teacher of each,
    pupils without demographics, a parent; ``elective``: a group drawn half from 5А, half from 5Б, whose
    code and title name no class (nothing decides where it belongs)."""
    folder.mkdir(parents=True, exist_ok=True)
    _file(folder, "manifest.csv", ["propertyName", "value"], [
        ["manifest.version", "1.0"], ["oneroster.version", "1.1"], ["file.academicSessions", "bulk"],
        ["file.categories", "absent"], ["file.classes", "bulk"], ["file.courses", "bulk"],
        ["file.demographics", "absent"], ["file.enrollments", "bulk"], ["file.orgs", "bulk"], ["file.users", "bulk"],
        ["source.systemName", "Another SIS"]])
    _file(folder, "orgs.csv", ["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                               "parentSourcedId"], [
        ["D-1", *BLANK, "Кемеровский городской округ", "district", "kemerovo", ""],
        ["ORG-77", *BLANK, SCHOOL_NAME, "school", "SCH77", "D-1"]])
    _file(folder, "academicSessions.csv", ["sourcedId", "status", "dateLastModified", "title", "type", "startDate",
                                           "endDate", "parentSourcedId", "schoolYear"], [
        ["AY-2027", *BLANK, "2026-2027", "schoolYear", "2026-09-01", "2027-05-31", "", "2027"],
        ["S1", *BLANK, "Semester 1", "semester", "2026-09-01", "2026-12-31", "AY-2027", "2027"],
        ["S2", *BLANK, "Semester 2", "semester", "2027-01-09", "2027-05-31", "AY-2027", "2027"]])
    _file(folder, "courses.csv", ["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                                  "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"], [
        ["HR-05", *BLANK, "AY-2027", "Homeroom 5", "HR5", "05", "ORG-77", "", ""],
        ["MATH-05", *BLANK, "AY-2027", "Математика", "MATH5", "05", "ORG-77", "Математика", ""],
        ["RUS-05", *BLANK, "AY-2027", "Русский язык", "RUS5", "05", "ORG-77", "Русский язык", ""],
        ["CHESS-05", *BLANK, "AY-2027", "Шахматы", "CH5", "05", "ORG-77", "Шахматы", ""]])
    classes = [
        ["HR-05A", *BLANK, "5А", "05", "HR-05", "5А", "homeroom", "", "ORG-77", "AY-2027", "", "", ""],
        ["HR-05B", *BLANK, "5Б", "05", "HR-05", "5Б", "homeroom", "", "ORG-77", "AY-2027", "", "", ""],
        # coded by subject: the students' enrolments say which class each belongs to
        ["MATH-05A", *BLANK, "Mathematics", "05", "MATH-05", "MATH-05A", "scheduled", "204", "ORG-77", "S1,S2", "",
         "", "1-2"],
        ["MATH-05B", *BLANK, "Mathematics", "05", "MATH-05", "MATH-05B", "scheduled", "204", "ORG-77", "S1,S2", "",
         "", ""],
        # nobody enrolled yet: its title names the class
        ["RUS-05A", *BLANK, "Русский язык 5А", "05", "RUS-05", "RUS-05A", "scheduled", "", "ORG-77", "S1", "", "",
         ""]]
    if elective:
        classes.append(["CHESS-05", *BLANK, "Chess club", "05", "CHESS-05", "CHESS-05", "scheduled", "", "ORG-77",
                        "S1", "", "", ""])
    _file(folder, "classes.csv", ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
                                  "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
                                  "subjects", "subjectCodes", "periods"], classes)
    users = [  # sourcedId, role, username, given, family, middle, email, agents, password
        ["T-1", "administrator", "kuznetsova.ov", "Ольга", "Кузнецова", "Викторовна", "olga@school77.example", "",
         "Direktor2026"],
        ["T-2", "teacher", "petrov.as", "Андрей", "Петров", "Сергеевич", "", "", "Uchitel2026"],
        ["T-3", "teacher", "sidorova.nn", "Нина", "Сидорова", "", "", "", "12345"],  # too weak to keep
        ["P-1", "parent", "ivanova.mp", "Мария", "Иванова", "", "", "S-1", "Mama2026x"],
        ["S-1", "student", "ivanov.ivan1", "Иван", "Иванов", "", "", "P-1", "Ucheник"],
        ["S-2", "student", "ivanov.ivan2", "Иван", "Иванов", "", "", "", ""],  # the same name, no password
        ["S-3", "student", "orlova.a", "Анна", "Орлова", "", "", "", ""],
        ["S-4", "student", "zuev.ya", "Ян", "Зуев", "", "", "", ""],
        ["S-5", "student", "belova.k", "Катя", "Белова", "", "", "", ""]]
    _file(folder, "users.csv", ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
                                "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
                                "sms", "phone", "agentSourcedIds", "grades", "password"],
          [[sid, *BLANK, "true", "ORG-77", role, login_, "", given, family, middle, "", email, "", "", agents,
            "05" if role == "student" else "", password]
           for sid, role, login_, given, family, middle, email, agents, password in users])
    enrollments = [  # class, user, role, primary
        ("HR-05A", "S-1", "student", "false"), ("HR-05A", "S-2", "student", "false"),
        ("HR-05A", "S-3", "student", "false"), ("HR-05B", "S-4", "student", "false"),
        ("HR-05B", "S-5", "student", "false"), ("HR-05A", "T-2", "teacher", "true"),
        ("MATH-05A", "S-1", "student", "false"), ("MATH-05A", "S-2", "student", "false"),
        ("MATH-05A", "S-3", "student", "false"), ("MATH-05A", "S-4", "student", "false"),  # one guest from 5Б
        ("MATH-05B", "S-4", "student", "false"), ("MATH-05B", "S-5", "student", "false"),
        ("MATH-05A", "T-2", "teacher", "false"), ("MATH-05B", "T-2", "teacher", "false"),
        ("RUS-05A", "T-3", "teacher", "false")]
    if elective:
        enrollments += [("CHESS-05", "S-1", "student", "false"), ("CHESS-05", "S-4", "student", "false")]
    _file(folder, "enrollments.csv", ["sourcedId", "status", "dateLastModified", "classSourcedId",
                                      "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"],
          [[f"E-{n}", *BLANK, klass, "ORG-77", user, role, primary, "", ""]
           for n, (klass, user, role, primary) in enumerate(enrollments, start=1)])
    return folder


def invoke(monkeypatch, database_url, tmp_path, *args):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_another_systems_set_imports_in_one_go(app, demo, client, monkeypatch, database_url, tmp_path):
    from eschool.auth.models import User
    from eschool.auth.passwords import verify_password
    from eschool.auth.services import create_user, grant_role
    from eschool.people.models import Student
    from eschool.school.models import ClassGroup, TeachingAssignment
    from eschool.structure.models import School

    # a group drawn from two classes whose code and title name neither: the only row refused
    folder = foreign_set(tmp_path / "sis", elective=True)
    app.extensions["eschool"].database.close()
    refused = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(folder), "--dry-run")
    assert refused.exit_code != 0
    errors = [line for line in refused.output.splitlines() if line.startswith("classes.csv")]
    assert len(errors) == 1 and errors[0].startswith("classes.csv, line 7, classCode:"), refused.output
    assert "1 bad rows; nothing was imported" in refused.output

    folder = foreign_set(tmp_path / "sis", elective=False)
    result = invoke(monkeypatch, database_url, tmp_path, "oneroster", "import", str(folder))
    assert result.exit_code == 0, result.output
    # the weak password is not kept: said, not refused
    assert "note: users.csv, line 4, password:" in result.output
    assert "5 cards have fields to complete" in result.output
    assert "eschool users issue-logins" in result.output
    with app.app_context():
        school = School.get(School.name == SCHOOL_NAME)
        assert school.short_name == "МБОУ «СОШ № 77»"  # from its title, never the file's code SCH77
        a, b = (ClassGroup.get((ClassGroup.school == school) & (ClassGroup.name == n)) for n in ("5А", "5Б"))
        taught = sorted((t.class_group.name, t.subject.name, t.teacher.username) for t in
                        TeachingAssignment.select().where(TeachingAssignment.class_group.in_([a.id, b.id])))
        assert taught == [("5А", "Математика", "petrov.as"), ("5А", "Русский язык", "sidorova.nn"),
                          ("5Б", "Математика", "petrov.as")]
        # passwords given are kept, hashed, and must be changed at the first login
        petrov = User.get(User.username == "petrov.as")
        assert verify_password(petrov.password_hash, "Uchitel2026") and petrov.must_change_password
        assert "Uchitel2026" not in petrov.password_hash
        assert User.get(User.username == "sidorova.nn").password_hash == ""  # too weak: a one-time one later
        assert User.get(User.username == "ivanov.ivan2").password_hash == ""
        # no demographics: imported all the same, the fields to complete
        cards = list(Student.select().where(Student.school == school).order_by(Student.id))
        assert len(cards) == 5 and all(s.birth_date is None and s.gender == "" for s in cards)
        assert cards[0].to_complete == ["birth_date", "gender"]
        secretary = create_user("sekretar77", "Секретарь Школы 77", password=DEMO_PASSWORD, must_change_password=False)
        grant_role(secretary, "secretary", school=school, allowed_roles=app.extensions["eschool"].roles)
        twins = [s.id for s in cards if s.last_name == "Иванов"]
        twin_class = a.id
    login(client, "sekretar77", DEMO_PASSWORD)
    todo = client.get(f"/school/{school.id}/students/to-complete").get_data(as_text=True)
    assert todo.count("/students/") >= 5 and "Иванов Иван" in todo and "Орлова Анна" in todo
    page = client.get(f"/school/{school.id}/classes/{twin_class}/students").get_data(as_text=True)
    # the two Ivanovs are told apart (no birth dates yet: by a number)
    assert "Иванов Иван (№ 1)" in page and "Иванов Иван (№ 2)" in page
    assert "3 карточки этого класса нужно дополнить" in page
    card = client.get(f"/school/{school.id}/students/{twins[0]}").get_data(as_text=True)
    assert card.count("дополнить") >= 2 and '<option value="" selected>' in card
    # the card is saved with the fields still empty, then completed; the birth date then tells the twins apart
    saved = client.post(f"/school/{school.id}/students/{twins[0]}", data={
        "last_name": "Иванов", "first_name": "Иван", "document_kind": "birth_certificate", "address": "ул. Новая, 1"})
    assert saved.status_code == 302
    client.post(f"/school/{school.id}/students/{twins[0]}", data={
        "last_name": "Иванов", "first_name": "Иван", "birth_date": "2015-04-02", "gender": "m",
        "document_kind": "birth_certificate"})
    client.post(f"/school/{school.id}/students/{twins[1]}", data={
        "last_name": "Иванов", "first_name": "Иван", "birth_date": "2015-09-30", "gender": "m",
        "document_kind": "birth_certificate"})
    page = client.get(f"/school/{school.id}/classes/{twin_class}/students").get_data(as_text=True)
    assert "Иванов Иван (род. 02.04.2015)" in page and "Иванов Иван (род. 30.09.2015)" in page
    assert "Иванов Иван (род. 02.04.2015)" not in client.get(
        f"/school/{school.id}/students/to-complete").get_data(as_text=True)


@pytest.mark.parametrize("who", ["teacher", "parent"])
def test_the_list_of_cards_to_complete_is_the_secretarys(app, demo, login_as, who):
    client = login_as(who)
    assert client.get(f"/school/{demo['school'].id}/students/to-complete").status_code == 403


def test_the_oneroster_export_disarms_formulas(app, demo, tmp_path):
    """A name typed as a formula leaves as text ('=HYPERLINK...) and comes back as typed."""
    from eschool.people.models import Student
    from eschool.testing.world import build_world
    from eschool_oneroster import services as oneroster

    world = build_world(app, students=2, school_id=demo["school"].id)
    with app.app_context():
        Student.update(last_name='=HYPERLINK("http://evil.example","Click")').where(
            Student.id == world.students[0]).execute()
        oneroster.export(demo["school"], tmp_path / "out")
    text = (tmp_path / "out" / "users.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in text and ',=HYPERLINK(' not in text and ',"=HYPERLINK(' not in text
    files, problems = oneroster.read_folder(tmp_path / "out")
    assert not problems
    names = {row["familyName"] for _line, row in files["users.csv"]}
    assert '=HYPERLINK("http://evil.example","Click")' in names


def test_twins_by_name_are_told_apart_on_the_lesson_page_and_in_the_grid(app, world, client):
    """Two pupils of 5А named alike (an import made such pairs): the lesson's list and the grid say which is
    which, by the birth date, or by a number when that is the same too."""
    import datetime as dt

    from eschool.journal.models import Lesson
    from eschool.people.models import Student

    with app.app_context():
        a, b, c = world.students[1:4]
        Student.update(last_name="Орлов", first_name="Глеб", middle_name="").where(Student.id.in_([a, b, c])).execute()
        Student.update(birth_date=dt.date(2015, 3, 4)).where(Student.id.in_([a, b])).execute()
        Student.update(birth_date=dt.date(2015, 11, 30)).where(Student.id == c).execute()
    login(client, "teacher")
    grid = client.get(f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}")
    text = grid.get_data(as_text=True)
    assert "Орлов Глеб (род. 30.11.2015)" in text and "Орлов Глеб (№ 1)" in text and "Орлов Глеб (№ 2)" in text
    with app.app_context():
        lesson = Lesson.select().where(Lesson.class_group == world.c5).order_by(Lesson.date.desc()).first()
    page = client.get(f"/school/{world.school}/journal/lesson/{lesson.id}").get_data(as_text=True)
    assert page.count("Орлов Глеб (№ ") == 2 * 3 + 2  # a label, two aria-labels, and the homework's list
    assert "Орлов Глеб (род. 30.11.2015)" in page
