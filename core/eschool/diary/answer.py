"""The diary API's answer for one student's dates, built from plain rows: the mobile app's busiest request.

``services.weeks`` builds model instances for the pages (the week, the printouts, a whole class); at 19:00
the API answers thousands of parents, and building those instances was nine tenths of its time (bench/run).
Here the same rules run over three to four statements of plain SQL that fetch only what is shown, and the result is
the ``DiarySchema`` document itself (``tests/test_diary_answer.py`` checks it equals
``DiarySchema().dump(weeks(...))`` field for field, so the schema stays the one description of the answer).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from types import SimpleNamespace

from eschool.db import db, row_date, row_hhmm
from eschool.diary.services import lesson_order, shown_subgroup_lessons
from eschool.journal.services import work_type_label
from eschool.timetable.planned import planned_lessons


def _in(values) -> str:
    return ", ".join([db.obj.param] * len(values))


def _rows(sql: str, params) -> list:
    return db.obj.execute_sql(sql, tuple(params)).fetchall()


def class_rows(school_id: int, class_ids: list, start: dt.date, end: dt.date) -> dict:
    """What every student of the classes sees alike from ``start`` to ``end``: the lessons (the journal's and
    the timetable's not in the journal yet) with subject, teacher, subgroup and bell times, the subgroups'
    members, the homework set in the range or due in it (each with the students it was chosen for) and its
    files. Plain rows, built once per class and dates (``services.built_week_rows`` keeps them under the
    classes' stamps) and shared by the students' weeks, which add their own marks and attendance."""
    s, e = start.isoformat(), end.isoformat()
    p = db.obj.param
    # 1. the lessons, with subject, teacher, subgroup and bell times
    lessons = _rows(
        "SELECT l.id, l.class_group_id, l.subject_id, l.date, l.number, l.topic, sj.name, u.full_name, sg.name, "
        "lt.starts_at, lt.ends_at, l.subgroup_id, l.timetable_entry_id "
        "FROM lesson l JOIN subject sj ON sj.id = l.subject_id JOIN user_account u ON u.id = l.teacher_id "
        "JOIN class_group cg ON cg.id = l.class_group_id LEFT JOIN subgroup sg ON sg.id = l.subgroup_id "
        f"LEFT JOIN lesson_time lt ON lt.school_id = {p} AND lt.shift = cg.shift AND lt.number = l.number "
        f"WHERE l.class_group_id IN ({_in(class_ids)}) AND l.date BETWEEN {p} AND {p} "
        "ORDER BY l.date, COALESCE(l.number, 99), l.id",
        [school_id, *class_ids, s, e])
    # 1b. the timetable's lessons not in the journal yet (timetable.planned: three statements), in the same shape
    # (id None) with their entry in the last column and a planned flag
    existing = {(row[12], row_date(row[3])) for row in lessons if row[12]}
    lessons = [(*row, False) for row in lessons] + [
        (None, x.class_group_id, x.subject_id, x.date, x.number, "", x.subject, x.teacher, x.subgroup, x.starts_at,
         x.ends_at, x.subgroup_id, x.entry_id, True)
        for x in planned_lessons(start, end, class_ids=class_ids, existing=existing)]
    lessons.sort(key=lambda row: (row_date(row[3]), lesson_order(row[4], row[13], row[12] if row[13] else row[0])))
    # a subgroup's lessons belong to its members (services.shown_subgroup_lessons; a statement only when the
    # week has subgroup lessons)
    subgroups = sorted({row[11] for row in lessons if row[11]})
    members: dict[int, set] = defaultdict(set)
    if subgroups:
        for subgroup_id, student_id in _rows(
                f"SELECT subgroup_id, student_id FROM subgroup_membership WHERE subgroup_id IN ({_in(subgroups)})",
                subgroups):
            members[subgroup_id].add(student_id)
    # 4. homework set in these lessons, and homework due in the range set in the classes' earlier lessons
    # (two SELECTs: one with an OR read every homework of the classes, bench/run), each with the students it
    # was chosen for (a row per chosen student; none for the whole class's)
    has_files = "EXISTS (SELECT 1 FROM homework_file hf WHERE hf.homework_id = h.id)"
    columns = (f"SELECT h.id, h.lesson_id, h.text, h.links, h.minutes_needed, h.due_on, h.for_all, hs.student_id, "
               f"l.date, l.class_group_id, l.subject_id, {has_files} "
               "FROM homework h JOIN lesson l ON l.id = h.lesson_id "
               "LEFT JOIN homework_student hs ON hs.homework_id = h.id ")
    homework_rows = _rows(
        f"{columns} WHERE l.class_group_id IN ({_in(class_ids)}) AND l.date BETWEEN {p} AND {p} "
        f"UNION ALL {columns} WHERE l.class_group_id IN ({_in(class_ids)}) AND l.date < {p} "
        f"AND h.due_on BETWEEN {p} AND {p}",
        [*class_ids, s, e, *class_ids, e, s, e])
    homework, chosen = {}, defaultdict(set)
    for row in sorted(homework_rows, key=lambda r: (row_date(r[8]), r[0])):
        homework.setdefault(row[0], row)
        if row[7] is not None:
            chosen[row[0]].add(row[7])
    # 5. their files (only when some have any)
    files = defaultdict(list)
    ids = [hw_id for hw_id, row in homework.items() if row[11]]
    if ids:
        for file_id, homework_id, name, content_type, size in _rows(
                "SELECT id, homework_id, original_name, content_type, size FROM homework_file "
                f"WHERE homework_id IN ({_in(ids)}) ORDER BY id", ids):
            files[homework_id].append((file_id, name, content_type, size))
    return {"lessons": lessons, "members": dict(members), "homework": list(homework.values()),
            "chosen": dict(chosen), "files": dict(files)}


def class_rows_size(rows: dict) -> int:
    """About the bytes ``class_rows`` hold, for the cache's bound."""
    return 300 * (len(rows["lessons"]) + len(rows["homework"]) + len(rows["files"])) + 500


def week_answer(student, start: dt.date, end: dt.date, memberships, file_url, shared=None) -> dict:
    """The ``DiarySchema`` document of ``student`` from ``start`` to ``end`` (days with lessons only).

    ``memberships``: ``(class_id, stamp, starts_on, ends_on)`` of the student's classes in the range, as
    ``services.week_key`` read them; ``file_url(file_id)``: a homework file's download address; ``shared``:
    ``class_rows`` or what gives the same (``services.built_week_rows`` gives them from its cache).
    """
    spans = [(c, row_date(a), row_date(b)) for c, _v, a, b in memberships]
    class_ids = sorted({c for c, _a, _b in spans})

    def in_class(class_id, day):
        return any(c == class_id and a <= day and (b is None or b >= day) for c, a, b in spans)

    answer = {"student": {"id": student.id, "full_name": student.full_name, "last_name": student.last_name,
                          "first_name": student.first_name},
              "start": start.isoformat(), "end": end.isoformat(), "days": []}
    if not class_ids:
        return answer
    p = db.obj.param
    common = (shared or class_rows)(student.school_id, class_ids, start, end)
    lessons, members = common["lessons"], common["members"]
    lesson_ids = [row[0] for row in lessons if not row[13]]
    # 2. the student's marks and 3. attendance in those lessons
    marks = defaultdict(list)
    attendance = {}
    labels = {}
    if lesson_ids:
        # one statement for both: marks (kind 'm') and attendance ('a') in the same columns
        for (kind, row_id, lesson_id, slot, value, numeric, weight, comment, wt_id, wt_code, wt_name) in _rows(
                "SELECT 'm', m.id, m.lesson_id, m.slot, m.value, m.numeric, m.weight, m.comment, w.id, w.code, "
                f"w.name FROM mark m LEFT JOIN work_type w ON w.id = m.work_type_id WHERE m.student_id = {p} "
                f"AND m.lesson_id IN ({_in(lesson_ids)}) UNION ALL "
                "SELECT 'a', a.id, a.lesson_id, a.minutes_late, a.kind, NULL, NULL, a.reason, NULL, NULL, NULL "
                f"FROM attendance a WHERE a.student_id = {p} AND a.lesson_id IN ({_in(lesson_ids)}) "
                "ORDER BY 1 DESC, 4, 2", [student.id, *lesson_ids, student.id, *lesson_ids]):
            if kind == "a":  # (slot, value, comment) hold (minutes_late, kind, reason)
                attendance[lesson_id] = {"kind": value, "minutes_late": slot, "reason": comment}
                continue
            if wt_id is not None and wt_id not in labels:
                labels[wt_id] = work_type_label(SimpleNamespace(code=wt_code, name=wt_name))
            marks[lesson_id].append({"id": row_id, "lesson_id": lesson_id, "slot": slot, "value": value,
                                     "numeric": numeric, "weight": float(weight), "comment": comment,
                                     "work_type": labels[wt_id] if wt_id is not None else None})
    def key_of(row):
        return ("p", row[12], row_date(row[3])) if row[13] else row[0]

    in_classes = [row for row in lessons if in_class(row[1], row_date(row[3]))]
    labels_shown = shown_subgroup_lessons(
        student.id, [(key_of(row), row_date(row[3]), row[4], row[2], row[11], row[8]) for row in in_classes], members,
        set(marks) | set(attendance))
    shown = [row for row in in_classes if key_of(row) in labels_shown]
    # 4. the homework for the whole class or chosen for this student, 5. with its files (new dicts: the shared
    # rows are never changed)
    homework = [row for row in common["homework"] if row[6] or student.id in common["chosen"].get(row[0], ())]
    files = {hw_id: [{"id": file_id, "name": name, "content_type": content_type, "size": size,
                      "url": file_url(file_id)} for file_id, name, content_type, size in items]
             for hw_id, items in common["files"].items()}
    set_in, due = defaultdict(list), defaultdict(list)
    for hw_id, lesson_id, text, links, minutes, due_on, for_all, _chosen, day, class_id, subject_id, _f in homework:
        day, due_on = row_date(day), row_date(due_on)
        item = {"id": hw_id, "lesson_id": lesson_id, "text": text, "minutes_needed": minutes,
                "due_on": due_on.isoformat() if due_on else None, "for_all": bool(for_all),
                "links": [line.strip() for line in (links or "").splitlines() if line.strip()],
                "files": files.get(hw_id, [])}
        if start <= day <= end:
            set_in[lesson_id].append(item)
        if due_on is not None and start <= due_on <= end and due_on > day and in_class(class_id, day):
            due[(class_id, subject_id, due_on)].append(item)
    days: dict[dt.date, list] = {}
    first_of_day = set()
    for row in shown:
        (lesson_id, class_id, subject_id, day, number, topic, subject, teacher, _subgroup, starts_at, ends_at,
         _subgroup_id, _entry_id, planned) = row
        day = row_date(day)
        key = (class_id, subject_id, day)
        due_here = []
        if key not in first_of_day:  # homework due today shows on the subject's first lesson of the day
            first_of_day.add(key)
            due_here = due[key]
        days.setdefault(day, []).append({
            "id": lesson_id, "planned": planned, "number": number, "starts_at": row_hhmm(starts_at),
            "ends_at": row_hhmm(ends_at), "subject_id": subject_id, "subject": subject,
            "subgroup": labels_shown[key_of(row)], "teacher": teacher, "topic": topic,
            "marks": marks[lesson_id] if not planned else [],
            "attendance": attendance.get(lesson_id) if not planned else None,
            "homework": set_in[lesson_id] if not planned else [], "homework_due": due_here})
    answer["days"] = [{"date": day.isoformat(), "lessons": days[day]} for day in sorted(days)]
    return answer


def week_page(student, start: dt.date, end: dt.date, memberships, file_url, shared=None) -> dict:
    """The week page's data from the same rows: every day from Monday to Saturday (Sunday only with
    lessons) with real dates, the homework's due dates as dates, and the names of the student's classes."""
    from eschool.school.models import ClassGroup

    answer = week_answer(student, start, end, memberships, file_url, shared)
    by_day = {dt.date.fromisoformat(d["date"]): d["lessons"] for d in answer["days"]}
    days, day = [], start
    while day <= end:
        if day.weekday() < 6 or by_day.get(day):
            days.append({"date": day, "lessons": by_day.get(day, [])})
        day += dt.timedelta(days=1)
    for lessons in by_day.values():
        for item in lessons:
            for hw in item["homework"] + item["homework_due"]:
                hw["due_date"] = dt.date.fromisoformat(hw["due_on"]) if hw["due_on"] else None
    ids = list(dict.fromkeys(c for c, _v, _a, _b in sorted(memberships, key=lambda m: str(m[2]))))
    names = dict(ClassGroup.select(ClassGroup.id, ClassGroup.name).where(ClassGroup.id.in_(ids)).tuples()) \
        if ids else {}
    return {"days": days, "class_names": [names[i] for i in ids if i in names]}
