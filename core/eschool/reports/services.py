"""The report registry: which reports a user may open where, their parameters checked, and the run.

Reports come from the ``eschool_report_types`` hook (the core's own too, in ``reports.builtin``), only
from plugins switched on in the scope. A report is offered at the levels it names (a school's, a
municipality's). Its parameters are a fixed vocabulary (``REPORT_PARAMS``): the registry resolves
them inside the scope (a class of another school is "no such class"), fills the defaults (the period
covering today, the year so far) and refuses a bad value naming the field, before ``build`` runs.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.auth.permissions import has_permission
from eschool.journal.services import local_today
from eschool.people.services import classes_led, is_class_teacher
from eschool.plugins.services import hooks_here
from eschool.school import services as school_services
from eschool.school.models import AcademicYear, ClassGroup, Period, Subject
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality, School
from eschool.types import REPORT_PARAMS, Report, ReportType, Scope
from eschool.validation import as_text

#: The longest date range a report covers (a year and a month).
MAX_DAYS = 400


class ReportForbidden(Exception):
    """The user may not open this report here (403)."""


def report_types(scope: Scope) -> list[ReportType]:
    """Every report offered at this scope's level by the core and the plugins on here, by order."""
    found: dict[str, ReportType] = {}
    for items in hooks_here(scope).eschool_report_types(scope=scope):
        for item in items or []:
            if scope.level in item.levels and item.key not in found:
                unknown = set(item.params) - set(REPORT_PARAMS)
                if unknown:
                    raise ValueError(f"report {item.key!r}: unknown params {sorted(unknown)} (known: {REPORT_PARAMS})")
                found[item.key] = item
    return sorted(found.values(), key=lambda r: (r.order, r.key))


def _own_classes(user, scope: Scope) -> bool:
    from eschool.auth.permissions import user_assignments

    return any(a.role == "class_teacher" and a.school_id == scope.school_id and a.class_group_id
               for a in user_assignments(user))


def may_open(user, report: ReportType, scope: Scope) -> bool:
    """Its permission in the scope, or, for a report open to class teachers, a class of one's own here."""
    return has_permission(user, report.permission, scope) or (
        report.class_teachers and scope.school_id is not None and _own_classes(user, scope))


def available(user, scope: Scope) -> list[ReportType]:
    return [r for r in report_types(scope) if may_open(user, r, scope)]


def find(user, scope: Scope, key: str) -> ReportType | None:
    """The report if it is offered here (None: 404); ReportForbidden if the user may not open it."""
    report = next((r for r in report_types(scope) if r.key == key), None)
    if report is not None and not may_open(user, report, scope):
        raise ReportForbidden()
    return report


def current_period(school: School, today: dt.date | None = None) -> Period | None:
    """The period of the current year covering today (or the last one that ended, or the first)."""
    today = today or local_today()
    year = school_services.current_year(school)
    if year is None:
        return None
    periods = list(Period.select().where(Period.academic_year == year).order_by(Period.starts_on, Period.grade_from))
    covering = [p for p in periods if p.starts_on <= today <= p.ends_on]
    ended = [p for p in periods if p.ends_on < today]
    return (covering or ended[-1:] or periods[:1] or [None])[0]


def school_periods(school: School) -> list[Period]:
    year = school_services.current_year(school)
    if year is None:
        return []
    return list(Period.select().where(Period.academic_year == year).order_by(Period.starts_on, Period.grade_from))


def _number(args: dict, name: str):
    raw = (args.get(name) or "").strip() if isinstance(args.get(name), str) else args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SchoolError(name, _l("Not a number.")) from None
    if not 0 < value < 2**31:
        raise SchoolError(name, _l("Not a number."))
    return value


def _date(args: dict, name: str) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise SchoolError(name, _l("A date as YYYY-MM-DD.")) from None


def resolve_params(report: ReportType, scope: Scope, args: dict, user) -> dict:
    """The report's parameters from query arguments, checked and resolved inside the scope; raises
    ``SchoolError(field, message)`` for a bad or missing one (nothing runs)."""
    school = School.get_by_id(scope.school_id) if scope.school_id else None
    municipality = Municipality.get_or_none(Municipality.id == scope.municipality_id) if scope.municipality_id else None
    params: dict = {"user": user, "school": school, "municipality": municipality, "scope": scope,
                    "period": None, "class_group": None, "grade": None, "subject": None,
                    "date_from": None, "date_to": None}
    wanted = set(report.params)
    if "period" in wanted and school is not None:
        period_id = _number(args, "period_id")
        if period_id is not None:
            period = Period.select().join(AcademicYear).where(
                (Period.id == period_id) & (AcademicYear.school == school)).first()
            if period is None:
                raise SchoolError("period_id", _l("No such period in this school."))
            params["period"] = period
        else:
            params["period"] = current_period(school)
    if "class" in wanted and school is not None:
        class_id = _number(args, "class_id")
        if class_id is not None:
            try:
                params["class_group"] = school_services.class_of(school, class_id)
            except SchoolError:
                raise SchoolError("class_id", _l("No such class in this school.")) from None
    if "grade" in wanted:
        grade = _number(args, "grade")
        if grade is not None and not 1 <= grade <= 11:
            raise SchoolError("grade", _l("A grade from 1 to 11."))
        params["grade"] = grade
    if "subject" in wanted and school is not None:
        subject_id = _number(args, "subject_id")
        if subject_id is not None:
            try:
                params["subject"] = school_services.subject_of(school, subject_id)
            except SchoolError:
                raise SchoolError("subject_id", _l("No such subject in this school.")) from None
    if "date_range" in wanted:
        today = local_today()
        year = school_services.current_year(school) if school is not None else None
        start = _date(args, "date_from") or (year.starts_on if year else today - dt.timedelta(days=30))
        end = _date(args, "date_to") or today
        if end < start:
            raise SchoolError("date_to", _l("The end is before the start."))
        if (end - start).days > MAX_DAYS:
            raise SchoolError("date_to", _l("At most %(days)s days at once.", days=MAX_DAYS))
        params["date_from"], params["date_to"] = start, end
    missing = {"period": "period_id", "class": "class_id", "grade": "grade", "subject": "subject_id",
               "date_range": "date_from"}
    own_class_only = report.class_teachers and not has_permission(user, report.permission, scope)
    for name in set(report.required) | ({"class"} if own_class_only else set()):
        key = {"class": "class_group", "date_range": "date_from"}.get(name, name)
        if params.get(key) is None:
            raise SchoolError(missing[name], _l("Choose this first."))
    if own_class_only and not is_class_teacher(user, params["class_group"].id):
        raise ReportForbidden()
    if report.params_schema is not None:
        try:
            params.update(report.params_schema().load({k: v for k, v in args.items()
                                                       if k in report.params_schema().fields}))
        except ValidationError as exc:
            field, messages = next(iter(as_text(exc.messages).items()))
            raise SchoolError(field, " ".join(messages) if isinstance(messages, list) else str(messages)) from exc
    return params


def run(user, scope: Scope, key: str, args: dict) -> tuple[ReportType, dict, Report] | None:
    """Find, check and build a report; None when no such report is offered here."""
    report = find(user, scope, key)
    if report is None:
        return None
    params = resolve_params(report, scope, args, user)
    return report, params, report.build(params, scope)


def classes_for(school: School, period: Period | None, only: ClassGroup | None = None) -> list[ClassGroup]:
    """The classes a school-wide report covers: the chosen one, else the classes of the period's year
    whose grade the period covers (all of the current year without a period), by grade and letter."""
    if only is not None:
        return [only]
    year_id = period.academic_year_id if period is not None else getattr(school_services.current_year(school), "id", None)
    if year_id is None:
        return []
    query = ClassGroup.select().where(ClassGroup.academic_year == year_id)
    if period is not None:
        query = query.where((ClassGroup.grade >= period.grade_from) & (ClassGroup.grade <= period.grade_to))
    return list(query.order_by(ClassGroup.grade, ClassGroup.name))


def form_options(user, scope: Scope, school: School | None, report: ReportType | None) -> dict:
    """What a report's parameter form offers here: the current year's periods, classes (a class teacher
    without the report's permission: only the classes they lead), grades and subjects. A fixed number of
    queries whatever the number of classes."""
    if school is None:
        return {}
    classes = classes_for(school, None)
    if report is not None and report.class_teachers and not has_permission(user, report.permission, scope):
        led = classes_led(user, [c.id for c in classes])
        classes = [c for c in classes if c.id in led]
    return {"periods": school_periods(school), "classes": classes, "grades": sorted({c.grade for c in classes}),
            "subjects": list(Subject.select().where(Subject.school == school).order_by(Subject.name))}
