"""The teacher's journal pages: my classes and today's lessons, the grid, the plain lesson form, and the
small JSON endpoints the grid's script saves cells through (the page's session and its CSRF token in the
``X-CSRFToken`` header; the ``/api/v1`` endpoints take bearer tokens only, so the page does not use them).
"""
from __future__ import annotations

import datetime as dt
import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from peewee import JOIN

from eschool.auth.permissions import has_permission, require
from eschool.journal import grid as gridmod
from eschool.journal import services
from eschool.journal.models import Attendance, Lesson, Mark
from eschool.people.models import Student
from eschool.people.services import is_class_teacher
from eschool.plugins.services import scope_for_school
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, Subgroup, Subject
from eschool.school.services import SchoolError
from eschool.structure.models import School
from eschool.structure.services import school_by_id
from eschool.web.converters import query_number
from eschool.web.errors import PageError

bp = Blueprint("journal", __name__, url_prefix="/school/<int:school_id>/journal")
KEEP = "journal.keep"

ATTENDANCE_LABELS = {"absent": _l("absent"), "ill": _l("ill"), "excused": _l("excused"), "late": _l("late")}


def attendance_letters() -> dict:
    """The journal letters of attendance in the user's language (н, б, у, оп in Russian)."""
    return {"absent": pgettext("attendance letter", "A"), "ill": pgettext("attendance letter", "I"),
            "excused": pgettext("attendance letter", "E"), "late": pgettext("attendance letter", "L")}


def mark_text(value: str) -> str:
    if value == "pass":
        return pgettext("mark", "pass")
    if value == "fail":
        return pgettext("mark", "fail")
    return value


def mark_class(value: str) -> str:
    """The mark's colour in the grid (``m5`` green ... ``m2`` red, ``mpass``, ``mfail``); the mark's text is
    always shown too, the colour only helps the eye."""
    return "m" + value if value in ("5", "4", "3", "2", "1", "pass", "fail") else ""


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _lesson(school: School, lesson_id: int) -> Lesson:
    try:
        return services.lesson_of(school, lesson_id)
    except SchoolError:
        abort(404)


def may_read_grid(user, school: School, class_group: ClassGroup, keeper: bool) -> bool:
    """The grid is open to its teacher, the class teacher and the school's journal control (and, where the
    region says so, to every teacher of the school, read only)."""
    return keeper or is_class_teacher(user, class_group.id) or has_permission(
        user, services.CONTROL, scope_for_school(school)) or services.reads_every_journal(user, school)


def may_open_lesson(user, school: School, lesson: Lesson) -> bool:
    return services.may_keep(user, lesson) or is_class_teacher(user, lesson.class_group_id) or has_permission(
        user, services.CONTROL, scope_for_school(school)) or services.reads_every_journal(user, school)


# --------------------------------------------------------------------------- my journal


def school_assignments(school: School):
    """Every class-subject (or subgroup) taught in the school's current year, by class: one query."""
    from eschool.school.models import TeachingAssignment

    year = school_services.current_year(school)
    if year is None:
        return []
    return list(TeachingAssignment.select(TeachingAssignment, ClassGroup, Subject, Subgroup)
                .join(ClassGroup).switch(TeachingAssignment).join(Subject)
                .switch(TeachingAssignment).join(Subgroup, join_type=JOIN.LEFT_OUTER)
                .where(ClassGroup.academic_year == year.id)
                .order_by(ClassGroup.grade, ClassGroup.name, Subject.name))


def my_assignments(user, school: School):
    """The user's class-subject (or subgroup) assignments in the school's current year."""
    from eschool.school.models import TeachingAssignment

    year = school_services.current_year(school)
    if year is None:
        return []
    return list(TeachingAssignment.select(TeachingAssignment, ClassGroup, Subject, Subgroup)
                .join(ClassGroup).switch(TeachingAssignment).join(Subject)
                .switch(TeachingAssignment).join(Subgroup, join_type=JOIN.LEFT_OUTER)
                .where((TeachingAssignment.teacher == user.id) & (ClassGroup.academic_year == year.id))
                .order_by(ClassGroup.grade, ClassGroup.name, Subject.name))


@bp.get("")
@require(KEEP)
def index(school_id: int):
    """My classes and subjects with links into the grids, and today's lessons (substitutions too)."""
    school = _school(school_id)
    today = services.local_today()
    assignments = my_assignments(current_user, school)
    window = services.edit_window_days(school)
    recent = gridmod.my_lessons(current_user, today - dt.timedelta(days=window), today, school=school)
    lessons = [lesson for lesson in recent if lesson.date == today]
    unfilled = services.not_filled_in_time(recent, school=school)
    others = []
    if services.reads_every_journal(current_user, school):  # Samara: every class's journal, read only
        mine = {(a.class_group_id, a.subject_id, a.subgroup_id) for a in assignments}
        others = [a for a in school_assignments(school) if (a.class_group_id, a.subject_id, a.subgroup_id) not in mine]
    notices = [n for n in services.notices_seen_by(current_user, school, since=today, until=today + dt.timedelta(days=7))
               if n.status in ("reported", "confirmed")]
    return render_template("journal/index.html", school=school, assignments=assignments, lessons=lessons,
                           unfilled=unfilled, today=today, window=window, others=others, notices=notices)


# --------------------------------------------------------------------------- the grid


def _int_arg(name):
    return query_number(name)


@bp.get("/class/<int:class_id>/subject/<int:subject_id>")
@require(KEEP)
def grid(school_id: int, class_id: int, subject_id: int):
    """Students down, the period's lessons across; the script makes the cells keyboard-editable."""
    school = _school(school_id)
    try:
        group = school_services.class_of(school, class_id)
        subject = school_services.subject_of(school, subject_id)
        subgroup = school_services.subgroup_of(group, _int_arg("subgroup"))
    except SchoolError:
        abort(404)
    keeper = gridmod.teaches(current_user, group, subject.id, subgroup.id if subgroup else None)
    if not may_read_grid(current_user, school, group, keeper):
        raise PageError(403, _("This is not your class and subject: the journal is kept by its teacher."))
    periods = services.periods_of(group)
    today = services.local_today()
    period = gridmod.choose_period(periods, today, _int_arg("period"))
    if period is not None and period.starts_on <= today + dt.timedelta(days=7):
        services.ensure_lessons(group, period.starts_on, min(period.ends_on, today + dt.timedelta(days=7)),
                                periods=periods)
    letters = attendance_letters()

    def cell_marks(cell):
        return [{"slot": m.slot, "value": m.value, "text": mark_text(m.value), "version": m.version,
                 "numeric": m.numeric, "weight": str(m.weight)} for m in cell.marks]

    def cell_att(cell):
        row = cell.attendance
        return None if row is None else {"kind": row.kind, "text": letters[row.kind], "version": row.version}

    def build():
        data = gridmod.build(group, subject, subgroup=subgroup, period=period, periods=periods, user=current_user,
                             today=today, keeper=keeper, school=school)
        cells = grid_cells_html(data, letters, cell_marks, cell_att)
        return data, cells, 2 * sum(len(row) for row in cells.values()) + 20000

    # kept until the class's journal changes (gridmod.cache_key): a teacher reopening the grid, or the
    # deputy checking it, is not built again
    data, row_cells, _size = current_app.extensions["eschool"].cache.get_or_build(
        gridmod.cache_key(current_user, group, subject, subgroup, period, periods, today, keeper, school,
                          (str(get_locale()),)), build, size=lambda built: built[2])
    return render_template("journal/grid.html", school=school, grid=data, today=today, letters=letters,
                           mark_text=mark_text, labels=ATTENDANCE_LABELS, cell_marks=cell_marks, cell_att=cell_att,
                           work_type_label=services.work_type_label,
                           work_type_abbreviation=services.work_type_abbreviation,
                           lesson_state=lambda lesson: services.lesson_state(lesson, school=school),
                           row_cells=row_cells)


def grid_cells_html(data, letters: dict, cell_marks, cell_att) -> dict:
    """The grid's cells, row by row (student id -> the row's ``<td>`` cells as Markup).

    Written here rather than in a Jinja loop: a quarter's grid is about a thousand cells and the loop
    was most of the page's time (bench/run: 180 ms of 200 at municipality scale). The markup is the
    one the template wrote; the JSON in ``data-marks`` / ``data-att`` is Jinja's ``tojson`` (HTML-safe).
    """
    from markupsafe import Markup, escape

    def tojson(value):
        if value is None:
            return "null"
        if value == []:
            return "[]"
        return htmlsafe_json_dumps(value, dumps=lambda v, **kw: json.dumps(v, sort_keys=True, **kw))

    labels = {kind: escape(str(label)) for kind, label in ATTENDANCE_LABELS.items()}
    letter_html = {kind: escape(letter) for kind, letter in letters.items()}
    expected_title = escape(_("expected absence: the parent reported it"))
    expected_letter = escape(letters["excused"] + "?")
    type_label = {}
    rows = {}
    for s in data.students:
        parts = []
        for lesson in data.lessons:
            c = data.cell(s.id, lesson.id)
            e = data.editable.get(lesson.id, {})
            classes = "jcell" + ("" if c.member else " out") + (
                "" if e.get("marks") or e.get("attendance") else " locked")
            edit = ((' data-edit-marks="1"' if c.member and e.get("marks") else "")
                    + (' data-edit-att="1"' if c.member and e.get("attendance") else ""))
            inner = []
            for m in c.marks:
                if m.work_type_id not in type_label:
                    type_label[m.work_type_id] = escape(services.work_type_label(data.work_types.get(m.work_type_id)))
                author = getattr(m, "author_name", None)
                title = type_label[m.work_type_id] + (Markup(" · ") + escape(author) if author else "")
                inner.append(f'<span class="jmark {mark_class(m.value)}" title="{title}">{escape(mark_text(m.value))}</span>')
            if c.attendance:
                kind = c.attendance.kind
                inner.append(f'<span class="jatt" title="{labels[kind]}">{letter_html[kind]}</span>')
            elif c.member and data.expected and data.expected_on(s.id, lesson.date):
                # a parent's notice: an expected, excused absence until the teacher records or corrects it
                inner.append(f'<span class="jatt expected" title="{expected_title}">{expected_letter}</span>')
            parts.append(f'<td class="{classes}" data-lesson="{lesson.id}" data-student="{s.id}" '
                         f"data-marks='{tojson(cell_marks(c) if c.marks else [])}' "
                         f"data-att='{tojson(cell_att(c))}'{edit} tabindex=\"-1\">{''.join(inner)}</td>")
        rows[s.id] = Markup("\n".join(parts))
    return rows


@bp.post("/class/<int:class_id>/subject/<int:subject_id>/lessons")
@require(KEEP)
def add_lesson(school_id: int, class_id: int, subject_id: int):
    """A lesson the timetable does not give (an extra or a moved lesson), added by its teacher."""
    school = _school(school_id)
    try:
        group = school_services.class_of(school, class_id)
    except SchoolError:
        abort(404)
    subgroup_id = _int_arg("subgroup")
    try:
        day = dt.date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        flash(_("Date: enter a date."), "error")
        return redirect(url_for("journal.grid", school_id=school.id, class_id=class_id, subject_id=subject_id,
                                **({"subgroup": subgroup_id} if subgroup_id else {})))
    number = request.form.get("number", "")
    try:
        row = services.add_lesson(current_user, group, {"subject_id": subject_id, "date": day,
                                                        "number": int(number) if number.isdigit() else None,
                                                        "subgroup_id": subgroup_id})
    except SchoolError as exc:
        if isinstance(exc, services.JournalForbidden):
            raise PageError(403, str(exc.message)) from exc
        flash(str(exc.message), "error")
        return redirect(url_for("journal.grid", school_id=school.id, class_id=class_id, subject_id=subject_id,
                                **({"subgroup": subgroup_id} if subgroup_id else {})))
    flash(_("The lesson was added."), "success")
    return redirect(url_for("journal.lesson", school_id=school.id, lesson_id=row.id))


# --------------------------------------------------------------------------- the JSON endpoints of the grid


def _json_error(status: int, code: str, message: str, fields: dict | None = None, current=None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if current is not None or code == "stale":
        body["error"]["current"] = current
    response = jsonify(body)
    response.status_code = status
    return response


def refusal(exc: SchoolError):
    """A rule's refusal as a JSON error: 403 not yours, 409 stale or a closed state, else 400."""
    fields = {exc.field: [str(exc.message)]} if exc.field else {}
    if isinstance(exc, services.JournalForbidden):
        return _json_error(403, "forbidden", str(exc.message))
    if isinstance(exc, services.StaleEdit):
        return _json_error(409, "stale", str(exc.message), fields, current=exc.current)
    if exc.conflict:
        return _json_error(409, "conflict", str(exc.message), fields)
    return _json_error(400, "invalid", str(exc.message), fields)


def _version(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def mark_json(mark: Mark | None) -> dict | None:
    if mark is None:
        return None
    return {"id": mark.id, "slot": mark.slot, "value": mark.value, "text": mark_text(mark.value),
            "numeric": mark.numeric, "weight": str(mark.weight), "version": mark.version,
            "work_type_id": mark.work_type_id, "comment": mark.comment}


def attendance_json(row: Attendance | None) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "kind": row.kind, "text": attendance_letters()[row.kind], "version": row.version,
            "reason": row.reason, "minutes_late": row.minutes_late}


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _student_id(body):
    try:
        return int(body.get("student_id"))
    except (TypeError, ValueError):
        return None


def _check_student(lesson: Lesson, body: dict):
    student_id = _student_id(body)
    if student_id is None:
        raise SchoolError("student_id", _l("Choose a student."))
    return services.student_in_lesson(lesson, student_id)


@bp.post("/lesson/<int:lesson_id>/mark")
@require(KEEP)
def save_mark(school_id: int, lesson_id: int):
    """Put, change or clear (empty value) one mark: ``{student_id, slot, value, version}``."""
    lesson = _lesson(_school(school_id), lesson_id)
    body = _body()
    try:
        student = _check_student(lesson, body)
        slot = body.get("slot", 0)
        if not isinstance(slot, int):
            raise SchoolError("slot", _l("A lesson holds at most ten marks per student."))
        mark = services.set_mark(current_user, lesson, student, slot, body.get("value"),
                                 work_type_id=body.get("work_type_id"), comment=body.get("comment"),
                                 version=_version(body.get("version")))
    except SchoolError as exc:
        return refusal(exc)
    return jsonify({"mark": mark_json(mark), "slot": slot})


@bp.post("/lesson/<int:lesson_id>/attendance")
@require(KEEP)
def save_attendance(school_id: int, lesson_id: int):
    """Record or clear (empty kind) a student's absence: ``{student_id, kind, version}``."""
    lesson = _lesson(_school(school_id), lesson_id)
    body = _body()
    try:
        student = _check_student(lesson, body)
        row = services.set_attendance(current_user, lesson, student, body.get("kind"),
                                      reason=body.get("reason") or "", minutes_late=body.get("minutes_late"),
                                      version=_version(body.get("version")))
    except SchoolError as exc:
        return refusal(exc)
    return jsonify({"attendance": attendance_json(row)})


@bp.post("/lesson/<int:lesson_id>/topic")
@require(KEEP)
def save_topic(school_id: int, lesson_id: int):
    """Change the lesson's topic or default work type: ``{topic, work_type_id, version}``."""
    lesson = _lesson(_school(school_id), lesson_id)
    body = _body()
    data = {k: body[k] for k in ("topic", "work_type_id") if k in body}
    try:
        lesson = services.set_lesson(current_user, lesson, data, version=_version(body.get("version")))
    except SchoolError as exc:
        return refusal(exc)
    return jsonify({"topic": lesson.topic, "work_type_id": lesson.work_type_id, "version": lesson.version})


# --------------------------------------------------------------------------- the plain lesson form


def cell_tokens(text: str) -> tuple[list[str], str | None]:
    """"5 4 н" -> (["5", "4"], "н"): marks in order, then an attendance letter if any. Five-point marks are
    one figure each, so "54" (typed on a phone's number pad, which has no space) is a 5 and a 4."""
    marks, attendance = [], None
    for token in (text or "").replace(",", " ").split():
        if len(token) > 1 and all(ch in "12345" for ch in token):
            marks.extend(token)
        elif token.isdigit() or token.lower() in services.PASS_FAIL:
            marks.append(token)
        else:
            attendance = token
    return marks, attendance


def save_cell_marks(user, lesson, student, tokens: list[str], old: list[tuple[int, str, int]]) -> None:
    """Apply a cell's marks: the i-th token goes to the i-th existing slot, new ones to free slots, and
    slots beyond the tokens are cleared. ``old``: (slot, value, version) the form was rendered with."""
    old = sorted(old)
    used = {slot for slot, _v, _n in old}
    for index, token in enumerate(tokens):
        if index < len(old):
            slot, value, version = old[index]
            if value == token:
                continue
            services.set_mark(user, lesson, student, slot, token, version=version)
        else:
            slot = next(s for s in range(10) if s not in used)
            used.add(slot)
            services.set_mark(user, lesson, student, slot, token, version=None)
    for slot, _value, version in old[len(tokens):]:
        services.set_mark(user, lesson, student, slot, None, version=version)


def save_mark_comment(user, lesson, student, comment: str) -> None:
    """The teacher's comment goes with the student's marks in this lesson (each keeps its value)."""
    marks = list(Mark.select().where((Mark.lesson == lesson) & (Mark.student == student)).order_by(Mark.slot))
    if not marks:
        raise SchoolError("comment", _("A comment goes with a mark: put the mark first."))
    for mark in marks:
        services.set_mark(user, lesson, student, mark.slot, mark.value, comment=comment, version=mark.version)


def _lesson_page(school, lesson, errors=None, status=200):
    group = ClassGroup.get_by_id(lesson.class_group_id)
    subgroup = services.subgroup_of_lesson(lesson)
    students = services.class_students(group, lesson.date, lesson.date, subgroup)
    marks: dict[int, list] = {}
    for mark in Mark.select().where(Mark.lesson == lesson).order_by(Mark.slot):
        marks.setdefault(mark.student_id, []).append(mark)
    attendance = {a.student_id: a for a in Attendance.select().where(Attendance.lesson == lesson)}
    homework = services.homework_of(lesson)
    chosen = set()
    files = []
    if homework is not None:
        from eschool.journal.models import HomeworkFile, HomeworkStudent

        chosen = {r.student_id for r in HomeworkStudent.select().where(HomeworkStudent.homework == homework)}
        files = list(HomeworkFile.select().where(HomeworkFile.homework == homework).order_by(HomeworkFile.id))
    return render_template("journal/lesson.html", school=school, lesson=lesson, group=group, subgroup=subgroup,
                           students=students, marks=marks, attendance=attendance, homework=homework,
                           chosen=chosen, files=files, errors=errors or [], letters=attendance_letters(),
                           labels=ATTENDANCE_LABELS, mark_text=mark_text,
                           work_types=services.work_types(school), work_type_label=services.work_type_label,
                           can_edit=services.may_keep(current_user, lesson),
                           homework_allowed=services.homework_allowed(group),
                           scale=services.scale_of(group, lesson.subject_id), back=grid_url_of(school, lesson)), status


@bp.get("/lesson/<int:lesson_id>")
@require(KEEP)
def lesson(school_id: int, lesson_id: int):
    """One lesson as a plain form: topic, work type, homework, every student's marks and attendance."""
    school = _school(school_id)
    row = _lesson(school, lesson_id)
    if not may_open_lesson(current_user, school, row):
        raise PageError(403, _("This is not your lesson: you do not teach this class and subject."))
    return _lesson_page(school, row)


@bp.post("/lesson/<int:lesson_id>")
@require(KEEP)
def save_lesson(school_id: int, lesson_id: int):
    """Save the lesson form; each refused change is named, the rest is saved; back to the grid."""
    school = _school(school_id)
    row = _lesson(school, lesson_id)
    if not services.may_keep(current_user, row):
        raise PageError(403, _("This is not your lesson: you do not teach this class and subject."))
    form = request.form
    errors: list[str] = []
    status = 200

    def attempt(label, func, *args, **kwargs):
        nonlocal status
        try:
            return func(*args, **kwargs)
        except SchoolError as exc:
            errors.append(f"{label}: {exc.message}" if label else str(exc.message))
            code = 403 if isinstance(exc, services.JournalForbidden) else 409 if exc.conflict else 400
            status = max(status, code) if status != 403 else 403
            return None

    data = {}
    if form.get("topic", "") != form.get("topic_orig", ""):
        data["topic"] = form.get("topic", "")
    if form.get("work_type_id", "") != form.get("work_type_orig", ""):
        data["work_type_id"] = form.get("work_type_id") or None
    if data:
        attempt(_("Topic"), services.set_lesson, current_user, row, data, version=_version(form.get("version")))
        row = services.lesson_of(school, lesson_id)
    homework_fields = ("hw_text", "hw_links", "hw_minutes", "hw_due", "hw_students")
    changed = any(form.get(k, "") != form.get(f"{k}_orig", "") for k in homework_fields[:4]) or \
        ",".join(sorted(form.getlist("hw_students"), key=int)) != form.get("hw_students_orig", "")
    upload = request.files.get("hw_file")
    homework = services.homework_of(row)
    if changed or (upload and upload.filename and homework is None):
        due = None
        if form.get("hw_due"):
            try:
                due = dt.date.fromisoformat(form["hw_due"])
            except ValueError:
                errors.append(_("Homework: the due date is not a date."))
                status = max(status, 400)
        homework = attempt(_("Homework"), services.set_homework, current_user, row, {
            "text": form.get("hw_text", ""), "links": form.get("hw_links", ""),
            "minutes_needed": form.get("hw_minutes", ""), "due_on": due,
            "student_ids": form.getlist("hw_students")}, version=_version(form.get("hw_version"))) or homework
    if upload and upload.filename and homework is not None:
        attempt(_("File"), services.add_homework_file, current_user, homework, upload)
    students = {s.id: s for s in services.class_students(ClassGroup.get_by_id(row.class_group_id), row.date,
                                                           row.date, services.subgroup_of_lesson(row))}
    for sid, student in students.items():
        text = form.get(f"m_{sid}")
        if text is not None and text.strip() != form.get(f"m_{sid}_orig", "").strip():
            tokens, _att = cell_tokens(text)
            old = []
            for item in form.getlist(f"mv_{sid}"):  # "slot:value:version"
                slot, value, version = item.split(":", 2)
                old.append((int(slot), value, int(version)))
            attempt(student.full_name, save_cell_marks, current_user, row, student, tokens, old)
        comment = form.get(f"c_{sid}")
        if comment is not None and comment.strip() != form.get(f"c_{sid}_orig", "").strip():
            attempt(student.full_name, save_mark_comment, current_user, row, student, comment.strip())
        kind = form.get(f"a_{sid}")
        if kind is not None and kind != form.get(f"a_{sid}_orig", ""):
            attempt(student.full_name, services.set_attendance, current_user, row, student, kind,
                    version=_version(form.get(f"av_{sid}")))
    if errors:
        return _lesson_page(school, row, errors, status)
    flash(_("Saved."), "success")
    return redirect(grid_url_of(school, row))


def grid_url_of(school: School, lesson: Lesson) -> str:
    """The lesson's grid, in the lesson's period, scrolled to its column (``#lesson-<id>``)."""
    period = services.period_of(ClassGroup.get_by_id(lesson.class_group_id), lesson.date)
    args = {"subgroup": lesson.subgroup_id} if lesson.subgroup_id else {}
    if period is not None:
        args["period"] = period.id
    return url_for("journal.grid", school_id=school.id, class_id=lesson.class_group_id, subject_id=lesson.subject_id,
                   _anchor=f"lesson-{lesson.id}", **args)


@bp.get("/files/<int:file_id>")
@require(KEEP)
def homework_file(school_id: int, file_id: int):
    """A homework file, to those who may see the homework."""
    _school(school_id)
    try:
        row, path = services.open_homework_file(current_user, file_id)
    except SchoolError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)


def student_name(student: Student) -> str:
    return student.full_name


# --------------------------------------------------------------------------- parents' absence notices

NOTICE_REASON_LABELS = {"illness": _l("illness"), "family": _l("family circumstances"), "other": _l("other")}
NOTICE_STATUS_LABELS = {"reported": _l("reported"), "confirmed": _l("confirmed"), "corrected": _l("corrected"),
                        "withdrawn": _l("withdrawn")}


@bp.get("/absences")
@require(KEEP)
def absences(school_id: int):
    """The parents' notices of absences in advance for the user's classes (``?class=`` one class): the
    class teacher confirms (the absences go into the journal) or corrects each."""
    school = _school(school_id)
    class_id = _int_arg("class")
    notices = services.notices_seen_by(current_user, school, class_id=class_id)
    reviewable = {n.id for n in notices if n.status in ("reported", "confirmed")
                  and services.may_review_notices(current_user, n.class_group)}
    return render_template("journal/absences.html", school=school, notices=notices, reviewable=reviewable,
                           reasons=NOTICE_REASON_LABELS, statuses=NOTICE_STATUS_LABELS, class_id=class_id,
                           today=services.local_today())


@bp.post("/absences/<int:notice_id>")
@require(KEEP)
def review_absence(school_id: int, notice_id: int):
    school = _school(school_id)
    try:
        notice = services.notice_of(current_user, school, notice_id)
        services.review_notice(current_user, notice, request.form.get("action", ""), request.form.get("note", ""))
    except services.NoticeNotFound:
        abort(404)
    except services.JournalForbidden as exc:
        raise PageError(403, str(exc.message)) from exc
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("journal.absences", school_id=school.id,
                            **({"class": request.args["class"]} if request.args.get("class") else {})))
