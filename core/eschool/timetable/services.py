"""The timetable's rules: a teacher, a room, a class (or subgroup) is in one place at a time.

A clash is refused with the lesson it clashes with named, so the deputy director sees at once what
to move. Lessons are compared by their bell-schedule times when both are known (a second-shift
lesson may overlap a first-shift one), else by shift and lesson number.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from eschool.auth.models import User
from eschool.db import db
from eschool.plugins.services import fire_event, scope_for_school
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, Room, Subgroup, Subject
from eschool.school.services import SchoolError
from eschool.structure.models import School
from eschool.timetable.models import LessonTime, Substitution, TimetableEntry

WEEKDAYS = {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"), 5: _l("Friday"),
            6: _l("Saturday")}


# --------------------------------------------------------------------------- the bell schedule


def set_lesson_times(school: School, shift: int, times: list[dict]) -> list[LessonTime]:
    """Replace a shift's bell schedule: lesson ``number`` from ``starts_at`` to ``ends_at``."""
    ordered = sorted(times, key=lambda t: t["number"])
    for i, item in enumerate(ordered):
        if item["ends_at"] <= item["starts_at"]:
            raise SchoolError(f"times.{i}.ends_at", _l("A lesson must end after it starts."))
        if i and item["starts_at"] < ordered[i - 1]["ends_at"]:
            raise SchoolError(f"times.{i}.starts_at", _l("Lesson %(number)s starts before the one before it ends.",
                                                          number=item["number"]))
    if len({t["number"] for t in ordered}) != len(ordered):
        raise SchoolError("times", _l("A lesson number appears twice."))
    with db.atomic():
        LessonTime.delete().where((LessonTime.school == school) & (LessonTime.shift == shift)).execute()
        return [LessonTime.create(school=school, shift=shift, **item) for item in ordered]


def lesson_times(school: School | int) -> dict[tuple[int, int], LessonTime]:
    return {(t.shift, t.number): t for t in LessonTime.select().where(LessonTime.school == school)}


# --------------------------------------------------------------------------- clashes


def _overlaps(a: TimetableEntry, b: TimetableEntry, times) -> bool:
    """Do two lessons of the same weekday take place at the same time?"""
    ta, tb = times.get((a.class_group.shift, a.number)), times.get((b.class_group.shift, b.number))
    if ta is not None and tb is not None:
        return ta.starts_at < tb.ends_at and tb.starts_at < ta.ends_at
    return a.class_group.shift == b.class_group.shift and a.number == b.number


def describe(entry: TimetableEntry) -> str:
    """"5А, Математика, Monday, lesson 3" in the user's language."""
    group = entry.class_group.name + (f" ({entry.subgroup.name})" if entry.subgroup_id else "")
    return str(_l("%(group)s, %(subject)s, %(day)s, lesson %(number)s", group=group, subject=entry.subject.name,
                  day=WEEKDAYS[entry.weekday], number=entry.number))


def _pair_clashes(entry: TimetableEntry, other: TimetableEntry) -> list[str]:
    """What two lessons held at the same time share that they may not: ``teacher_id``, ``room_id``,
    ``class_id`` (the same class, unless both are different subgroups of it)."""
    found = []
    if other.teacher_id == entry.teacher_id:
        found.append("teacher_id")
    if entry.room_id is not None and other.room_id == entry.room_id:
        found.append("room_id")
    same_class = other.class_group_id == entry.class_group_id
    whole_class = entry.subgroup_id is None or other.subgroup_id is None
    if same_class and (whole_class or other.subgroup_id == entry.subgroup_id):
        found.append("class_id")
    return found


def week_clashes(entries: list[TimetableEntry], ignore_ids=()) -> list[tuple[int, str, TimetableEntry]]:
    """The clash rule for every way weekly lessons come in (one form, the week editor, a file import).

    ``entries``: proposed lessons (unsaved ``TimetableEntry`` objects with ``class_group``, ``subject`` and
    ``teacher`` set, all of one academic year); ``ignore_ids``: stored lessons they replace. Returns
    ``[(index in entries, field, other)]``: each proposed lesson that would put a teacher (``teacher_id``), a
    room (``room_id``) or a class or one of its subgroups (``class_id``) in two places at once, against the
    stored timetable and against the proposed lessons before it. Two lessons are at the same time when their
    bell times overlap (both shifts have times: a second-shift lesson may overlap a first-shift one), else
    when shift and number are equal. Two queries, whatever the number of lessons.
    """
    if not entries:
        return []
    year = entries[0].academic_year_id
    ignore = {i for i in ignore_ids if i is not None}
    times = lesson_times(entries[0].class_group.school_id)
    weekdays = {e.weekday for e in entries}
    stored = (TimetableEntry.select(TimetableEntry, ClassGroup, Subject, User, Subgroup)
              .join(ClassGroup).switch(TimetableEntry).join(Subject).switch(TimetableEntry).join(User)
              .switch(TimetableEntry).join(Subgroup, JOIN.LEFT_OUTER)
              .where((TimetableEntry.academic_year == year) & TimetableEntry.weekday.in_(weekdays)))
    others: dict[int, list[TimetableEntry]] = {}
    for other in stored:
        if other.id not in ignore:
            others.setdefault(other.weekday, []).append(other)
    found = []
    for index, entry in enumerate(entries):
        for other in others.get(entry.weekday, []) + [e for e in entries[:index] if e.weekday == entry.weekday]:
            if _overlaps(entry, other, times):
                found.extend((index, field, other) for field in _pair_clashes(entry, other))
    return found


def clashes(entry: TimetableEntry, ignore_id: int | None = None) -> list[tuple[str, TimetableEntry]]:
    """Lessons that clash with ``entry``: ``[(field, other)]`` for the teacher, the room, the class
    (:func:`week_clashes` for one lesson)."""
    return [(field, other) for _index, field, other in week_clashes([entry], [ignore_id])]


_CLASH_MESSAGES = {
    "teacher_id": _l("The teacher already has a lesson then: %(lesson)s."),
    "room_id": _l("The room is taken then: %(lesson)s."),
    "class_id": _l("The class already has a lesson then: %(lesson)s."),
}


def add_entry(school: School, data: dict) -> TimetableEntry:
    """Put a weekly lesson in the timetable, refusing a clash (409) with the clashing lesson named."""
    class_group = school_services.class_of(school, data["class_id"])
    year = school_services.editable(class_group.academic_year)
    entry = TimetableEntry(
        academic_year=year, class_group=class_group, weekday=data["weekday"], number=data["number"],
        subgroup=school_services.subgroup_of(class_group, data.get("subgroup_id")),
        subject=school_services.subject_of(school, data["subject_id"]),
        teacher=school_services.teacher_of(school, data["teacher_id"]),
        room=school_services.room_of(school, data["room_id"]) if data.get("room_id") else None)
    found = clashes(entry)
    if found:
        field, other = found[0]
        raise SchoolError(field, _CLASH_MESSAGES[field] % {"lesson": describe(other)}, conflict=True)
    entry.save()
    fire_event("timetable_changed", scope_for_school(school), entry=entry, change="added")
    return entry


# --------------------------------------------------------------------------- the week editor (a cell at a time)


def cell_entries(class_group: ClassGroup, weekday: int, number: int) -> list[TimetableEntry]:
    """The weekly lessons of a class at one place of its week (several when subgroups share it)."""
    return list(TimetableEntry.select().where(
        (TimetableEntry.class_group == class_group) & (TimetableEntry.academic_year == class_group.academic_year_id)
        & (TimetableEntry.weekday == weekday) & (TimetableEntry.number == number)).order_by(TimetableEntry.id))


def assigned_teacher(class_group: ClassGroup, subject_id: int, subgroup_id: int | None) -> int | None:
    """The teacher of the class's (or subgroup's) teaching assignment of the subject, when there is exactly
    one: the week editor fills the teacher in when only the subject is typed."""
    from eschool.school.models import TeachingAssignment

    rows = {a.teacher_id for a in TeachingAssignment.select(TeachingAssignment.teacher).where(
        (TeachingAssignment.class_group == class_group) & (TeachingAssignment.subject == subject_id)
        & ((TeachingAssignment.subgroup == subgroup_id) if subgroup_id else TeachingAssignment.subgroup.is_null()))}
    return rows.pop() if len(rows) == 1 else None


def set_cell(school: School, data: dict) -> list[TimetableEntry]:
    """Make one place of a class's week (``class_id``, ``weekday``, ``number``) hold exactly ``rows``: each
    ``{entry_id?, subgroup_id?, subject_id, teacher_id?, room_id?}``; a row with ``entry_id`` changes that
    lesson, one without adds a lesson, a stored lesson not named is removed (no rows: the place is emptied).
    A row without a teacher gets the subject's teacher from the teaching assignments.

    All or nothing: a clash (:func:`week_clashes`, also between the rows) is refused with 409 naming the
    lesson in the way; a bad reference with 400 naming the field (``rows.0.teacher_id``). The journal's
    lessons already made from a changed or removed lesson for days after today, still empty (no topic, marks,
    absences or homework), go, so the journal makes them again from the new timetable."""
    class_group = school_services.class_of(school, data["class_id"])
    year = school_services.editable(class_group.academic_year)
    weekday, number = data["weekday"], data["number"]
    stored = {e.id: e for e in cell_entries(class_group, weekday, number)}
    entries, changed = [], []
    for index, row in enumerate(data.get("rows") or []):
        def field(name, index=index):
            return f"rows.{index}.{name}"

        entry_id = row.get("entry_id")
        if entry_id is not None and entry_id not in stored:
            raise SchoolError(field("entry_id"), _l("No such lesson in this school's timetable."))
        if row.get("subject_id") is None:
            raise SchoolError(field("subject_id"), _l("Choose the subject."))
        subgroup = school_services.subgroup_of(class_group, row.get("subgroup_id"), field("subgroup_id"))
        subject = school_services.subject_of(school, row["subject_id"], field("subject_id"))
        teacher_id = row.get("teacher_id") or assigned_teacher(class_group, subject.id, subgroup.id if subgroup else None)
        if teacher_id is None:
            raise SchoolError(field("teacher_id"), _l("Choose the teacher: the class has no teaching assignment "
                                                      "of this subject."))
        teacher = school_services.teacher_of(school, teacher_id, field("teacher_id"))
        room = school_services.room_of(school, row["room_id"], field("room_id")) if row.get("room_id") else None
        entry = stored.get(entry_id) if entry_id is not None else TimetableEntry(
            academic_year=year, class_group=class_group, weekday=weekday, number=number)
        before = (entry.subgroup_id, entry.subject_id, entry.teacher_id, entry.room_id) if entry.id else None
        entry.class_group = class_group
        entry.subgroup, entry.subject, entry.teacher, entry.room = subgroup, subject, teacher, room
        if before is not None and before != (entry.subgroup_id, entry.subject_id, entry.teacher_id, entry.room_id):
            changed.append(entry)
        entries.append(entry)
    found = week_clashes(entries, ignore_ids=stored)
    if found:
        index, name, other = found[0]
        raise SchoolError(f"rows.{index}.{name}", _CLASH_MESSAGES[name] % {"lesson": describe(other)}, conflict=True)
    kept = {e.id for e in entries if e.id}
    removed = [e for i, e in stored.items() if i not in kept]
    added = [e for e in entries if not e.id]
    with db.atomic():
        _drop_unkept_lessons([e.id for e in removed + changed])
        for entry in removed:
            entry.delete_instance()
        for entry in changed + added:
            entry.save()
    scope = scope_for_school(school)
    for entry, change in [(e, "removed") for e in removed] + [(e, "changed") for e in changed] + [
            (e, "added") for e in added]:
        fire_event("timetable_changed", scope, entry=entry, change=change)
    return entries


def _drop_unkept_lessons(entry_ids: list[int]) -> int:
    """Remove the journal's lessons made from these weekly lessons for days after today that hold nothing yet
    (no topic, mark, absence or homework): they are made again from the timetable as it is now."""
    if not entry_ids:
        return 0
    from eschool.journal.models import Attendance, Homework, Lesson, Mark
    from eschool.journal.services import local_today

    empty = ((Lesson.timetable_entry.in_(entry_ids)) & (Lesson.date > local_today()) & (Lesson.topic == "")
             & ~fn.EXISTS(Mark.select(Mark.id).where(Mark.lesson == Lesson.id))
             & ~fn.EXISTS(Attendance.select(Attendance.id).where(Attendance.lesson == Lesson.id))
             & ~fn.EXISTS(Homework.select(Homework.id).where(Homework.lesson == Lesson.id)))
    ids = [row.id for row in Lesson.select(Lesson.id).where(empty)]
    return Lesson.delete().where(Lesson.id.in_(ids)).execute() if ids else 0


def find_by_name(rows, text: str, *names) -> object | None:
    """The row whose name (any of ``names``: attributes) is ``text``, case and spaces aside; else the only
    row whose name starts with it; else None. The week editor takes typed names («мат» for Математика)."""
    wanted = " ".join((text or "").split()).casefold()
    if not wanted:
        return None
    exact = [r for r in rows if any(" ".join((getattr(r, n) or "").split()).casefold() == wanted for n in names)]
    if len(exact) == 1:
        return exact[0]
    starts = [r for r in rows if any((getattr(r, n) or "").casefold().startswith(wanted) for n in names)]
    return starts[0] if len(starts) == 1 else None


def remove_entry(school: School, entry_id: int) -> None:
    entry = entry_of(school, entry_id)
    school_services.editable(entry.class_group.academic_year)
    with db.atomic():
        _drop_unkept_lessons([entry.id])
        entry.delete_instance()
    fire_event("timetable_changed", scope_for_school(school), entry=entry, change="removed")


def entry_of(school: School, entry_id: int, field: str = "entry_id") -> TimetableEntry:
    entry = (TimetableEntry.select(TimetableEntry, ClassGroup).join(ClassGroup)
             .where((TimetableEntry.id == entry_id) & (ClassGroup.school == school)).first())
    if entry is None:
        raise SchoolError(field, _l("No such lesson in this school's timetable."))
    return entry


def week(school: School, year, class_id=None, teacher_id=None, room_id=None, weekday=None) -> list[TimetableEntry]:
    """The weekly timetable of a class, a teacher or a room (one query, whatever its size); ``weekday``
    (1 = Monday) keeps one day."""
    query = (TimetableEntry.select(TimetableEntry, ClassGroup, Subject, User, Room, Subgroup)
             .join(ClassGroup).switch(TimetableEntry).join(Subject).switch(TimetableEntry).join(User)
             .switch(TimetableEntry).join(Room, join_type=JOIN.LEFT_OUTER)
             .switch(TimetableEntry).join(Subgroup, join_type=JOIN.LEFT_OUTER)
             .where((ClassGroup.school == school) & (TimetableEntry.academic_year == year)))
    if class_id is not None:
        query = query.where(TimetableEntry.class_group == class_id)
    if teacher_id is not None:
        query = query.where(TimetableEntry.teacher == teacher_id)
    if room_id is not None:
        query = query.where(TimetableEntry.room == room_id)
    if weekday is not None:
        query = query.where(TimetableEntry.weekday == weekday)
    return list(query.order_by(TimetableEntry.weekday, TimetableEntry.number, ClassGroup.name))


# --------------------------------------------------------------------------- substitutions


def substitute(school: School, data: dict) -> Substitution:
    """Another teacher gives a lesson on a date; they must be free then (and the room too)."""
    entry = entry_of(school, data["entry_id"])
    school_services.editable(entry.class_group.academic_year)
    date: dt.date = data["date"]
    if date.isoweekday() != entry.weekday:
        raise SchoolError("date", _l("This lesson is on %(day)s; the date is a %(other)s.",
                                     day=WEEKDAYS[entry.weekday], other=format_date(date, "EEEE")))
    year = entry.class_group.academic_year
    if not (year.starts_on <= date <= year.ends_on):
        raise SchoolError("date", _l("The date is outside the academic year."))
    teacher = school_services.teacher_of(school, data["teacher_id"])
    room = school_services.room_of(school, data["room_id"]) if data.get("room_id") else None
    probe = TimetableEntry(academic_year=entry.academic_year_id, class_group=entry.class_group,
                           subgroup=entry.subgroup_id, weekday=entry.weekday, number=entry.number,
                           subject=entry.subject_id, teacher=teacher, room=room)
    busy = [other for field, other in clashes(probe, ignore_id=entry.id) if field == "teacher_id"
            and not _substituted_away(other, date)]
    busy += _substituting_then(entry, teacher, date)
    if busy:
        raise SchoolError("teacher_id", _l("The teacher already has a lesson then: %(lesson)s.",
                                           lesson=describe(busy[0])), conflict=True)
    with db.atomic():
        row, created = Substitution.get_or_create(entry=entry, date=date, defaults={
            "teacher": teacher, "room": room, "note": data.get("note", "")})
        if not created:
            row.teacher, row.room, row.note = teacher, room, data.get("note", "")
            row.save()
    fire_event("substitution_made", scope_for_school(school), substitution=row, created=created)
    return row


def _substituted_away(entry: TimetableEntry, date: dt.date) -> bool:
    """The teacher's own lesson that day is given by someone else, so they are free."""
    return Substitution.select().where((Substitution.entry == entry) & (Substitution.date == date)).exists()


def _substituting_then(entry: TimetableEntry, teacher: User, date: dt.date) -> list[TimetableEntry]:
    """Lessons the teacher already substitutes on that date at the same time."""
    times = lesson_times(entry.class_group.school)
    rows = (Substitution.select(Substitution, TimetableEntry, ClassGroup).join(TimetableEntry).join(ClassGroup)
            .where((Substitution.date == date) & (Substitution.teacher == teacher)
                   & (Substitution.entry != entry)))
    return [row.entry for row in rows if _overlaps(entry, row.entry, times)]


def substitutions(school: School, date: dt.date) -> list[Substitution]:
    return list(Substitution.select(Substitution, TimetableEntry, ClassGroup, User)
                .join(TimetableEntry).join(ClassGroup).switch(Substitution).join(User)
                .where((ClassGroup.school == school) & (Substitution.date == date))
                .order_by(TimetableEntry.number))


def day(school: School, year, date: dt.date, class_id=None, teacher_id=None, room_id=None) -> list[TimetableEntry]:
    """The lessons of one date for a class, a teacher or a room, with that date's substitutions in place.

    A substituted lesson shows the substitute (and their room, if another was given) and carries
    ``substitution_id``; a teacher's day holds the lessons they substitute and not the ones given
    away. Two queries, whatever the size.
    """
    entries = week(school, year, class_id=class_id, weekday=date.isoweekday())
    subs = {s.entry_id: s for s in Substitution.select(Substitution, User, Room)
            .join(User).switch(Substitution).join(Room, join_type=JOIN.LEFT_OUTER)
            .where((Substitution.date == date) & (Substitution.entry.in_([e.id for e in entries])))} \
        if entries else {}
    result = []
    for entry in entries:
        sub = subs.get(entry.id)
        entry.substitution_id, entry.substituted = (sub.id, True) if sub else (None, False)
        if sub is not None:
            entry.teacher = sub.teacher
            if sub.room_id:
                entry.room = sub.room
        if teacher_id is not None and entry.teacher_id != teacher_id:
            continue
        if room_id is not None and entry.room_id != room_id:
            continue
        result.append(entry)
    return result


def remove_substitution(school: School, substitution_id: int) -> Substitution:
    """Cancel a substitution: the lesson's own teacher gives it again (a closed year is read-only)."""
    row = (Substitution.select(Substitution, TimetableEntry, ClassGroup).join(TimetableEntry).join(ClassGroup)
           .where((Substitution.id == substitution_id) & (ClassGroup.school == school)).first())
    if row is None:
        raise SchoolError("substitution_id", _l("No such substitution at this school."))
    school_services.editable(row.entry.class_group.academic_year)
    row.delete_instance()
    return row


def set_lesson_time(school: School, shift: int, number: int, starts_at: dt.time, ends_at: dt.time) -> LessonTime:
    """Set one lesson's bell times; the shift's whole schedule is checked again."""
    times = [{"number": t.number, "starts_at": t.starts_at, "ends_at": t.ends_at}
             for (s, n), t in lesson_times(school).items() if s == shift and n != number]
    times.append({"number": number, "starts_at": starts_at, "ends_at": ends_at})
    rows = set_lesson_times(school, shift, times)
    return next(r for r in rows if r.number == number)
