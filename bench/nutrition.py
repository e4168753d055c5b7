"""bench/nutrition.py: school meals at the municipality scale (not part of the test suite).

    .venv/bin/python -m bench.nutrition [--database URL] [--schools 50] [--students 500] [--confirm-schools 5]

Builds (once) the municipality data set of ``bench/run`` (``eschool_demo.scale``; one week of journal is enough
here), gives its pupils categories (grades 1-4 by grade, 10% of the others a free category with a document,
40% a standing paid lunch) and a month of daily orders (every school day of November 2026, made by
``ensure_orders`` as the first reader of each day would), then measures:

* **the month's tabulation of every school of the municipality** (``services.tabulation`` + the XLSX), and
  the municipal report (pupils fed per category and day, costs per category);
* **the daily order at 08:25**: every class teacher of ``--confirm-schools`` schools opens their class's
  order page and confirms it (``GET`` + ``POST`` through the real routes, logged in), and the kitchen's
  page at 08:31.

Prints the figures with the machine's load average; docs/nutrition.md and docs/performance.md quote them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from bench.stats import load_average, summary
from bench.suite import DATA, PASSWORD, QueryCounter, ensure_pg_database, make_app

MONTH = dt.date(2026, 11, 1)
ORDER_DAY = dt.date(2026, 12, 3)


def log(message: str) -> None:
    print(message, flush=True)


def build(app, schools: int, students: int) -> None:
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX, build_scale

    with app.app_context():
        app.extensions["eschool"].upgrade()
        have = School.select().where(School.name.startswith(NAME_PREFIX)).count()
        if have < schools:
            started = time.perf_counter()
            build_scale("municipality", log=lambda m: log(f"  {m}"), schools=schools, students_per_school=students,
                        weeks=1)
            log(f"data set built in {time.perf_counter() - started:.0f} s")


def prepare(app, seed: int = 2026) -> dict:
    """Categories, standing orders and a month of orders for every load school (idempotent)."""
    from eschool.people.models import ClassMembership
    from eschool.school.models import ClassGroup
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX
    from eschool_nutrition import services
    from eschool_nutrition.models import (
        Category,
        DailyOrder,
        MealKind,
        OrderLine,
        PupilCategory,
        StandingOrder,
    )

    rng = random.Random(seed)
    figures = {}
    with app.app_context():
        schools = list(School.select().where(School.name.startswith(NAME_PREFIX)).order_by(School.id))
        municipality = schools[0].municipality
        services.ensure_setup(municipality, valid_from=dt.date(2026, 9, 1))
        if not PupilCategory.select().exists():
            cats = {c.code: c.id for c in Category.select().where(Category.municipality == municipality.id)}
            lunch = MealKind.get((MealKind.municipality == municipality.id) & (MealKind.code == "lunch")).id
            special, standing = [], []
            for m in (ClassMembership.select(ClassMembership.student, ClassGroup.grade, ClassGroup.school)
                      .join(ClassGroup).where(ClassMembership.ends_on.is_null()).objects()):
                if m.grade <= 4:
                    continue
                draw = rng.random()
                if draw < 0.1:
                    special.append({"school": m.school, "student": m.student, "document": "Справка",
                                    "category": cats[rng.choice(("low_income", "large_family", "ovz"))],
                                    "valid_from": dt.date(2026, 9, 1)})
                elif draw < 0.5:
                    standing.append({"school": m.school, "student": m.student, "meal_kind": lunch})
            for rows, model in ((special, PupilCategory), (standing, StandingOrder)):
                for i in range(0, len(rows), 1000):
                    model.insert_many(rows[i:i + 1000]).execute()
        if not DailyOrder.select().where((DailyOrder.date >= MONTH) & (DailyOrder.date < dt.date(2026, 12, 1))).exists():
            started = time.perf_counter()
            days = services.month_days(MONTH)
            for school in schools:
                groups = services.order_groups(school)
                for day in days:
                    services.ensure_orders(school, day, groups)
            seconds = time.perf_counter() - started
            figures["orders_made_seconds"] = round(seconds, 1)
            figures["orders_made_per_school_day_ms"] = round(1000 * seconds / (len(schools) * len(days)), 1)
        figures["schools"] = len(schools)
        figures["order_lines"] = OrderLine.select().count()
        figures["pupils"] = ClassMembership.select().where(ClassMembership.ends_on.is_null()).count()
    return figures


def measure_tabulation(app) -> dict:
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX
    from eschool_nutrition import services

    with app.app_context():
        database = app.extensions["eschool"].database
        schools = list(School.select().where(School.name.startswith(NAME_PREFIX)).order_by(School.id))
        counter = QueryCounter(database)
        times, queries, meals = [], [], 0
        labels = {k: k for k in ("pupil", "class", "meals", "amount", "total", "category", "payer")}
        load = load_average()
        started = time.perf_counter()
        for school in schools:
            t0, q0 = time.perf_counter(), counter.count
            sheet = services.tabulation(school, services.order_groups(school), MONTH)
            services.tabulation_xlsx(sheet, school.short_name, labels)
            times.append(1000 * (time.perf_counter() - t0))
            queries.append(counter.count - q0)
            meals += sheet.totals["meals"]
        total = time.perf_counter() - started
        t0 = time.perf_counter()
        report = services.municipal_report(schools[0].municipality, MONTH, schools)
        services.municipal_xlsx(report, labels)
        report_ms = 1000 * (time.perf_counter() - t0)
    return {"tabulation_all_schools_seconds": round(total, 2), "tabulation_per_school_ms": summary(times),
            "tabulation_queries_per_school": sorted(set(queries)), "meals_in_month": meals,
            "municipal_report_ms": round(report_ms, 1), "load_average_before": load, "load_average_after": load_average()}


def measure_confirming(app, n_schools: int) -> dict:
    from eschool.auth.models import User
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX
    from eschool_nutrition import services

    with app.app_context():
        schools = list(School.select().where(School.name.startswith(NAME_PREFIX)).order_by(School.id).limit(n_schools))
        work = []
        for school in schools:
            for group in services.order_groups(school):
                work.append((school.id, group.id, User.get_by_id(group.class_teacher_id).username))
        database = app.extensions["eschool"].database
    services.local_now = lambda: dt.datetime.combine(ORDER_DAY, dt.time(8, 25))
    clients = {}
    for _school, _group, username in work:
        if username not in clients:
            client = app.test_client()
            client.post("/login", data={"login": username, "password": PASSWORD})
            clients[username] = client
    counter = QueryCounter(database)
    opened, confirmed, queries = [], [], []
    load = load_average()
    started = time.perf_counter()
    for school_id, group_id, username in work:
        client = clients[username]
        url = f"/nutrition/school/{school_id}/order/{group_id}?date={ORDER_DAY}"
        t0, q0 = time.perf_counter(), counter.count
        page = client.get(url)
        opened.append(1000 * (time.perf_counter() - t0))
        queries.append(counter.count - q0)
        assert page.status_code == 200, (url, page.status_code)
        form = {"action": "confirm"}
        for line in page.get_data(as_text=True).split('name="m-')[1:]:
            name = "m-" + line.split('"', 1)[0]
            if "checked" in line.split(">", 1)[0]:
                form[name] = "1"
        t0 = time.perf_counter()
        answer = client.post(url, data=form)
        confirmed.append(1000 * (time.perf_counter() - t0))
        assert answer.status_code == 302, (url, answer.status_code)
    total = time.perf_counter() - started
    services.local_now = lambda: dt.datetime.combine(ORDER_DAY, dt.time(8, 31))
    first = schools[0]
    director = clients[work[0][2]]  # a member of the first school's staff
    kitchen = []
    for _ in range(5):
        t0 = time.perf_counter()
        assert director.get(f"/nutrition/school/{first.id}/kitchen?date={ORDER_DAY}").status_code == 200
        kitchen.append(1000 * (time.perf_counter() - t0))
    return {"classes_confirmed": len(work), "schools": len(schools), "confirm_all_seconds": round(total, 2),
            "order_page_ms": summary(opened), "order_page_queries": sorted(set(queries)),
            "confirm_post_ms": summary(confirmed), "kitchen_page_ms": summary(kitchen),
            "load_average_before": load, "load_average_after": load_average()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=f"sqlite:///{DATA / 'nutrition-municipality.sqlite3'}")
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--confirm-schools", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.database.startswith("sqlite"):
        ensure_pg_database(args.database)
    app = make_app(args.database)
    log(f"load average {load_average()}; building if missing ...")
    build(app, args.schools, args.students)
    log(f"prepare: {prepare(app)}")
    log(f"tabulation: {measure_tabulation(app)}")
    log(f"daily order at 08:25: {measure_confirming(app, args.confirm_schools)}")


if __name__ == "__main__":
    main()
