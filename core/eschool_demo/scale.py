"""Region-scale data sets for benchmarks: ``eschool demo --scale school|municipality|region``.

The believable demo school (``eschool_demo.demo``) is built through the services, row by row, so that it
obeys every rule. Benchmarks need far more: a municipality is about 50 schools and 25,000 students
with a year of lessons, marks, attendance and homework (millions of rows). This generator writes
them in bulk: ids are assigned here, rows go in with one ``executemany`` (SQLite) or
``execute_values`` (PostgreSQL) per batch, and PostgreSQL's sequences are moved past the new ids at
the end. The shapes are those of a real school (grades 1-11, about 25 students a class, 30 lessons
a week, a mark for about one student in six per lesson, 5% absences, homework in most lessons); the
timetable is not checked for teacher clashes, which the benchmarks do not need.

Every scale's schools are new schools named «Школа нагрузки №N»; running it again adds nothing
when they exist. Accounts: ``scale-teacher-<school>-<n>``, ``scale-parent-<student id>``, all with
the demo password.
"""
from __future__ import annotations

import datetime as dt
import io
import operator
import random
from dataclasses import dataclass

import peewee
from flask import current_app

from eschool.db import db

SCALES = {
    # schools, students per school, weeks of journal (None: from 1 September through the current week, what a
    # region holds on the evening measured; at least 8)
    "school": (1, 600, 34),
    "municipality": (50, 500, 34),
    "region": (650, 550, None),
}
YEAR_START, YEAR_END = dt.date(2026, 9, 1), dt.date(2027, 5, 31)


def weeks_through(today: dt.date, start: dt.date = YEAR_START, at_least: int = 8) -> int:
    """The weeks of journal from ``start`` through the week of ``today`` (at least ``at_least``, at most the
    school year's): the region is built as it stands that evening, so the 19:00 mix has today's lessons."""
    year_weeks = (YEAR_END - start).days // 7 + 1
    return max(at_least, min(year_weeks, (today - start).days // 7 + 1))
PASSWORD = "demo-2026"
NAME_PREFIX = "Школа нагрузки №"
SUBJECTS = [("Русский язык", 5), ("Литература", 3), ("Математика", 5), ("Английский язык", 3),
            ("История", 2), ("Окружающий мир", 2), ("Биология", 2), ("Физика", 2), ("Информатика", 1),
            ("Физическая культура", 3), ("География", 2)]  # 30 lessons a week
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
        "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов"]
FIRST_M = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"]
FIRST_F = ["Анастасия", "Мария", "Дарья", "Анна", "Елизавета", "Полина", "Виктория", "Екатерина", "Софья"]
PATRON_M = ["Александрович", "Дмитриевич", "Сергеевич", "Андреевич", "Алексеевич", "Игоревич"]
PATRON_F = ["Александровна", "Дмитриевна", "Сергеевна", "Андреевна", "Алексеевна", "Игоревна"]
TOPICS = ["Повторение", "Новая тема", "Практическая работа", "Решение задач", "Контроль знаний", "Обобщение"]


class Bulk:
    """Insert many rows of a model fast, ids given by the caller; fields left out take their default."""

    def __init__(self, database, batch: int = 5000):
        self.database, self.batch = database, batch
        self.postgres = not isinstance(database, peewee.SqliteDatabase)  # pooled or not
        self.touched: set = set()
        self._superuser: bool | None = None

    def defer_checks(self) -> None:
        """PostgreSQL, as a superuser: skip the foreign-key triggers for this transaction (``SET LOCAL
        session_replication_role = replica``). The generator's ids are consistent by construction and
        the row-by-row FK checks are most of COPY's time. Elsewhere: nothing."""
        if self.postgres and self._superuser is None:
            row = self.database.execute_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            self._superuser = bool(row and row[0])
        if self.postgres and self._superuser:
            self.database.execute_sql("SET LOCAL session_replication_role = replica")

    def next_id(self, model) -> int:
        row = model.select(model.id).order_by(model.id.desc()).first()
        return (row.id if row else 0) + 1

    def _converter(self, field):
        """How a Python value becomes a column value: None when it goes as it is (ints, strings), else a
        memoised ``db_value`` (dates, times and decimals repeat a lot); on SQLite dates become ISO strings
        here, once per distinct value, instead of in the driver's adapter for every row."""
        if isinstance(field, (peewee.ForeignKeyField, peewee.AutoField, peewee.IntegerField, peewee.CharField,
                              peewee.TextField)):
            return None
        memo: dict = {}
        sqlite = not self.postgres

        def convert(value):
            try:
                return memo[value]
            except KeyError:
                out = field.db_value(value)
                if sqlite and isinstance(out, dt.datetime):
                    out = out.isoformat(" ")
                elif sqlite and isinstance(out, dt.date):
                    out = out.isoformat()
                memo[value] = out
                return out
            except TypeError:  # unhashable
                return field.db_value(value)
        return convert

    def insert(self, model, rows: list[dict]) -> int:
        if not rows:
            return 0
        given = list(dict.fromkeys(key for row in rows for key in row))  # rows of mixed shapes: every key
        if any(len(row) != len(given) for row in rows):
            fill = {name: (model._meta.fields[name].default() if callable(model._meta.fields[name].default)
                           else model._meta.fields[name].default) for name in given}
            rows = [{**fill, **row} for row in rows]
        defaults = {}
        for name, field in model._meta.fields.items():
            if name in given:
                continue
            if field.default is not None:
                value = field.default() if callable(field.default) else field.default
                converter = self._converter(field)
                defaults[name] = converter(value) if converter else value
        names = given + list(defaults)
        columns = ", ".join(f'"{model._meta.fields[n].column_name}"' for n in names)
        table = model._meta.table_name
        converters = [(i, c) for i, c in enumerate(self._converter(model._meta.fields[n]) for n in given) if c]
        pick = operator.itemgetter(*given)
        single = len(given) == 1
        tail = tuple(defaults.values())
        cursor = self.database.cursor()
        for start in range(0, len(rows), self.batch):
            chunk = []
            for row in rows[start:start + self.batch]:
                values = [pick(row)] if single else list(pick(row))
                for i, convert in converters:
                    values[i] = convert(values[i])
                chunk.append(values)
            if self.postgres:
                self._copy(cursor, table, columns, chunk, tail)
            else:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                                   [tuple(values) + tail for values in chunk])
        self.touched.add(model)
        return len(rows)

    @staticmethod
    def _copy(cursor, table: str, columns: str, chunk: list, tail: tuple) -> None:
        """PostgreSQL: COPY ... FROM STDIN in the text format (several times faster than INSERTs); the
        defaults (the same in every row) are formatted once."""
        end = "".join("\t" + _copy_text(v) for v in tail) + "\n"
        buffer = io.StringIO()
        write = buffer.write
        for values in chunk:
            write("\t".join([_copy_text(v) for v in values]))
            write(end)
        buffer.seek(0)
        cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', buffer)

    def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load: without them PostgreSQL planned the diary's
        queries as if the tables were empty (seconds per request under load until autovacuum caught up)."""
        if self.postgres:
            self.database.execute_sql("ANALYZE")
        else:
            self.database.execute_sql("PRAGMA analysis_limit = 1000")
            self.database.execute_sql("ANALYZE")

    def fix_sequences(self) -> None:
        if not self.postgres:
            return
        for model in self.touched:
            table = model._meta.table_name
            self.database.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format: \\N for NULL, backslash escapes in strings."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return str(value)


@dataclass
class Counts:
    schools: int = 0
    students: int = 0
    users: int = 0
    lessons: int = 0
    marks: int = 0
    attendance: int = 0
    homework: int = 0


def build_scale(scale: str, log=print, progress=None, seed: int = 2026, schools: int | None = None,
                students_per_school: int | None = None, weeks: int | None = None) -> Counts:
    """Build the data set of ``scale`` (see :data:`SCALES`); the other arguments override its shape.

    ``progress(n)`` is called once per school built (a click progress bar's ``update``).
    """
    from eschool.auth.models import RoleAssignment, User
    from eschool.auth.services import hash_password
    from eschool.journal import stamps
    from eschool.journal.models import Attendance, Homework, Lesson, Mark, WorkType
    from eschool.journal.services import default_work_type_rows
    from eschool.people.models import ClassMembership, Guardian, Movement, Student
    from eschool.school.models import (
        AcademicYear,
        ClassGroup,
        CurriculumItem,
        Period,
        Subject,
        TeachingAssignment,
    )
    from eschool.structure.models import School
    from eschool.structure.services import sync_municipalities
    from eschool.timetable.models import LessonTime, TimetableEntry

    n_schools, per_school, n_weeks = SCALES[scale]
    n_schools = schools or n_schools
    per_school = students_per_school or per_school
    n_weeks = weeks if weeks is not None else n_weeks
    if n_weeks is None:
        from eschool.journal.services import local_today

        n_weeks = weeks_through(local_today())
    ext = current_app.extensions["eschool"]
    database = ext.database
    rng = random.Random(seed)
    munis = sync_municipalities(ext.region)
    existing = {s.name for s in School.select(School.name).where(School.name.startswith(NAME_PREFIX))}
    bulk = Bulk(database)
    first_grade_marks = bool(ext.region.rules.get("first_grade_marks", False))
    counts = Counts()
    password = hash_password(PASSWORD)
    start, year_end = YEAR_START, YEAR_END
    work_type_rows = default_work_type_rows(0)  # the region's weights, as structure.create_school gives
    weight_of = {row["code"]: float(row["weight"]) for row in work_type_rows}
    work_codes = [row["code"] for row in work_type_rows]
    school_days = [start + dt.timedelta(days=d) for d in range(n_weeks * 7)
                   if (start + dt.timedelta(days=d)).isoweekday() <= 5 and start + dt.timedelta(days=d) <= year_end]

    for number in range(1, n_schools + 1):
        name = f"{NAME_PREFIX}{number}"
        if name in existing:
            if progress:
                progress(1)
            continue
        with db.atomic():
            bulk.defer_checks()
            muni = munis[(number - 1) % len(munis)] if scale == "region" else munis[0]
            school = School.create(municipality=muni, name=name, short_name=name)
            year = AcademicYear.create(school=school, name="2026/2027", starts_on=start, ends_on=year_end,
                                       is_current=True)
            quarters = [(start, dt.date(2026, 10, 25)), (dt.date(2026, 11, 5), dt.date(2026, 12, 28)),
                        (dt.date(2027, 1, 12), dt.date(2027, 3, 22)), (dt.date(2027, 4, 1), year_end)]
            for i, (a, b) in enumerate(quarters):
                Period.create(academic_year=year, kind="quarter", number=i + 1, starts_on=a, ends_on=b,
                              grade_from=1, grade_to=11)
            subjects = [Subject.create(school=school, name=s, short_name=s[:4]) for s, _h in SUBJECTS]
            for n in range(6):
                LessonTime.create(school=school, shift=1, number=n + 1, starts_at=dt.time(8 + n, 0),
                                  ends_at=dt.time(8 + n, 40))
            work_ids = {}
            wt_id = bulk.next_id(WorkType)
            bulk.insert(WorkType, [{**row, "id": wt_id + i, "school": school.id, "weight": weight_of[row["code"]]}
                                   for i, row in enumerate(work_type_rows)])
            work_ids = {code: wt_id + i for i, code in enumerate(work_codes)}

            # classes: grades 1-11, about 25 students each
            n_classes = max(11, round(per_school / 25))
            grades = [1 + (i * 11) // n_classes for i in range(n_classes)]
            letters: dict[int, int] = {}
            classes = []
            for grade in grades:
                letter = "АБВГДЕ"[letters.get(grade, 0)]
                letters[grade] = letters.get(grade, 0) + 1
                classes.append(ClassGroup.create(school=school, academic_year=year, grade=grade, letter=letter,
                                                 name=f"{grade}{letter}"))
            # staff: one teacher per subject per 5 classes, and the class teachers among them
            user_id = bulk.next_id(User)
            teachers = []
            users = []
            per_subject = max(1, n_classes // 5)
            for j in range(len(subjects) * per_subject):
                gender = rng.random() < 0.8
                full = (f"{rng.choice(LAST)}{'а' if gender else ''} {rng.choice(FIRST_F if gender else FIRST_M)} "
                        f"{rng.choice(PATRON_F if gender else PATRON_M)}")
                users.append({"id": user_id, "username": f"scale-teacher-{school.id}-{j + 1}", "full_name": full,
                              "password_hash": password, "must_change_password": False})
                teachers.append(user_id)
                user_id += 1
            bulk.insert(User, users)
            ra_id = bulk.next_id(RoleAssignment)
            roles = [{"id": ra_id + i, "user": t, "role": "subject_teacher", "school": school.id}
                     for i, t in enumerate(teachers)]
            ra_id += len(roles)
            for c_index, group in enumerate(classes):
                teacher = teachers[c_index % len(teachers)]
                group.class_teacher = teacher
                group.save()
                roles.append({"id": ra_id, "user": teacher, "role": "class_teacher", "school": school.id,
                              "class_group_id": group.id})
                ra_id += 1
            # curriculum, assignments and the weekly timetable (30 lessons: the subjects' hours)
            sequence = [s for s, (_n, hours) in zip(subjects, SUBJECTS, strict=True) for _ in range(hours)]
            assignment = {}
            curriculum, assigns, entries = [], [], []
            entry_id = bulk.next_id(TimetableEntry)
            for c_index, group in enumerate(classes):
                for s_index, subject in enumerate(subjects):
                    teacher = teachers[(s_index * per_subject + c_index // 5) % len(teachers)]
                    assignment[(group.id, subject.id)] = teacher
                    curriculum.append({"class_group": group.id, "subject": subject.id,
                                       "hours_per_week": SUBJECTS[s_index][1]})
                    assigns.append({"teacher": teacher, "class_group": group.id, "subject": subject.id})
                for p in range(30):
                    subject = sequence[(p + c_index) % 30]
                    entries.append({"id": entry_id, "academic_year": year.id, "class_group": group.id,
                                    "weekday": p // 6 + 1, "number": p % 6 + 1, "subject": subject.id,
                                    "teacher": assignment[(group.id, subject.id)]})
                    entry_id += 1
            bulk.insert(CurriculumItem, curriculum)
            bulk.insert(TeachingAssignment, assigns)
            bulk.insert(TimetableEntry, entries)

            # students, a parent each (with a login), memberships, the movement book
            student_id = bulk.next_id(Student)
            students, parents, members, guardians, movements = [], [], [], [], []
            by_class: dict[int, list[int]] = {}
            for c_index, group in enumerate(classes):
                size = per_school // n_classes + (1 if c_index < per_school % n_classes else 0)
                for _ in range(size):
                    female = rng.random() < 0.5
                    last = rng.choice(LAST) + ("а" if female else "")
                    students.append({"id": student_id, "school": school.id, "last_name": last,
                                     "first_name": rng.choice(FIRST_F if female else FIRST_M),
                                     "middle_name": rng.choice(PATRON_F if female else PATRON_M),
                                     "birth_date": dt.date(2026 - 6 - group.grade, rng.randint(1, 12),
                                                           rng.randint(1, 28)),
                                     "gender": "f" if female else "m"})
                    parents.append({"id": user_id, "username": f"scale-parent-{student_id}",
                                    "full_name": f"{last} {rng.choice(FIRST_F)} {rng.choice(PATRON_F)}",
                                    "password_hash": password, "must_change_password": False})
                    roles.append({"id": ra_id, "user": user_id, "role": "parent", "school": school.id})
                    guardians.append({"student": student_id, "user": user_id, "relation": "mother"})
                    members.append({"student": student_id, "class_group": group.id, "starts_on": start})
                    movements.append({"school": school.id, "student": student_id, "kind": "enrolment",
                                      "date": start, "order_number": "1-у", "to_class": group.id})
                    by_class.setdefault(group.id, []).append(student_id)
                    student_id += 1
                    user_id += 1
                    ra_id += 1
            bulk.insert(User, parents)
            bulk.insert(RoleAssignment, roles)
            bulk.insert(Student, students)
            bulk.insert(Guardian, guardians)
            bulk.insert(ClassMembership, members)
            bulk.insert(Movement, movements)
            counts.students += len(students)
            counts.users += len(users) + len(parents)

            # the journal: lessons from the timetable, marks, attendance, homework
            by_weekday: dict[int, list[dict]] = {}
            for entry in entries:
                by_weekday.setdefault(entry["weekday"], []).append(entry)
            lesson_id = bulk.next_id(Lesson)
            level = {sid: rng.choice((3, 4, 4, 4, 5, 5)) for sids in by_class.values() for sid in sids}
            # no marks where the region gives none (the 1st grade: journal.services.scale_of)
            unmarked = {c.id for c in classes if c.grade == 1 and not first_grade_marks}
            for day in school_days:
                lessons, marks, absences, homework = [], [], [], []
                for entry in by_weekday.get(day.isoweekday(), ()):
                    lessons.append({"id": lesson_id, "school": school.id, "class_group": entry["class_group"],
                                    "subject": entry["subject"], "date": day, "number": entry["number"],
                                    "timetable_entry": entry["id"], "teacher": entry["teacher"],
                                    "topic": rng.choice(TOPICS), "filled_at": dt.datetime.combine(day, dt.time(12))})
                    code = rng.choice(("oral", "oral", "classwork", "homework", "independent", "test"))
                    for sid in by_class[entry["class_group"]]:
                        roll = rng.random()
                        if roll < 0.05:
                            absences.append({"lesson": lesson_id, "student": sid,
                                             "kind": rng.choice(("absent", "ill", "ill", "excused", "late"))})
                        elif roll < 0.21 and entry["class_group"] not in unmarked:
                            value = max(2, min(5, level[sid] + rng.choice((-1, 0, 0, 0, 1))))
                            marks.append({"lesson": lesson_id, "student": sid, "slot": 0, "value": str(value),
                                          "numeric": value, "work_type": work_ids[code],
                                          "weight": weight_of[code], "author": entry["teacher"]})
                    if rng.random() < 0.7:
                        homework.append({"lesson": lesson_id, "text": f"§{rng.randint(1, 40)}, упр. "
                                                                      f"{rng.randint(1, 300)}",
                                         "minutes_needed": rng.choice((15, 20, 30, 40)),
                                         "due_on": day + dt.timedelta(days=7)})
                    lesson_id += 1
                counts.lessons += bulk.insert(Lesson, lessons)
                counts.marks += bulk.insert(Mark, marks)
                counts.attendance += bulk.insert(Attendance, absences)
                counts.homework += bulk.insert(Homework, homework)
            counts.schools += 1
        if progress:
            progress(1)
        log(f"{name}: {len(students)} students, {len(classes)} classes")
    bulk.fix_sequences()
    if counts.schools:
        stamps.bump_all(database)  # PostgreSQL's load skipped the stamp triggers (replica mode): no cached week survives
        bulk.analyze()
    return counts
