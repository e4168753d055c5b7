"""Nutrition (issue 14): the region's rules, setup, the daily order and its cut-off (journal absences and
parents' notices), the kitchen, the monthly tabulation sheet (XLSX read back, signed off), parents'
statements and balances (bank register import), municipal reports; every role refused through HTTP where
the rules say so; query counts flat in pupils and days."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from eschool.journal.models import Lesson
from eschool.journal.services import ensure_lessons
from eschool.school.models import ClassGroup
from eschool.structure.models import Municipality, School


def _school_day(today: dt.date) -> dt.date:
    day = today
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def clock(monkeypatch):
    """``clock(day, "08:00")``: the region's local time the nutrition rules see."""
    from eschool_nutrition import services

    def _set(day: dt.date, hhmm: str):
        hours, minutes = (int(x) for x in hhmm.split(":"))
        monkeypatch.setattr(services, "local_now", lambda: dt.datetime.combine(day, dt.time(hours, minutes)))

    return _set


@pytest.fixture
def meals(app, world):
    """The world with meals set up: three 5А pupils with categories (low income, ОВЗ, large family), one
    standing paid lunch; the school day and its first lesson."""
    from eschool_nutrition import services
    from eschool_nutrition.models import Category

    day = _school_day(world.today)
    with app.app_context():
        school = School.get_by_id(world.school)
        services.ensure_setup(school.municipality, valid_from=day - dt.timedelta(days=90))
        cats = {c.code: c.id for c in Category.select()}
        start = day - dt.timedelta(days=60)
        services.set_pupil_category(school, {"student_id": world.students[0], "category_id": cats["low_income"],
                                             "document": "Справка 1", "valid_from": start})
        services.set_pupil_category(school, {"student_id": world.students[1], "category_id": cats["ovz"],
                                             "document": "ПМПК 2", "valid_from": start})
        services.set_pupil_category(school, {"student_id": world.students[2], "category_id": cats["large_family"],
                                             "document": "Удостоверение 3", "valid_from": start})
        services.set_standing_order(school, world.students[3], ["lunch"])
        ensure_lessons(ClassGroup.get_by_id(world.c5), day, day)
        first = Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date == day)).order_by(
            Lesson.number).first()
    return {"day": day, "cats": cats, "lesson": first.id if first else None}


def _order(app, world, day):
    from eschool_nutrition.models import DailyOrder, OrderLine

    with app.app_context():
        order = DailyOrder.get((DailyOrder.class_group == world.c5) & (DailyOrder.date == day))
        return {(line.student_id, line.meal_kind_id): line.ordered for line in
                OrderLine.select().where(OrderLine.order == order.id)}, order.id


def _ordered_students(app, world, day):
    lines, _id = _order(app, world, day)
    return {sid for (sid, _k), on in lines.items() if on}


# --------------------------------------------------------------------------- region rules


def test_kemerovo_profile_switches_nutrition_on_only_in_kemerovo_and_novokuznetsk(make_app):
    from eschool.plugins.services import is_enabled, scope_for_municipality

    app = make_app()
    with app.app_context():
        from eschool.structure import services as structure

        structure.sync_municipalities(app.extensions["eschool"].region)
        on = {m.code: is_enabled("nutrition", scope_for_municipality(m)) for m in Municipality.select()}
    assert on["kemerovo"] and on["novokuznetsk"]
    assert not on["prokopyevsk"] and not on["belovo"] and not on["kemerovsky"]


@pytest.mark.parametrize("region", ["samara", "primorye"])
def test_other_regions_have_nutrition_off_by_default(make_app, region):
    from eschool.plugins.services import is_enabled, scope_for_municipality

    app = make_app(region=region)
    with app.app_context():
        from eschool.structure import services as structure

        structure.sync_municipalities(app.extensions["eschool"].region)
        assert not any(is_enabled("nutrition", scope_for_municipality(m)) for m in Municipality.select())


# --------------------------------------------------------------------------- the daily order


def test_order_is_prefilled_from_categories_and_standing_order(app, world, meals, login_as, clock):
    from eschool_nutrition.models import MealKind

    clock(meals["day"], "07:30")
    page = login_as("classteacher").get(f"/nutrition/school/{world.school}/order/{world.c5}?date={meals['day']}")
    assert page.status_code == 200
    lines, _ = _order(app, world, meals["day"])
    with app.app_context():
        kinds = {k.code: k.id for k in MealKind.select()}
    s = world.students
    assert lines[(s[0], kinds["breakfast"])] and (s[0], kinds["lunch"]) not in lines  # low income: breakfast
    assert lines[(s[1], kinds["breakfast"])] and lines[(s[1], kinds["lunch"])]  # ОВЗ: two free meals
    assert lines[(s[3], kinds["lunch"])]  # a standing paid lunch
    assert not any(sid == s[4] for sid, _k in lines)  # no category, no standing order: nothing


def test_journal_absence_before_cutoff_leaves_the_order_after_it_is_logged(app, world, meals, api_token, clock):
    if meals["lesson"] is None:
        pytest.skip("no lesson on the school day")
    from eschool_nutrition.models import OrderLog

    day = meals["day"]
    clock(day, "07:50")
    client = app.test_client()
    teacher = api_token("teacher")
    assert client.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}?date={day}",
                      headers=api_token("classteacher")).status_code == 200
    assert world.students[0] in _ordered_students(app, world, day)
    answer = client.put(f"/api/v1/journal/lessons/{meals['lesson']}/attendance", headers=teacher,
                        json={"student_id": world.students[0], "kind": "absent", "version": None})
    assert answer.status_code == 200, answer.get_json()
    assert world.students[0] not in _ordered_students(app, world, day)
    # after the cut-off: the order stays, the news is logged
    clock(day, "08:45")
    answer = client.put(f"/api/v1/journal/lessons/{meals['lesson']}/attendance", headers=teacher,
                        json={"student_id": world.students[1], "kind": "ill", "version": None})
    assert answer.status_code == 200
    assert world.students[1] in _ordered_students(app, world, day)
    with app.app_context():
        assert OrderLog.select().where((OrderLog.student == world.students[1])
                                       & (OrderLog.action == "absence_after_cutoff")).exists()


def test_parent_notice_before_cutoff_leaves_the_order(app, world, meals, api_token, clock):
    day = meals["day"]
    if day != world.today:
        pytest.skip("a notice starts today at the earliest")
    clock(day, "07:00")
    client = app.test_client()
    client.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}?date={day}",
               headers=api_token("classteacher"))
    assert world.students[0] in _ordered_students(app, world, day)
    response = client.post("/api/v1/diary/absences", headers=api_token("parent"), json={
        "student_id": world.students[0], "starts_on": day.isoformat(), "reason": "illness"})
    assert response.status_code == 201
    assert world.students[0] not in _ordered_students(app, world, day)


def test_parent_notice_after_cutoff_leaves_the_order_and_is_logged(app, world, meals, api_token, clock):
    from eschool_nutrition.models import OrderLog

    day = meals["day"]
    if day != world.today:
        pytest.skip("a notice starts today at the earliest")
    clock(day, "07:00")
    client = app.test_client()
    client.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}?date={day}",
               headers=api_token("classteacher"))
    clock(day, "08:40")
    assert client.post("/api/v1/diary/absences", headers=api_token("parent"), json={
        "student_id": world.students[0], "starts_on": day.isoformat(), "reason": "illness"}).status_code == 201
    assert world.students[0] in _ordered_students(app, world, day)
    with app.app_context():
        assert OrderLog.get((OrderLog.student == world.students[0])
                            & (OrderLog.action == "absence_after_cutoff")).detail == "notice"


def test_notice_made_before_the_order_is_left_out_of_the_prefill(app, world, meals, api_token, clock):
    day = meals["day"]
    if day != world.today:
        pytest.skip("a notice starts today at the earliest")
    clock(day, "07:00")
    client = app.test_client()
    assert client.post("/api/v1/diary/absences", headers=api_token("parent"), json={
        "student_id": world.students[0], "starts_on": day.isoformat(), "reason": "family"}).status_code == 201
    client.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}?date={day}",
               headers=api_token("classteacher"))
    assert world.students[0] not in _ordered_students(app, world, day)
    assert world.students[1] in _ordered_students(app, world, day)


def test_cutoff_locks_the_order_for_the_class_teacher_not_the_officer(app, world, meals, api_token, clock):
    from eschool_nutrition.models import MealKind, OrderLog

    day = meals["day"]
    client = app.test_client()
    with app.app_context():
        lunch = MealKind.get(MealKind.code == "lunch").id
    url = f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}"
    clock(day, "08:10")
    teacher = api_token("classteacher")
    ok = client.put(f"{url}/lines?date={day}", headers=teacher,
                    json={"student_id": world.students[4], "meal_kind_id": lunch, "ordered": True})
    assert ok.status_code == 200, ok.get_json()
    assert client.post(f"{url}/confirm?date={day}", headers=teacher).status_code == 200
    clock(day, "08:31")
    refused = client.put(f"{url}/lines?date={day}", headers=teacher,
                         json={"student_id": world.students[4], "meal_kind_id": lunch, "ordered": False})
    assert refused.status_code == 403
    officer = client.put(f"{url}/lines?date={day}", headers=api_token("director"),
                         json={"student_id": world.students[4], "meal_kind_id": lunch, "ordered": False})
    assert officer.status_code == 200
    with app.app_context():
        assert OrderLog.select().where(OrderLog.action == "cancelled_late").exists()
    # a pupil of another class, a meal of nothing: 400 naming the field
    bad = client.put(f"{url}/lines?date={day}", headers=api_token("director"),
                     json={"student_id": world.others[0], "meal_kind_id": lunch, "ordered": True})
    assert bad.status_code == 400 and "student_id" in bad.get_json()["error"]["fields"]
    # the page: the class teacher sees it read-only, a form post after the cut-off is refused
    page = app.test_client()
    from tests.conftest import login

    login(page, "classteacher")
    html = page.get(f"/nutrition/school/{world.school}/order/{world.c5}?date={day}").get_data(as_text=True)
    assert "disabled" in html


def test_named_meals_officer(app, world, meals, api_token, clock):
    from eschool_nutrition import services

    client = app.test_client()
    other = api_token("other")
    assert client.get(f"/api/v1/nutrition/schools/{world.school}/pupil-categories", headers=other).status_code == 403
    with app.app_context():
        services.set_officer(School.get_by_id(world.school), world.user_id("other"))
    assert client.get(f"/api/v1/nutrition/schools/{world.school}/pupil-categories", headers=other).status_code == 200
    clock(meals["day"], "10:00")
    assert client.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}?date={meals['day']}",
                      headers=other).status_code == 200


# --------------------------------------------------------------------------- kitchen, tabulation, month


def _month_of_orders(app, world, day):
    """Orders of every school day of the day's month up to the day (5А and 6Б)."""
    from eschool_nutrition import services

    with app.app_context():
        school = School.get_by_id(world.school)
        groups = [ClassGroup.get_by_id(world.c5), ClassGroup.get_by_id(world.c6)]
        days = [d for d in services.month_days(day) if d <= day]
        for d in days:
            services.ensure_orders(school, d, groups)
    return days


def test_kitchen_counts_per_class_and_category(app, world, meals, api_token, login_as, clock):
    from eschool_nutrition.models import MealKind

    day = meals["day"]
    clock(day, "09:00")
    client = app.test_client()
    answer = client.get(f"/api/v1/nutrition/schools/{world.school}/kitchen?date={day}", headers=api_token("director"))
    assert answer.status_code == 200
    data = answer.get_json()
    with app.app_context():
        kinds = {k.code: k.id for k in MealKind.select()}
    total = {(c["meal_kind_id"], c["category_id"]): c["count"] for c in data["total"]}
    cats = meals["cats"]
    assert total[(kinds["breakfast"], cats["low_income"])] == 1
    assert total[(kinds["lunch"], cats["ovz"])] == 1
    assert total[(kinds["lunch"], cats["paid"])] == 1
    page = login_as("director").get(f"/nutrition/school/{world.school}/kitchen?date={day}&print=1")
    assert page.status_code == 200 and "@page" in page.get_data(as_text=True)


def _holidays_of_grade_5(app, world, day):
    """5А's grade has its holidays on ``day`` (its second quarter starts the next day); 6Б's goes on."""
    from eschool.school import services as school_services
    from eschool.school.models import AcademicYear, Period

    with app.app_context():
        second = Period.get((Period.academic_year == world.year) & (Period.number == 2))
        Period.update(grade_from=6).where(Period.id == second.id).execute()
        school_services.add_period(AcademicYear.get_by_id(world.year), {
            "kind": "quarter", "number": 2, "starts_on": day + dt.timedelta(days=1), "ends_on": second.ends_on,
            "grade_from": 1, "grade_to": 5})


def test_no_meals_for_a_class_in_its_holidays_or_on_a_weekend(app, world, meals, api_token, login_as, clock):
    """A class eats on the days it has school: in its grade's holidays (and on a weekend of the school week)
    its order is neither listed nor made, the kitchen does not count it, and the month's sheet has no column
    for a day every class is on holiday; the classes still at school eat as before."""
    from eschool_nutrition.models import DailyOrder

    day = meals["day"]
    _holidays_of_grade_5(app, world, day)
    clock(day, "08:00")
    api = app.test_client()
    director, teacher = api_token("director"), api_token("classteacher")
    listed = api.get(f"/api/v1/nutrition/schools/{world.school}/orders?date={day}", headers=director).get_json()
    assert [i["class_id"] for i in listed["items"]] == [world.c6]
    refused = api.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}?date={day}", headers=teacher)
    assert refused.status_code == 409 and "не питается" in refused.get_json()["error"]["message"]
    teacher_page = login_as("classteacher")
    page = teacher_page.get(f"/nutrition/school/{world.school}/order/{world.c5}?date={day}")
    assert page.status_code == 200 and "не питается" in page.get_data(as_text=True)
    assert teacher_page.post(f"/nutrition/school/{world.school}/order/{world.c5}?date={day}",
                             data={"action": "confirm"}).status_code == 409  # nothing to save, nothing made
    kitchen = api.get(f"/api/v1/nutrition/schools/{world.school}/kitchen?date={day}", headers=director).get_json()
    assert [c["class_id"] for c in kitchen["classes"]] == [world.c6]
    saturday = day + dt.timedelta(days=5 - day.weekday())
    assert api.get(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c6}?date={saturday}",
                   headers=director).status_code == 409
    with app.app_context():
        made = {(o.class_group_id, o.date) for o in DailyOrder.select()}
    assert (world.c5, day) not in made and (world.c6, day) in made and (world.c6, saturday) not in made
    # the sheet: a column for the day while 6Б studies; none once 6Б is on holiday too
    month = f"{day:%Y-%m}"
    sheet = api.get(f"/api/v1/nutrition/schools/{world.school}/tabulation?month={month}", headers=director).get_json()
    assert str(day) in sheet["days"]
    with app.app_context():
        from eschool.school.models import Period

        Period.update(starts_on=day + dt.timedelta(days=1)).where(Period.grade_from == 6).execute()
        DailyOrder.delete().where(DailyOrder.date == day).execute()
    sheet = api.get(f"/api/v1/nutrition/schools/{world.school}/tabulation?month={month}", headers=director).get_json()
    assert str(day) not in sheet["days"] and sheet["days"]


def test_tabulation_xlsx_reads_back_with_the_right_totals_and_month_closes(app, world, meals, login_as, api_token,
                                                                          clock):
    from openpyxl import load_workbook

    day = meals["day"]
    clock(day, "12:00")
    days = _month_of_orders(app, world, day)
    client = login_as("director")
    month = f"{day:%Y-%m}"
    response = client.get(f"/nutrition/school/{world.school}/tabulation?format=xlsx&month={month}&class={world.c5}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book.active.iter_rows(values_only=True))
    total = rows[-1]
    # low income 1 + ОВЗ 2 + large family 1 + paid lunch 1 = 5 meals a day
    assert total[-2] == 5 * len(days)
    expected = Decimal(0)
    from eschool_nutrition.services import DEFAULT_PRICES

    expected = (DEFAULT_PRICES["breakfast"] * 3 + DEFAULT_PRICES["lunch"] * 2) * len(days)
    assert Decimal(str(total[-1])) == expected
    pupil = next(r for r in rows if r[0] and r[0].endswith("Ученик01"))  # ОВЗ: two letters each day
    assert pupil[-2] == 2 * len(days)
    # the API agrees; the class teacher reads their class, another teacher is refused
    api = app.test_client()
    data = api.get(f"/api/v1/nutrition/schools/{world.school}/tabulation?month={month}&class_id={world.c5}",
                   headers=api_token("classteacher")).get_json()
    assert data["meals"] == 5 * len(days)
    assert api.get(f"/api/v1/nutrition/schools/{world.school}/tabulation?month={month}&class_id={world.c5}",
                   headers=api_token("other")).status_code == 403
    assert login_as("other").get(
        f"/nutrition/school/{world.school}/tabulation?month={month}&class={world.c5}").status_code == 403
    # printable, and the same page as a PDF where WeasyPrint is installed
    page = client.get(f"/nutrition/school/{world.school}/tabulation?month={month}&print=1")
    assert page.status_code == 200 and "табель" in page.get_data(as_text=True)
    from eschool.plugin_api import pdf_available

    if pdf_available():
        pdf = client.get(f"/nutrition/school/{world.school}/tabulation?month={month}&class={world.c5}&format=pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        kitchen = client.get(f"/nutrition/school/{world.school}/kitchen?date={day}&format=pdf")
        assert kitchen.status_code == 200 and kitchen.data.startswith(b"%PDF")
    # signing off: the class teacher may not, the officer may; then the month's orders are read-only
    assert api.post(f"/api/v1/nutrition/schools/{world.school}/months/close?month={month}",
                    headers=api_token("classteacher")).status_code == 403
    assert api.post(f"/api/v1/nutrition/schools/{world.school}/months/close?month={month}",
                    headers=api_token("director")).status_code == 200
    from eschool_nutrition.models import MealKind

    with app.app_context():
        lunch = MealKind.get(MealKind.code == "lunch").id
    locked = api.put(f"/api/v1/nutrition/schools/{world.school}/orders/{world.c5}/lines?date={day}",
                     headers=api_token("director"),
                     json={"student_id": world.students[0], "meal_kind_id": lunch, "ordered": True})
    assert locked.status_code == 409


def test_formulas_in_names_are_written_as_text(app, world, meals, login_as, clock):
    from openpyxl import load_workbook

    from eschool.people.models import Student

    with app.app_context():
        Student.update(last_name="=HYPERLINK(1)").where(Student.id == world.students[0]).execute()
    day = meals["day"]
    clock(day, "12:00")
    _month_of_orders(app, world, day)
    response = login_as("director").get(f"/nutrition/school/{world.school}/tabulation?format=xlsx&month={day:%Y-%m}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in values)


# --------------------------------------------------------------------------- parents and money


def test_parent_sees_meals_in_the_diary_and_a_statement_not_another_child(app, world, meals, login_as, api_token,
                                                                          clock):
    day = meals["day"]
    clock(day, "12:00")
    _month_of_orders(app, world, day)
    parent = login_as("parent")
    html = parent.get(f"/diary?date={day}").get_data(as_text=True)
    assert 'data-plugin="nutrition"' in html and "Завтрак" in html
    page = parent.get(f"/nutrition/family?month={day:%Y-%m}")
    assert page.status_code == 200 and "Завтрак" in page.get_data(as_text=True)
    client = app.test_client()
    mine = client.get(f"/api/v1/nutrition/family?month={day:%Y-%m}", headers=api_token("parent"))
    assert mine.status_code == 200 and mine.get_json()["meals"] >= 1
    assert client.get(f"/api/v1/nutrition/family?student_id={world.students[1]}",
                      headers=api_token("parent")).status_code == 404
    assert parent.get(f"/nutrition/family?student={world.students[1]}").status_code == 404
    # a parent opens no school page
    assert parent.get(f"/nutrition/school/{world.school}").status_code == 403
    assert client.get(f"/api/v1/nutrition/schools/{world.school}/kitchen", headers=api_token("parent")).status_code == 403


def test_payments_import_reports_each_bad_line_and_stores_nothing(app, world, meals, api_token, clock):
    from eschool_nutrition.models import Payment

    client = app.test_client()
    officer = api_token("director")
    bad = ("Дата;Лицевой счёт;Сумма;Номер\n"
           f"01.12.2026;{world.students[3]};1500,00;A1\n"
           f"32.12.2026;{world.students[3]};100;A2\n"
           f"01.12.2026;999999;100;A3\n"
           f"01.12.2026;{world.students[3]};-5;A4\n").encode()
    answer = client.post(f"/api/v1/nutrition/schools/{world.school}/payments/import", headers=officer,
                         data={"file": (io.BytesIO(bad), "register.csv")}, content_type="multipart/form-data")
    assert answer.status_code == 400
    errors = answer.get_json()["error"]["fields"]["file"]
    assert len(errors) == 3 and "3" in errors[0] and "4" in errors[1] and "5" in errors[2]
    with app.app_context():
        assert Payment.select().count() == 0
    good = ("Дата;Лицевой счёт;Сумма;Номер\n"
            f"01.12.2026;{world.students[3]};1500,00;A1\n").encode()
    answer = client.post(f"/api/v1/nutrition/schools/{world.school}/payments/import", headers=officer,
                         data={"file": (io.BytesIO(good), "register.csv")}, content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.get_json()["imported"] == 1
    again = client.post(f"/api/v1/nutrition/schools/{world.school}/payments/import", headers=officer,
                        data={"file": (io.BytesIO(good), "register.csv")}, content_type="multipart/form-data")
    assert again.get_json() == {"imported": 0, "skipped": 1, "errors": []}
    assert client.post(f"/api/v1/nutrition/schools/{world.school}/payments/import", headers=api_token("classteacher"),
                       data={"file": (io.BytesIO(good), "register.csv")},
                       content_type="multipart/form-data").status_code == 403


def test_balance_charges_eaten_paid_meals_and_alerts_below_threshold(app, world, meals, clock, monkeypatch):
    from eschool_nutrition import services

    day = meals["day"]
    clock(day, "12:00")
    days = _month_of_orders(app, world, day)
    with app.app_context():
        school = School.get_by_id(world.school)
        services.add_payment(school, {"student_id": world.students[3], "amount": "100", "date": day})
        balance = services.balances([world.students[3]])[world.students[3]]
        assert balance == Decimal("100") - services.DEFAULT_PRICES["lunch"] * len(days)
        real = services.settings

        monkeypatch.setattr(services, "settings", lambda s: {**real(s), "prepayment": True})
        from eschool.people.models import Student
        from eschool.plugin_api import link_guardian

        link_guardian(Student.get_by_id(world.students[3]), {"user_id": world.user_id("parent"), "relation": "mother",
                                                             "legal_representative": True})
        sent = []
        monkeypatch.setattr("eschool.plugin_api.notify", lambda audience, kind, context, **kw: sent.append(
            (kind, context["student"], audience.to_dict())))
        assert world.students[3] in services.low_balances(school)
        assert services.alert_low_balances(school) == 1
    assert sent[0][0] == "nutrition.low_balance" and str(world.user_id("parent")) in str(sent[0][2])


# --------------------------------------------------------------------------- setup and the municipality


def test_municipality_sets_prices_school_only_narrows(app, world, meals, api_token):
    client = app.test_client()
    code = "kemerovo"
    municipal = api_token("municipal")
    setup = client.get(f"/api/v1/nutrition/municipalities/{code}/setup", headers=municipal)
    assert setup.status_code == 200
    kinds = {k["code"]: k["id"] for k in setup.get_json()["meal_kinds"]}
    cat = meals["cats"]["paid"]
    day = meals["day"].isoformat()
    assert client.post(f"/api/v1/nutrition/municipalities/{code}/prices", headers=municipal, json={
        "category_id": cat, "meal_kind_id": kinds["lunch"], "valid_from": day, "amount": "130.00"}).status_code == 201
    director = api_token("director")
    higher = client.post(f"/api/v1/nutrition/schools/{world.school}/prices", headers=director, json={
        "category_id": cat, "meal_kind_id": kinds["lunch"], "valid_from": day, "amount": "140.00"})
    assert higher.status_code == 400 and "amount" in higher.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/nutrition/schools/{world.school}/prices", headers=director, json={
        "category_id": cat, "meal_kind_id": kinds["lunch"], "valid_from": day, "amount": "110.00"}).status_code == 201
    # the school may not set municipal prices; a teacher no prices at all
    assert client.post(f"/api/v1/nutrition/municipalities/{code}/prices", headers=director, json={
        "category_id": cat, "meal_kind_id": kinds["lunch"], "valid_from": day, "amount": "1"}).status_code == 403
    assert client.post(f"/api/v1/nutrition/schools/{world.school}/prices", headers=api_token("classteacher"), json={
        "category_id": cat, "meal_kind_id": kinds["lunch"], "valid_from": day, "amount": "1"}).status_code == 403
    new = client.post(f"/api/v1/nutrition/municipalities/{code}/categories", headers=municipal, json={
        "code": "svo", "name": "Дети участников СВО", "payer": "budget", "meal_kinds": ["breakfast", "lunch"]})
    assert new.status_code == 201
    assert client.post(f"/api/v1/nutrition/municipalities/{code}/categories", headers=municipal, json={
        "code": "svo", "name": "Повтор", "meal_kinds": []}).status_code == 400
    # a free category needs its document
    bad = client.post(f"/api/v1/nutrition/schools/{world.school}/pupil-categories", headers=director, json={
        "student_id": world.students[4], "category_id": new.get_json()["id"], "valid_from": day})
    assert bad.status_code == 400 and "document" in bad.get_json()["error"]["fields"]


def test_municipal_report_and_xlsx(app, world, meals, login_as, api_token, clock):
    from openpyxl import load_workbook

    day = meals["day"]
    clock(day, "12:00")
    days = _month_of_orders(app, world, day)
    client = app.test_client()
    data = client.get(f"/api/v1/nutrition/municipalities/kemerovo/report?month={day:%Y-%m}",
                      headers=api_token("municipal")).get_json()
    by_code = {c["category_id"]: c for c in data["categories"]}
    assert by_code[meals["cats"]["ovz"]]["meals"] == 2 * len(days)
    assert by_code[meals["cats"]["ovz"]]["fed"][day.isoformat()] == 1
    page = login_as("municipal")
    response = page.get(f"/nutrition/m/kemerovo/report?month={day:%Y-%m}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Питались", "Стоимость"]
    assert page.get("/nutrition/m/kemerovo/setup").status_code == 200
    # the school's people do not open the municipality's pages
    assert login_as("director").get("/nutrition/m/kemerovo/report").status_code == 403
    assert client.get("/api/v1/nutrition/municipalities/kemerovo/report",
                      headers=api_token("classteacher")).status_code == 403


def test_pages_of_every_role_render(app, world, meals, login_as, clock):
    clock(meals["day"], "08:00")
    director = login_as("director")
    for url in (f"/nutrition/school/{world.school}", f"/nutrition/school/{world.school}/setup",
                f"/nutrition/school/{world.school}/payments", f"/nutrition/school/{world.school}/log",
                f"/nutrition/school/{world.school}/kitchen", f"/nutrition/school/{world.school}/tabulation"):
        assert director.get(url).status_code == 200, url
    teacher = login_as("classteacher")
    assert teacher.get(f"/nutrition/school/{world.school}").status_code == 200
    for url in (f"/nutrition/school/{world.school}/setup", f"/nutrition/school/{world.school}/payments",
                f"/nutrition/school/{world.school}/log"):
        assert teacher.get(url).status_code == 403, url
    other = login_as("other")
    assert other.get(f"/nutrition/school/{world.school}/order/{world.c5}").status_code == 403
    # the municipality reads reports, not a school's orders; a pupil no school page either
    municipal = login_as("municipal")
    assert municipal.get(f"/nutrition/school/{world.school}/order/{world.c5}").status_code == 403
    assert municipal.get(f"/nutrition/school/{world.school}/setup").status_code == 403
    assert login_as("student").get(f"/nutrition/school/{world.school}/kitchen").status_code == 403
    # the canteen's screen is for a device only
    assert director.get(f"/nutrition/school/{world.school}/kitchen/screen").status_code == 403


def test_setup_page_refuses_bad_input_with_the_field(app, world, meals, login_as):
    import re

    client = login_as("director")
    html = client.get(f"/nutrition/school/{world.school}/setup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/nutrition/school/{world.school}/setup", data={
        "csrf_token": token, "what": "category", "student_id": world.students[4], "category_id": meals["cats"]["ovz"],
        "valid_from": "2026-01-01", "document": ""})
    assert response.status_code == 400 and "supporting document" in response.get_data(as_text=True).lower() or \
        "документ" in response.get_data(as_text=True)


def test_off_where_the_region_says(app, world, toggle, login_as):
    toggle("nutrition", False, school=world.school)
    assert login_as("director").get(f"/nutrition/school/{world.school}").status_code == 404


# --------------------------------------------------------------------------- query counts


def test_query_counts_are_flat_in_pupils_and_days(app, world, meals, login_as, count_queries, clock):
    from eschool.plugin_api import enrol

    day = meals["day"]
    clock(day, "08:00")
    client = login_as("director")
    month = f"{day:%Y-%m}"

    def measure():
        counts = []
        for url in (f"/nutrition/school/{world.school}/order/{world.c5}?date={day}",
                    f"/nutrition/school/{world.school}/tabulation?month={month}",
                    f"/nutrition/school/{world.school}/kitchen?date={day}",
                    f"/nutrition/school/{world.school}/tabulation?format=xlsx&month={month}"):
            client.get(url)
            with count_queries() as counted:
                assert client.get(url).status_code == 200
            counts.append(counted.count)
        return counts

    small = measure()
    with app.app_context():
        school = School.get_by_id(world.school)
        from eschool_nutrition import services
        from eschool_nutrition.models import DailyOrder

        DailyOrder.delete().execute()
        for n in range(14):
            kid = enrol(school, {"last_name": "Новиков", "first_name": f"Ученик{40 + n}", "middle_name": "",
                                 "birth_date": dt.date(2015, 2, 1), "gender": "m", "document_kind": "birth_certificate",
                                 "document_number": "", "snils": "", "address": "", "class_id": world.c5,
                                 "date": day - dt.timedelta(days=40), "order_number": f"{n}-н"}, notify=False)
            services.set_standing_order(school, kid.id, ["breakfast", "lunch"])
    _month_of_orders(app, world, day)
    large = measure()
    assert large == small, (small, large)
