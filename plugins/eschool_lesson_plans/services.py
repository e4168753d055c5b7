"""Lesson plans (КТП, календарно-тематическое планирование): import, list, delete, attach to lessons.

A plan belongs to a subject and a grade. It is imported from a CSV or XLSX file whose first row names
the columns (Russian or English, any order):

| column | also | required | example |
|---|---|---|---|
| Номер | number, № | yes | 1 |
| Тема | topic | yes | Натуральные числа |
| Часы | hours | no (1) | 2 |
| Домашнее задание | homework | no | § 1, № 5 |

Every row is checked; a bad row is reported with its line and the reason, and then nothing is
imported (all or nothing).

Attaching a plan to a class-subject walks its lessons of the year in date order and its items in
number order (an item of 2 hours takes two lessons): each lesson gets the item
(``LessonTopic``, this plugin's table) and, if its topic is empty, the item's topic. Each lesson goes
through the journal's ``set_lesson`` (also when its topic stays) so the journal's rules hold; a lesson the journal no longer lets change (outside the edit window, a closed
year) keeps what it has but still uses up its item, so the next lessons stay in step with the plan.
Detaching clears the items again, and the topics that came from the plan.

Who: a teacher who teaches the subject in a class of the plan's grade (attaching: in that class), and
the school's management (``journal.control``) for importing and deleting.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from peewee import fn

from eschool.plugin_api import (
    ClassGroup,
    ImportFileError,
    JournalForbidden,
    Lesson,
    School,
    SchoolError,
    StaleEdit,
    Subject,
    TeachingAssignment,
    controls_journal,
    current_year,
    db,
    lessons_of,
    read_table,
    set_lesson,
    subject_of,
    teaches,
)
from eschool_lesson_plans.models import LessonPlan, LessonPlanItem, LessonTopic

ResultsForbidden = JournalForbidden  # refusals of who may plan (403)

COLUMNS = {
    "номер": "number", "№": "number", "№ урока": "number", "номер урока": "number", "number": "number",
    "тема": "topic", "тема урока": "topic", "topic": "topic",
    "часы": "hours", "кол-во часов": "hours", "количество часов": "hours", "hours": "hours",
    "домашнее задание": "homework", "дз": "homework", "homework": "homework",
}
MAX_HOURS = 20


class PlanImportError(SchoolError):
    """The file is refused: ``rows`` lists ``(line, column, reason)``; nothing was imported."""

    def __init__(self, message, rows: list[tuple[int, str, str]] | None = None):
        super().__init__("file", message)
        self.rows = rows or []


@dataclass
class Outcome:
    """What attaching or detaching did."""

    lessons: int = 0  # lessons that got (or lost) a plan item
    topics: int = 0  # topics filled (or cleared)
    skipped: int = 0  # lessons the journal no longer lets change
    items_left: int = 0  # plan hours without a lesson yet (attaching)
    refused: list = field(default_factory=list)  # (lesson, reason) of the skipped ones


# --------------------------------------------------------------------------- reading the file


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """``[(line, {column: text})]`` from a CSV (UTF-8, ``;`` or ``,``) or XLSX file with a header row."""
    try:
        table = read_table(data, filename or "")  # the file reading the contingent imports use
    except ImportFileError as exc:
        raise PlanImportError(exc.args[0]) from exc
    header = [COLUMNS.get((title or "").strip().lower()) for title in table[0]]
    missing = [c for c in ("number", "topic") if c not in header]
    if missing:
        raise PlanImportError(_l("%(file)s, line 1: missing columns: %(columns)s.", file=filename,
                                 columns=", ".join(missing)))
    rows = []
    for line, values in enumerate(table[1:], start=2):
        if not any((v or "").strip() for v in values):
            continue
        rows.append((line, {key: (values[i] or "").strip() for i, key in enumerate(header)
                            if key and i < len(values)}))
    return rows


def check_rows(rows: list[tuple[int, dict]]) -> tuple[list[dict], list[tuple[int, str, str]]]:
    """The items and the errors ``(line, column, reason)``; nothing is written."""
    items, errors, seen = [], [], {}
    for line, row in rows:
        item = {"line": line}
        number = row.get("number", "")
        if not number.isdigit() or not (1 <= int(number) <= 999):
            errors.append((line, "number", str(_l("Expected a whole number from 1 to 999, not '%(value)s'.",
                                                  value=number))))
        elif int(number) in seen:
            errors.append((line, "number", str(_l("Number %(number)s is already on line %(line)s.",
                                                  number=number, line=seen[int(number)]))))
        else:
            seen[int(number)] = line
            item["number"] = int(number)
        topic = row.get("topic", "")
        if not topic:
            errors.append((line, "topic", str(_l("The topic is empty."))))
        elif len(topic) > 500:
            errors.append((line, "topic", str(_l("The topic is longer than 500 characters."))))
        item["topic"] = topic
        hours = row.get("hours", "") or "1"
        if not hours.isdigit() or not (1 <= int(hours) <= MAX_HOURS):
            errors.append((line, "hours", str(_l("Expected a whole number of hours from 1 to %(max)s, not "
                                                 "'%(value)s'.", max=MAX_HOURS, value=hours))))
        else:
            item["hours"] = int(hours)
        item["homework"] = row.get("homework", "")
        items.append(item)
    if not rows:
        errors.append((2, "number", str(_l("The file has no rows after the header."))))
    return items, errors


# --------------------------------------------------------------------------- plans


def may_plan(user, school: School, subject: Subject, grade: int) -> bool:
    """The subject's teacher in a class of that grade (this year), or the school's management."""
    if controls_journal(user, school):
        return True
    year = current_year(school)
    return year is not None and TeachingAssignment.select().join(ClassGroup).where(
        (TeachingAssignment.teacher == user.id) & (TeachingAssignment.subject == subject)
        & (ClassGroup.academic_year == year) & (ClassGroup.grade == grade)).exists()


def import_plan(user, school: School, data: dict, content: bytes, filename: str) -> LessonPlan:
    """Import a plan for ``data["subject_id"]`` and ``data["grade"]`` named ``data["name"]``: all rows
    or, if any row is bad, none (:class:`PlanImportError` lists them)."""
    subject = subject_of(school, data["subject_id"])
    if not may_plan(user, school, subject, data["grade"]):
        raise ResultsForbidden(_l("Only a teacher of the subject in that grade imports its plan."))
    items, errors = check_rows(read_rows(content, filename))
    if errors:
        raise PlanImportError(_l("Nothing was imported: %(count)s rows have mistakes.",
                                 count=len({line for line, _c, _r in errors})), errors)
    name = (data.get("name") or "").strip() or f"{subject.name}, {data['grade']}"
    with db.atomic():
        plan = LessonPlan.create(school=school, subject=subject, grade=data["grade"], name=name[:200],
                                 created_by=user.id)
        LessonPlanItem.insert_many([
            {"plan": plan.id, "number": i["number"], "topic": i["topic"], "hours": i["hours"],
             "homework": i["homework"]} for i in sorted(items, key=lambda i: i["number"])]).execute()
    return plan


def plans(school: School) -> list[LessonPlan]:
    """The school's plans with ``item_count``, ``hours`` and ``attached`` (lessons linked); three queries."""
    rows = list(LessonPlan.select(LessonPlan, Subject).join(Subject).where(LessonPlan.school == school)
                .order_by(Subject.name, LessonPlan.grade, LessonPlan.name))
    ids = [p.id for p in rows]
    counts = {r.plan_id: (r.n, r.h) for r in LessonPlanItem.select(
        LessonPlanItem.plan, fn.COUNT(LessonPlanItem.id).alias("n"), fn.SUM(LessonPlanItem.hours).alias("h"))
        .where(LessonPlanItem.plan.in_(ids)).group_by(LessonPlanItem.plan)} if ids else {}
    attached = {r.plan_id: r.n for r in LessonPlanItem.select(LessonPlanItem.plan, fn.COUNT(LessonTopic.id).alias("n"))
                .join(LessonTopic, on=LessonTopic.item == LessonPlanItem.id)
                .where(LessonPlanItem.plan.in_(ids)).group_by(LessonPlanItem.plan)} if ids else {}
    for plan in rows:
        plan.item_count, plan.hours = counts.get(plan.id, (0, 0))
        plan.hours = int(plan.hours or 0)
        plan.attached = attached.get(plan.id, 0)
    return rows


def plan_of(school: School, plan_id: int) -> LessonPlan:
    plan = (LessonPlan.select(LessonPlan, Subject).join(Subject)
            .where((LessonPlan.id == plan_id) & (LessonPlan.school == school)).first())
    if plan is None:
        raise SchoolError("plan_id", _l("No such lesson plan at this school."))
    return plan


def items_of(plan: LessonPlan) -> list[LessonPlanItem]:
    return list(LessonPlanItem.select().where(LessonPlanItem.plan == plan).order_by(LessonPlanItem.number))


def delete_plan(user, school: School, plan_id: int) -> None:
    """Delete a plan; refused while lessons are attached to it (detach it first)."""
    plan = plan_of(school, plan_id)
    if not may_plan(user, school, plan.subject, plan.grade):
        raise ResultsForbidden(_l("Only a teacher of the subject in that grade deletes its plan."))
    linked = LessonTopic.select().join(LessonPlanItem).where(LessonPlanItem.plan == plan).count()
    if linked:
        raise SchoolError("plan_id", _l("%(count)s lessons are attached to this plan; detach it first.",
                                        count=linked), conflict=True)
    plan.delete_instance(recursive=False)


# --------------------------------------------------------------------------- attaching to lessons


def _target(user, plan: LessonPlan, class_group: ClassGroup):
    if class_group.grade != plan.grade:
        raise SchoolError("class_id", _l("The plan is for grade %(grade)s.", grade=plan.grade))
    if not teaches(user, class_group, plan.subject):
        raise ResultsForbidden(_l("Only the teacher of the subject in this class attaches a plan to its lessons."))


def _lessons(class_group: ClassGroup, plan: LessonPlan, subgroup) -> list[Lesson]:
    """The class-subject's lessons of the year in date order, each with ``item_id`` (its plan item or None)."""
    year = class_group.academic_year
    lessons = lessons_of(class_group, plan.subject, year.starts_on, year.ends_on, subgroup)
    links = {t.lesson_id: t.item_id for t in LessonTopic.select().where(
        LessonTopic.lesson.in_([lesson.id for lesson in lessons]))} if lessons else {}
    for lesson in lessons:
        lesson.item_id = links.get(lesson.id)
    return lessons


def _keep(user, lesson: Lesson, data: dict, outcome: Outcome) -> bool:
    """The journal's rules for one lesson (``set_lesson``: own lesson, edit window, year open); a lesson
    the journal no longer lets change is counted as skipped and keeps what it has."""
    try:
        set_lesson(user, lesson, data, version=lesson.version)
    except (JournalForbidden, StaleEdit):
        raise
    except SchoolError as exc:  # outside the edit window, a closed year: it keeps what it has
        outcome.skipped += 1
        outcome.refused.append((lesson, str(exc.message)))
        return False
    return True


def attach(user, plan: LessonPlan, class_group: ClassGroup, subgroup=None) -> Outcome:
    """Link the plan's items to the class-subject's lessons in date order (see the module's docstring)."""
    _target(user, plan, class_group)
    items = items_of(plan)
    lessons = _lessons(class_group, plan, subgroup)
    own = {i.id for i in items}
    used: dict[int, int] = {}
    for lesson in lessons:
        if lesson.item_id in own:
            used[lesson.item_id] = used.get(lesson.item_id, 0) + 1
    slots = [item for item in items for _n in range(max(0, item.hours - used.get(item.id, 0)))]
    outcome = Outcome()
    free = [lesson for lesson in lessons if lesson.item_id is None]
    with db.atomic():
        for lesson, item in zip(free, slots, strict=False):
            data = {} if (lesson.topic or "").strip() else {"topic": item.topic}
            if not _keep(user, lesson, data, outcome):
                continue
            LessonTopic.create(lesson=lesson.id, item=item.id)
            outcome.lessons += 1
            outcome.topics += "topic" in data
    outcome.items_left = max(0, len(slots) - len(free))
    return outcome


def detach(user, plan: LessonPlan, class_group: ClassGroup, subgroup=None) -> Outcome:
    """Unlink the plan from the class-subject's lessons, clearing the topics that came from it."""
    _target(user, plan, class_group)
    items = {i.id: i for i in items_of(plan)}
    outcome = Outcome()
    with db.atomic():
        for lesson in _lessons(class_group, plan, subgroup):
            item = items.get(lesson.item_id)
            if item is None:
                continue
            data = {"topic": ""} if lesson.topic == item.topic else {}
            if not _keep(user, lesson, data, outcome):
                continue
            LessonTopic.delete().where(LessonTopic.lesson == lesson.id).execute()
            outcome.lessons += 1
            outcome.topics += "topic" in data
    return outcome


def items_of_lessons(lesson_ids) -> dict[int, LessonPlanItem]:
    """The plan item each of these lessons took (one query), for pages and the API."""
    if not lesson_ids:
        return {}
    return {t.lesson_id: t.item for t in LessonTopic.select(LessonTopic, LessonPlanItem).join(LessonPlanItem)
            .where(LessonTopic.lesson.in_(list(lesson_ids)))}
