"""A school's weekly timetable from a file: aSc Timetables' XML export, or a simple CSV/XLSX table.

Most Russian schools build their timetable in scheduling software; this reads what it writes and puts
it into the current academic year, checked first and then written all at once (docs/data-exchange.md).

* **aSc Timetables** ("File -> Export -> aSc XML"): ``<timetable>`` with ``periods`` (bell times),
  ``daysdefs``, ``subjects``, ``teachers``, ``classrooms``, ``classes``, ``groups`` (a class's subgroups;
  ``entireclass="1"`` is the whole class), ``lessons`` (class ids, subject, teachers, rooms, groups,
  ``periodspercard``) and ``cards`` (a lesson placed on a day and period; ``days="10000"`` is Monday).
  A double lesson (``periodspercard="2"``) fills two lesson numbers; a lesson of several classes puts one
  lesson in each. The line a message names is the line of the ``<card>`` in the file.
* **CSV or XLSX**, one lesson a row, the header in Russian or English, any order:
  ``Класс | День | Урок | Предмет | Учитель | Кабинет | Подгруппа`` (class, day, lesson, subject, teacher,
  room, subgroup). The day is 1-6 or its name (``Пн``, ``вторник``, ``Wed``); the teacher is a login, an
  e-mail or a name as the school's staff list has it (``Петрова Анна Ивановна``, ``Петрова А.И.``).

What the file names is found in the school: classes of the current year by name, teachers among the
school's staff; subjects, rooms and subgroups that are new are created, and a teacher who has no teaching
assignment for a lesson gets one (the dry run lists all of that). The file's classes get exactly the week
the file gives them: a lesson at the same place of the week is changed in place (the journal's lessons keep
it), the others are added or removed; classes the file does not name keep theirs.

A clash is refused: the same rule as every other way lessons come in
(:func:`eschool.timetable.services.week_clashes`), between two lines of the file (both named) and against
the lessons of the classes the file leaves as they are. Any error and nothing is written.
"""
from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from eschool.auth.models import User
from eschool.db import db
from eschool.people import tabular
from eschool.people.tabular import ImportFileError
from eschool.plugins.services import fire_event, scope_for_school
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, Room, Subgroup, Subject, TeachingAssignment
from eschool.structure.models import School
from eschool.timetable import services
from eschool.timetable.models import TimetableEntry

#: The CSV/XLSX header: accepted titles (as ``tabular.header_key`` writes them) -> column.
COLUMNS = {"класс": "class", "class": "class", "день": "day", "день недели": "day", "day": "day",
           "weekday": "day", "урок": "number", "номер урока": "number", "№ урока": "number", "lesson": "number",
           "lesson number": "number", "number": "number", "предмет": "subject", "subject": "subject",
           "учитель": "teacher", "преподаватель": "teacher", "teacher": "teacher", "кабинет": "room",
           "аудитория": "room", "room": "room", "подгруппа": "subgroup", "группа": "subgroup", "subgroup": "subgroup",
           "group": "subgroup"}
REQUIRED = {"class", "day", "number", "subject", "teacher"}
#: The names of the days a file may write (lower case, without a final dot).
DAYS = {**{str(n): n for n in range(1, 7)},
        **dict.fromkeys(("пн", "понедельник", "mon", "monday"), 1), **dict.fromkeys(("вт", "вторник", "tue", "tuesday"), 2),
        **dict.fromkeys(("ср", "среда", "wed", "wednesday"), 3), **dict.fromkeys(("чт", "четверг", "thu", "thursday"), 4),
        **dict.fromkeys(("пт", "пятница", "fri", "friday"), 5), **dict.fromkeys(("сб", "суббота", "sat", "saturday"), 6)}
MAX_NUMBER = 12  # lesson numbers of a day
MAX_XML_BYTES = tabular.MAX_FILE_BYTES
ASC_ROOT = "timetable"


@dataclass
class Row:
    """One lesson of the file, as written there."""

    line: int
    class_name: str = ""
    day: str = ""
    number: str = ""
    subject: str = ""
    teacher: str = ""
    room: str = ""
    subgroup: str = ""
    #: aSc gives a teacher's parts: {"firstname", "lastname", "name", "short", "email"}
    teacher_parts: dict = field(default_factory=dict)
    #: aSc gives a room's short and long name; either may be the school's
    room_names: tuple = ()
    #: aSc: how many more teachers the lesson has (the timetable keeps one)
    more_teachers: int = 0
    #: a problem found while reading: (column, reason)
    error: tuple | None = None


@dataclass
class Plan:
    """What an import would do. ``errors``: ``(line, column, reason)``; ``creates``: ``(what, name)``."""

    filename: str
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    creates: list[tuple[str, str]] = field(default_factory=list)
    entries: list[TimetableEntry] = field(default_factory=list)  # the file's lessons (unsaved or stored ones)
    lines: list[int] = field(default_factory=list)  # the line of each entry
    removed: list[TimetableEntry] = field(default_factory=list)  # stored lessons of the file's classes that go
    changed: list[TimetableEntry] = field(default_factory=list)
    classes: list[ClassGroup] = field(default_factory=list)
    school: School | None = None
    bells: dict = field(default_factory=dict)  # shift -> [{"number", "starts_at", "ends_at"}] to set
    new: dict = field(default_factory=dict)  # what to create: subjects, rooms, subgroups, assignments

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({line for line, _column, _reason in self.errors})

    def error(self, line: int, column: str, reason) -> None:
        self.errors.append((line, column, str(reason)))

    @property
    def added(self) -> int:
        return sum(1 for e in self.entries if e.id is None)

    @property
    def unchanged(self) -> int:
        return len(self.entries) - self.added - len(self.changed)


# =========================================================================== reading the files


def read_file(data: bytes, filename: str) -> list[Row]:
    """The lessons of an aSc XML export (``.xml``) or of a CSV/XLSX table; ``ImportFileError`` when the
    file itself cannot be read (naming the file and, where it can, the line)."""
    if filename.lower().endswith(".xml"):
        return read_asc(data, filename)
    return read_table(data, filename)


def read_table(data: bytes, filename: str) -> list[Row]:
    rows = tabular.read_rows(data, filename, COLUMNS, REQUIRED)
    return [Row(line=line, class_name=r.get("class", ""), day=r.get("day", ""), number=r.get("number", ""),
                subject=r.get("subject", ""), teacher=r.get("teacher", ""), room=r.get("room", ""),
                subgroup=r.get("subgroup", "")) for line, r in rows]


def _xml_elements(data: bytes, filename: str) -> list[tuple[str, dict, int]]:
    """Every element of the file as ``(tag, attributes, line)``. A document type declaration (the way to
    entity tricks: a billion laughs, external files) is refused; so is anything that is not well formed."""
    if len(data) > MAX_XML_BYTES:
        raise ImportFileError(_l("%(file)s: the file is larger than %(limit)s MB.", file=filename,
                                 limit=MAX_XML_BYTES // (1024 * 1024)))
    parser = xml.parsers.expat.ParserCreate()
    elements: list[tuple[str, dict, int]] = []

    def start(tag, attributes):
        elements.append((tag, attributes, parser.CurrentLineNumber))

    def doctype(*_args):
        raise ImportFileError(_l("%(file)s: a document type declaration (DOCTYPE) is not accepted.", file=filename))

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ImportFileError(_l("%(file)s, line %(line)s: not well-formed XML (%(reason)s).", file=filename,
                                 line=exc.lineno, reason=xml.parsers.expat.ErrorString(exc.code))) from exc
    if not elements or elements[0][0] != ASC_ROOT:
        raise ImportFileError(_l("%(file)s: not an aSc Timetables XML export (its root element must be "
                                 "<timetable>).", file=filename))
    return elements


def _ids(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def read_asc(data: bytes, filename: str) -> list[Row]:
    """The lessons of an aSc Timetables XML export, one ``Row`` per class, day and lesson number; the
    bell times of its periods go in ``read_asc.bells`` of the rows' list (see :func:`asc_bells`)."""
    by_kind: dict[str, dict[str, tuple[dict, int]]] = {}
    cards = []
    periods = []
    for tag, attributes, line in _xml_elements(data, filename):
        if tag == "card":
            cards.append((attributes, line))
        elif tag == "period":
            periods.append(attributes)
        elif tag in ("subject", "teacher", "classroom", "class", "group", "lesson", "daysdef") and "id" in attributes:
            by_kind.setdefault(tag, {})[attributes["id"]] = (attributes, line)
    rows = _Rows(bells=_bells(periods))

    def get(kind, ident):
        return by_kind.get(kind, {}).get(ident, (None, 0))[0]

    for card, line in cards:
        lesson = get("lesson", card.get("lessonid", ""))
        if lesson is None:
            rows.append(Row(line, error=("lessonid", _l("No lesson %(id)s in the file's <lessons>.",
                                                         id=card.get("lessonid", "")))))
            continue
        days = card.get("days") or ""
        if not days and card.get("day", "").isdigit():  # older exports: the day's number from 0
            days = "".join("1" if n == int(card["day"]) else "0" for n in range(6))
        weeks = card.get("weeks") or ""
        if "0" in weeks:
            rows.append(Row(line, error=("weeks", _l(
                "A lesson only in some weeks (weeks=\"%(weeks)s\"): the portal keeps one weekly timetable; place it "
                "in every week or leave it out.", weeks=weeks))))
            continue
        subject = get("subject", lesson.get("subjectid", "")) or {}
        teachers = [t for t in (get("teacher", t) for t in _ids(lesson.get("teacherids", ""))) if t]
        teacher = teachers[0] if teachers else {}
        room_ids = _ids(card.get("classroomids", "")) or _ids(lesson.get("classroomids", ""))
        room = (get("classroom", room_ids[0]) or {}) if room_ids else {}
        groups = [get("group", g) or {} for g in _ids(lesson.get("groupids", ""))]
        span = lesson.get("periodspercard") or "1"
        span = int(span) if span.isdigit() and int(span) > 0 else 1
        start = card.get("period", "")
        weekdays = [n for n, flag in enumerate(days, start=1) if flag == "1"] or [0]
        for class_id in _ids(lesson.get("classids", "")):
            klass = get("class", class_id) or {}
            subgroup = next((g.get("name", "") for g in groups
                             if g.get("classid") == class_id and g.get("entireclass") != "1"), "")
            for weekday in weekdays:
                for offset in range(span):
                    rows.append(Row(
                        line, class_name=klass.get("name") or klass.get("short", ""), day=str(weekday or ""),
                        number=str(int(start) + offset) if start.isdigit() else start,
                        subject=subject.get("name") or subject.get("short", ""),
                        teacher=teacher.get("name") or " ".join(p for p in (teacher.get("lastname"),
                                                                           teacher.get("firstname")) if p),
                        room=room.get("short") or room.get("name", ""), subgroup=subgroup,
                        teacher_parts={k: teacher.get(k, "") for k in ("firstname", "lastname", "short", "email")},
                        room_names=(room.get("short", ""), room.get("name", "")) if room else (),
                        more_teachers=max(len(teachers) - 1, 0)))
    return rows


class _Rows(list):
    """The rows of an aSc file, with its bell times (``bells``: ``{number: (starts_at, ends_at)}``)."""

    def __init__(self, bells: dict):
        super().__init__()
        self.bells = bells


def _bells(periods: list[dict]) -> dict:
    import datetime as dt

    bells = {}
    for p in periods:
        number = p.get("period") or p.get("name") or ""
        try:
            start = dt.datetime.strptime(p.get("starttime", ""), "%H:%M").time()
            end = dt.datetime.strptime(p.get("endtime", ""), "%H:%M").time()
        except ValueError:
            continue
        if number.isdigit() and start < end:
            bells[int(number)] = (start, end)
    return bells


# =========================================================================== checking


def _key(text: str) -> str:
    return " ".join((text or "").replace("ё", "е").replace("Ё", "Е").casefold().split())


def _initials(full_name: str) -> str:
    """"Петрова Анна Ивановна" -> "петрова а.и." (as schedules write a teacher)."""
    parts = _key(full_name).split()
    return " ".join([parts[0], "".join(p[0] + "." for p in parts[1:])]) if parts else ""


class _Staff:
    """The school's staff, found by login, e-mail, full name, "Фамилия И.О." or "Фамилия Имя"."""

    def __init__(self, school: School):
        self.people = school_services.staff(school)
        self.index: dict[str, set[int]] = {}
        for user in self.people:
            keys = {_key(user.username), _key(user.email or ""), _key(user.full_name),
                    _initials(user.full_name).replace(" ", ""), _initials(user.full_name),
                    " ".join(_key(user.full_name).split()[:2])}
            for key in keys - {""}:
                self.index.setdefault(key, set()).add(user.id)
        self.by_id = {u.id: u for u in self.people}

    def find(self, text: str, parts: dict) -> tuple[User | None, int]:
        """The teacher and how many matched (0: nobody, 2+: ambiguous)."""
        candidates = [text, parts.get("email", ""), " ".join(p for p in (parts.get("lastname"),
                                                                           parts.get("firstname")) if p)]
        for candidate in candidates:
            key = _key(candidate)
            if not key:
                continue
            for variant in (key, key.replace(" ", ""), re.sub(r"\s*\.\s*", ".", key)):
                found = self.index.get(variant, set())
                if found:
                    return (self.by_id[next(iter(found))] if len(found) == 1 else None), len(found)
        return None, 0


def check(school: School, rows: list[Row], filename: str) -> Plan:
    """Check the rows (nothing is written): every error with its line, what would be created, changed,
    removed; clashes against each other and against the classes the file leaves as they are."""
    plan = Plan(filename=filename, school=school)
    year = school_services.current_year(school)
    if year is None:
        plan.error(1, "", _l("The school has no current academic year: set it up first."))
        return plan
    if year.closed:
        plan.error(1, "", _l("The academic year %(name)s is closed: past years are read-only.", name=year.name))
        return plan
    if not rows:
        plan.error(1, "", _l("The file has no lessons."))
        return plan
    classes = {_key(c.name): c for c in school_services.classes(school, year)}
    subjects = {}
    for s in Subject.select().where(Subject.school == school):
        subjects.setdefault(_key(s.name), s)
        if s.short_name:
            subjects.setdefault(_key(s.short_name), s)
    rooms = {}
    for r in Room.select().where(Room.school == school):
        rooms.setdefault(_key(r.name), r)
    staff = _Staff(school)
    placeholder = iter(range(-1, -10**9, -1))  # ids of what the import would create (clashes compare ids)
    new_subjects: dict[str, Subject] = {}
    new_rooms: dict[str, Room] = {}
    new_subgroups: dict[tuple[int, str], Subgroup] = {}
    assignments = {(a.teacher_id, a.class_group_id, a.subgroup_id, a.subject_id)
                   for a in TeachingAssignment.select().join(ClassGroup).where(ClassGroup.academic_year == year)}
    new_assignments: dict[tuple, tuple] = {}
    proposed: list[tuple[int, TimetableEntry]] = []
    for row in rows:
        if row.error:
            plan.error(row.line, *row.error)
            continue
        group = classes.get(_key(row.class_name))
        if group is None:
            plan.error(row.line, "class", _l("No class %(name)s in the current academic year.",
                                             name=row.class_name or "—"))
            continue
        weekday = DAYS.get(_key(row.day).rstrip("."))
        if weekday is None:
            plan.error(row.line, "day", _l("Expected a day from 1 (Monday) to 6 (Saturday), or its name."))
            continue
        if not row.number.isdigit() or not 1 <= int(row.number) <= MAX_NUMBER:
            plan.error(row.line, "number", _l("Expected a lesson number from 1 to %(max)s.", max=MAX_NUMBER))
            continue
        if not row.subject.strip():
            plan.error(row.line, "subject", _l("Required field is missing."))
            continue
        teacher, matched = staff.find(row.teacher, row.teacher_parts)
        if teacher is None:
            if matched > 1:
                plan.error(row.line, "teacher", _l("%(name)s matches several people of the school's staff: write "
                                                   "the login.", name=row.teacher))
            else:
                plan.error(row.line, "teacher", _l("%(name)s is not on the school's staff (a login, an e-mail or "
                                                   "the name as the staff list has it).", name=row.teacher or "—"))
            continue
        if row.more_teachers:
            plan.notes.append((row.line, str(_l("The lesson has more than one teacher; the timetable keeps the "
                                                "first, %(name)s.", name=teacher.full_name))))
        subject = subjects.get(_key(row.subject))
        if subject is None:
            subject = new_subjects.get(_key(row.subject))
            if subject is None:
                subject = new_subjects[_key(row.subject)] = Subject(id=next(placeholder), school=school,
                                                                    name=row.subject.strip()[:150])
                plan.creates.append(("subject", subject.name))
        room = None
        if row.room.strip():
            room = next((rooms[_key(n)] for n in (row.room, *row.room_names) if n and _key(n) in rooms), None)
            if room is None:
                room = new_rooms.get(_key(row.room))
                if room is None:
                    room = new_rooms[_key(row.room)] = Room(id=next(placeholder), school=school,
                                                            name=row.room.strip()[:60])
                    plan.creates.append(("room", room.name))
        subgroup = None
        if row.subgroup.strip():
            subgroup = next((s for s in group.subgroups if _key(s.name) == _key(row.subgroup)), None)
            if subgroup is None:
                subgroup = new_subgroups.get((group.id, _key(row.subgroup)))
                if subgroup is None:
                    subgroup = new_subgroups[(group.id, _key(row.subgroup))] = Subgroup(
                        id=next(placeholder), class_group=group, name=row.subgroup.strip()[:60])
                    plan.creates.append(("subgroup", f"{group.name} {subgroup.name}"))
        entry = TimetableEntry(academic_year=year, class_group=group, weekday=weekday, number=int(row.number),
                               subject=subject, teacher=teacher, room=room, subgroup=subgroup)
        key = (teacher.id, group.id, subgroup.id if subgroup else None, subject.id)
        if key not in assignments and key not in new_assignments:
            new_assignments[key] = (teacher, group, subgroup, subject)
            plan.creates.append(("assignment", f"{teacher.full_name}: {group.name}"
                                 + (f" ({subgroup.name})" if subgroup else "") + f", {subject.name}"))
        proposed.append((row.line, entry))
    # the rows that are right are checked for clashes too: every mistake of the file is said at once
    # the file's classes get the file's week: a lesson at the same place is kept and changed in place
    plan.classes = sorted({e.class_group_id: e.class_group for _l_, e in proposed}.values(), key=lambda c: c.name)
    stored = list(TimetableEntry.select().where((TimetableEntry.academic_year == year)
                                                & TimetableEntry.class_group.in_([c.id for c in plan.classes])))
    at = {}
    for entry in stored:
        at.setdefault((entry.class_group_id, entry.subgroup_id, entry.weekday, entry.number), []).append(entry)
    kept = set()
    for line, entry in proposed:
        same = at.get((entry.class_group_id, entry.subgroup_id, entry.weekday, entry.number))
        if same:
            old = same.pop(0)
            kept.add(old.id)
            values = (entry.subject_id, entry.teacher_id, entry.room_id)
            if values != (old.subject_id, old.teacher_id, old.room_id):
                old.subject, old.teacher, old.room = entry.subject, entry.teacher, entry.room
                plan.changed.append(old)
            old.class_group = entry.class_group
            entry = old
        plan.entries.append(entry)
        plan.lines.append(line)
    plan.removed = [e for e in stored if e.id not in kept]
    line_of = {id(e): line for e, line in zip(plan.entries, plan.lines, strict=True)}
    for index, name, other in services.week_clashes(plan.entries, ignore_ids=[e.id for e in stored]):
        lesson = services.describe(other)
        if id(other) in line_of:
            lesson = str(_l("%(lesson)s (line %(line)s)", lesson=lesson, line=line_of[id(other)]))
        column = {"teacher_id": "teacher", "room_id": "room", "class_id": "class"}[name]
        plan.error(plan.lines[index], column, services._CLASH_MESSAGES[name] % {"lesson": lesson})
    plan.errors.sort(key=lambda e: e[0])
    plan.new = {"subjects": list(new_subjects.values()), "rooms": list(new_rooms.values()),
                "subgroups": list(new_subgroups.values()), "assignments": list(new_assignments.values())}
    bells = getattr(rows, "bells", {})
    if bells:
        have = {shift for shift, _n in services.lesson_times(school)}
        for shift in sorted({c.shift for c in plan.classes} - have):
            plan.bells[shift] = [{"number": n, "starts_at": s, "ends_at": e} for n, (s, e) in sorted(bells.items())]
            plan.creates.append(("bell schedule", str(_l("shift %(shift)s", shift=shift))))
    return plan


# =========================================================================== writing


def run(plan: Plan) -> dict:
    """Write a checked plan in one transaction; nothing if it has errors. Returns counts of what changed."""
    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")
    school = plan.school
    school_services.editable(plan.entries[0].academic_year)
    added = [e for e in plan.entries if e.id is None]
    with db.atomic():
        for shift, times in plan.bells.items():
            services.set_lesson_times(school, shift, times)
        for made in (*plan.new["subjects"], *plan.new["rooms"], *plan.new["subgroups"]):
            made.id = None  # the placeholder's id goes; the row gets its own
            made.save(force_insert=True)
        for entry in plan.changed + added:  # the lessons take the real ids of what was just made
            entry.subject, entry.room, entry.subgroup = entry.subject, entry.room, entry.subgroup
        for teacher, group, subgroup, subject in plan.new["assignments"]:
            TeachingAssignment.create(teacher=teacher, class_group=group, subgroup=subgroup, subject=subject)
        services._drop_unkept_lessons([e.id for e in plan.removed + plan.changed])  # the week editor's rule
        if plan.removed:
            TimetableEntry.delete().where(TimetableEntry.id.in_([e.id for e in plan.removed])).execute()
        for entry in plan.changed + added:
            entry.save()
    scope = scope_for_school(school)
    for entry, change in ([(e, "removed") for e in plan.removed] + [(e, "changed") for e in plan.changed]
                          + [(e, "added") for e in added]):
        fire_event("timetable_changed", scope, entry=entry, change=change)
    return {"added": len(added), "changed": len(plan.changed), "removed": len(plan.removed),
            "unchanged": len(plan.entries) - len(added) - len(plan.changed)}
