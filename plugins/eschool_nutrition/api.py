"""Nutrition over ``/api/v1/nutrition`` (bearer tokens): the daily orders, the kitchen, the tabulation sheet,
setup, payments, the municipality's setup and report, a family's statement. The same services as the pages."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    ClassGroup,
    Municipality,
    doc,
    load_json,
    load_query,
    local_today,
    readable_students,
    require,
    school_by_id,
)
from eschool_nutrition import services
from eschool_nutrition.models import Category
from eschool_nutrition.schemas import (
    BalanceListSchema,
    CategoryInSchema,
    CategorySchema,
    DayQuerySchema,
    FamilyQuerySchema,
    ImportResultSchema,
    KitchenSchema,
    LineInSchema,
    MonthCloseSchema,
    MonthQuerySchema,
    MunicipalReportSchema,
    OrderListSchema,
    OrderSchema,
    PaymentInSchema,
    PaymentSchema,
    PriceInSchema,
    PriceSchema,
    PupilCategoryInSchema,
    PupilCategoryListSchema,
    PupilCategorySchema,
    RegisterQuerySchema,
    RegisterResultSchema,
    SetupSchema,
    StatementSchema,
    TabulationSchema,
)

bp = Blueprint("nutrition_api", __name__, url_prefix=f"{API_PREFIX}/nutrition")
TAGS = ["nutrition"]


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school


def _municipality(code: str) -> Municipality:
    municipality = Municipality.get_or_none(Municipality.code == code)
    if municipality is None:
        raise ApiError(404, "not_found", _("Not found."))
    return municipality


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except services.NutritionError as exc:
        fields = {exc.field: [str(exc.message)]} if exc.field else {}
        if exc.status == 403:
            raise ApiError(403, "forbidden", str(exc.message)) from exc
        if exc.status == 404:
            raise ApiError(404, "not_found", str(exc.message)) from exc
        if exc.status == 409:
            raise ApiError(409, "conflict", str(exc.message), fields=fields) from exc
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields=fields) from exc


def _officer(school):
    if not services.is_officer(current_user, school):
        raise ApiError(403, "forbidden", _("Only the school's meals officer does this."))


def _group(school, class_id: int, officer: bool) -> ClassGroup:
    group = ClassGroup.get_or_none((ClassGroup.id == class_id) & (ClassGroup.school == school.id))
    if group is None:
        raise ApiError(404, "not_found", _("Not found."))
    if not services.readable_groups(current_user, school, [group], officer):
        raise ApiError(403, "forbidden", _("This is not your class."))
    return group


def _order_out(sheet) -> dict:
    order = sheet.order
    return OrderSchema().dump({
        "id": order.id, "class_id": sheet.group.id, "date": order.date, "locked": sheet.locked, "closed": sheet.closed,
        "confirmed_at": order.confirmed_at,
        "lines": [{"student_id": line.student_id, "meal_kind_id": line.meal_kind_id, "category_id": line.category_id,
                   "payer": line.payer, "price": line.price, "ordered": line.ordered, "reason": line.reason}
                  for line in sheet.lines.values()]})


def _sheet(school_id: int, class_id: int, day):
    """The group's order of the day as the user sees it (made on first reading)."""
    school = _school(school_id)
    officer = services.is_officer(current_user, school)
    group = _group(school, class_id, officer)
    sheet = services.open_order(current_user, school, group, day, officer)
    if sheet is None:
        raise ApiError(409, "conflict", _("No order for this day: the month is signed off, or the group does not eat "
                                          "that day."))
    return school, sheet


# --------------------------------------------------------------------------- orders


@bp.get("/schools/<int:school_id>/orders")
@require(services.ORDER)
@doc(summary="The day's orders of the classes (and camp squads) I read (my class or squad; every one for the officer "
             "and the leadership)", query=DayQuerySchema, response=OrderListSchema, tags=TAGS)
def orders(school_id: int):
    day = load_query(DayQuerySchema())["date"] or local_today()
    school = _school(school_id)
    book = services.Book(school)
    eating, specs = services.groups_of_day(school, day, book)
    groups = services.readable_groups(current_user, school, eating)
    made = services.ensure_orders(school, day, groups, specs=specs, book=book)
    counts = services.order_counts([o.id for o in made.values()])
    return jsonify(OrderListSchema().dump({"date": day, "locked": book.locked(day), "items": [
        {"class_id": g.id, "class_name": g.name, "order_id": made[g.id].id, "confirmed": bool(made[g.id].confirmed_at),
         "meals": counts.get(made[g.id].id, 0)} for g in groups if g.id in made]}))


@bp.get("/schools/<int:school_id>/orders/<int:class_id>")
@require(services.ORDER)
@doc(summary="A class's (or camp squad's) order of a day (prefilled on first reading)", query=DayQuerySchema,
     response=OrderSchema, tags=TAGS)
def order(school_id: int, class_id: int):
    day = load_query(DayQuerySchema())["date"] or local_today()
    _school_row, sheet = _sheet(school_id, class_id, day)
    return jsonify(_order_out(sheet))


@bp.put("/schools/<int:school_id>/orders/<int:class_id>/lines")
@require(services.ORDER)
@doc(summary="Order or cancel one pupil's meal (before the cut-off: the class teacher or the squad's leader; after: "
             "the meals officer, logged)", query=DayQuerySchema, request=LineInSchema, response=OrderSchema, tags=TAGS)
def set_line(school_id: int, class_id: int):
    day = load_query(DayQuerySchema())["date"] or local_today()
    data = load_json(LineInSchema())
    school, sheet = _sheet(school_id, class_id, day)
    _run(services.save_order, current_user, school, sheet, {(data["student_id"], data["meal_kind_id"]): data["ordered"]})
    return jsonify(_order_out(services.open_order(current_user, school, sheet.group, day, sheet.officer)))


@bp.post("/schools/<int:school_id>/orders/<int:class_id>/confirm")
@require(services.ORDER)
@doc(summary="Confirm the class's (or squad's) order of the day", query=DayQuerySchema, response=OrderSchema, tags=TAGS)
def confirm(school_id: int, class_id: int):
    day = load_query(DayQuerySchema())["date"] or local_today()
    school, sheet = _sheet(school_id, class_id, day)
    _run(services.save_order, current_user, school, sheet, {}, confirm=True)
    return jsonify(_order_out(services.open_order(current_user, school, sheet.group, day, sheet.officer)))


@bp.get("/schools/<int:school_id>/kitchen")
@require(services.ORDER)
@doc(summary="Meals per meal kind and category for a day, per class and in total", query=DayQuerySchema,
     response=KitchenSchema, tags=TAGS)
def kitchen(school_id: int):
    day = load_query(DayQuerySchema())["date"] or local_today()
    school = _school(school_id)
    board = services.kitchen_counts(school, day)

    def counts(mapping):
        return [{"meal_kind_id": k, "category_id": c, "count": n} for (k, c), n in sorted(mapping.items(),
                                                                                          key=lambda kv: (kv[0][0], kv[0][1] or 0))]
    return jsonify(KitchenSchema().dump({"date": day, "locked": board["locked"], "total": counts(board["total"]),
                                         "classes": [{"class_id": g.id, "class_name": g.name, "counts": counts(c)}
                                                     for g, c in board["classes"]]}))


# --------------------------------------------------------------------------- the tabulation sheet


def _month(args) -> dt.date:
    return _run(services.parse_month, args.get("month"))


@bp.get("/schools/<int:school_id>/tabulation")
@require(services.ORDER)
@doc(summary="The month's tabulation sheet (pupils × school days) of a class, or of all classes I read, or of a "
             "category", query=MonthQuerySchema, response=TabulationSchema, tags=TAGS)
def tabulation(school_id: int):
    args = load_query(MonthQuerySchema())
    school = _school(school_id)
    month = _month(args)
    groups = services.readable_groups(current_user, school, services.sheet_groups(school, month))
    if args.get("class_id"):
        groups = [g for g in groups if g.id == args["class_id"]]
        if not groups:
            raise ApiError(403, "forbidden", _("This is not your class."))
    if args.get("category_id") and not Category.get_or_none((Category.id == args["category_id"])
                                                            & (Category.municipality == school.municipality_id)):
        raise ApiError(404, "not_found", _("Not found."))
    sheet = services.tabulation(school, groups, month, args.get("category_id"))
    return jsonify(TabulationSchema().dump({
        "month": f"{month:%Y-%m}", "closed": sheet.closed is not None, "days": sheet.days,
        "meals": sheet.totals["meals"], "amount": sheet.totals["amount"],
        "rows": [{"student_id": r["student"].id, "student_name": f"{r['student'].last_name} {r['student'].first_name}",
                  "class_id": r["group"].id, "cells": {d.isoformat(): c for d, c in r["cells"].items()},
                  "meals": r["meals"], "amount": r["amount"]} for r in sheet.rows]}))


@bp.post("/schools/<int:school_id>/months/close")
@require(services.ORDER)
@doc(summary="Sign the month off (the meals officer): its orders and sheets become read-only",
     query=MonthQuerySchema, response=MonthCloseSchema, tags=TAGS)
def close_month(school_id: int):
    args = load_query(MonthQuerySchema())
    school = _school(school_id)
    _officer(school)
    month = _month(args)
    _run(services.close_month, current_user, school, month)
    return jsonify(MonthCloseSchema().dump({"month": f"{month:%Y-%m}", "closed": True}))


# --------------------------------------------------------------------------- the school's setup and payments


@bp.get("/schools/<int:school_id>/pupil-categories")
@require(services.ORDER)
@doc(summary="Pupils' categories with their documents (the meals officer)", response=PupilCategoryListSchema, tags=TAGS)
def pupil_categories(school_id: int):
    school = _school(school_id)
    _officer(school)
    return jsonify(PupilCategoryListSchema().dump({"items": services.pupil_categories(school)}))


@bp.post("/schools/<int:school_id>/pupil-categories")
@require(services.ORDER)
@doc(summary="Give a pupil a category with its supporting document and validity dates",
     request=PupilCategoryInSchema, response=PupilCategorySchema, status=201, tags=TAGS)
def add_pupil_category(school_id: int):
    data = load_json(PupilCategoryInSchema())
    school = _school(school_id)
    _officer(school)
    row = _run(services.set_pupil_category, school, data, current_user)
    return jsonify(PupilCategorySchema().dump(row)), 201


@bp.post("/schools/<int:school_id>/pupil-categories/import")
@require(services.ORDER)
@doc(summary="Import pupils' categories from the social-protection register (CSV or XLSX in the form field 'file'; "
             "dry_run=true checks only). A mistake: 400 naming each line and column, nothing written; lines that "
             "match no pupil of the school are listed and left out", query=RegisterQuerySchema,
     response=RegisterResultSchema, tags=TAGS)
def import_register(school_id: int):
    from eschool.plugin_api import ImportFileError
    from eschool_nutrition import register

    dry_run = load_query(RegisterQuerySchema())["dry_run"]
    school = _school(school_id)
    _officer(school)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a file.")]})
    try:
        plan, counts = register.import_file(school, upload.read(), upload.filename, current_user, dry_run=dry_run)
    except ImportFileError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={"file": [str(exc.args[0] if exc.args else exc)]}) from exc
    if not plan.ok:
        from flask_babel import get_locale

        names = register.headers(str(get_locale() or "ru"))
        raise ApiError(400, "invalid", _("Nothing imported: fix these lines."), fields={"file": [
            _("line %(n)s: %(column)s: %(reason)s", n=line, column=names.get(column, column), reason=reason)
            for line, column, reason in plan.errors]})
    return jsonify(RegisterResultSchema().dump({
        "dry_run": dry_run, "added": len(plan.new), "updated": len(plan.updated), "unchanged": counts["unchanged"],
        "lines": [{"line": r["line"], "student_id": r["student"].id,
                   "student_name": f"{r['student'].last_name} {r['student'].first_name}",
                   "category_id": r["category"].id, "document": r["document"], "valid_from": r["valid_from"],
                   "valid_to": r["valid_to"], "action": "updated" if r["existing"] else "new"} for r in plan.rows],
        "unmatched": [{"line": line, "name": name, "birth_date": birth} for line, name, birth in plan.unmatched]}))


@bp.post("/schools/<int:school_id>/prices")
@require(services.ORDER)
@doc(summary="Narrow a municipal price for the school from a date (never above the municipality's)",
     request=PriceInSchema, response=PriceSchema, status=201, tags=TAGS)
def school_price(school_id: int):
    data = load_json(PriceInSchema())
    school = _school(school_id)
    _officer(school)
    row = _run(services.set_price, school.municipality, data, current_user, school=school)
    return jsonify(PriceSchema().dump(row)), 201


@bp.get("/schools/<int:school_id>/balances")
@require(services.ORDER)
@doc(summary="Pupils' balances (payments less the charges of the meals eaten)", response=BalanceListSchema, tags=TAGS)
def balances(school_id: int):
    school = _school(school_id)
    _officer(school)
    pupils = [s for group in services.members_on(services.order_groups(school), local_today()).values() for s in group]
    money = services.balances([s.id for s in pupils])
    return jsonify(BalanceListSchema().dump({"items": [
        {"student_id": s.id, "student_name": f"{s.last_name} {s.first_name}", "balance": money[s.id]} for s in pupils]}))


@bp.post("/schools/<int:school_id>/payments")
@require(services.ORDER)
@doc(summary="Enter a parent's payment for meals", request=PaymentInSchema, response=PaymentSchema, status=201,
     tags=TAGS)
def add_payment(school_id: int):
    data = load_json(PaymentInSchema())
    school = _school(school_id)
    _officer(school)
    row = _run(services.add_payment, school, data, current_user)
    return jsonify(PaymentSchema().dump(row)), 201


@bp.post("/schools/<int:school_id>/payments/import")
@require(services.ORDER)
@doc(summary="Import a bank register (CSV or XLSX in the form field 'file'): date; account; amount; reference. "
             "A bad line: 400 naming each line, nothing stored", response=ImportResultSchema, tags=TAGS)
def import_payments(school_id: int):
    school = _school(school_id)
    _officer(school)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a file.")]})
    result = _run(services.import_register, school, upload.read(), upload.filename, current_user)
    if result["errors"]:
        raise ApiError(400, "invalid", _("Nothing imported: fix these lines."), fields={"file": result["errors"]})
    services.alert_low_balances(school)
    return jsonify(ImportResultSchema().dump(result))


# --------------------------------------------------------------------------- the municipality


@bp.get("/municipalities/<municipality_code>/setup")
@require(services.MUNICIPAL)
@doc(summary="The municipality's meal kinds, categories and prices", response=SetupSchema, tags=TAGS)
def municipal_setup(municipality_code: str):
    municipality = _municipality(municipality_code)
    services.ensure_setup(municipality)
    return jsonify(SetupSchema().dump({"meal_kinds": services.meal_kinds(municipality.id),
                                       "categories": services.categories(municipality.id),
                                       "prices": services.prices(municipality.id)}))


@bp.post("/municipalities/<municipality_code>/categories")
@require(services.MUNICIPAL)
@doc(summary="Add a category of pupils with its right (meals) and payer", request=CategoryInSchema,
     response=CategorySchema, status=201, tags=TAGS)
def add_category(municipality_code: str):
    data = load_json(CategoryInSchema())
    municipality = _municipality(municipality_code)
    services.ensure_setup(municipality)
    row = _run(services.save_category, municipality, data)
    return jsonify(CategorySchema().dump(row)), 201


@bp.post("/municipalities/<municipality_code>/prices")
@require(services.MUNICIPAL)
@doc(summary="Set the price of a meal kind for a category from a date", request=PriceInSchema, response=PriceSchema,
     status=201, tags=TAGS)
def municipal_price(municipality_code: str):
    data = load_json(PriceInSchema())
    municipality = _municipality(municipality_code)
    row = _run(services.set_price, municipality, data, current_user)
    return jsonify(PriceSchema().dump(row)), 201


@bp.get("/municipalities/<municipality_code>/report")
@require(services.MUNICIPAL)
@doc(summary="Pupils fed per category and day across the municipality's schools, and the month's costs",
     query=MonthQuerySchema, response=MunicipalReportSchema, tags=TAGS)
def municipal_report(municipality_code: str):
    args = load_query(MonthQuerySchema())
    municipality = _municipality(municipality_code)
    from eschool_nutrition.views import _nutrition_schools

    report = services.municipal_report(municipality, _month(args), _nutrition_schools(municipality))
    return jsonify(MunicipalReportSchema().dump({"month": f"{report['month']:%Y-%m}", "categories": [
        {"category_id": c.id, "name": c.name, "fed": {d.isoformat(): n for d, n in report["fed"].get(c.id, {}).items()},
         "meals": report["costs"].get(c.id, {}).get("meals", 0),
         "amount": report["costs"].get(c.id, {}).get("amount", 0)} for c in report["categories"]]}))


# --------------------------------------------------------------------------- families


@bp.get("/family")
@require(services.FAMILY)
@doc(summary="My child's (or my own) monthly statement: each day's meals and charges, payments, the balance",
     query=FamilyQuerySchema, response=StatementSchema, tags=TAGS,
     description="A parent passes student_id for one of their children; anybody else's child is 404.")
def family():
    args = load_query(FamilyQuerySchema())
    students = readable_students(current_user)
    student = next((s for s in students if s.id == args.get("student_id")), None) if args.get("student_id") else \
        (students[0] if students else None)
    if student is None:
        raise ApiError(404, "not_found", _("Not found."))
    data = services.statement(student, _month(args))
    return jsonify(StatementSchema().dump({
        "student_id": student.id, "month": f"{data['month']:%Y-%m}", "meals": data["count"],
        "charges": data["charges"], "paid": data["paid"], "balance": data["balance"] if data["prepayment"] else None,
        "days": [{"date": d, "meals": [m[0] for m in meals],
                  "charge": sum((m[1] for m in meals if m[2] == "parents"), 0)} for d, meals in sorted(data["meals"].items())]}))
