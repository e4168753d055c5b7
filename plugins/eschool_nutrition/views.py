"""Nutrition pages: the school's meals (daily orders, the kitchen, the tabulation sheet, setup, payments),
the municipality's setup and reports, and a family's statement. Rules live in ``services``."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from eschool.plugin_api import (
    ClassGroup,
    Municipality,
    PageError,
    School,
    Student,
    has_permission,
    local_today,
    pdf_response,
    readable_students,
    require,
    school_by_id,
    scope_for_school,
)
from eschool_nutrition import services
from eschool_nutrition.models import Category, DailyOrder, MealKind, Payment

bp = Blueprint("nutrition", __name__, url_prefix="/nutrition")

PAYER_LABELS = {"budget": _l("budget"), "parents": _l("parents")}
REASON_LABELS = {"absent": _l("absent in the journal"), "notice": _l("parent's notice"), "manual": _l("cancelled")}
ACTION_LABELS = {"ordered": _l("meal ordered"), "cancelled": _l("meal cancelled"),
                 "ordered_late": _l("meal ordered after the cut-off"),
                 "cancelled_late": _l("meal cancelled after the cut-off"), "confirmed": _l("order confirmed"),
                 "confirmed_late": _l("order confirmed after the cut-off"),
                 "absence": _l("left out: absence"), "returned": _l("back in: the absence was taken back"),
                 "absence_after_cutoff": _l("absence after the cut-off: the order is unchanged"),
                 "migrated": _l("taken over from the camp's headcount")}


def labels() -> dict:
    return {"pupil": _("Pupil"), "class": _("Class"), "meals": _("Meals"), "amount": _("Amount, ₽"),
            "total": _("Total"), "category": _("Category"), "payer": _("Payer")}


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _municipality(code: str) -> Municipality:
    municipality = Municipality.get_or_none(Municipality.code == code)
    if municipality is None:
        abort(404)
    return municipality


def _day() -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return local_today()


def _month() -> dt.date:
    try:
        return services.parse_month(request.args.get("month"))
    except services.NutritionError:
        return services.month_start(local_today())


def _group(school: School, class_id: int) -> ClassGroup:
    group = ClassGroup.get_or_none((ClassGroup.id == class_id) & (ClassGroup.school == school.id))
    if group is None:
        abort(404)
    return group


def _need_officer(school: School) -> None:
    if not services.is_officer(current_user, school):
        raise PageError(403, _("Only the school's meals officer does this."))


def _refuse(exc: services.NutritionError):
    if exc.status in (403, 404):
        raise PageError(exc.status, str(exc.message))
    flash(str(exc.message), "error")


# --------------------------------------------------------------------------- the school's meals


@bp.get("/school/<int:school_id>")
@require(services.ORDER)
def index(school_id: int):
    """The day's orders of the classes (and camp squads) the user reads, with links to the kitchen, the
    sheet, setup."""
    school = _school(school_id)
    day = _day()
    services.ensure_setup(school.municipality)
    book = services.Book(school)
    officer = services.is_officer(current_user, school)
    eating, specs = services.groups_of_day(school, day, book)
    groups = services.readable_groups(current_user, school, eating, officer)
    orders = services.ensure_orders(school, day, groups, specs=specs, book=book)
    counts = services.order_counts([o.id for o in orders.values()])
    return render_template("nutrition/index.html", school=school, day=day, groups=groups, orders=orders,
                           counts=counts, locked=book.locked(day), school_day=bool(eating),
                           cutoff=book.values["cutoff"], officer=officer,
                           reader=has_permission(current_user, services.VIEW, scope_for_school(school)))


@bp.route("/school/<int:school_id>/order/<int:class_id>", methods=["GET", "POST"])
@require(services.ORDER)
def order(school_id: int, class_id: int):
    """A class's (or camp squad's) order of a day: who eats what. The class teacher (the squad's leader)
    confirms it before the cut-off; after it only the meals officer changes it."""
    school = _school(school_id)
    group = _group(school, class_id)
    day = _day()
    officer = services.is_officer(current_user, school)
    if not services.readable_groups(current_user, school, [group], officer):
        raise PageError(403, _("This is not your class."))
    sheet = services.open_order(current_user, school, group, day, officer)
    if sheet is None:  # a weekend, the class's holidays, a day the squad does not eat, a month signed off
        if request.method == "POST":
            raise PageError(409, _("No order for this day: the month is signed off, or the group does not eat "
                                   "that day."))
        return render_template("nutrition/no_order.html", school=school, group=group, day=day)
    if request.method == "POST":
        changes = {}
        for student in sheet.students:
            for kind in sheet.kinds:
                wanted = request.form.get(f"m-{student.id}-{kind.id}") == "1"
                line = sheet.lines.get((student.id, kind.id))
                if (line is not None and line.ordered) != wanted:
                    changes[(student.id, kind.id)] = wanted
        try:
            services.save_order(current_user, school, sheet, changes, confirm=request.form.get("action") == "confirm")
        except services.NutritionError as exc:
            _refuse(exc)
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("nutrition.order", school_id=school.id, class_id=group.id, date=day.isoformat()))
    return render_template("nutrition/order.html", school=school, sheet=sheet, day=day, editable=sheet.editable,
                           reasons=REASON_LABELS, actions=ACTION_LABELS, payers=PAYER_LABELS)


def _kitchen(school: School, printable: bool, screen: bool = False):
    day = _day()
    days = [day, day + dt.timedelta(days=1)]
    boards = [services.kitchen_counts(school, d) for d in days]
    pdf = request.args.get("format") == "pdf" and not screen
    template = "nutrition/kitchen_print.html" if printable or pdf else "nutrition/kitchen.html"
    html = render_template(template, school=school, boards=boards, day=day, screen=screen)
    return pdf_response(f"kitchen-{day.isoformat()}", html) if pdf else html


@bp.get("/school/<int:school_id>/kitchen")
@require(services.ORDER)
def kitchen(school_id: int):
    """The canteen's counts per meal kind and category, today and tomorrow, per class and in total."""
    return _kitchen(_school(school_id), printable=request.args.get("print") == "1")


@bp.get("/school/<int:school_id>/kitchen/screen")
@require(services.DISPLAY)
def kitchen_screen(school_id: int):
    """The same counts on the canteen's screen (a device signed in for the school)."""
    return _kitchen(_school(school_id), printable=False, screen=True)


def _sheet_args(school: School):
    month = _month()
    groups = services.readable_groups(current_user, school, services.sheet_groups(school, month))
    class_id = request.args.get("class", type=int)
    category_id = request.args.get("category", type=int)
    if class_id:
        groups = [g for g in groups if g.id == class_id]
        if not groups:
            raise PageError(403, _("This is not your class."))
    elif not (services.is_officer(current_user, school)
              or has_permission(current_user, services.VIEW, scope_for_school(school))):
        groups = groups[:1]
    if category_id and not Category.get_or_none((Category.id == category_id)
                                                & (Category.municipality == school.municipality_id)):
        abort(404)
    return month, groups, class_id, category_id


def _sheet_title(school: School, month: dt.date, groups, category_id) -> str:
    what = ", ".join(g.name for g in groups) if len(groups) <= 3 else _("all classes")
    if category_id:
        what += " · " + Category.get_by_id(category_id).name
    return _("Meals tabulation sheet") + f" · {school.short_name} · {month.strftime('%m.%Y')} · {what}"


@bp.get("/school/<int:school_id>/tabulation")
@require(services.ORDER)
def tabulation(school_id: int):
    """The табель учёта питания: pupils down, school days across, totals in meals and roubles."""
    school = _school(school_id)
    month, groups, class_id, category_id = _sheet_args(school)
    sheet = services.tabulation(school, groups, month, category_id)
    if request.args.get("format") == "xlsx":
        data = services.tabulation_xlsx(sheet, _sheet_title(school, month, groups, category_id), labels())
        return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="tabulation-{month:%Y-%m}.xlsx"'})
    printable = request.args.get("print") == "1" or request.args.get("format") == "pdf"
    html = render_template("nutrition/tabulation_print.html" if printable else "nutrition/tabulation.html",
                           school=school, sheet=sheet, month=month, class_id=class_id,
                           category_id=category_id, title=_sheet_title(school, month, groups, category_id),
                           all_groups=services.readable_groups(current_user, school,
                                                               services.sheet_groups(school, month)),
                           categories=services.categories(school.municipality_id),
                           officer=services.is_officer(current_user, school))
    if request.args.get("format") == "pdf":
        return pdf_response(f"tabulation-{month:%Y-%m}", html)
    return html


@bp.post("/school/<int:school_id>/tabulation/close")
@require(services.ORDER)
def close_month(school_id: int):
    """The meals officer signs the month off: its orders and sheets are read-only."""
    school = _school(school_id)
    _need_officer(school)
    month = _month()
    try:
        if request.form.get("action") == "reopen":
            services.reopen_month(current_user, school, month)
        else:
            services.close_month(current_user, school, month)
    except services.NutritionError as exc:
        _refuse(exc)
    return redirect(url_for("nutrition.tabulation", school_id=school.id, month=f"{month:%Y-%m}"))


# --------------------------------------------------------------------------- the school's setup and payments


@bp.route("/school/<int:school_id>/setup", methods=["GET", "POST"])
@require(services.ORDER)
def setup(school_id: int):
    """The meals officer: pupils' categories with their documents, the school's narrower prices, standing
    orders, the school's meals officers."""
    school = _school(school_id)
    _need_officer(school)
    services.ensure_setup(school.municipality)
    errors = {}
    if request.method == "POST":
        what = request.form.get("what")
        try:
            if what == "category":
                services.set_pupil_category(school, request.form.to_dict(), current_user)
            elif what == "price":
                services.set_price(school.municipality, request.form.to_dict(), current_user, school=school)
            elif what == "standing":
                services.set_standing_order(school, request.form.get("student_id", type=int),
                                            request.form.getlist("meal_kinds"))
            elif what == "officer":
                services.set_officer(school, request.form.get("user_id", type=int),
                                     request.form.get("on", "1") == "1")
            else:
                abort(400)
        except services.NutritionError as exc:
            errors[exc.field or "form"] = str(exc.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("nutrition.setup", school_id=school.id))
    from eschool.plugin_api import school_staff

    year_groups = services.order_groups(school)
    pupils = services.members_on(year_groups, local_today())
    return render_template("nutrition/setup.html", school=school, errors=errors,
                           pupil_categories=services.pupil_categories(school),
                           categories=services.categories(school.municipality_id),
                           kinds=services.meal_kinds(school.municipality_id),
                           prices=services.prices(school.municipality_id, school.id), groups=year_groups,
                           pupils=pupils, officers=services.officers(school), staff=school_staff(school),
                           payers=PAYER_LABELS), 400 if errors else 200


@bp.route("/school/<int:school_id>/register", methods=["GET", "POST"])
@require(services.ORDER)
def register(school_id: int):
    """The meals officer imports pupils' categories from the social-protection register: the file is checked
    first (nothing written: each mistake with its line, the pupils found, those of other schools), then
    imported all or nothing when the officer confirms."""
    from eschool.plugin_api import ImportFileError, UploadGone, keep_upload, take_upload
    from eschool_nutrition import register as registry

    school = _school(school_id)
    _need_officer(school)
    services.ensure_setup(school.municipality)
    from flask_babel import get_locale

    locale = str(get_locale() or "ru")
    names = registry.headers(locale)
    context = {"school": school, "plan": None, "token": None, "file_error": None, "columns": list(names.values()),
               "column_names": names, "categories": services.categories(school.municipality_id)}
    if request.method == "GET":
        return render_template("nutrition/register.html", **context)
    token = request.form.get("token", "")
    if token:
        try:
            kept = take_upload(school.id, current_user.id, registry.KIND, token)
        except UploadGone as exc:
            context["file_error"] = str(exc.message)
            return render_template("nutrition/register.html", **context), 400
        data, filename, confirmed = kept.data, kept.filename, True
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            context["file_error"] = _("Choose a .csv or .xlsx file.")
            return render_template("nutrition/register.html", **context), 400
        data, filename, confirmed = upload.read(), upload.filename, False
    try:
        plan = registry.check(school, registry.read_rows(data, filename, locale))
    except ImportFileError as exc:
        context["file_error"] = str(exc.args[0] if exc.args else exc)
        return render_template("nutrition/register.html", **context), 400
    if confirmed and plan.ok:
        counts = registry.run(school, plan, current_user)
        flash(_("Imported from the register: %(added)s categories added, %(updated)s brought up to date, "
                "%(unchanged)s already there; %(unmatched)s lines are pupils of other schools.", **counts), "success")
        return redirect(url_for("nutrition.setup", school_id=school.id))
    context["plan"] = plan
    if plan.ok and plan.rows:
        context["token"] = keep_upload(school.id, current_user.id, registry.KIND, data, filename)
    return render_template("nutrition/register.html", **context), 200 if plan.ok else 400


@bp.route("/school/<int:school_id>/payments", methods=["GET", "POST"])
@require(services.ORDER)
def payments(school_id: int):
    """Parents' balances (prepayment): payments entered by the school or imported from a bank register."""
    school = _school(school_id)
    _need_officer(school)
    errors, result = {}, None
    if request.method == "POST":
        try:
            if request.form.get("what") == "import":
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise services.NutritionError("file", _l("Choose a file."))
                result = services.import_register(school, upload.read(), upload.filename, current_user)
                if result["errors"]:
                    errors["file"] = _("Nothing imported: fix these lines.")
                else:
                    services.alert_low_balances(school)
            else:
                services.add_payment(school, request.form.to_dict(), current_user)
        except services.NutritionError as exc:
            errors[exc.field or "form"] = str(exc.message)
        if not errors:
            flash(_("Saved.") if result is None else
                  _("Imported %(n)s payments, skipped %(s)s already imported.", n=result["imported"],
                    s=result["skipped"]), "success")
            return redirect(url_for("nutrition.payments", school_id=school.id))
    groups = services.order_groups(school)
    pupils = [s for students in services.members_on(groups, local_today()).values() for s in students]
    money = services.balances([s.id for s in pupils])
    recent = list(Payment.select(Payment, Student).join(Student).where(Payment.school == school.id)
                  .order_by(Payment.date.desc(), Payment.id.desc()).limit(30))
    return render_template("nutrition/payments.html", school=school, pupils=pupils, balances=money, recent=recent,
                           errors=errors, result=result, values=services.settings(school)), 400 if errors else 200


@bp.get("/school/<int:school_id>/log")
@require(services.ORDER)
def log(school_id: int):
    """Every change of the day's orders, by whom and when (the meals officer and the leadership)."""
    school = _school(school_id)
    if not (services.is_officer(current_user, school)
            or has_permission(current_user, services.VIEW, scope_for_school(school))):
        raise PageError(403, _("Only the school's meals officer does this."))
    day = _day()
    from eschool.plugin_api import User
    from eschool_nutrition.models import OrderLog

    rows = list(OrderLog.select(OrderLog, DailyOrder, ClassGroup).join(DailyOrder).join(ClassGroup)
                .where((DailyOrder.school == school.id) & (DailyOrder.date == day)).order_by(OrderLog.at))
    people = {u.id: u for u in User.select().where(User.id.in_({r.user_id for r in rows if r.user_id} or {0}))}
    students = {s.id: s for s in Student.select().where(Student.id.in_({r.student_id for r in rows if r.student_id}
                                                                        or {0}))}
    return render_template("nutrition/log.html", school=school, day=day, rows=rows, people=people, students=students,
                           actions=ACTION_LABELS)


# --------------------------------------------------------------------------- the municipality


@bp.route("/m/<municipality_code>/setup", methods=["GET", "POST"])
@require(services.MUNICIPAL)
def municipal_setup(municipality_code: str):
    """Meal kinds, categories with their right and payer, prices from a date."""
    municipality = _municipality(municipality_code)
    services.ensure_setup(municipality)
    errors = {}
    if request.method == "POST":
        try:
            if request.form.get("what") == "price":
                services.set_price(municipality, request.form.to_dict(), current_user)
            else:
                data = request.form.to_dict()
                data["meal_kinds"] = request.form.getlist("meal_kinds")
                services.save_category(municipality, data, request.form.get("category_id", type=int))
        except services.NutritionError as exc:
            if exc.status == 404:
                abort(404)
            errors[exc.field or "form"] = str(exc.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("nutrition.municipal_setup", municipality_code=municipality.code))
    return render_template("nutrition/municipal_setup.html", municipality=municipality, errors=errors,
                           kinds=services.meal_kinds(municipality.id), categories=services.categories(municipality.id),
                           prices=services.prices(municipality.id), payers=PAYER_LABELS), 400 if errors else 200


def _nutrition_schools(municipality: Municipality) -> list[School]:
    from eschool.plugin_api import schools_with_plugin

    return schools_with_plugin("nutrition", list(School.select().where(School.municipality == municipality.id)
                                                 .order_by(School.short_name)))


@bp.get("/m/<municipality_code>/report")
@require(services.MUNICIPAL)
def municipal_report(municipality_code: str):
    """Pupils fed per category and day across the municipality's schools; the month's costs per category."""
    municipality = _municipality(municipality_code)
    month = _month()
    report = services.municipal_report(municipality, month, _nutrition_schools(municipality))
    if request.args.get("format") == "xlsx":
        data = services.municipal_xlsx(report, labels())
        return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="meals-{month:%Y-%m}.xlsx"'})
    return render_template("nutrition/municipal_report.html", municipality=municipality, report=report, month=month,
                           payers=PAYER_LABELS)


# --------------------------------------------------------------------------- families


@bp.get("/family")
@require(services.FAMILY)
def family():
    """A parent's (or pupil's) monthly statement: each day's meals and charges, payments, the balance."""
    students = readable_students(current_user)
    if not students:
        return render_template("nutrition/family.html", students=[], student=None, data=None, month=_month())
    wanted = request.args.get("student", type=int)
    student = next((s for s in students if s.id == wanted), None) if wanted else students[0]
    if student is None:
        abort(404)
    month = _month()
    return render_template("nutrition/family.html", students=students, student=student, month=month,
                           data=services.statement(student, month))


def meal_kind_name(kind_id: int) -> str:
    kind = MealKind.get_or_none(MealKind.id == kind_id)
    return kind.name if kind else ""
