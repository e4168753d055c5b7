"""The diary pages: the week, the period summary with its chart, the printable week (one student, or
every student of a class for the class teacher), and homework file downloads."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from eschool.auth.permissions import AUTHENTICATED, require
from eschool.diary import services
from eschool.diary.answer import week_page
from eschool.journal import services as journal
from eschool.school.models import ClassGroup
from eschool.school.services import SchoolError
from eschool.web.converters import query_number
from eschool.web.errors import PageError

bp = Blueprint("diary", __name__, url_prefix="/diary")


def local_today() -> dt.date:
    """Today in the region's timezone (lesson dates are local dates)."""
    return journal.local_today()


def _int_arg(name: str) -> int | None:
    return query_number(name)


def _date_arg(name: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return local_today()


def _student():
    try:
        return services.student_for(current_user, _int_arg("student"))
    except services.NotVisible:
        raise PageError(404, _("Not found.")) from None


def _context(student, students):
    return {"student": student, "students": students, "codes": services.ATTENDANCE_CODES,
            "attendance_names": services.ATTENDANCE_NAMES, "today": local_today(),
            "work_type_label": journal.work_type_label, "timedelta": dt.timedelta}


def _day_slots(days_html, student):
    """The diary_day slot of each day, filled per request (the days' HTML is cached without them)."""
    from eschool.plugins.services import scope_for_school
    from eschool.web.slots import fill_markers

    return fill_markers(days_html, "diary_day", lambda key: {"student": student, "date": dt.date.fromisoformat(key)},
                        scope=lambda: scope_for_school(student.school))


@bp.get("")
@require(services.VIEW)
def week():
    """The week (``?date=`` any day of it; default this week, on a Sunday the coming one) of the student
    (``?student=``)."""
    student, students = _student()
    day = _date_arg()
    if "date" not in request.args and day.isoweekday() == 7:
        day += dt.timedelta(days=1)  # on Sunday the family looks at the week ahead (Monday's homework)
    start, end = services.week_of(day)
    context = _context(student, students)
    diary = services.DiaryWeek(student=student, start=start, end=end)

    def render_days(built):
        return Markup(render_template("diary/_days.html", diary=built, **context)), built["class_names"]

    def build(*args, shared=None):
        return week_page(*args, lambda file_id: url_for("diary.homework_file", file_id=file_id), shared)

    days_html, diary.class_names = services.built_week_rows(
        current_app.extensions["eschool"].cache, student, start, end,
        ("page", str(get_locale()), context["today"]), build, render_days, size=lambda built: len(built[0]))
    days_html = _day_slots(days_html, student)
    return render_template("diary/week.html", diary=diary, day=day, days_html=days_html,
                           previous=diary.start - dt.timedelta(days=7), next=diary.start + dt.timedelta(days=7),
                           **context)


@bp.get("/summary")
@require(services.VIEW)
def summary():
    """The period's marks per subject with the weighted average, the class average, the forecast and
    the final mark, and a chart of the weekly running average."""
    student, students = _student()
    try:
        data = services.period_summary(student, local_today(), _int_arg("period"))
    except SchoolError:
        raise PageError(404, _("Not found.")) from None
    charts = {item.subject.id: services.chart_points(item.chart, data.weeks) for item in data.subjects}
    return render_template("diary/summary.html", data=data, charts=charts, period_kinds=services.PERIOD_KINDS,
                           final_kinds=services.FINAL_KINDS, **_context(student, students))


@bp.get("/timetable")
@require(services.VIEW)
def timetable():
    """The weekly timetable of the student's class (the school's timetable pages are for its staff: a family
    opening one comes here)."""
    from eschool.timetable.services import WEEKDAYS

    student, students = _student()
    data = services.class_timetable(student, local_today())
    return render_template("diary/timetable.html", data=data, weekdays=WEEKDAYS, **_context(student, students))


@bp.get("/print")
@require(services.VIEW)
def print_week():
    """A print-friendly weekly summary of one student (for families without internet)."""
    student, students = _student()
    diary = services.week(student, _date_arg())
    return render_template("diary/print.html", diaries=[diary], group=None, **_context(student, students))


@bp.get("/classes")
@require(services.PRINT_CLASS)
def class_print_choice():
    """The class teacher's printouts: choose a class (their own first) and a week."""
    classes = services.printable_classes(current_user, g.scope.school_id)
    if len(classes) == 1 and "date" in request.args:
        return redirect(url_for("diary.print_class", class_id=classes[0].id, date=request.args["date"]))
    return render_template("diary/classes.html", classes=classes, day=_date_arg())


@bp.get("/classes/<int:class_id>/print")
@require(services.PRINT_CLASS)
def print_class(class_id: int):
    """Every student's week of a class in one printable document, a page per student."""
    group = ClassGroup.get_or_none(ClassGroup.id == class_id)
    if group is None:
        abort(404)
    if not services.may_print_class(current_user, group):
        raise PageError(403, _("You do not have permission to do this here."))
    diaries = services.class_weeks(group, _date_arg())
    return render_template("diary/print.html", diaries=diaries, group=group, student=None, students=[],
                           codes=services.ATTENDANCE_CODES, attendance_names=services.ATTENDANCE_NAMES,
                           today=local_today(), work_type_label=journal.work_type_label)


@bp.get("/files/<int:file_id>")
@require(AUTHENTICATED)
def homework_file(file_id: int):
    """A homework file, through the journal's permission check (not visible: 404)."""
    try:
        row, path = journal.open_homework_file(current_user, file_id)
    except SchoolError:
        abort(404)
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)


# --------------------------------------------------------------------------- absences reported in advance

REPORT = "diary.report_absence"


@bp.route("/absences", methods=["GET", "POST"])
@require(REPORT)
def absences():
    """A parent reports that their child will be away (the dates, the reason, a note or a file), and
    sees what they reported; made for a phone."""
    from eschool.journal.views import NOTICE_REASON_LABELS, NOTICE_STATUS_LABELS

    children = [s for s in journal.readable_students(current_user) if s.id in journal._guarded_children(current_user)]
    errors, form = {}, {}
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            journal.report_absence(current_user, form.get("student_id"), form, request.files.get("file"))
        except SchoolError as exc:
            errors[exc.field or "student_id"] = str(exc.message)
        else:
            flash(_("Thank you: the class teacher sees your notice."), "success")
            return redirect(url_for("diary.absences"))
    status = 400 if errors else 200
    return render_template("diary/absences.html", children=children, notices=journal.parent_notices(current_user),
                           reasons=NOTICE_REASON_LABELS, statuses=NOTICE_STATUS_LABELS, errors=errors, form=form,
                           today=local_today()), status


@bp.post("/absences/<int:notice_id>/withdraw")
@require(REPORT)
def withdraw_absence(notice_id: int):
    try:
        journal.withdraw_notice(current_user, notice_id)
    except journal.NoticeNotFound:
        abort(404)
    except SchoolError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("diary.absences"))
