"""Camp meals through nutrition (issue 14): a summer camp's squads get nutrition's daily orders, cut-off, lock,
prices and tabulation, the camp telling nutrition who is in a squad and who is away (hooks, no imports
between the plugins); only where the region, the school and nutrition say; the camp's old headcounts
migrated into orders; pupils' categories imported from the social-protection register; the order page's
queries few and flat."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from tests import test_nutrition, test_summer_camp
from tests.test_summer_camp import API as CAMP_API
from tests.test_summer_camp import _confirmed

# the fixtures of the nutrition and summer camp tests, shared
clock, meals, camp = test_nutrition.clock, test_nutrition.meals, test_summer_camp.camp

NUTRITION = "/api/v1/nutrition/schools"


def _groups(app, camp):
    from eschool_summer_camp.models import Squad

    with app.app_context():
        return Squad.get_by_id(camp["sun"]).class_group_id, Squad.get_by_id(camp["spark"]).class_group_id


def _lines(app, group_id, day):
    from eschool_nutrition.models import DailyOrder, OrderLine

    with app.app_context():
        order = DailyOrder.get((DailyOrder.class_group == group_id) & (DailyOrder.date == day))
        return {(line.student_id, line.meal_kind.code): line for line in
                OrderLine.select().where(OrderLine.order == order.id)}


def _mark(client, headers, camp, squad, day, marks):
    return client.put(f"{CAMP_API}/schools/{camp['school']}/squads/{squad}/attendance", headers=headers,
                      json={"date": str(day), "marks": [{"application_id": a, "mark": m} for a, m in marks]})


# --------------------------------------------------------------------------- the daily order of a squad


def test_a_squads_order_has_nutritions_menu_cutoff_lock_and_roles(app, world, camp, client, api_token, clock):
    from eschool_nutrition.models import OrderLog

    admin = api_token("admin")
    kids = [camp["child"], world.students[1], world.students[2]]
    apps = _confirmed(client, admin, camp, [(k, camp["sun"]) for k in kids] + [(world.students[3], camp["spark"])])
    sun, spark = _groups(app, camp)
    day = camp["start"]
    clock(day, "08:00")
    leader = api_token("teacher")  # Солнышко's leader
    listed = client.get(f"{NUTRITION}/{camp['school']}/orders?date={day}", headers=leader)
    assert listed.status_code == 200
    assert [i["class_id"] for i in listed.get_json()["items"]] == [sun]  # their squad only
    everyone = client.get(f"{NUTRITION}/{camp['school']}/orders?date={day}", headers=api_token("director")).get_json()
    assert {sun, spark, world.c5} <= {i["class_id"] for i in everyone["items"]}
    # the camp category's menu (breakfast and lunch, paid by the budget) at its prices, for every child
    lines = _lines(app, sun, day)
    assert set(lines) == {(k, meal) for k in kids for meal in ("breakfast", "lunch")}
    assert {(line.price, line.payer, line.category.code) for line in lines.values()} == {
        (Decimal("95.00"), "budget", "summer_camp"), (Decimal("125.00"), "budget", "summer_camp")}
    # a child marked ill before the cut-off leaves the order; marked present again, comes back
    assert _mark(client, leader, camp, camp["sun"], day, [(apps[1], "ill")]).status_code == 200
    assert not _lines(app, sun, day)[(kids[1], "lunch")].ordered
    assert _lines(app, sun, day)[(kids[1], "lunch")].reason == "absent"
    assert _mark(client, leader, camp, camp["sun"], day, [(apps[1], "present")]).status_code == 200
    assert _lines(app, sun, day)[(kids[1], "lunch")].ordered
    # the leader changes and confirms their squad's order before the cut-off
    url = f"{NUTRITION}/{camp['school']}/orders/{sun}"
    with app.app_context():
        from eschool_nutrition.models import MealKind

        lunch = MealKind.get(MealKind.code == "lunch").id
    assert client.put(f"{url}/lines?date={day}", headers=leader,
                      json={"student_id": kids[0], "meal_kind_id": lunch, "ordered": False}).status_code == 200
    assert client.post(f"{url}/confirm?date={day}", headers=leader).status_code == 200
    # another squad's leader, a teacher of the school, a parent: refused by the server
    for who in ("other", "classteacher", "parent"):
        assert client.get(f"{url}?date={day}", headers=api_token(who)).status_code == 403, who
    # after the cut-off: a mark changes nothing (logged), the leader is locked out, the officer is not (logged)
    clock(day, "08:45")
    assert _mark(client, leader, camp, camp["sun"], day, [(apps[2], "ill")]).status_code == 200
    assert _lines(app, sun, day)[(kids[2], "lunch")].ordered
    refused = client.put(f"{url}/lines?date={day}", headers=leader,
                         json={"student_id": kids[0], "meal_kind_id": lunch, "ordered": True})
    assert refused.status_code == 403
    assert client.put(f"{url}/lines?date={day}", headers=api_token("director"),
                      json={"student_id": kids[0], "meal_kind_id": lunch, "ordered": True}).status_code == 200
    with app.app_context():
        actions = [r.action for r in OrderLog.select().order_by(OrderLog.id)]
    assert actions[-2:] == ["absence_after_cutoff", "ordered_late"] and "confirmed" in actions
    # a child of another class smuggled into the squad's order
    bad = client.put(f"{url}/lines?date={day}", headers=api_token("director"),
                     json={"student_id": world.others[0], "meal_kind_id": lunch, "ordered": True})
    assert bad.status_code == 400 and "student_id" in bad.get_json()["error"]["fields"]


def test_a_day_marked_before_its_order_and_a_parents_notice(app, world, camp, client, api_token, clock):
    """A day the leader marks before anyone opens the order: the order is made from the marks. A parent's
    notice before the cut-off takes a camp child out as it takes out a pupil."""
    admin = api_token("admin")
    kids = [camp["child"], world.students[1]]
    apps = _confirmed(client, admin, camp, [(k, camp["sun"]) for k in kids])
    sun, _spark = _groups(app, camp)
    day = camp["start"]
    clock(day, "07:30")
    assert _mark(client, api_token("teacher"), camp, camp["sun"], day,
                 [(apps[0], "present"), (apps[1], "absent")]).status_code == 200
    lines = _lines(app, sun, day)
    assert lines[(kids[0], "breakfast")].ordered and not lines[(kids[1], "breakfast")].ordered
    today = world.today
    if today.weekday() >= 5:
        return  # a notice starts today at the earliest, and the camp does not eat on a weekend
    clock(today, "07:00")
    assert client.get(f"{NUTRITION}/{camp['school']}/orders/{sun}?date={today}",
                      headers=api_token("teacher")).status_code == 200
    assert _lines(app, sun, today)[(kids[0], "lunch")].ordered
    assert client.post("/api/v1/diary/absences", headers=api_token("parent"), json={
        "student_id": kids[0], "starts_on": today.isoformat(), "reason": "illness"}).status_code == 201
    assert not _lines(app, sun, today)[(kids[0], "lunch")].ordered
    assert _lines(app, sun, today)[(kids[0], "lunch")].reason == "notice"


def test_camp_meals_only_where_the_region_the_school_and_nutrition_say(app, world, camp, client, api_token, toggle):
    from eschool.plugin_api import Municipality, School

    admin = api_token("admin")
    _confirmed(client, admin, camp, [(camp["child"], camp["sun"])])
    sun, _spark = _groups(app, camp)
    director = api_token("director")
    days = [d for d in (camp["start"] + dt.timedelta(days=i) for i in range(8)) if d.weekday() < 5]

    def listed(day):
        answer = client.get(f"{NUTRITION}/{camp['school']}/orders?date={day}", headers=director)
        return sun in {i["class_id"] for i in answer.get_json()["items"]}

    # the school switches its camp meals off: no squad order (409), none listed; a school cannot widen the region
    off = client.put("/api/v1/plugins/summer_camp/settings", headers=admin,
                     json={"scope_type": "school", "scope_id": camp["school"], "values": {"meals": False}})
    assert off.status_code == 200, off.get_json()
    assert not listed(days[0])
    assert client.get(f"{NUTRITION}/{camp['school']}/orders/{sun}?date={days[0]}", headers=director).status_code == 409
    widen = client.put("/api/v1/plugins/summer_camp/settings", headers=admin,
                       json={"scope_type": "school", "scope_id": camp["school"],
                             "values": {"meals_municipalities": ["*"]}})
    assert widen.status_code == 400 and "meals_municipalities" in widen.get_json()["error"]["fields"]
    assert client.put("/api/v1/plugins/summer_camp/settings", headers=admin, json={
        "scope_type": "school", "scope_id": camp["school"], "values": {}}).status_code == 200
    assert listed(days[0])
    # a school of Novokuznetsk: nutrition and a camp, but no camp meals
    with app.app_context():
        novokuznetsk = Municipality.get(Municipality.code == "novokuznetsk")
        School.update(municipality=novokuznetsk).where(School.id == camp["school"]).execute()
    assert not listed(days[1])
    with app.app_context():
        kemerovo = Municipality.get(Municipality.code == "kemerovo")
        School.update(municipality=kemerovo).where(School.id == camp["school"]).execute()
    assert listed(days[1])
    # nutrition off at the school: its pages answer 404, the camp's pages show no camp meals
    toggle("nutrition", False, school=camp["school"])
    assert client.get(f"{NUTRITION}/{camp['school']}/orders?date={days[1]}", headers=director).status_code == 404


# --------------------------------------------------------------------------- kitchen, tabulation, the camp's pages


def test_kitchen_tabulation_and_the_camp_pages_show_the_squads_meals(app, world, camp, client, api_token, login_as,
                                                                     clock):
    from openpyxl import load_workbook

    admin = api_token("admin")
    kids = [camp["child"], world.students[1], world.students[2]]
    apps = _confirmed(client, admin, camp, [(k, camp["sun"]) for k in kids])
    sun, _spark = _groups(app, camp)
    start = camp["start"]
    days = [d for d in (start + dt.timedelta(days=i) for i in range(7))
            if d.weekday() < 5 and d.month == start.month and d <= world.today][:2]
    leader = api_token("teacher")
    for day in days:
        clock(day, "08:00")
        assert client.get(f"{NUTRITION}/{camp['school']}/orders/{sun}?date={day}", headers=leader).status_code == 200
    clock(days[0], "08:10")  # before that day's cut-off
    _mark(client, leader, camp, camp["sun"], days[0], [(apps[2], "absent")])
    eaten = 3 * 2 * len(days) - 2
    director = login_as("director")
    kitchen = client.get(f"{NUTRITION}/{camp['school']}/kitchen?date={days[0]}", headers=api_token("director"))
    squad_row = next(c for c in kitchen.get_json()["classes"] if c["class_id"] == sun)
    assert sum(c["count"] for c in squad_row["counts"]) == 4
    month = f"{start:%Y-%m}"
    sheet = director.get(f"/nutrition/school/{camp['school']}/tabulation?format=xlsx&month={month}&class={sun}")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert len(rows[1]) == 2 + len(days) + 2  # pupil, class, the squad's days only, meals, amount
    assert rows[-1][-2] == eaten
    assert Decimal(str(rows[-1][-1])) == Decimal("95.00") * (3 * len(days) - 1) + Decimal("125.00") * (3 * len(days) - 1)
    data = client.get(f"{NUTRITION}/{camp['school']}/tabulation?month={month}&class_id={sun}", headers=leader).get_json()
    assert data["meals"] == eaten
    # the camp's session page and squad page show the squads' meals to the staff, not to a parent
    session = director.get(f"/summer_camp/school/{camp['school']}/sessions/{camp['session']}?date={days[0]}")
    html = session.get_data(as_text=True)
    assert 'data-slot="summer_camp_session"' in html and f"/nutrition/school/{camp['school']}/order/{sun}" in html
    squad = login_as("teacher").get(f"/summer_camp/school/{camp['school']}/squads/{camp['sun']}/attendance"
                                    f"?date={days[0]}")
    assert 'data-slot="summer_camp_squad"' in squad.get_data(as_text=True)
    parent = login_as("parent").get(f"/summer_camp/school/{camp['school']}/sessions/{camp['session']}?date={days[0]}")
    assert parent.status_code == 200 and "/nutrition/school/" not in parent.get_data(as_text=True)
    # the page of the squad's order; the camp's own meals pages are gone
    page = login_as("teacher").get(f"/nutrition/school/{camp['school']}/order/{sun}?date={days[0]}")
    assert page.status_code == 200 and "Солнышко" in page.get_data(as_text=True)
    assert director.get(f"/summer_camp/school/{camp['school']}/sessions/{camp['session']}/meals").status_code == 404


# --------------------------------------------------------------------------- the camp's headcounts migrated


def test_the_camps_headcounts_become_the_squads_orders(make_app):
    """A database from before camp meals moved: nutrition's migration 0002 makes each counted day the squad's
    order (the present children first), keeps every count word for word in the order's log, and leaves the
    camp's table as it was."""
    import datetime as _dt

    from eschool.testing import build_world

    app = make_app(migrate=False)
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        owners = {o.name: o for o in ext.migration_owners()}
        ext.migration_owners()[0].runner(database).up()
        for name, owner in owners.items():
            if name != "core":
                owner.runner(database).up(target="0001_initial" if name == "nutrition" else None)
        world = build_world(app)
        sql, mark = database.execute_sql, database.param
        day = _dt.date(2026, 10, 27)
        sql(f"INSERT INTO summer_camp_session (school_id, name, starts_on, ends_on, capacity, applications_open, "
            f"age_from, age_to, created_at) VALUES ({mark}, 'Осенняя', '2026-10-26', '2026-10-30', 30, false, 6, 17, "
            f"'2026-10-01 08:00:00')", (world.school,))
        sql(f"INSERT INTO summer_camp_squad (session_id, class_group_id, name) VALUES (1, {mark}, 'Солнышко')",
            (world.c6,))
        for student in world.students[:3]:
            sql(f"INSERT INTO summer_camp_application (session_id, student_id, status, source, applied_at, "
                f"contact_phone, note, squad_id, reason) VALUES (1, {mark}, 'confirmed', 'paper', "
                f"'2026-10-01 08:00:00', '', '', 1, '')", (student,))
        sql("INSERT INTO summer_camp_day_mark (application_id, date, mark, marked_at) VALUES "
            "(1, '2026-10-27', 'absent', '2026-10-27 09:00:00'), (3, '2026-10-27', 'present', '2026-10-27 09:00:00')")
        teacher = world.user_id("teacher")
        for kind, count in (("breakfast", 2), ("lunch", 5)):
            sql(f"INSERT INTO summer_camp_meal_count (squad_id, date, kind, count, updated_by_id, updated_at) "
                f"VALUES (1, '2026-10-27', {mark}, {mark}, {mark}, '2026-10-27 09:30:00')", (kind, count, teacher))
        applied = ext.upgrade()
        assert applied["nutrition"] == ["0002_camp_meals"]
        from eschool_nutrition.models import Category, DailyOrder, OrderLine, OrderLog

        order = DailyOrder.get((DailyOrder.class_group == world.c6) & (DailyOrder.date == day))
        assert order.confirmed_by_id == teacher
        lines = {(line.student_id, line.meal_kind.code): line for line in
                 OrderLine.select().where(OrderLine.order == order.id)}
        s = world.students
        # breakfast for 2: the present child first, then the one not marked; the absent child left out
        assert {sid for (sid, kind), line in lines.items() if kind == "breakfast" and line.ordered} == {s[2], s[1]}
        assert lines[(s[0], "breakfast")].reason == "absent"
        assert all(line.ordered for (sid, kind), line in lines.items() if kind == "lunch")  # 5 portions, 3 children
        assert {line.category.code for line in lines.values()} == {"summer_camp"}
        assert sorted(r.detail for r in OrderLog.select().where(OrderLog.action == "migrated")) == ["Завтрак: 2",
                                                                                                      "Обед: 5"]
        assert Category.select().where(Category.code == "summer_camp").count() == 1
        assert sql("SELECT COUNT(*) FROM summer_camp_meal_count").fetchone()[0] == 2
        assert ext.upgrade()["nutrition"] == []


# --------------------------------------------------------------------------- the social-protection register


REGISTER = ("Фамилия;Имя;Отчество;Дата рождения;СНИЛС;Категория;Документ;Действует с;Действует по\n"
            "Абрамов;Ученик00;;01.01.2015;;low_income;Справка УСЗН № 1;01.09.2026;31.05.2027\n"
            "БЕЛОВА;ученик01;;2015-01-02;;Дети из многодетных семей;Удостоверение № 2;01.09.2026;\n"
            "Иванов;Чужой;;05.05.2014;;low_income;Справка УСЗН № 3;01.09.2026;31.05.2027\n")


def test_categories_from_the_register_dry_run_errors_unmatched_and_import(app, world, meals, client, api_token,
                                                                          login_as, tmp_path, monkeypatch):
    from eschool_nutrition.models import PupilCategory

    def count():
        with app.app_context():
            return PupilCategory.select().count()

    before = count()
    url = f"{NUTRITION}/{world.school}/pupil-categories/import"
    officer = api_token("director")
    bad = REGISTER + ("Абрамов;Ученик00;;01.01.2015;;nonsense;;01.09.2026;\n"
                      "Белова;Ученик01;;32.01.2015;;paid;;01.09.2026;\n"
                      "Воронин;Ученик02;;03.01.2015;;ovz;;01.09.2026;\n")
    answer = client.post(url, headers=officer, data={"file": (io.BytesIO(bad.encode()), "реестр.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400
    errors = answer.get_json()["error"]["fields"]["file"]
    assert [e.split(":")[0] for e in errors] == ["строка 5", "строка 6", "строка 7"]
    assert "Категория" in errors[0] and "Дата рождения" in errors[1] and "Документ" in errors[2]
    assert count() == before  # nothing written
    dry = client.post(f"{url}?dry_run=true", headers=officer,
                      data={"file": (io.BytesIO(REGISTER.encode()), "реестр.csv")}, content_type="multipart/form-data")
    assert dry.status_code == 200, dry.get_json()
    result = dry.get_json()
    assert (result["added"], result["dry_run"]) == (2, True) and count() == before
    assert [(u["line"], u["name"]) for u in result["unmatched"]] == [(4, "Иванов Чужой")]
    assert {line["student_id"] for line in result["lines"]} == {world.students[0], world.students[1]}
    # the page: check (nothing written), then import what was checked
    page = login_as("director")
    checked = page.post(f"/nutrition/school/{world.school}/register", data={
        "csrf_token": _token(page, f"/nutrition/school/{world.school}/register"),
        "file": (io.BytesIO(REGISTER.encode()), "реестр.csv")}, content_type="multipart/form-data")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Иванов Чужой" in html and count() == before
    token = re.search(r'name="token" value="([0-9a-f]{64})"', html).group(1)
    done = page.post(f"/nutrition/school/{world.school}/register", data={
        "csrf_token": _token(page, f"/nutrition/school/{world.school}/register"), "token": token})
    assert done.status_code == 302 and count() == before + 2
    # the same register again: nothing new; an extended end date: brought up to date
    again = client.post(url, headers=officer, data={"file": (io.BytesIO(REGISTER.encode()), "r.csv")},
                        content_type="multipart/form-data").get_json()
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)
    longer = REGISTER.replace("01.09.2026;\n", "01.09.2026;31.08.2027\n")
    assert client.post(url, headers=officer, data={"file": (io.BytesIO(longer.encode()), "r.csv")},
                       content_type="multipart/form-data").get_json()["updated"] == 1
    # the CLI: a dry run changes nothing; a file with a mistake exits 1
    from click.testing import CliRunner

    from eschool import cli

    monkeypatch.setattr(cli, "make_app", lambda *a, **k: app)
    runner = CliRunner()
    good, wrong = tmp_path / "r.csv", tmp_path / "bad.csv"
    good.write_text(REGISTER, encoding="utf-8")
    wrong.write_text(bad, encoding="utf-8")
    with app.app_context():
        out = runner.invoke(cli.main, ["nutrition", "import-categories", str(good), "--school", str(world.school),
                                       "--dry-run"])
        assert out.exit_code == 0, out.output
        assert "line 4: not a pupil" in out.output and "would add 0" in out.output
        failed = runner.invoke(cli.main, ["nutrition", "import-categories", str(wrong), "--school", str(world.school)])
        assert failed.exit_code == 1 and "line 5" in failed.output
    # who may: the officer only
    for who in ("classteacher", "teacher", "parent"):
        assert client.post(url, headers=api_token(who), data={"file": (io.BytesIO(REGISTER.encode()), "r.csv")},
                           content_type="multipart/form-data").status_code == 403, who
    assert login_as("classteacher").get(f"/nutrition/school/{world.school}/register").status_code == 403


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


# --------------------------------------------------------------------------- the order page's queries


def test_the_order_page_costs_few_queries_whatever_the_class(app, world, meals, login_as, count_queries, clock):
    """Opening a class's order (made then), reading it again, and saving changes to several pupils: the same
    small number of queries for 6 pupils and for 26."""
    from eschool.plugin_api import School, enrol
    from eschool_nutrition.models import DailyOrder

    day = meals["day"]
    clock(day, "08:00")
    client = login_as("classteacher")
    url = f"/nutrition/school/{world.school}/order/{world.c5}?date={day}"
    client.get(f"/nutrition/school/{world.school}/order/{world.c6}?date={day}")  # the session's first page

    def measure():
        with app.app_context():
            DailyOrder.delete().execute()
        counts = []
        with count_queries() as first:
            html = client.get(url).get_data(as_text=True)
        with count_queries() as again:
            assert client.get(url).status_code == 200
        boxes = re.findall(r'name="(m-\d+-\d+)" value="1" checked', html)
        form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1), "action": "confirm"}
        form.update({name: "1" for name in boxes[len(boxes) // 2:]})  # half the meals cancelled at once
        with count_queries() as save:
            assert client.post(url, data=form).status_code == 302
        counts += [first.count, again.count, save.count]
        return counts

    small = measure()
    with app.app_context():
        school = School.get_by_id(world.school)
        from eschool_nutrition import services

        for n in range(20):
            kid = enrol(school, {"last_name": "Новиков", "first_name": f"Ученик{40 + n}", "middle_name": "",
                                 "birth_date": dt.date(2015, 2, 1), "gender": "m", "document_kind": "birth_certificate",
                                 "document_number": "", "snils": "", "address": "", "class_id": world.c5,
                                 "date": day - dt.timedelta(days=40), "order_number": f"{n}-н"}, notify=False)
            services.set_standing_order(school, kid.id, ["breakfast", "lunch"])
    large = measure()
    assert large == small, (small, large)
    first, again, save = small
    # measured: 25 (one asks whether the class has school that day, not in its holidays), 17 and 16, the
    # page's frame included (the user, the school, toggles, roles, the menus' counters)
    assert first <= 25 and again <= 17 and save <= 18, small
