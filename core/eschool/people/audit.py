"""The audit log as people read it: what each entry is about (the student, the lesson, the parent), the field and
its values in the user's language, instead of the stored identifiers (``mark #12``, ``kind``, ``absent``,
``relation mother``).

``describe(entries)`` looks the records up kind by kind, one query per kind of record on the page (a fixed
number whatever the number of entries): students, marks and attendance with their lesson, final marks, parents'
links, consents, accounts, staff files, subgroups, periods and years. A record deleted since (an emptied mark
cell) keeps what the entry itself says.
"""
from __future__ import annotations

from collections import defaultdict

from flask_babel import format_date, lazy_pgettext
from flask_babel import lazy_gettext as _l

#: What each kind of record is called.
RECORDS = {
    "student": _l("Student"), "guardian": _l("Parent"), "consent": _l("Consent"), "mark": _l("Mark"),
    "attendance": _l("Attendance"), "final_mark": _l("Final mark"), "period": _l("Study period"),
    "academic_year": _l("Academic year"), "account": _l("Account"), "parent": _l("Parent"),
    "staff_file": _l("Personal file"), "subgroup": _l("Subgroup"),
}
#: The fields as the forms name them.
FIELDS = {
    "last_name": _l("Last name"), "first_name": _l("First name"), "middle_name": _l("Middle name"),
    "birth_date": _l("Date of birth"), "gender": _l("Gender"), "document_kind": _l("Document"),
    "document_number": _l("Document number"), "snils": _l("SNILS"), "address": _l("Address"),
    "status": _l("Status"), "login": _l("Login"), "account": _l("Login"), "relation": _l("Relation"),
    "student": _l("Student"), "user": _l("Parent"), "given_by": _l("Given by"), "given_on": _l("Given on"),
    "value": _l("Mark"), "kind": _l("Attendance"), "closed": lazy_pgettext("audit", "Closed"), "password": _l("Password"),
    "is_active": _l("Account active"), "sessions": lazy_pgettext("audit", "Sessions"), "roles": _l("Roles"),
    "members": _l("Students"), "position": _l("Position"), "phone": _l("Phone"), "education": _l("Education"),
    "hired_on": _l("Hired on"), "order_number": _l("Order number"),
}
#: Stored values shown in words.
VALUES = {
    "kind": {"absent": _l("absent"), "ill": _l("absent, ill"), "excused": _l("absent, excused"),
             "late": _l("came late")},
    "relation": {"mother": _l("mother"), "father": _l("father"), "guardian": _l("guardian"), "other": _l("other")},
    "gender": {"m": _l("male"), "f": _l("female")},
    "document_kind": {"birth_certificate": _l("birth certificate"), "passport": _l("passport")},
    "status": {"studying": _l("studying"), "left": _l("left the school")},
    "value": {"pass": _l("pass"), "fail": _l("fail")},
    "_yes_no": {"yes": _l("yes"), "no": _l("no"), "True": _l("yes"), "False": _l("no"), "1": _l("yes"),
                "0": _l("no")},
    "password": {"one-time password set": _l("a one-time password was set")},
    "sessions": {"ended": _l("ended")},
}
PERIOD_KINDS = {"quarter": _l("quarter"), "semester": _l("semester"), "trimester": _l("trimester")}
FINAL_KINDS = {"year": _l("year"), "exam": _l("exam")}


def _date(value) -> str:
    import datetime as dt

    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]), "short")
    except ValueError:
        return str(value)


def _value(field: str, value, students: dict) -> str:
    """A stored value in words (``absent`` -> «absent, ill»; ``mother`` -> «mother»; a list of student ids
    -> their names; role codes -> role names)."""
    if value is None or value == "":
        return ""
    text = str(value)
    if field in ("closed", "is_active"):
        return str(VALUES["_yes_no"].get(text, text))
    if field in VALUES:
        return str(VALUES[field].get(text, text))
    if field in ("birth_date", "given_on", "hired_on") and len(text) >= 10 and text[4] == "-":
        return _date(text)
    if field == "members":
        ids = [int(x) for x in text.split(",") if x.strip().isdigit()]
        return ", ".join(students.get(i, f"#{i}") for i in ids)
    if field == "roles":
        from eschool.auth.roles import ROLES

        return ", ".join(str(ROLES[code.strip()].label) if code.strip() in ROLES else code for code in text.split(","))
    return text


def describe(entries) -> list[dict]:
    """``[{"entry", "record", "field", "old", "new"}]``: each entry of the audit log in words."""
    from eschool.auth.models import User
    from eschool.journal.models import Attendance, FinalMark, Lesson, Mark
    from eschool.people.models import Consent, Guardian, StaffFile, Student
    from eschool.school.models import AcademicYear, ClassGroup, Period, Subgroup, Subject

    ids = defaultdict(set)
    for entry in entries:
        ids[entry.record].add(entry.record_id)
    names: dict[tuple, str] = {}

    def lesson_text(lesson, subject_name) -> str:
        return f"{subject_name}, {format_date(lesson.date, 'short')}" + (
            f", {_l('lesson %(n)s', n=lesson.number)}" if lesson.number is not None else "")

    if ids["student"]:
        for s in Student.select(Student.id, Student.last_name, Student.first_name, Student.middle_name).where(
                Student.id.in_(sorted(ids["student"]))):
            names[("student", s.id)] = s.full_name
    for kind, model in (("mark", Mark), ("attendance", Attendance)):
        if ids[kind]:
            for row in (model.select(model, Lesson, Subject, Student).join(Lesson).join(Subject)
                        .switch(model).join(Student).where(model.id.in_(sorted(ids[kind])))):
                names[(kind, row.id)] = f"{row.student.full_name} · {lesson_text(row.lesson, row.lesson.subject.name)}"
    if ids["final_mark"]:
        for row in (FinalMark.select(FinalMark, Subject, Student).join(Subject).switch(FinalMark).join(Student)
                    .where(FinalMark.id.in_(sorted(ids["final_mark"])))):
            names[("final_mark", row.id)] = f"{row.student.full_name} · {row.subject.name}"
    if ids["guardian"]:
        for row in (Guardian.select(Guardian, User, Student).join(User).switch(Guardian).join(Student)
                    .where(Guardian.id.in_(sorted(ids["guardian"])))):
            names[("guardian", row.id)] = str(_l("%(parent)s, parent of %(student)s", parent=row.user.full_name,
                                                 student=row.student.full_name))
    if ids["consent"]:
        for row in Consent.select(Consent, Student).join(Student).where(Consent.id.in_(sorted(ids["consent"]))):
            names[("consent", row.id)] = row.student.full_name
    users = ids["account"] | ids["parent"]
    if users:
        for u in User.select(User.id, User.full_name, User.username).where(User.id.in_(sorted(users))):
            names[("account", u.id)] = names[("parent", u.id)] = f"{u.full_name} ({u.username})"
    if ids["staff_file"]:
        for row in (StaffFile.select(StaffFile.id, User.full_name).join(User)
                    .where(StaffFile.id.in_(sorted(ids["staff_file"]))).tuples()):
            names[("staff_file", row[0])] = row[1]
    if ids["subgroup"]:
        for row in (Subgroup.select(Subgroup.id, Subgroup.name, ClassGroup.name.alias("class_name")).join(ClassGroup)
                    .where(Subgroup.id.in_(sorted(ids["subgroup"]))).objects()):
            names[("subgroup", row.id)] = f"{row.class_name}, {row.name}"
    if ids["period"]:
        for row in (Period.select(Period, AcademicYear).join(AcademicYear)
                    .where(Period.id.in_(sorted(ids["period"])))):
            names[("period", row.id)] = f"{row.number} {PERIOD_KINDS.get(row.kind, row.kind)}, {row.academic_year.name}"
    if ids["academic_year"]:
        for row in AcademicYear.select().where(AcademicYear.id.in_(sorted(ids["academic_year"]))):
            names[("academic_year", row.id)] = row.name
    # the students named by subgroup changes, and the periods and subjects named by final marks' fields
    member_ids = {int(x) for e in entries if e.field == "members" for v in (e.old_value, e.new_value)
                  for x in (v or "").split(",") if x.strip().isdigit()}
    students = {s.id: s.full_name for s in Student.select(Student.id, Student.last_name, Student.first_name,
                                                          Student.middle_name).where(Student.id.in_(sorted(member_ids)))} \
        if member_ids else {}
    result = []
    for entry in entries:
        kind = str(RECORDS.get(entry.record, entry.record))
        what = names.get((entry.record, entry.record_id))
        if what is None and entry.record in ("mark", "attendance", "final_mark"):
            what = str(_l("deleted since"))
        record = f"{kind}: {what}" if what else kind
        field = entry.field
        if entry.record == "final_mark" and field.startswith("subject "):
            field_label = str(_final_label(field))
            field = "value"
        else:
            field_label = str(FIELDS.get(field, field))
        result.append({"entry": entry, "record": record, "field": field_label,
                       "old": _value(field, entry.old_value, students), "new": _value(field, entry.new_value, students)})
    return result


def _final_label(field: str):
    """``subject 3, period 7`` (a final mark's field): «Final mark for the period» / «for the year» / «exam»."""
    where = field.split(", ", 1)[1] if ", " in field else ""
    if where.startswith("period"):
        return _l("Final mark for the period")
    if where in FINAL_KINDS:
        return _l("Final mark: %(kind)s", kind=FINAL_KINDS[where])
    return _l("Final mark")
