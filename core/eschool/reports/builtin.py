"""The core's reports: attendance, progress and quality, students at risk, the summary sheet of final
marks, the movement of students, user activity, and the municipality's rates per school.

Each ``build(params, scope)`` returns a :class:`eschool.types.Report`; the registry made the parameters
safe. Queries are a fixed number per report (per class where a report walks the classes), never per
student.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from eschool.auth.models import RoleAssignment, User
from eschool.journal.models import Attendance, Lesson
from eschool.journal.services import local_today
from eschool.people.models import ClassMembership, Guardian, Movement, Student
from eschool.reports.services import classes_for
from eschool.results import services as results
from eschool.results.figures import EXEMPT, FAILING, Rates
from eschool.results.figures import rates as figures_rates
from eschool.school.models import ClassGroup, Period
from eschool.school.schemas import PERIOD_KINDS
from eschool.school.services import current_year
from eschool.types import Report, ReportChart, ReportColumn, ReportTable, ReportType

VIEW = "reports.view"
LATE, WITH_REASON, WITHOUT_REASON = "late", ("ill", "excused"), ("absent",)


PERIOD_NAMES = {"quarter": _l("quarter"), "semester": _l("semester"), "trimester": _l("trimester")}


def _period_caption(period, year=None) -> str:
    if period is None:
        return _("the whole year %(name)s", name=year.name) if year is not None else _("the whole year")
    label = _("%(kind)s %(number)s (grades %(start)s-%(end)s)", kind=PERIOD_NAMES.get(period.kind, period.kind),
              number=period.number, start=period.grade_from, end=period.grade_to)
    return f"{label}: {period.starts_on:%d.%m.%Y} – {period.ends_on:%d.%m.%Y}"


def _span(params) -> tuple[dt.date, dt.date]:
    period = params["period"]
    if period is not None:
        return period.starts_on, period.ends_on
    year = _year(params)
    today = local_today()
    return (year.starts_on, min(year.ends_on, today)) if year else (today, today)


def _year(params):
    """The year a report without a period covers: its class's year (a past year's archived journal), else
    the school's current year."""
    group = params.get("class_group")
    return group.academic_year if group is not None else current_year(params["school"])


def _memberships(class_ids: list[int], start: dt.date, end: dt.date) -> dict[int, list[Student]]:
    """The students of each class at some time in the range, by name: one query."""
    by_class: dict[int, list[Student]] = defaultdict(list)
    seen = set()
    for row in (ClassMembership.select(ClassMembership, Student).join(Student)
                .where(ClassMembership.class_group.in_(class_ids) & (ClassMembership.starts_on <= end)
                       & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= start)))
                .order_by(Student.last_name, Student.first_name, Student.id)):
        if (row.class_group_id, row.student_id) not in seen:
            seen.add((row.class_group_id, row.student_id))
            by_class[row.class_group_id].append(row.student)
    return by_class


# --------------------------------------------------------------------------- attendance


def attendance(params, scope) -> Report:
    """Lessons and days missed per class (or per student of one class), with and without a reason."""
    school, period, only = params["school"], params["period"], params["class_group"]
    start, end = _span(params)
    classes = classes_for(school, period, only)
    ids = [c.id for c in classes]
    counts: dict = defaultdict(Counter)  # student -> kind -> lessons
    missed_on: dict = defaultdict(Counter)  # (student, date) -> lessons missed (not late)
    for student_id, day, kind, number in (
            Attendance.select(Attendance.student, Lesson.date, Attendance.kind, fn.COUNT(Attendance.id))
            .join(Lesson).where(Lesson.class_group.in_(ids) & (Lesson.date >= start) & (Lesson.date <= end))
            .group_by(Attendance.student, Lesson.date, Attendance.kind).tuples()):
        counts[student_id][kind] += number
        if kind != LATE:
            missed_on[student_id][day] += number
    lessons_on: dict = {(c, d): n for c, d, n in (
        Lesson.select(Lesson.class_group, Lesson.date, fn.COUNT(Lesson.id))
        .where(Lesson.class_group.in_(ids) & Lesson.subgroup.is_null() & (Lesson.date >= start) & (Lesson.date <= end))
        .group_by(Lesson.class_group, Lesson.date).tuples())}
    students = _memberships(ids, start, end)

    def figures(student_id: int, class_id: int) -> list[int]:
        c = counts.get(student_id, Counter())
        with_reason = sum(c[k] for k in WITH_REASON)
        without = sum(c[k] for k in WITHOUT_REASON)
        days = sum(1 for day, n in missed_on.get(student_id, {}).items() if n >= lessons_on.get((class_id, day), 10**6))
        return [days, with_reason + without, with_reason, without, c[LATE]]

    columns = [ReportColumn("days", _l("Days missed"), "number"), ReportColumn("lessons", _l("Lessons missed"), "number"),
               ReportColumn("with_reason", _l("with a reason"), "number"),
               ReportColumn("without_reason", _l("without a reason"), "number"), ReportColumn("late", _l("Late"), "number")]
    caption = [str(school.short_name), _period_caption(period)]
    if only is not None:
        rows = [[s.full_name, *figures(s.id, only.id)] for s in students.get(only.id, [])]
        totals = [_("Total"), *[sum(r[i] for r in rows) for i in range(1, 6)]]
        table = ReportTable(_("Class %(name)s", name=only.name), [ReportColumn("student", _l("Student")), *columns],
                            rows, totals)
        return Report(_("Attendance: class %(name)s", name=only.name), [table], caption=caption)
    rows = []
    for group in classes:
        per_student = [figures(s.id, group.id) for s in students.get(group.id, [])]
        rows.append([group.name, len(per_student), *[sum(f[i] for f in per_student) for i in range(5)]])
    totals = [_("Total"), *[sum(r[i] for r in rows) for i in range(1, 7)]]
    table = ReportTable(_("By class"), [ReportColumn("class", _l("Class")), ReportColumn("students", _l("Students"), "number"),
                                        *columns], rows, totals)
    chart = ReportChart(_("Lessons missed"), [r[0] for r in rows],
                        [(_("with a reason"), [r[4] for r in rows]), (_("without a reason"), [r[5] for r in rows])])
    return Report(_("Attendance summary"), [table], caption=caption, chart=chart)


# --------------------------------------------------------------------------- progress and quality


def _class_reports(params, classes=None):
    """Each class of the report with its final marks (or suggestions): a fixed number of queries for all
    the classes together."""
    user, school, period, only = params["user"], params["school"], params["period"], params["class_group"]
    classes = classes if classes is not None else classes_for(school, period, only)
    reports = results.class_reports(user, classes, "period" if period is not None else "year", period)
    return [(group, reports[group.id]) for group in classes]


def _by_student(report) -> dict[int, list[str]]:
    """A class report's assessed values per student (exempt left out), in one pass over its cells."""
    values: dict[int, list[str]] = defaultdict(list)
    for (student_id, _subject_id), cell in report.cells.items():
        if cell.value not in (None, EXEMPT):
            values[student_id].append(cell.value)
    return values


def _average(numbers) -> Decimal | None:
    numbers = list(numbers)
    if not numbers:
        return None
    return (Decimal(sum(numbers)) / len(numbers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _class_row(group, report) -> list:
    """Class, students, assessed, only 5, 4 and 5, with a 2, pass rate, quality, average mark."""
    per_student = _by_student(report)
    assessed = [per_student[s.id] for s in report.students if per_student.get(s.id)]
    excellent = sum(1 for v in assessed if all(x in ("5", "pass") for x in v))
    failing = sum(1 for v in assessed if any(x in FAILING for x in v))
    rates = report.rates
    return [group.name, len(report.students), len(assessed), excellent, rates.good - excellent, failing,
            rates.pass_rate, rates.quality_rate, _average(int(x) for v in assessed for x in v if x.isdigit())]


CLASS_COLUMNS = (("class", _l("Class"), "text"), ("students", _l("Students"), "number"),
                 ("assessed", _l("Assessed"), "number"), ("excellent", _l("Only 5"), "number"),
                 ("good", _l("4 and 5"), "number"), ("failing", _l("With a 2"), "number"),
                 ("pass_rate", _l("Pass rate, %"), "percent"), ("quality_rate", _l("Quality, %"), "percent"),
                 ("average", _l("Average mark"), "number"))


def _class_table(title, rows: list[list], reports, label=None) -> ReportTable:
    """The classes' table with the totals of all its rows (the rates over every student assessed, the
    average over every mark)."""
    assessed, failing, good = sum(r[2] for r in rows), sum(r[5] for r in rows), sum(r[3] + r[4] for r in rows)
    overall = Rates(assessed, assessed - failing, good)
    average = _average(int(c.value) for report in reports for c in report.cells.values()
                       if c.value is not None and c.value.isdigit())
    totals = [label or _("Total"), sum(r[1] for r in rows), assessed, sum(r[3] for r in rows), sum(r[4] for r in rows),
              failing, overall.pass_rate, overall.quality_rate, average]
    return ReportTable(title, [ReportColumn(k, lbl, kind) for k, lbl, kind in CLASS_COLUMNS], rows, totals)


def _rates_chart(rows: list[list], pass_at: int, quality_at: int) -> ReportChart:
    return ReportChart(_("Pass and quality rates, %"), [str(r[0]) for r in rows],
                       [(_("Pass rate"), [float(r[pass_at] or 0) for r in rows]),
                        (_("Quality"), [float(r[quality_at] or 0) for r in rows])], unit="%")


def _provisional_note(reports) -> list:
    return [_("Some values are suggestions: no final mark is set yet.")] if any(r.provisional for r in reports) else []


def progress(params, scope) -> Report:
    """Per class: students assessed, excellent, good, failing, pass and quality rates, the average mark
    (final marks, or the suggestions where none is set yet). Linear in the marks, a fixed number of queries."""
    pairs = _class_reports(params)
    rows = [_class_row(group, report) for group, report in pairs]
    return Report(_("Progress and quality"), [_class_table(_("By class"), rows, [r for _g, r in pairs])],
                  caption=[str(params["school"].short_name), _period_caption(params["period"])],
                  chart=_rates_chart(rows, 6, 7), notes=_provisional_note(r for _g, r in pairs))


# --------------------------------------------------------------------------- by parallel, subject and teacher


TALLY_COLUMNS = (("marks", _l("Marks"), "number"), ("five", "«5»", "number"), ("four", "«4»", "number"),
                 ("three", "«3»", "number"), ("two", "«2»", "number"), ("pass_rate", _l("Pass rate, %"), "percent"),
                 ("quality_rate", _l("Quality, %"), "percent"), ("average", _l("Average mark"), "number"))


def _tally(values) -> list:
    """Final marks (one per student and subject): how many, of each kind, the pass and quality rates over
    them, the average mark."""
    counted = [str(v) for v in values if v not in (None, "", EXEMPT)]
    kinds = Counter(counted)
    rates = figures_rates([[v] for v in counted])
    return [len(counted), kinds["5"], kinds["4"], kinds["3"], kinds["2"] + kinds["fail"], rates.pass_rate,
            rates.quality_rate, _average(int(v) for v in counted if v.isdigit())]


def _tally_columns(*first) -> list[ReportColumn]:
    return [*first, *[ReportColumn(k, lbl, kind) for k, lbl, kind in TALLY_COLUMNS]]


def _grade_classes(params) -> list:
    classes = classes_for(params["school"], params["period"], params["class_group"])
    return [c for c in classes if params["grade"] is None or c.grade == params["grade"]]


def _values(report, subject_id: int, students=None) -> list[str]:
    return [c.value for (student_id, s_id), c in report.cells.items()
            if s_id == subject_id and (students is None or student_id in students)]


def parallel(params, scope) -> Report:
    """One parallel (all the 5th classes): each class's progress and quality with the parallel's totals,
    then each subject over the whole parallel."""
    grade = params["grade"]
    pairs = _class_reports(params, _grade_classes(params))
    rows = [_class_row(group, report) for group, report in pairs]
    by_subject: dict = {}
    for _group, report in pairs:
        for subject in report.subjects:
            by_subject.setdefault(subject.name, []).extend(_values(report, subject.id))
    subject_rows = [[name, *_tally(values)] for name, values in sorted(by_subject.items())]
    tables = [_class_table(_("Classes of the %(grade)s grade", grade=grade), rows, [r for _g, r in pairs],
                           label=_("Parallel %(grade)s", grade=grade)),
              ReportTable(_("Subjects over the parallel"), _tally_columns(ReportColumn("subject", _l("Subject"))),
                          subject_rows)]
    return Report(_("Progress and quality: grade %(grade)s", grade=grade), tables,
                  caption=[str(params["school"].short_name), _period_caption(params["period"])],
                  chart=_rates_chart(rows, 6, 7), notes=_provisional_note(r for _g, r in pairs))


def by_subject(params, scope) -> Report:
    """Each subject's final marks over the school (or a grade): how many of each, pass and quality rates,
    the average; with one subject chosen, that subject class by class."""
    pairs = _class_reports(params, _grade_classes(params))
    chosen = params["subject"]
    caption = [str(params["school"].short_name), _period_caption(params["period"])]
    if params["grade"] is not None:
        caption.append(_("grade %(grade)s", grade=params["grade"]))
    if chosen is not None:
        rows = [[group.name, *_tally(_values(report, chosen.id))] for group, report in pairs
                if any(s.id == chosen.id for s in report.subjects)]
        totals = [_("Total"), *_tally(v for _g, report in pairs for v in _values(report, chosen.id))]
        table = ReportTable(_("%(subject)s by class", subject=chosen.name),
                            _tally_columns(ReportColumn("class", _l("Class"))), rows, totals)
        title = _("Progress in %(subject)s", subject=chosen.name)
    else:
        by_name: dict = {}
        for _group, report in pairs:
            for subject in report.subjects:
                by_name.setdefault(subject.name, []).extend(_values(report, subject.id))
        rows = [[name, *_tally(values)] for name, values in sorted(by_name.items())]
        totals = [_("All subjects"), *_tally(v for values in by_name.values() for v in values)]
        table = ReportTable(_("By subject"), _tally_columns(ReportColumn("subject", _l("Subject"))), rows, totals)
        title = _("Progress by subject")
    return Report(title, [table], caption=caption, chart=_rates_chart(rows, 6, 7),
                  notes=_provisional_note(r for _g, r in pairs))


def by_teacher(params, scope) -> Report:
    """Each teacher's final marks over their classes and subjects (a subgroup's teacher: its students):
    how many of each, pass and quality rates, the average; then each class and subject they teach."""
    from eschool.people.models import SubgroupMembership
    from eschool.school.models import Subgroup, Subject, TeachingAssignment

    pairs = _class_reports(params, _grade_classes(params))
    reports = {group.id: report for group, report in pairs}
    chosen = params["subject"]
    query = (TeachingAssignment.select(TeachingAssignment, User, Subject, Subgroup).join(User).switch(TeachingAssignment)
             .join(Subject).switch(TeachingAssignment).join(Subgroup, JOIN.LEFT_OUTER)
             .where(TeachingAssignment.class_group.in_(list(reports) or [0])))
    if chosen is not None:
        query = query.where(TeachingAssignment.subject == chosen.id)
    assignments = list(query.order_by(User.full_name, TeachingAssignment.id))
    members: dict = defaultdict(set)
    for student_id, subgroup_id in (SubgroupMembership.select(SubgroupMembership.student, SubgroupMembership.subgroup)
                                    .where(SubgroupMembership.subgroup.in_(
                                        sorted({a.subgroup_id for a in assignments if a.subgroup_id}) or [0])).tuples()):
        members[subgroup_id].add(student_id)
    names = {group.id: group.name for group, _r in pairs}
    detail, per_teacher, taught = [], {}, defaultdict(int)
    for a in assignments:
        students = members.get(a.subgroup_id) if a.subgroup_id else None  # a subgroup nobody was put in: the class
        values = _values(reports[a.class_group_id], a.subject_id, students)
        where = names[a.class_group_id] + (f" ({a.subgroup.name})" if a.subgroup_id else "")
        detail.append([a.teacher.full_name, where, a.subject.name, *_tally(values)])
        per_teacher.setdefault(a.teacher.full_name, []).extend(values)
        taught[a.teacher.full_name] += 1
    rows = [[name, taught[name], *_tally(values)] for name, values in per_teacher.items()]
    caption = [str(params["school"].short_name), _period_caption(params["period"])]
    if params["grade"] is not None:
        caption.append(_("grade %(grade)s", grade=params["grade"]))
    if chosen is not None:
        caption.append(chosen.name)
    tables = [ReportTable(_("By teacher"), _tally_columns(ReportColumn("teacher", _l("Teacher")),
                                                         ReportColumn("classes", _l("Classes and subjects"), "number")),
                          rows),
              ReportTable(_("By teacher, class and subject"), _tally_columns(
                  ReportColumn("teacher", _l("Teacher")), ReportColumn("class", _l("Class")),
                  ReportColumn("subject", _l("Subject"))), detail)]
    return Report(_("Progress by teacher"), tables, caption=caption, chart=_rates_chart(rows, 7, 8),
                  notes=_provisional_note(r for _g, r in pairs), landscape=True)


def at_risk(params, scope) -> Report:
    """Students with a 2 (final or suggested) or with no marks in a subject, per class."""
    rows = []
    for group, report in _class_reports(params):
        for student in report.students:
            twos = [s.name for s in report.subjects if (c := report.cells.get((student.id, s.id))) and c.value in FAILING]
            none = [s.name for s in report.subjects if (student.id, s.id) not in report.cells]
            if twos or none:
                rows.append([group.name, student.full_name, ", ".join(twos), ", ".join(none)])
    columns = [ReportColumn("class", _l("Class")), ReportColumn("student", _l("Student")),
               ReportColumn("failing", _l("A 2 in")), ReportColumn("no_marks", _l("No marks in"))]
    return Report(_("Students with a 2 or without marks"), [ReportTable(_("Students"), columns, rows)],
                  caption=[str(params["school"].short_name), _period_caption(params["period"])])


def summary_sheet(params, scope) -> Report:
    """The class's summary sheet of final marks (сводная ведомость): students down, subjects across,
    the pass and quality rates per subject at the foot. The printed form of the class's results."""
    group, period = params["class_group"], params["period"]
    report = results.class_report(params["user"], group, "period" if period is not None else "year", period)
    columns = [ReportColumn("n", "№", "number"), ReportColumn("student", _l("Student"))] + [
        ReportColumn(f"s{s.id}", s.short_name or s.name, "mark") for s in report.subjects]
    rows = [[n, student.full_name, *[(report.cells.get((student.id, s.id)).value
                                      if (student.id, s.id) in report.cells else "") for s in report.subjects]]
            for n, student in enumerate(report.students, start=1)]
    pass_row = ["", _("Pass rate, %"), *[report.subject_rates[s.id].pass_rate for s in report.subjects]]
    quality_row = ["", _("Quality, %"), *[report.subject_rates[s.id].quality_rate for s in report.subjects]]
    notes = [_("Some values are suggestions: no final mark is set yet.")] if report.provisional else []
    notes.append(_("Pass rate %(p)s %%, quality %(q)s %% over all subjects.",
                   p=report.rates.pass_rate if report.rates.pass_rate is not None else "—",
                   q=report.rates.quality_rate if report.rates.quality_rate is not None else "—"))
    table = ReportTable(_("Class %(name)s", name=group.name), columns, rows + [pass_row, quality_row])
    return Report(_("Summary sheet of final marks"), [table],
                  caption=[str(params["school"].name), _("Class %(name)s", name=group.name), _period_caption(period)],
                  landscape=True, notes=notes)


# --------------------------------------------------------------------------- the printable class journal


LETTERS = {"absent": "н", "ill": "б", "excused": "у", "late": "оп"}
#: Dates one table of the printed journal holds (landscape A4).
LESSON_COLUMNS = 26


def class_journal(params, scope) -> Report:
    """The class journal of a period as it is printed and archived: per subject (and subgroup), the
    students down and the lessons' dates across with their marks and absences, then every lesson's topic
    and homework. Without a period, the class's whole year (the year archive), each subject period by
    period. At most ``LESSON_COLUMNS`` dates a table (a longer run goes on in the next). Seven queries
    whatever the class's size and the period's length."""
    from eschool.journal.models import Homework, Mark
    from eschool.school.models import Subgroup, Subject

    group = params["class_group"]
    start, end = _span(params)
    in_range = (Lesson.class_group == group) & (Lesson.date >= start) & (Lesson.date <= end)
    lessons = list(Lesson.select(Lesson, Subject, Subgroup).join(Subject).switch(Lesson)
                   .join(Subgroup, JOIN.LEFT_OUTER).where(in_range)
                   .order_by(Subject.name, Lesson.subgroup, Lesson.date, Lesson.number, Lesson.id))
    cells: dict = defaultdict(list)  # (lesson, student) -> texts
    for lesson_id, student_id, value in (Mark.select(Mark.lesson, Mark.student, Mark.value).join(Lesson)
                                         .where(in_range).order_by(Mark.slot).tuples()):
        cells[(lesson_id, student_id)].append(value)
    for lesson_id, student_id, kind in (Attendance.select(Attendance.lesson, Attendance.student, Attendance.kind)
                                        .join(Lesson).where(in_range).tuples()):
        cells[(lesson_id, student_id)].insert(0, LETTERS.get(kind, kind))
    homework = dict(Homework.select(Homework.lesson, Homework.text).join(Lesson).where(in_range).tuples())
    students = _memberships([group.id], start, end).get(group.id, [])
    periods = [] if params["period"] is not None else list(
        Period.select().where((Period.academic_year == group.academic_year_id) & (Period.grade_from <= group.grade)
                              & (Period.grade_to >= group.grade)).order_by(Period.starts_on))

    def part(day) -> str:  # the whole year's journal goes period by period, as the paper journal's pages
        found = next((p for p in periods if p.starts_on <= day <= p.ends_on), None)
        return _("%(kind)s %(number)s", kind=PERIOD_NAMES.get(found.kind, found.kind), number=found.number) \
            if found is not None else ""

    by_subject: dict = {}
    for lesson in lessons:
        key = (lesson.subject.name, lesson.subgroup.name if lesson.subgroup_id else "", part(lesson.date))
        by_subject.setdefault(key, []).append(lesson)
    tables = []
    for (subject, subgroup, when), items in by_subject.items():
        title = " · ".join(x for x in (f"{subject} ({subgroup})" if subgroup else subject, when) if x)
        chunks = [items[i:i + LESSON_COLUMNS] for i in range(0, len(items), LESSON_COLUMNS)]
        for n, chunk in enumerate(chunks, start=1):  # a page holds so many dates: longer runs go on
            columns = [ReportColumn("student", _l("Student"))] + [
                ReportColumn(f"l{lesson.id}", f"{lesson.date:%d.%m}", "mark") for lesson in chunk]
            rows = [[student.full_name, *[" ".join(cells.get((lesson.id, student.id), [])) for lesson in chunk]]
                    for student in students]
            tables.append(ReportTable(f"{title} ({n}/{len(chunks)})" if len(chunks) > 1 else title, columns, rows))
    topics = [[lesson.date, lesson.subject.name + (f" ({lesson.subgroup.name})" if lesson.subgroup_id else ""),
               lesson.topic, homework.get(lesson.id, "")] for lesson in sorted(lessons, key=lambda x: (x.date, x.number or 0))]
    tables.append(ReportTable(_("Topics and homework"), [ReportColumn("date", _l("Date"), "date"),
                                                         ReportColumn("subject", _l("Subject")),
                                                         ReportColumn("topic", _l("Topic")),
                                                         ReportColumn("homework", _l("Homework"))], topics))
    return Report(_("Class journal"), tables, landscape=True,
                  caption=[str(params["school"].name), _("Class %(name)s", name=group.name),
                           _period_caption(params["period"], group.academic_year)],
                  notes=[_("н: absent, б: ill, у: excused, оп: late.")])


# --------------------------------------------------------------------------- movement


MOVEMENT_KINDS = {"enrolment": _l("enrolment"), "transfer": _l("transfer"), "leaving": _l("leaving")}


def movement(params, scope) -> Report:
    """Arrivals, transfers between classes and departures over a date range, from the movement book."""
    school, start, end = params["school"], params["date_from"], params["date_to"]
    From, To = ClassGroup.alias(), ClassGroup.alias()  # noqa: N806 - peewee aliases
    entries = list(Movement.select(Movement, Student, From, To).join(Student).switch(Movement)
                   .join(From, JOIN.LEFT_OUTER, on=(Movement.from_class == From.id)).switch(Movement)
                   .join(To, JOIN.LEFT_OUTER, on=(Movement.to_class == To.id))
                   .where((Movement.school == school) & (Movement.date >= start) & (Movement.date <= end))
                   .order_by(Movement.date, Movement.id))
    rows = [[m.date, m.student.full_name, str(MOVEMENT_KINDS.get(m.kind, m.kind)),
             m.from_class.name if m.from_class_id else "", m.to_class.name if m.to_class_id else "",
             m.other_school, m.order_number, m.reason] for m in entries]
    kinds = Counter(m.kind for m in entries)
    columns = [ReportColumn("date", _l("Date"), "date"), ReportColumn("student", _l("Student")),
               ReportColumn("kind", _l("Movement")), ReportColumn("from", _l("From class")),
               ReportColumn("to", _l("To class")), ReportColumn("other_school", _l("School from / to")),
               ReportColumn("order", _l("Order")), ReportColumn("reason", _l("Reason"))]
    summary = ReportTable(_("In total"), [ReportColumn("kind", _l("Movement")), ReportColumn("count", _l("Students"), "number")],
                          [[str(label), kinds.get(code, 0)] for code, label in MOVEMENT_KINDS.items()])
    return Report(_("Movement of students"), [summary, ReportTable(_("The movement book"), columns, rows)],
                  caption=[str(school.short_name), f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"], landscape=True)


# --------------------------------------------------------------------------- user activity


def activity(params, scope) -> Report:
    """Who uses the portal: per role, accounts, ever logged in, in the last 7 and 30 days, never; the
    parents of each class; and the list of those who never logged in."""
    from flask import current_app

    from eschool.db import utcnow

    school = params["school"]
    now = utcnow()
    week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    labels = current_app.extensions["eschool"].roles
    holders = list(RoleAssignment.select(RoleAssignment.role, User.id, User.full_name, User.username, User.last_login_at,
                                         User.is_active).join(User)
                   .where(RoleAssignment.school == school).order_by(User.full_name).tuples())
    by_role: dict = defaultdict(dict)
    for role, user_id, name, username, last, active in holders:
        by_role[role][user_id] = (name, username, last, active)

    def counts(people) -> list[int]:
        lasts = [p[2] for p in people]
        return [len(lasts), sum(1 for t in lasts if t), sum(1 for t in lasts if t and t >= week),
                sum(1 for t in lasts if t and t >= month), sum(1 for t in lasts if not t)]

    per_role = [[str(labels[r].label) if r in labels else r, *counts(list(people.values()))]
                for r, people in sorted(by_role.items(), key=lambda kv: str(labels[kv[0]].label) if kv[0] in labels else kv[0])]
    figures = [ReportColumn("accounts", _l("Accounts"), "number"), ReportColumn("ever", _l("Ever logged in"), "number"),
               ReportColumn("week", _l("In the last 7 days"), "number"),
               ReportColumn("month", _l("In the last 30 days"), "number"), ReportColumn("never", _l("Never"), "number")]
    today = local_today()
    classes = classes_for(school, None)
    parents_of: dict = defaultdict(dict)
    for class_id, user_id, last in (Guardian.select(ClassMembership.class_group, User.id, User.last_login_at)
                                    .join(User).switch(Guardian)
                                    .join(ClassMembership, on=(ClassMembership.student == Guardian.student))
                                    .where(ClassMembership.class_group.in_([c.id for c in classes])
                                           & (ClassMembership.starts_on <= today)
                                           & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= today)))
                                    .tuples()):
        parents_of[class_id][user_id] = (None, None, last, True)
    per_class = [[c.name, *counts(list(parents_of.get(c.id, {}).values()))] for c in classes]
    never = [[name, username, ", ".join(sorted(str(labels[r].label) if r in labels else r
                                              for r, people in by_role.items() if uid in people))]
             for uid, (name, username, last, active) in
             sorted({u: p for people in by_role.values() for u, p in people.items()}.items(), key=lambda kv: kv[1][0])
             if not last and active]
    chart = ReportChart(_("Parents who logged in within 30 days"), [r[0] for r in per_class],
                        [(_("Parents"), [r[1] for r in per_class]), (_("In the last 30 days"), [r[4] for r in per_class])])
    return Report(_("User activity"), [
        ReportTable(_("By role"), [ReportColumn("role", _l("Role")), *figures], per_role),
        ReportTable(_("Parents by class"), [ReportColumn("class", _l("Class")), *figures], per_class),
        ReportTable(_("Never logged in"), [ReportColumn("name", _l("Name")), ReportColumn("login", _l("Login")),
                                           ReportColumn("role", _l("Role"))], never)],
        caption=[str(school.short_name), _("on %(date)s", date=today.strftime("%d.%m.%Y"))], chart=chart)


# --------------------------------------------------------------------------- the municipality


def _rates_schema():
    from marshmallow import Schema, fields, validate

    class RatesParams(Schema):
        kind = fields.String(load_default="quarter", validate=validate.OneOf((*PERIOD_KINDS, "year")))
        number = fields.Integer(load_default=1, validate=validate.Range(min=1, max=4))

    return RatesParams


def school_rates(params, scope) -> Report:
    """The municipality's schools side by side: students assessed, pass and quality rates (aggregates
    only, never a student)."""
    municipality = params["municipality"]
    rows = [[r.school.short_name, r.rates.students, r.rates.pass_rate, r.rates.quality_rate]
            for r in results.school_rates(municipality, params["kind"], params["number"])]
    columns = [ReportColumn("school", _l("School")), ReportColumn("students", _l("Assessed"), "number"),
               ReportColumn("pass_rate", _l("Pass rate, %"), "percent"), ReportColumn("quality_rate", _l("Quality, %"), "percent")]
    chart = ReportChart(_("Quality, %"), [r[0] for r in rows], [(_("Quality"), [float(r[3] or 0) for r in rows])], unit="%")
    what = _("the year") if params["kind"] == "year" else f"{params['kind']} {params['number']}"
    return Report(_("Pass and quality rates of the schools"), [ReportTable(_("Schools"), columns, rows)],
                  caption=[municipality.name(str(get_locale() or "ru")), what], chart=chart)


def core_reports() -> list[ReportType]:
    return [
        ReportType("attendance", _l("Attendance summary"), VIEW, attendance, params=("period", "class"), order=10,
                   class_teachers=True, plugin="core",
                   description=_l("Days and lessons missed per class or per student, with and without a reason.")),
        ReportType("progress", _l("Progress and quality"), VIEW, progress, params=("period", "class"), order=20,
                   plugin="core", description=_l("Pass and quality rates and the average mark per class.")),
        ReportType("parallel", _l("Progress and quality of a parallel"), VIEW, parallel, params=("period", "grade"),
                   required=("grade",), order=22, plugin="core",
                   description=_l("All the classes of one grade side by side with the parallel's totals, and each "
                                  "subject over the parallel.")),
        ReportType("subjects", _l("Progress by subject"), VIEW, by_subject, params=("period", "grade", "subject"),
                   order=24, plugin="core",
                   description=_l("Each subject's marks of each kind, pass and quality rates and average; one "
                                  "subject class by class.")),
        ReportType("teachers", _l("Progress by teacher"), VIEW, by_teacher, params=("period", "grade", "subject"),
                   order=26, plugin="core",
                   description=_l("Each teacher's marks of each kind, pass and quality rates and average over their "
                                  "classes and subjects.")),
        ReportType("at_risk", _l("Students with a 2 or without marks"), VIEW, at_risk, params=("period", "class"),
                   order=30, class_teachers=True, plugin="core",
                   description=_l("Who has a 2 or no marks in a subject for the period.")),
        ReportType("summary_sheet", _l("Summary sheet of final marks"), VIEW, summary_sheet, params=("period", "class"),
                   required=("class",), order=40, class_teachers=True, plugin="core",
                   description=_l("The class's final marks per subject: the printed form (сводная ведомость).")),
        ReportType("class_journal", _l("Class journal"), VIEW, class_journal, params=("period", "class"),
                   required=("class",), order=45, class_teachers=True, plugin="core",
                   description=_l("The class's journal of a period as printed and archived: marks and absences per "
                                  "subject, topics and homework.")),
        ReportType("movement", _l("Movement of students"), VIEW, movement, params=("date_range",), order=50,
                   plugin="core", description=_l("Arrivals, transfers and departures over a date range.")),
        ReportType("activity", _l("User activity"), VIEW, activity, order=60, plugin="core",
                   description=_l("Who has never logged in; parents' visits per class.")),
        ReportType("school_rates", _l("Pass and quality rates of the schools"), "results.rates", school_rates,
                   params_schema=_rates_schema(), levels=("municipality",), order=10, plugin="core",
                   description=_l("The municipality's schools side by side (aggregates only).")),
    ]
