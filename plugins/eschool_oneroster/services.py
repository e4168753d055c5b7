"""IMS OneRoster 1.1 CSV: a school's people, classes and enrolments, out (``export``) and in (``check``, ``run``).

The mapping (docs/people.md has the table):

* ``orgs.csv``: the school (type ``school``) and its municipality as the district (``identifier`` = the
  municipality's code from the region profile);
* ``academicSessions.csv``: the academic year (``schoolYear``) and its periods (``gradingPeriod`` for a
  quarter, ``semester``, ``term`` for a trimester);
* ``courses.csv``: a subject in a grade, and one ``Grade N`` course per grade for the homerooms;
* ``classes.csv``: each class group (``homeroom``; ``classCode`` = its name) and each subject taught in it
  (``scheduled``; the same ``classCode`` and ``metadata.eschool.classGroup`` name the class group it
  belongs to; in other systems' files the class group is found from the students' enrolments or the
  title: ``_Checker._homeroom_finder``);
* ``users.csv`` (+ ``demographics.csv``: ``birthDate``, ``sex``, optional: a card without them is imported
  with those fields "to complete"): staff, students and parents; a parent's ``agentSourcedIds`` are the
  children and a child's are the parents; a ``password`` given is kept, hashed, for a new account;
* ``enrollments.csv``: students in their class (from ``beginDate`` to ``endDate``) and in its subject classes,
  teachers in the subject classes they teach, the class teacher in the homeroom with ``primary`` = true.

What OneRoster has no field for travels in ``metadata.eschool.*`` columns at the end of a file (the
specification's way to extend it): the exact roles, the relation of a parent, the class kind, letter and
shift, the subgroup, the hours per week, the period's kind, number and grades. Files from other systems
need not have them.

``check`` reads every file and reports each bad row (file, line, field, reason) and what it would create;
nothing is written. ``run`` writes the plan in one transaction. Objects are matched by their ``sourcedId``
(kept in ``OneRosterLink``), so importing the same files again creates nothing twice.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.plugin_api import (
    CLASS_KINDS,
    LETTERS,
    PERIOD_KINDS,
    STAFF_ROLES,
    USERNAME_PATTERN,
    AcademicYear,
    AccountError,
    CardInSchema,
    ClassGroup,
    ClassMembership,
    CurriculumItem,
    Guardian,
    Municipality,
    Period,
    RoleAssignment,
    School,
    Student,
    Subgroup,
    Subject,
    TeachingAssignment,
    User,
    add_assignment,
    add_subject,
    as_text,
    check_password_strength,
    create_class,
    create_school,
    create_user,
    create_year,
    current_membership,
    current_year,
    db,
    enrol,
    grant_role,
    leave,
    link_guardian,
    notify_moved,
    read_cell,
    school_classes,
    set_curriculum_line,
    transfer,
    write_csv,
)
from eschool_oneroster.models import OneRosterLink

META = "metadata.eschool."
HEADERS = {
    "orgs.csv": ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId",
                 META + "shortName"],
    "academicSessions.csv": ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
                             "parentSourcedId", "schoolYear", META + "kind", META + "number", META + "grades"],
    "courses.csv": ["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades",
                    "orgSourcedId", "subjects", "subjectCodes"],
    "classes.csv": ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode",
                    "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes",
                    "periods", META + "kind", META + "letter", META + "shift", META + "subgroup",
                    META + "hoursPerWeek", META + "classGroup"],
    "users.csv": ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
                  "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
                  "agentSourcedIds", "grades", "password", META + "roles", META + "relation"],
    "enrollments.csv": ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                        "userSourcedId", "role", "primary", "beginDate", "endDate"],
    "demographics.csv": ["sourcedId", "status", "dateLastModified", "birthDate", "sex",
                         "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                         "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
                         "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                         "publicSchoolResidenceStatus"],
}
#: The ``file.*`` entries of manifest.csv, in the specification's order.
MANIFEST_FILES = ("academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
                  "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users")
NEEDED = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments")  # bulk, for an import
REQUIRED = {  # the fields an import cannot do without, per file
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "courses.csv": ("sourcedId", "title", "orgSourcedId"),
    "classes.csv": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    "users.csv": ("sourcedId", "role", "username"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId",),
}

SESSION_TYPES = {"quarter": "gradingPeriod", "semester": "semester", "trimester": "term"}
PERIOD_OF_TYPE = {v: k for k, v in SESSION_TYPES.items()}
ADMIN_ROLES = ("school_admin", "director", "deputy_director")
TEACHER_ROLES = ("subject_teacher", "class_teacher")
#: A OneRoster role -> the roles it gives when the file has no ``metadata.eschool.roles``.
DEFAULT_ROLES = {"administrator": ["school_admin"], "teacher": ["subject_teacher"], "aide": ["technical_staff"],
                 "parent": ["parent"], "guardian": ["parent"], "student": []}
ENROLMENT_ROLES = ("student", "teacher", "administrator")
SEXES = {"male": "m", "female": "f"}
RELATIONS = ("mother", "father", "guardian", "other")
IMPORT_ORDER = "OneRoster"


class OneRosterError(ValueError):
    """The folder cannot be read as a OneRoster data set (not a row in it)."""


def _list(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


#: The words of a Russian organisation's legal form and their letters in its abbreviation
#: ("Муниципальное бюджетное общеобразовательное учреждение" -> "МБОУ").
FORM_WORDS = {"муниципальное": "М", "муниципальная": "М", "государственное": "Г", "государственная": "Г",
              "краевое": "К", "областное": "О", "бюджетное": "Б", "автономное": "А", "казённое": "К",
              "казенное": "К", "частное": "Ч", "некоммерческое": "Н", "общеобразовательное": "О",
              "общеобразовательная": "О", "образовательное": "О", "учреждение": "У", "организация": "О"}
#: Kinds of school and their usual abbreviations.
SCHOOL_KINDS = (("средняя общеобразовательная школа", "СОШ"), ("основная общеобразовательная школа", "ООШ"),
                ("начальная общеобразовательная школа", "НОШ"), ("общеобразовательная школа", "ОШ"))
SHORT_NAME_LENGTH = 60


def short_name_from(name: str) -> str:
    """The short name a school is shown by (lists, the public vacancy pages), made from its title: the
    title itself when short, else with its legal form and kind abbreviated as Russian schools write them
    ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 77»"
    -> "МБОУ «СОШ № 77»"). Never a file's code (a OneRoster ``identifier`` such as ``SCH77``)."""
    name = " ".join((name or "").split())
    if len(name) <= SHORT_NAME_LENGTH:
        return name
    words = name.split(" ")
    letters = ""
    while words and words[0].lower() in FORM_WORDS:
        letters += FORM_WORDS[words.pop(0).lower()]
    if len(letters) < 2:  # not a legal form, only a word that looks like one
        letters, words = "", name.split(" ")
    rest = " ".join(words)
    for phrase, short in SCHOOL_KINDS:
        rest = re.sub(re.escape(phrase), short, rest, flags=re.IGNORECASE)
    short = f"{letters} {rest}".strip()
    return short if len(short) <= 200 else short[:199] + "…"


def _grade_code(grade: int) -> str:
    return f"{grade:02d}"


def _split_name(full_name: str) -> tuple[str, str, str]:
    """"Фамилия Имя Отчество" -> (family, given, middle)."""
    parts = (full_name or "").split()
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "", " ".join(parts[2:]))


# =========================================================================== export


def _links(school: School) -> dict[tuple[str, int], str]:
    return {(r.kind, r.object_id): r.sourced_id for r in OneRosterLink.select().where(OneRosterLink.school == school)}


def export(school: School, folder: Path, year: AcademicYear | None = None, archive_keys=None) -> dict[str, int]:
    """Write the school's OneRoster 1.1 CSV files into ``folder``; returns the number of rows per file.

    The year exported is the current one unless ``year`` is given. Passwords are never written.
    ``archive_keys(table, id)``: the ids a school archive gives the rows (``eschool export``): the sourcedIds are
    made of them (``user-12``), not of the database's ids nor of the sourcedIds an import brought, so that
    the archive's OneRoster files and its tables name the same things the same way.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    links = _links(school) if archive_keys is None else {}

    def n(table: str, object_id: int) -> int:
        return object_id if archive_keys is None or object_id is None else archive_keys(table, object_id)

    def sid(kind: str, object_id: int, default: str) -> str:
        return links.get((kind, object_id), default)

    year = year or current_year(school)
    muni = Municipality.get_by_id(school.municipality_id)
    district_sid = f"district-{muni.code}"
    school_sid = sid("school", school.id, f"school-{n('school', school.id)}")
    files: dict[str, list[dict]] = {name: [] for name in HEADERS}
    files["orgs.csv"] = [
        {"sourcedId": district_sid, "name": muni.name_ru, "type": "district", "identifier": muni.code},
        {"sourcedId": school_sid, "name": school.name, "type": "school", "identifier": school.short_name,
         "parentSourcedId": district_sid, META + "shortName": school.short_name}]

    classes, sections, memberships, assignments = [], [], [], []
    if year is not None:
        year_sid = sid("year", year.id, f"year-{n('academic_year', year.id)}")
        school_year = str(year.ends_on.year)
        files["academicSessions.csv"].append({
            "sourcedId": year_sid, "title": year.name, "type": "schoolYear", "startDate": year.starts_on.isoformat(),
            "endDate": year.ends_on.isoformat(), "schoolYear": school_year})
        for period in Period.select().where(Period.academic_year == year).order_by(Period.grade_from, Period.kind,
                                                                                     Period.number):
            files["academicSessions.csv"].append({
                "sourcedId": f"period-{n('period', period.id)}", "title": f"{period.kind} {period.number}",
                "type": SESSION_TYPES.get(period.kind, "term"), "startDate": period.starts_on.isoformat(),
                "endDate": period.ends_on.isoformat(), "parentSourcedId": year_sid, "schoolYear": school_year,
                META + "kind": period.kind, META + "number": period.number,
                META + "grades": f"{period.grade_from}-{period.grade_to}"})
        # the contingent: not a summer camp's squads (a module's seasonal groups, with no class memberships)
        classes = [c for c in school_classes(school, year) if c.kind != "summer_camp"]
        class_ids = [c.id for c in classes]
        subgroups = {s.id: s for c in classes for s in c.subgroups}
        hours = {(i.class_group_id, i.subject_id): i.hours_per_week
                 for i in CurriculumItem.select().where(CurriculumItem.class_group.in_(class_ids))}
        assignments = list(TeachingAssignment.select().where(TeachingAssignment.class_group.in_(class_ids))
                           .order_by(TeachingAssignment.id))
        subject_ids = {s for _c, s in hours} | {a.subject_id for a in assignments}
        subjects = {s.id: s for s in Subject.select().where(Subject.id.in_(list(subject_ids)))}
        # a scheduled class is a subject taught in a class group (or in one of its subgroups)
        keys = {(c, None, s) for c, s in hours} | {(a.class_group_id, a.subgroup_id, a.subject_id) for a in assignments}
        by_id = {c.id: c for c in classes}
        class_sid = {c.id: sid("class", c.id, f"class-{n('class_group', c.id)}") for c in classes}
        section_sid, section_rows = {}, []
        for class_id, sub_id, subject_id in sorted(keys, key=lambda k: (by_id[k[0]].grade, by_id[k[0]].name,
                                                                       subjects[k[2]].name, k[1] or 0)):
            group, subject = by_id[class_id], subjects[subject_id]
            key = (class_id, sub_id, subject_id)
            section_sid[key] = (f"{class_sid[class_id]}-s{n('subject', subject_id)}"
                                + (f"-g{n('subgroup', sub_id)}" if sub_id else ""))
            sub_name = subgroups[sub_id].name if sub_id else ""
            sections.append(key)
            section_rows.append({
                "sourcedId": section_sid[key], "title": f"{group.name} {subject.name}" + (f" ({sub_name})" if sub_name else ""),
                "grades": _grade_code(group.grade), "courseSourcedId": f"course-{n('subject', subject_id)}-{group.grade}",
                "classCode": group.name, "classType": "scheduled", "schoolSourcedId": school_sid,
                "termSourcedIds": year_sid, "subjects": subject.name, META + "subgroup": sub_name,
                META + "classGroup": class_sid[class_id],
                META + "hoursPerWeek": "" if sub_id or (class_id, subject_id) not in hours
                else _decimal_text(hours[(class_id, subject_id)])})
        for group in classes:
            files["classes.csv"].append({
                "sourcedId": class_sid[group.id], "title": group.name, "grades": _grade_code(group.grade),
                "courseSourcedId": f"course-homeroom-{group.grade}", "classCode": group.name, "classType": "homeroom",
                "schoolSourcedId": school_sid, "termSourcedIds": year_sid, META + "kind": group.kind,
                META + "letter": group.letter, META + "shift": group.shift})
        files["classes.csv"] += section_rows  # the homerooms first, then the subjects taught in them
        courses = {}
        for group in classes:
            courses[f"course-homeroom-{group.grade}"] = {"title": f"Grade {group.grade}", "grades": group.grade}
        for class_id, _sub, subject_id in sections:
            grade, subject = by_id[class_id].grade, subjects[subject_id]
            courses[f"course-{n('subject', subject_id)}-{grade}"] = {"title": f"{subject.name}, {grade}", "grades": grade,
                                                      "courseCode": subject.short_name, "subjects": subject.name}
        for course_sid, course in sorted(courses.items(), key=lambda kv: (kv[1]["grades"], kv[1]["title"])):
            files["courses.csv"].append({**course, "sourcedId": course_sid, "schoolYearSourcedId": year_sid,
                                         "grades": _grade_code(course["grades"]), "orgSourcedId": school_sid})
        memberships = list(ClassMembership.select().where(ClassMembership.class_group.in_(class_ids))
                           .order_by(ClassMembership.starts_on, ClassMembership.id))

    # ---- people
    student_ids = sorted({m.student_id for m in memberships})
    students = {s.id: s for s in Student.select().where(Student.id.in_(student_ids))}
    student_sid = {i: sid("student", i, f"student-{n('student', i)}") for i in student_ids}
    student_users = {s.user_id: s.id for s in students.values() if s.user_id}
    school_roles: dict[int, set[str]] = {}
    class_teachers: dict[int, set[int]] = {}
    for ra in RoleAssignment.select().where(RoleAssignment.school == school):
        if ra.class_group_id is None:
            school_roles.setdefault(ra.user_id, set()).add(ra.role)
        elif ra.role == "class_teacher":
            class_teachers.setdefault(ra.class_group_id, set()).add(ra.user_id)
            school_roles.setdefault(ra.user_id, set())
    for group in classes:
        if group.class_teacher_id:
            class_teachers.setdefault(group.id, set()).add(group.class_teacher_id)
            school_roles.setdefault(group.class_teacher_id, set())
    guardians = list(Guardian.select().where(Guardian.student.in_(student_ids)).order_by(Guardian.id))
    for g in guardians:
        school_roles.setdefault(g.user_id, set())
    teaching = {a.teacher_id for a in assignments}
    for teacher_id in teaching:
        school_roles.setdefault(teacher_id, set())
    user_ids = sorted(u for u in school_roles if u not in student_users)
    users = {u.id: u for u in User.select().where(User.id.in_(user_ids + list(student_users)))}
    user_sid = {u: sid("user", u, f"user-{n('user_account', u)}") for u in user_ids}
    children: dict[int, list[str]] = {}
    parents: dict[int, list[str]] = {}
    relation: dict[int, str] = {}
    for g in guardians:
        if g.user_id in user_sid:
            children.setdefault(g.user_id, []).append(student_sid[g.student_id])
            parents.setdefault(g.student_id, []).append(user_sid[g.user_id])
            relation.setdefault(g.user_id, g.relation)
    grade_of = {c.id: c.grade for c in classes}
    homeroom_grade = {m.student_id: grade_of[m.class_group_id] for m in memberships}
    for user_id in user_ids:
        user = users[user_id]
        roles = school_roles.get(user_id, set()) - {"student"}
        family, given, middle = _split_name(user.full_name)
        if roles & set(ADMIN_ROLES):
            role = "administrator"
        elif roles & set(TEACHER_ROLES) or user_id in teaching or any(user_id in t for t in class_teachers.values()):
            role = "teacher"
        elif roles - {"parent"}:
            role = "aide"
        else:
            role = "guardian" if relation.get(user_id) == "guardian" else "parent"
        files["users.csv"].append({
            "sourcedId": user_sid[user_id], "enabledUser": "true" if user.is_active else "false",
            "orgSourcedIds": school_sid, "role": role, "username": user.username, "givenName": given,
            "familyName": family, "middleName": middle, "email": user.email or "", "phone": user.phone or "",
            "agentSourcedIds": ",".join(children.get(user_id, [])), META + "roles": ",".join(sorted(roles)),
            META + "relation": relation.get(user_id, "")})
    for student_id in student_ids:
        student = students[student_id]
        login = users.get(student.user_id) if student.user_id else None
        files["users.csv"].append({
            "sourcedId": student_sid[student_id], "enabledUser": "true" if login is not None else "false",
            "orgSourcedIds": school_sid, "role": "student",
            "username": login.username if login is not None else student_sid[student_id],
            "givenName": student.first_name, "familyName": student.last_name, "middleName": student.middle_name,
            "email": (login.email or "") if login is not None else "", "grades": _grade_code(homeroom_grade[student_id]),
            "agentSourcedIds": ",".join(parents.get(student_id, [])), META + "roles": ""})
        files["demographics.csv"].append({  # a field still to complete on the card stays empty
            "sourcedId": student_sid[student_id], "birthDate": student.birth_date,
            "sex": {"f": "female", "m": "male"}.get(student.gender, "")})

    # ---- enrolments
    by_class: dict[int, list] = {}
    for key in sections:
        by_class.setdefault(key[0], []).append(key)
    for m in memberships:
        dates = {"beginDate": m.starts_on.isoformat(), "endDate": m.ends_on.isoformat() if m.ends_on else ""}
        files["enrollments.csv"].append({"sourcedId": f"membership-{n('class_membership', m.id)}",
                                         "classSourcedId": class_sid[m.class_group_id],
                                         "schoolSourcedId": school_sid, "userSourcedId": student_sid[m.student_id],
                                         "role": "student", "primary": "false", **dates})
        for key in by_class.get(m.class_group_id, []):
            files["enrollments.csv"].append({
                "sourcedId": f"membership-{n('class_membership', m.id)}-"
                             f"{section_sid[key].removeprefix(class_sid[key[0]] + '-')}",
                "classSourcedId": section_sid[key], "schoolSourcedId": school_sid,
                "userSourcedId": student_sid[m.student_id], "role": "student", "primary": "false", **dates})
    for group in classes:
        for teacher_id in sorted(class_teachers.get(group.id, ())):
            if teacher_id in user_sid:
                files["enrollments.csv"].append({
                    "sourcedId": f"class-teacher-{n('class_group', group.id)}-{n('user_account', teacher_id)}",
                    "classSourcedId": class_sid[group.id],
                    "schoolSourcedId": school_sid, "userSourcedId": user_sid[teacher_id], "role": "teacher",
                    "primary": "true"})
    for a in assignments:
        files["enrollments.csv"].append({
            "sourcedId": f"assignment-{n('teaching_assignment', a.id)}", "classSourcedId": section_sid[(a.class_group_id, a.subgroup_id,
                                                                              a.subject_id)],
            "schoolSourcedId": school_sid, "userSourcedId": user_sid[a.teacher_id], "role": "teacher",
            "primary": "false"})

    for name, rows in files.items():  # a name typed as =HYPERLINK(...) is written disarmed ('=HYPERLINK...)
        with open(folder / name, "w", encoding="utf-8", newline="") as fh:
            write_csv(fh, HEADERS[name], ([row.get(h) for h in HEADERS[name]] for row in rows))
    written = {n[:-4] for n in files}
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        write_csv(fh, ["propertyName", "value"], [
            ["manifest.version", "1.0"], ["oneroster.version", "1.1"],
            *([f"file.{name}", "bulk" if name in written else "absent"] for name in MANIFEST_FILES),
            ["source.systemName", "Electronic School"], ["source.systemCode", "eschool"]])
    return {name: len(rows) for name, rows in files.items()}


def _decimal_text(value) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# =========================================================================== reading a folder


def read_folder(folder: Path) -> tuple[dict[str, list[tuple[int, dict]]], list[tuple[str, int, str, str]]]:
    """The rows of every file the manifest names as ``bulk``: ``{file: [(line, {field: text})]}``, and
    the problems with the files themselves. Raises ``OneRosterError`` when there is no manifest."""
    folder = Path(folder)
    problems: list[tuple[str, int, str, str]] = []
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise OneRosterError(str(_l("%(folder)s: no manifest.csv: not a OneRoster data set.", folder=folder)))
    entries = {}
    for line, row in _read_csv(manifest, problems):
        entries[row.get("propertyName", "").strip()] = (line, row.get("value", "").strip())
    version = entries.get("oneroster.version", (1, ""))
    if version[1] != "1.1":
        problems.append(("manifest.csv", version[0], "oneroster.version",
                         str(_l("This import reads OneRoster version 1.1 (the file says '%(value)s').",
                                value=version[1]))))
    files = {}
    for name in MANIFEST_FILES:
        line, mode = entries.get(f"file.{name}", (1, "absent"))
        filename = f"{name}.csv"
        if mode == "delta":
            problems.append(("manifest.csv", line, f"file.{name}",
                             str(_l("Only bulk files are imported, not delta files."))))
        elif mode == "bulk":
            if not (folder / filename).is_file():
                problems.append(("manifest.csv", line, f"file.{name}",
                                 str(_l("The manifest names %(file)s but the file is missing.", file=filename))))
            elif filename in HEADERS:
                files[filename] = _read_csv(folder / filename, problems)
        elif mode != "absent":
            problems.append(("manifest.csv", line, f"file.{name}",
                             str(_l("Expected bulk, delta or absent, not '%(value)s'.", value=mode))))
        if name in NEEDED and mode == "absent":
            problems.append(("manifest.csv", line, f"file.{name}",
                             str(_l("The import needs %(file)s.", file=filename))))
    return files, problems


def _read_csv(path: Path, problems: list) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append((path.name, 1, "", str(_l("Save the file in UTF-8."))))
        return []
    reader = csv.reader(text.splitlines(keepends=True))
    rows, header, start = [], None, 1
    for values in reader:
        if header is None:
            header = [h.strip() for h in values]
            start = reader.line_num + 1
            continue
        if any(v.strip() for v in values):
            rows.append((start, {h: (read_cell(values[i].strip()) if i < len(values) else "")
                                 for i, h in enumerate(header)}))
        start = reader.line_num + 1
    if header is None:
        problems.append((path.name, 1, "", str(_l("The file is empty: it needs at least its header row."))))
        return []
    missing = [name for name in REQUIRED.get(path.name, ()) if name not in header]
    for name in missing:
        problems.append((path.name, 1, name, str(_l("The header row lacks this column."))))
    return [] if missing else rows


# =========================================================================== checking


@dataclass
class Plan:
    """What an import would do. ``errors``: (file, line, field, reason); ``creates``: (what, name, file, line)."""

    errors: list[tuple[str, int, str, str]] = field(default_factory=list)
    creates: list[tuple[str, str, str, int]] = field(default_factory=list)
    #: What is imported but worth saying: (file, line, field, message), e.g. a weak password not kept.
    notes: list[tuple[str, int, str, str]] = field(default_factory=list)
    #: Students whose card lacks a birth date or sex (no demographics): (file, line, name).
    incomplete: list[tuple[str, int, str]] = field(default_factory=list)
    school: School | None = None
    data: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def steps(self) -> int:
        d = self.data
        return 1 + len(d.get("users", {})) + len(d.get("classes", {})) + len(d.get("sections", {}))


def _in_use(column, values: list[str], lower: bool = False) -> set[str]:
    """Which of ``values`` some account already has in ``column`` (a few queries, not one per row)."""
    wanted = sorted({v.lower() if lower else v for v in values if v})
    found = set()
    for start in range(0, len(wanted), 500):
        found |= {getattr(u, column.name) for u in User.select(column).where(column.in_(wanted[start:start + 500]))}
    return found


def _date(text: str):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class _Checker:
    def __init__(self, files: dict, plan: Plan, school: School | None, allowed_roles: dict):
        self.files, self.plan, self.school, self.allowed_roles = files, plan, school, allowed_roles

    # ---- helpers
    def error(self, file: str, line: int, name: str, reason) -> None:
        self.plan.errors.append((file, line, name, str(reason)))

    def create(self, what: str, name: str, file: str, line: int) -> None:
        self.plan.creates.append((what, name, file, line))

    def rows(self, file: str):
        """The rows of ``file`` that have every required field and an allowed status."""
        for line, row in self.files.get(file, []):
            missing = [f for f in REQUIRED[file] if not row.get(f)]
            for name in missing:
                self.error(file, line, name, _l("Required field is missing."))
            status = row.get("status", "")
            if status not in ("", "active", "tobedeleted"):
                self.error(file, line, "status", _l("Expected active or tobedeleted."))
            if missing or status == "tobedeleted":
                continue
            yield line, row

    def unique(self, file: str, rows: list) -> dict[str, tuple[int, dict]]:
        out = {}
        for line, row in rows:
            if row["sourcedId"] in out:
                self.error(file, line, "sourcedId", _l("The sourcedId %(id)s appears twice (first on line %(line)s).",
                                                       id=row["sourcedId"], line=out[row["sourcedId"]][0]))
                continue
            out[row["sourcedId"]] = (line, row)
        return out

    def date(self, file: str, line: int, row: dict, name: str):
        if not row.get(name):
            return None
        value = _date(row[name])
        if value is None:
            self.error(file, line, name, _l("Not a date: '%(value)s' (write YYYY-MM-DD).", value=row[name]))
        return value

    def ref(self, file: str, line: int, name: str, value: str, known, target: str) -> bool:
        if value not in known:
            self.error(file, line, name, _l("Unknown reference: %(id)s is not in %(file)s.", id=value, file=target))
            return False
        return True

    def link(self, kind: str, sourced_id: str):
        return self.links.get((kind, sourced_id))

    # ---- the files, in dependency order
    def check(self) -> None:
        self.check_orgs()
        if not hasattr(self, "school_sid"):
            return  # without the school every other row would be refused for naming it
        self.links = {}
        if self.school is not None:
            self.links = {(r.kind, r.sourced_id): r.object_id
                          for r in OneRosterLink.select().where(OneRosterLink.school == self.school)}
        self.check_sessions()
        self.check_courses()
        self.check_classes()
        self.check_users()
        self.check_enrollments()

    def check_orgs(self) -> None:
        f = "orgs.csv"
        orgs = self.unique(f, list(self.rows(f)))
        schools = [(line, row) for line, row in orgs.values() if row["type"] == "school"]
        self.orgs = orgs
        if not schools:
            self.error(f, 1, "type", _l("No org of type school: the file must describe one school."))
            return
        for line, _row in schools[1:]:
            self.error(f, line, "type", _l("A second school: import one school at a time."))
        line, row = schools[0]
        self.school_sid = row["sourcedId"]
        self.plan.data["school_sid"] = self.school_sid
        if self.school is None:
            link = OneRosterLink.get_or_none((OneRosterLink.kind == "school")
                                             & (OneRosterLink.sourced_id == self.school_sid))
            self.school = School.get_or_none(School.id == link.object_id) if link else None
        short_name = (row.get(META + "shortName") or "").strip() or short_name_from(row["name"])
        for known in (row.get(META + "shortName"), row.get("identifier")):
            if self.school is None and known:
                self.school = School.get_or_none(School.short_name == known)
        if self.school is None:
            self.school = School.get_or_none(School.name == row["name"])
        if self.school is None:
            parent = orgs.get(row.get("parentSourcedId", ""), (None, {}))[1]
            muni = None
            if parent:
                muni = (Municipality.get_or_none(Municipality.code == parent.get("identifier", ""))
                        or Municipality.get_or_none(Municipality.name_ru == parent.get("name", "")))
            if muni is None:
                self.error(f, line, "parentSourcedId",
                           _l("The school's district must be a municipality of the region (its identifier the "
                              "municipality's code), or name an existing school with --school."))
                return
            self.plan.data["new_school"] = {"municipality": muni, "name": row["name"],
                                            "short_name": short_name}
            self.create("school", row["name"], f, line)
        self.plan.school = self.school

    def check_sessions(self) -> None:
        f = "academicSessions.csv"
        sessions = self.unique(f, list(self.rows(f)))
        years, periods = {}, {}
        for session_sid, (line, row) in sessions.items():
            start, end = self.date(f, line, row, "startDate"), self.date(f, line, row, "endDate")
            if not re.fullmatch(r"\d{4}", row["schoolYear"]):
                self.error(f, line, "schoolYear", _l("Expected a year such as 2027."))
            if start and end and end < start:
                self.error(f, line, "endDate", _l("The end comes before the start."))
            if row["type"] == "schoolYear":
                if start and end:
                    years[session_sid] = {"line": line, "name": row["title"][:20], "starts_on": start, "ends_on": end,
                                          "periods": []}
            elif row["type"] in PERIOD_OF_TYPE:
                periods[session_sid] = (line, row, start, end)
            else:
                self.error(f, line, "type", _l("Unknown type '%(value)s' (schoolYear, term, semester or "
                                               "gradingPeriod).", value=row["type"]))
        existing = {y.name: y for y in AcademicYear.select().where(AcademicYear.school == self.school)} \
            if self.school else {}
        for year_sid, spec in years.items():
            year_id = self.link("year", year_sid)
            year = AcademicYear.get_or_none(AcademicYear.id == year_id) if year_id else existing.get(spec["name"])
            spec["existing"] = year
            if year is not None and year.closed:
                self.error(f, spec["line"], "sourcedId",
                           _l("The academic year %(name)s is closed: past years are read-only.", name=year.name))
            elif year is None:
                if spec["name"] in {s["name"] for k, s in years.items() if k != year_sid and s["line"] < spec["line"]}:
                    self.error(f, spec["line"], "title", _l("Two school years have the same title."))
                self.create("academic year", spec["name"], f, spec["line"])
        counters: dict = {}
        for _sid, (line, row, start, end) in sorted(periods.items(), key=lambda kv: (kv[1][2] or dt.date.min)):
            parent = row.get("parentSourcedId", "")
            if not parent:
                self.error(f, line, "parentSourcedId", _l("A term or period needs its school year."))
                continue
            if not self.ref(f, line, "parentSourcedId", parent, sessions, f):
                continue
            if parent not in years:
                self.error(f, line, "parentSourcedId", _l("The parent must be a session of type schoolYear."))
                continue
            spec = years[parent]
            if start and end and not (spec["starts_on"] <= start and end <= spec["ends_on"]):
                self.error(f, line, "startDate", _l("A period must lie inside its academic year."))
                continue
            kind = row.get(META + "kind") or PERIOD_OF_TYPE[row["type"]]
            if kind not in PERIOD_KINDS:
                self.error(f, line, META + "kind", _l("Expected quarter, semester or trimester."))
                continue
            grades = re.fullmatch(r"(\d+)-(\d+)", row.get(META + "grades") or "1-11")
            number = row.get(META + "number") or ""
            if grades is None or not (1 <= int(grades[1]) <= int(grades[2]) <= 11):
                self.error(f, line, META + "grades", _l("Expected grades such as 1-9."))
                continue
            if number and not number.isdigit():
                self.error(f, line, META + "number", _l("Expected a number."))
                continue
            counters[(parent, kind)] = counters.get((parent, kind), 0) + 1
            if start and end and spec["existing"] is None:
                spec["periods"].append({"kind": kind, "number": int(number) if number else counters[(parent, kind)],
                                        "starts_on": start, "ends_on": end, "grade_from": int(grades[1]),
                                        "grade_to": int(grades[2])})
        self.sessions = sessions
        self.years = years
        self.year_of_session = {s: s for s in years} | {
            s: row.get("parentSourcedId") for s, (_l_, row, _a, _b) in periods.items()
            if row.get("parentSourcedId") in years}
        self.plan.data["years"] = years

    def check_courses(self) -> None:
        f = "courses.csv"
        self.courses = self.unique(f, list(self.rows(f)))
        for _sid, (line, row) in self.courses.items():
            self.ref(f, line, "orgSourcedId", row["orgSourcedId"], self.orgs, "orgs.csv")
            if row.get("schoolYearSourcedId"):
                self.ref(f, line, "schoolYearSourcedId", row["schoolYearSourcedId"], self.sessions,
                         "academicSessions.csv")

    def _grade(self, row: dict, course: dict) -> int | None:
        for text in (_list(row.get("grades", ""))[:1] + _list(course.get("grades", ""))[:1]):
            if text.isdigit():
                return int(text)
        match = re.match(r"\s*(\d+)", row.get("classCode") or row.get("title", ""))
        return int(match[1]) if match else None

    def check_classes(self) -> None:
        f = "classes.csv"
        classes = self.unique(f, list(self.rows(f)))
        homerooms, sections = {}, {}
        school = self.school
        max_letter = school.max_class_letter if school else "Д"
        existing = {}
        if school is not None:
            for group in ClassGroup.select().where(ClassGroup.school == school):
                existing[(group.academic_year_id, group.kind, group.name)] = group
        subjects = {s.name: s for s in Subject.select().where(Subject.school == school)} if school else {}
        new_subjects = {}
        for class_sid, (line, row) in classes.items():
            ok = self.ref(f, line, "courseSourcedId", row["courseSourcedId"], self.courses, "courses.csv")
            if row["schoolSourcedId"] != getattr(self, "school_sid", None):
                ok = self.ref(f, line, "schoolSourcedId", row["schoolSourcedId"], {}, "orgs.csv (as a school)") and ok
            year_sid = None
            for term in _list(row["termSourcedIds"]):
                if self.ref(f, line, "termSourcedIds", term, self.sessions, "academicSessions.csv"):
                    year_sid = year_sid or self.year_of_session.get(term)
            if year_sid is None:
                ok = False
            if row["classType"] not in ("homeroom", "scheduled"):
                self.error(f, line, "classType", _l("Expected homeroom or scheduled."))
                continue
            if not ok:
                continue
            course = self.courses[row["courseSourcedId"]][1]
            if row["classType"] == "homeroom":
                grade = self._grade(row, course)
                if grade is None or not 1 <= grade <= 11:
                    self.error(f, line, "grades", _l("A class needs its grade, 1 to 11."))
                    continue
                name = (row.get("classCode") or row["title"]).strip()[:40]
                kind = row.get(META + "kind") or "regular"
                if kind not in CLASS_KINDS:
                    self.error(f, line, META + "kind", _l("Unknown class kind '%(value)s'.", value=kind))
                    continue
                if META + "letter" in row:
                    letter = row[META + "letter"].upper()
                else:
                    letter = re.sub(r"^\d+", "", name).strip().upper()
                if letter and (letter not in LETTERS or LETTERS.index(letter) > LETTERS.index(max_letter)):
                    if META + "letter" in row:
                        self.error(f, line, META + "letter", _l("Letters go from А to %(max)s at this school (its "
                                                                "settings).", max=max_letter))
                        continue
                    letter = ""
                shift = row.get(META + "shift") or "1"
                if not shift.isdigit():
                    self.error(f, line, META + "shift", _l("Expected a number."))
                    continue
                year = self.years[year_sid]["existing"]
                group_id = self.link("class", class_sid)
                group = ClassGroup.get_or_none((ClassGroup.id == group_id) & (ClassGroup.school == school)) \
                    if group_id else (existing.get((year.id, kind, name)) if year else None)
                if group is None and any(h["name"] == name and h["year"] == year_sid and h["kind"] == kind
                                         for h in homerooms.values()):
                    self.error(f, line, "classCode", _l("The class %(name)s already exists this year.", name=name))
                    continue
                homerooms[class_sid] = {"line": line, "year": year_sid, "grade": grade, "name": name, "kind": kind,
                                        "letter": letter, "shift": int(shift), "existing": group, "subgroups": set()}
                if group is None:
                    self.create("class", name, f, line)
            else:
                sections[class_sid] = (line, row, year_sid, course)
        self.homerooms = homerooms
        find_homeroom = self._homeroom_finder(homerooms)
        self.sections = {}
        for class_sid, (line, row, year_sid, course) in sections.items():
            homeroom = find_homeroom(class_sid, row, year_sid)
            if homeroom is None:
                self.error(f, line, "classCode", _l(
                    "Cannot tell which class this subject class belongs to: its students are not mostly enrolled "
                    "in one homeroom, and neither its classCode nor its title names one. Add the homeroom's "
                    "sourcedId in a metadata.eschool.classGroup column."))
                continue
            subject = (_list(course.get("subjects", "")) or _list(row.get("subjects", "")) or [course["title"]])[0]
            subject = subject[:150]
            hours = None
            if row.get(META + "hoursPerWeek"):
                try:
                    hours = Decimal(row[META + "hoursPerWeek"])
                except InvalidOperation:
                    self.error(f, line, META + "hoursPerWeek", _l("Expected a number."))
                    continue
            subgroup = (row.get(META + "subgroup") or "").strip()[:60]
            if subgroup:
                homerooms[homeroom]["subgroups"].add(subgroup)
            if subject not in subjects and subject not in new_subjects:
                new_subjects[subject] = course.get("courseCode", "")[:30]
                self.create("subject", subject, "courses.csv", self.courses[row["courseSourcedId"]][0])
            self.sections[class_sid] = {"line": line, "homeroom": homeroom, "subject": subject, "subgroup": subgroup,
                                        "hours": hours}
        self.plan.data.update(classes=homerooms, sections=self.sections, new_subjects=new_subjects)

    def _homeroom_finder(self, homerooms: dict):
        """How a subject class (``scheduled``) finds the class group it is taught in, first rule that decides:

        1. ``metadata.eschool.classGroup``: the homeroom's sourcedId (or name) - this portal writes it;
        2. ``classCode`` equal to a homeroom's name in the same school year (``5А``: older exports of this
           portal and systems that follow the same convention);
        3. the students enrolled in it: the homeroom most of them are enrolled in (a strict majority of
           those enrolled in some homeroom of the year; a tie does not decide);
        4. the title naming exactly one homeroom of the year as a word (``Математика 5А``).

        Files of other systems code their subject classes their own way (``MATH-05A``); only a class that
        none of these decides is reported."""
        by_name: dict[tuple, str] = {}
        for class_sid, spec in homerooms.items():
            by_name.setdefault((spec["year"], spec["name"]), class_sid)
        # who is enrolled where, from the enrolment rows as they are (checked later, row by row)
        students_of: dict[str, set[str]] = {}
        homerooms_of: dict[str, set[str]] = {}
        for _line, row in self.files.get("enrollments.csv", []):
            if row.get("role") != "student" or row.get("status") == "tobedeleted":
                continue
            class_sid, user_sid = row.get("classSourcedId", ""), row.get("userSourcedId", "")
            if class_sid in homerooms:
                homerooms_of.setdefault(user_sid, set()).add(class_sid)
            else:
                students_of.setdefault(class_sid, set()).add(user_sid)

        def find(class_sid: str, row: dict, year_sid: str) -> str | None:
            named = (row.get(META + "classGroup") or "").strip()
            if named:
                if named in homerooms and homerooms[named]["year"] == year_sid:
                    return named
                if (year_sid, named) in by_name:
                    return by_name[(year_sid, named)]
            code = (row.get("classCode") or "").strip()
            if (year_sid, code) in by_name:
                return by_name[(year_sid, code)]
            votes: dict[str, int] = {}
            for user_sid in students_of.get(class_sid, ()):
                for homeroom in homerooms_of.get(user_sid, ()):
                    if homerooms[homeroom]["year"] == year_sid:
                        votes[homeroom] = votes.get(homeroom, 0) + 1
            if votes:
                best = max(votes.values())
                leaders = [h for h, n in votes.items() if n == best]
                if len(leaders) == 1 and best * 2 > sum(votes.values()):
                    return leaders[0]
            title = row.get("title") or ""
            named_in_title = {h for (y, name), h in by_name.items() if y == year_sid and name
                              and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", title)}
            return named_in_title.pop() if len(named_in_title) == 1 else None

        return find

    def check_users(self) -> None:
        f = "users.csv"
        users = self.unique(f, list(self.rows(f)))
        demographics = {}
        for line, row in self.rows("demographics.csv"):
            if self.ref("demographics.csv", line, "sourcedId", row["sourcedId"], users, f):
                birth = self.date("demographics.csv", line, row, "birthDate")
                sex = row.get("sex", "")
                if sex and sex not in SEXES:
                    self.error("demographics.csv", line, "sex", _l("Expected male or female."))
                demographics[row["sourcedId"]] = {"birth_date": birth, "gender": SEXES.get(sex)}
        taken_names = {}
        in_use = {name: _in_use(getattr(User, name), [(row.get(column) or "").strip() for _l_, row in users.values()],
                                lower=name == "email")
                  for name, column in (("username", "username"), ("email", "email"), ("phone", "phone"))}
        taken_emails = {}
        specs = {}
        for user_sid, (line, row) in users.items():
            role = row["role"]
            if role not in DEFAULT_ROLES:
                self.error(f, line, "role", _l("Unknown role '%(value)s' (administrator, teacher, aide, student, "
                                               "parent or guardian).", value=role))
                continue
            enabled = row.get("enabledUser", "true").lower() or "true"
            if enabled not in ("true", "false"):
                self.error(f, line, "enabledUser", _l("Expected true or false."))
                continue
            for org in _list(row.get("orgSourcedIds", "")):
                self.ref(f, line, "orgSourcedIds", org, self.orgs, "orgs.csv")
            if not (row.get("givenName") or row.get("familyName")):
                self.error(f, line, "familyName", _l("A person needs a name."))
                continue
            for agent in _list(row.get("agentSourcedIds", "")):
                if self.ref(f, line, "agentSourcedIds", agent, users, f):
                    other = users[agent][1]["role"]
                    if (role == "student") == (other == "student"):
                        self.error(f, line, "agentSourcedIds",
                                   _l("%(id)s: a student's agents are parents, a parent's agents are students.",
                                      id=agent))
            spec = {"line": line, "role": role, "enabled": enabled == "true", "username": row["username"],
                    "email": (row.get("email") or "").strip().lower() or None, "phone": row.get("phone") or None,
                    "password": self.password(f, line, row)}
            if role == "student":
                card = {"last_name": row.get("familyName", ""), "first_name": row.get("givenName", ""),
                        "middle_name": row.get("middleName", "")}
                # demographics are optional in the specification: a card without them is imported and its
                # missing fields are "to complete" (the card says so; the school's list of such cards)
                demo = demographics.get(user_sid, {})
                if demo.get("birth_date"):
                    card["birth_date"] = demo["birth_date"].isoformat()
                if demo.get("gender"):
                    card["gender"] = demo["gender"]
                try:
                    spec["card"] = {"birth_date": None, "gender": "",
                                    **CardInSchema().load(card, partial=("birth_date", "gender"))}
                except ValidationError as exc:
                    names = {"last_name": "familyName", "first_name": "givenName", "middle_name": "middleName"}
                    for column, messages in as_text(exc.messages).items():
                        self.error(f, line, names.get(column, column), " ".join(messages))
                    continue
                if spec["card"]["birth_date"] is None or not spec["card"]["gender"]:
                    self.plan.incomplete.append((f, line, " ".join(p for p in card.values() if p)))
                spec["existing"] = self._existing_student(user_sid, spec["card"])
                spec["full_name"] = " ".join(p for p in (card["last_name"], card["first_name"], card["middle_name"]) if p)
            else:
                if META + "roles" in row:
                    roles = _list(row[META + "roles"])
                else:
                    roles = list(DEFAULT_ROLES[role])
                bad = [r for r in roles if r not in self.allowed_roles or r in ("student",)
                       or "school" not in self.allowed_roles[r].levels and "class" not in self.allowed_roles[r].levels]
                if bad:
                    self.error(f, line, META + "roles" if META + "roles" in row else "role",
                               _l("Unknown role '%(value)s' in this region.", value=", ".join(bad)))
                    continue
                relation = row.get(META + "relation") or ("guardian" if role == "guardian" else "other")
                if relation not in RELATIONS:
                    self.error(f, line, META + "relation", _l("Expected mother, father, guardian or other."))
                    continue
                spec.update(roles=roles, relation=relation,
                            full_name=" ".join(p for p in (row.get("familyName"), row.get("givenName"),
                                                           row.get("middleName")) if p))
                user_id = self.link("user", user_sid)
                spec["existing"] = User.get_or_none(User.id == user_id) if user_id else None
            needs_account = role != "student" or spec["enabled"]
            existing_user = spec["existing"] if role != "student" else (
                User.get_or_none(User.id == spec["existing"].user_id) if spec["existing"] and spec["existing"].user_id
                else None)
            spec["existing_user"] = existing_user
            if needs_account and existing_user is None:
                if not USERNAME_PATTERN.match(spec["username"]):
                    self.error(f, line, "username", _l("3-150 Latin letters, digits or . _ @ -"))
                    continue
                if spec["username"] in taken_names:
                    self.error(f, line, "username", _l("The username %(name)s appears twice (first on line %(line)s).",
                                                       name=spec["username"], line=taken_names[spec["username"]]))
                    continue
                if spec["username"] in in_use["username"]:
                    self.error(f, line, "username", _l("The username %(name)s is taken by an account that is not "
                                                       "from this file.", name=spec["username"]))
                    continue
                taken_names[spec["username"]] = line
                if spec["email"]:
                    if spec["email"] in taken_emails or spec["email"] in in_use["email"]:
                        self.error(f, line, "email", _l("The e-mail %(email)s is taken.", email=spec["email"]))
                        continue
                    taken_emails[spec["email"]] = line
                if spec["phone"] and spec["phone"] in in_use["phone"]:
                    self.error(f, line, "phone", _l("The phone %(phone)s is taken.", phone=spec["phone"]))
                    continue
            if spec["existing"] is None:
                self.create(role, spec["full_name"], f, line)
            spec["agents"] = _list(row.get("agentSourcedIds", ""))
            specs[user_sid] = spec
        self.users = users
        self.user_specs = specs
        links = set()
        for user_sid, spec in specs.items():
            for agent in spec["agents"]:
                if agent in specs:
                    pair = (user_sid, agent) if spec["role"] == "student" else (agent, user_sid)
                    links.add(pair)
        self.plan.data.update(users=specs, guardians=sorted(links))

    def password(self, file: str, line: int, row: dict) -> str | None:
        """The ``password`` a file gives (an optional field of the specification): kept (hashed on import,
        to be changed at the first login) when strong enough; a weak one is left out with a note, and the
        account gets a one-time password with the others that have none (``eschool users issue-logins``)."""
        password = row.get("password") or ""
        if not password:
            return None
        try:
            check_password_strength(password)
        except AccountError as exc:
            self.plan.notes.append((file, line, "password", str(_l(
                "Not kept (%(reason)s): the account gets a one-time password instead.", reason=exc.message))))
            return None
        return password

    def _existing_student(self, user_sid: str, card: dict) -> Student | None:
        if self.school is None:
            return None
        student_id = self.link("student", user_sid)
        if student_id:
            return Student.get_or_none((Student.id == student_id) & (Student.school == self.school))
        if card["birth_date"] is None:
            return None  # a name alone is not a person: two children may share it
        return Student.get_or_none((Student.school == self.school) & (Student.last_name == card["last_name"])
                                   & (Student.first_name == card["first_name"])
                                   & (Student.birth_date == card["birth_date"]))

    def check_enrollments(self) -> None:
        f = "enrollments.csv"
        rows = self.unique(f, list(self.rows(f)))
        memberships: dict[str, list] = {}
        class_teachers: dict[str, list] = {}
        assignments = []
        for _sid, (line, row) in rows.items():
            ok = self.ref(f, line, "classSourcedId", row["classSourcedId"], self._all("classes.csv"), "classes.csv")
            ok = self.ref(f, line, "userSourcedId", row["userSourcedId"], self._all("users.csv"), "users.csv") and ok
            if row["schoolSourcedId"] != getattr(self, "school_sid", None):
                ok = self.ref(f, line, "schoolSourcedId", row["schoolSourcedId"], {}, "orgs.csv (as a school)") and ok
            begin, end = self.date(f, line, row, "beginDate"), self.date(f, line, row, "endDate")
            if begin and end and end < begin:
                self.error(f, line, "endDate", _l("The end comes before the start."))
                ok = False
            primary = (row.get("primary") or "false").lower()
            if primary not in ("true", "false"):
                self.error(f, line, "primary", _l("Expected true or false."))
                ok = False
            role = row["role"]
            if role not in ENROLMENT_ROLES:
                self.error(f, line, "role", _l("Unknown role '%(value)s' (student, teacher or administrator).",
                                               value=role))
                continue
            if not ok or (row["classSourcedId"] not in self.homerooms and row["classSourcedId"] not in self.sections):
                continue
            user = self.user_specs.get(row["userSourcedId"])
            if user is None:
                continue  # the user's own row is bad, and said so
            if (role == "student") != (user["role"] == "student"):
                self.error(f, line, "role", _l("%(id)s is a %(role)s in users.csv.", id=row["userSourcedId"],
                                               role=user["role"]))
                continue
            homeroom = row["classSourcedId"] if row["classSourcedId"] in self.homerooms else None
            if role == "student" and homeroom:
                year = self.years[self.homerooms[homeroom]["year"]]
                memberships.setdefault(row["userSourcedId"], []).append(
                    {"line": line, "class": homeroom, "begin": begin or year["starts_on"], "end": end})
            elif role == "teacher" and homeroom and primary == "true":
                class_teachers.setdefault(homeroom, []).append(row["userSourcedId"])
            elif role == "teacher" and not homeroom:
                assignments.append({"line": line, "teacher": row["userSourcedId"], "section": row["classSourcedId"]})
        for user_sid, items in memberships.items():
            items.sort(key=lambda m: m["begin"])
            for before, after in zip(items, items[1:], strict=False):
                if before["end"] is None or before["end"] > after["begin"]:
                    if before["class"] != after["class"] or before["end"] is None:
                        self.error(f, after["line"], "beginDate",
                                   _l("%(id)s would be in two classes at once (see line %(line)s).",
                                      id=user_sid, line=before["line"]))
        for user_sid, spec in self.user_specs.items():
            spec.setdefault("teaches", False)  # a teacher must work at the school: see run()
            if spec["role"] == "student" and spec["existing"] is None and user_sid not in memberships:
                self.error("users.csv", spec["line"], "sourcedId",
                           _l("%(id)s: a new student needs an enrolment in a homeroom class (enrollments.csv).",
                              id=user_sid))
        for item in assignments:
            self.user_specs[item["teacher"]]["teaches"] = True
        for teachers in class_teachers.values():
            for teacher in teachers:
                self.user_specs[teacher]["class_teacher"] = True
        self.plan.data.update(memberships=memberships, class_teachers=class_teachers, assignments=assignments)

    def _all(self, file: str) -> set[str]:
        """Every sourcedId of ``file``, its refused rows too (a row naming one is not an unknown reference)."""
        cache = self.__dict__.setdefault("_all_cache", {})
        if file not in cache:
            cache[file] = {row.get("sourcedId") for _line, row in self.files.get(file, []) if row.get("sourcedId")}
        return cache[file]


def check(files: dict, school: School | None, allowed_roles: dict) -> Plan:
    """Check the files read by ``read_folder``; nothing is written."""
    plan = Plan()
    _Checker(files, plan, school, allowed_roles).check()
    plan.errors.sort(key=lambda e: (list(HEADERS).index(e[0]) if e[0] in HEADERS else -1, e[1]))
    return plan


def check_folder(folder: Path, school: School | None, allowed_roles: dict) -> Plan:
    """Read and check a OneRoster folder: the problems with its files come first, then the bad rows."""
    files, problems = read_folder(folder)
    plan = check(files, school, allowed_roles)
    plan.errors[:0] = problems
    return plan


# =========================================================================== importing


def run(plan: Plan, allowed_roles: dict, actor=None, order_number: str = IMPORT_ORDER, progress=None) -> dict:
    """Carry out a checked plan in one transaction; nothing if it has errors. Returns counts of what was made."""
    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")

    d = plan.data
    tick = progress or (lambda _n: None)
    made = {"users": 0, "students": 0, "classes": 0, "memberships": 0, "assignments": 0, "guardians": 0,
            "without_password": 0}
    moved = []
    with db.atomic():
        school = plan.school
        if school is None:
            spec = d["new_school"]
            school = create_school(spec["municipality"], spec["name"], spec["short_name"])
            plan.school = school
        known = {(r.kind, r.sourced_id) for r in OneRosterLink.select().where(OneRosterLink.school == school)}

        def remember(kind: str, sourced_id: str, object_id: int) -> None:
            if (kind, sourced_id) not in known:
                OneRosterLink.create(school=school, kind=kind, sourced_id=sourced_id, object_id=object_id)
                known.add((kind, sourced_id))

        remember("school", d["school_sid"], school.id)
        tick(1)
        # years and subjects
        years = {}
        for year_sid, spec in d["years"].items():
            year = spec["existing"]
            if year is None:
                has_current = current_year(school) is not None
                year = create_year(school, {"name": spec["name"], "starts_on": spec["starts_on"],
                                                            "ends_on": spec["ends_on"], "is_current": not has_current,
                                                            "periods": spec["periods"]})
            years[year_sid] = year
            remember("year", year_sid, year.id)
        subjects = {s.name: s for s in Subject.select().where(Subject.school == school)}
        for name, short in d["new_subjects"].items():
            if name not in subjects:
                subjects[name] = add_subject(school, {"name": name, "short_name": short})
        # staff and parents' accounts, with their school-level roles
        accounts = {}
        parents = {parent for _student, parent in d["guardians"]}
        for user_sid, spec in d["users"].items():
            if spec["role"] == "student":
                continue
            user = spec["existing"]
            if user is None:
                user = create_user(spec["username"], spec["full_name"], email=spec["email"], phone=spec["phone"],
                                   password=spec["password"], must_change_password=True)
                if not spec["enabled"]:
                    User.update(is_active=False).where(User.id == user.id).execute()
                made["users"] += 1
                made["without_password"] += spec["password"] is None and spec["enabled"]
            roles = list(spec["roles"])
            if user_sid in parents and "parent" not in roles:
                roles.append("parent")
            if spec["teaches"] and not spec.get("class_teacher") and not set(roles) & set(STAFF_ROLES):
                roles.append("subject_teacher")
            for role in roles:
                grant_role(user, role, school=school, allowed_roles=allowed_roles)
            accounts[user_sid] = user
            remember("user", user_sid, user.id)
            tick(1)
        # classes, their class teachers, subject classes and who teaches them
        groups = {}
        for class_sid, spec in d["classes"].items():
            group = spec["existing"]
            if group is None:
                group = create_class(school, {
                    "academic_year_id": years[spec["year"]].id, "kind": spec["kind"], "grade": spec["grade"],
                    "letter": spec["letter"], "name": spec["name"], "shift": spec["shift"], "class_teacher_id": None,
                    "subgroups": sorted(spec["subgroups"])})
                made["classes"] += 1
            else:
                have = {s.name for s in Subgroup.select().where(Subgroup.class_group == group)}
                for name in sorted(spec["subgroups"] - have):
                    Subgroup.create(class_group=group, name=name)
            groups[class_sid] = group
            remember("class", class_sid, group.id)
            for teacher_sid in d["class_teachers"].get(class_sid, []):
                teacher = accounts[teacher_sid]
                grant_role(teacher, "class_teacher", school=school, class_group_id=group.id,
                                allowed_roles=allowed_roles)
                if group.class_teacher_id is None:
                    group.class_teacher = teacher
                    group.save(only=[ClassGroup.class_teacher])
            tick(1)
        subgroup_ids = {(s.class_group_id, s.name): s.id for s in
                        Subgroup.select().where(Subgroup.class_group.in_([g.id for g in groups.values()]))}
        for _class_sid, spec in d["sections"].items():
            group = groups[spec["homeroom"]]
            if spec["hours"] is not None:
                set_curriculum_line(school, group, subjects[spec["subject"]].id, spec["hours"])
            tick(1)
        have = {(a.teacher_id, a.class_group_id, a.subgroup_id, a.subject_id) for a in TeachingAssignment.select()
                .where(TeachingAssignment.class_group.in_([g.id for g in groups.values()]))}
        for item in d["assignments"]:
            section = d["sections"][item["section"]]
            group = groups[section["homeroom"]]
            key = (accounts[item["teacher"]].id, group.id,
                   subgroup_ids.get((group.id, section["subgroup"])) if section["subgroup"] else None,
                   subjects[section["subject"]].id)
            if key in have:
                continue
            add_assignment(school, {"class_id": group.id, "teacher_id": key[0],
                                                    "subject_id": key[3], "subgroup_id": key[2]})
            have.add(key)
            made["assignments"] += 1
        # students: their cards, classes over time (through the movement book) and own logins
        cards = {}
        for user_sid, spec in d["users"].items():
            if spec["role"] != "student":
                continue
            student = spec["existing"]
            items = d["memberships"].get(user_sid, [])
            if student is not None:
                present = {(m.class_group_id, m.starts_on) for m in student.memberships}
                items = [m for m in items if (groups[m["class"]].id, m["begin"]) not in present]
            for index, item in enumerate(items):
                group = groups[item["class"]]
                base = {"class_id": group.id, "date": item["begin"], "order_number": order_number}
                current = current_membership(student) if student is not None else None
                if student is None:
                    student = enrol(school, {**spec["card"], **base}, actor=actor, notify=False)
                    moved.append((student, student.last_movement))
                    made["students"] += 1
                elif current is not None and current.starts_on < item["begin"] and current.class_group_id != group.id:
                    moved.append((student, transfer(school, student, base, actor=actor, notify=False)))
                else:
                    ClassMembership.create(student=student, class_group=group, starts_on=item["begin"],
                                           ends_on=item["end"])
                    made["memberships"] += 1
                    continue
                made["memberships"] += 1
                following = items[index + 1] if index + 1 < len(items) else None
                if item["end"] is None:
                    continue
                if following is None:
                    moved.append((student, leave(school, student, {
                        "date": item["end"], "order_number": order_number, "reason": IMPORT_ORDER,
                        "other_school": ""}, actor=actor, notify=False)))
                elif following["begin"] != item["end"] or following["class"] == item["class"]:
                    ClassMembership.update(ends_on=item["end"]).where(
                        (ClassMembership.student == student) & ClassMembership.ends_on.is_null()).execute()
                # else: the transfer on the next date closes it
            if student is None:  # listed, but in no class of the file: not a student of this school
                continue
            membership = current_membership(student) or student.memberships.order_by(
                ClassMembership.starts_on.desc()).first()
            if spec["enabled"] and student.user_id is None and membership is not None:
                login = create_user(spec["username"], student.full_name, email=spec["email"],
                                    phone=spec["phone"], password=spec["password"], must_change_password=True)
                grant_role(login, "student", school=school, class_group_id=membership.class_group_id,
                                allowed_roles=allowed_roles)
                Student.update(user=login).where(Student.id == student.id).execute()
                made["users"] += 1
                made["without_password"] += spec["password"] is None
            cards[user_sid] = student
            remember("student", user_sid, student.id)
            tick(1)
        # parents
        linked = {(g.student_id, g.user_id) for g in Guardian.select(Guardian.student, Guardian.user)
                  .join(Student).where(Student.school == school)}
        for student_sid, parent_sid in d["guardians"]:
            if student_sid not in cards:
                continue
            spec = d["users"][parent_sid]
            student = cards[student_sid]
            if (student.id, accounts[parent_sid].id) not in linked:
                link_guardian(student, {"user_id": accounts[parent_sid].id, "relation": spec["relation"],
                                               "legal_representative": True}, actor=actor)
                made["guardians"] += 1
    for student, movement in moved:  # after the commit: plugins hear of what is really stored
        notify_moved(school, student, movement, actor)
    return made
