"""bench/summer_camp.py: the summer camp at municipality scale (not part of the test suite).

Builds a municipality's day camps in a fresh database: ``--schools`` schools (50), each with one
session of ``--capacity`` places (150) in six squads and ``--applicants`` children (200) whose parents
have accounts. Then it measures, in-process through the plugin's services and the real routes:

* **the opening-day rush**: every parent applies for their child (``services.apply``: the parent's
  children, the duplicate check, the insert, the parents' inbox), one after another, as one worker
  process serves them; applications per second and the p50/p95 of one application;
* **the decisions**: each school confirms its capacity in queue order, the rest to the waiting list
  (``services.decide``: the session row locked, places counted);
* with ``--days`` (15) of attendance written for every confirmed child (bulk, not timed):
  **the session report** (``GET .../attendance.xlsx``, one school's), **the municipality's camps**
  (``GET /api/v1/summer_camp/municipalities/<code>/camps``) and **the list for the municipality**
  (``GET .../children.xlsx``), each repeated ``--reps`` times after a warm-up, with its query count.

Usage::

    .venv/bin/python bench/summer_camp.py                       # SQLite in a temporary folder
    .venv/bin/python bench/summer_camp.py --database postgresql://postgres@127.0.0.1:5432/eschool_bench_camp

The load average of the machine is printed before and after: the figures mean little without it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stats import load_average, summary  # noqa: E402


def _pg_reset(url: str) -> None:
    import re

    import psycopg2

    admin = psycopg2.connect(re.sub(r"/[^/?]*(\?.*)?$", "/postgres", url))
    admin.autocommit = True
    name = re.search(r"/([^/?]+)(\?.*)?$", url).group(1)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    admin.close()


def build(app, args):
    from eschool.auth import services as auth
    from eschool.auth.models import RoleAssignment
    from eschool.db import insert_rows
    from eschool.people.models import Guardian, Student
    from eschool.school import services as school_services
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality
    from eschool_summer_camp import services

    ext = app.extensions["eschool"]
    structure.sync_municipalities(ext.region)
    muni = Municipality.get(Municipality.code == "kemerovo")
    today = services.local_today()
    start = today + dt.timedelta(days=30)
    camps = []
    for n in range(args.schools):
        school = structure.create_school(muni, f"Школа лагеря №{n + 1}", f"Школа лагеря №{n + 1}")
        school_services.create_year(school, {"name": "camp", "starts_on": today - dt.timedelta(days=60),
                                             "ends_on": start + dt.timedelta(days=60), "is_current": True,
                                             "periods": []})
        session = services.create_session(school, {
            "name": "1 смена", "starts_on": start, "ends_on": start + dt.timedelta(days=20),
            "capacity": args.capacity, "applications_open": True, "head_id": None, "age_from": 6, "age_to": 17})
        for s in range(6):
            services.create_squad(session, {"name": f"Отряд {s + 1}", "leader_id": None, "grade": 1 + s})
        kids = insert_rows(Student, [{"school": school.id, "last_name": f"Фамилия{i:03d}", "first_name": "Имя",
                                      "middle_name": "", "birth_date": dt.date(2016, 1 + i % 12, 1 + i % 28),
                                      "gender": "f" if i % 2 else "m", "document_kind": "birth_certificate",
                                      "document_number": "", "snils": "", "address": "", "status": "studying",
                                      "created_at": services.utcnow()} for i in range(args.applicants)],
                           key=("last_name",))
        parents = auth.create_users([{"username": f"camp-parent-{school.id}-{i}", "full_name": f"Родитель {i}",
                                      "email": None, "phone": None} for i in range(args.applicants)])
        insert_rows(RoleAssignment, [{"user": p.id, "role": "parent", "school": school.id,
                                      "created_at": services.utcnow()} for p in parents])
        insert_rows(Guardian, [{"student": k, "user": p.id, "relation": "mother", "legal_representative": True}
                               for k, p in zip(kids, parents, strict=True)])
        camps.append((school, session, list(zip(parents, kids, strict=True))))
    return muni, camps


def bulk_decisions(app, camps, args) -> None:
    """The applications and decisions written directly (``--bulk``): the reports' figures only."""
    from eschool.db import insert_rows
    from eschool_summer_camp import services
    from eschool_summer_camp.models import Application, Squad

    with app.test_request_context("/"):
        for _school, session, families in camps:
            squads = [s.id for s in Squad.select().where(Squad.session == session.id)]
            insert_rows(Application, [{
                "session": session.id, "student": kid, "status": "confirmed" if i < args.capacity else "waitlisted",
                "source": "portal", "applied_at": services.utcnow(), "applied_by": parent.id,
                "squad": squads[i % len(squads)] if i < args.capacity else None}
                for i, (parent, kid) in enumerate(families)])
    print(f"applications and decisions written in bulk ({sum(len(c[2]) for c in camps)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=150)
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--bulk", action="store_true",
                        help="write the applications and decisions in bulk (not timed): measure only the reports")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="camp-bench-")
    url = args.database or f"sqlite:///{folder}/camp.sqlite3"
    if url.startswith("postgres"):
        _pg_reset(url)
    os.environ["ESCHOOL_REGION"] = "kemerovo"
    from eschool.app import create_app

    app = create_app({"SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": url, "INSTANCE_PATH": folder,
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "REGION": "kemerovo",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    print(f"database: {url.split('@')[-1]}; load average before: {load_average()}")
    with app.app_context():
        app.extensions["eschool"].upgrade()
    with app.test_request_context("/"):
        t0 = time.perf_counter()
        muni, camps = build(app, args)
        print(f"built {args.schools} schools × {args.applicants} children in {time.perf_counter() - t0:.1f} s")

    from flask_login import login_user

    from eschool_summer_camp import services

    if args.bulk:
        bulk_decisions(app, camps, args)
    else:
        rush = []
        t0 = time.perf_counter()
        for school, session, families in camps:
            for parent, kid in families:
                with app.test_request_context(f"/summer_camp/school/{school.id}/my"):
                    login_user(parent)
                    t = time.perf_counter()
                    services.apply(session, parent, {"student_id": kid, "category": "", "note": "", "contact_phone": ""})
                    rush.append((time.perf_counter() - t) * 1000)
        total = time.perf_counter() - t0
        applications = len(rush)
        rush_summary = summary(rush)
        print(f"opening-day rush: {applications} applications in {total:.1f} s = {applications / total:.0f}/s in one "
              f"process; one application p50 {rush_summary['p50']} ms, p95 {rush_summary['p95']} ms")

        decided = []
        t0 = time.perf_counter()
        with app.test_request_context("/"):
            for _school, session, _families in camps:
                for row in services.queue(session):
                    t = time.perf_counter()
                    services.decide(row, "confirm" if row.position <= args.capacity
                                    else "waitlist", None)
                    decided.append((time.perf_counter() - t) * 1000)
        dsum = summary(decided)
        print(f"decisions: {len(decided)} in {time.perf_counter() - t0:.1f} s; one decision p50 {dsum['p50']} ms, "
              f"p95 {dsum['p95']} ms")

    from eschool.db import insert_rows
    from eschool_summer_camp.models import Application, DayMark

    with app.test_request_context("/"):
        marks = []
        for _school, session, _families in camps:
            days = services.days_of(session)[:args.days]
            for app_id, in Application.select(Application.id).where(
                    (Application.session == session.id) & (Application.status == "confirmed")).tuples():
                for i, day in enumerate(days):
                    marks.append({"application": app_id, "date": day, "mark": "ill" if (app_id + i) % 17 == 0
                                  else "present", "marked_at": services.utcnow()})
        for i in range(0, len(marks), 5000):
            insert_rows(DayMark, marks[i:i + 5000])
        print(f"attendance: {len(marks)} day marks written")

    from eschool.auth import services as auth
    from eschool.auth.models import User
    from eschool.testing import counting_queries

    with app.test_request_context("/"):
        operator = auth.create_user("camp-municipal", "Оператор", password="demo-2026", must_change_password=False)
        auth.grant_role(operator, "municipal_operator", municipality=muni, allowed_roles=app.extensions["eschool"].roles)
        director = auth.create_user("camp-director", "Директор", password="demo-2026", must_change_password=False)
        auth.grant_role(director, "director", school=camps[0][0], allowed_roles=app.extensions["eschool"].roles)
        tokens = {u.username: auth.issue_token(User.get_by_id(u.id), name="bench")[0] for u in (operator, director)}
    client = app.test_client()
    year = camps[0][1].starts_on.year
    checks = [("the municipality's camps (API)", f"/api/v1/summer_camp/municipalities/{muni.code}/camps?year={year}",
               "camp-municipal"),
              ("the list for the municipality (XLSX)",
               f"/api/v1/summer_camp/municipalities/{muni.code}/children.xlsx?year={year}", "camp-municipal"),
              ("one session's report (XLSX)",
               f"/api/v1/summer_camp/schools/{camps[0][0].id}/sessions/{camps[0][1].id}/attendance.xlsx",
               "camp-director")]
    for label, path, who in checks:
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        client.get(path, headers=headers)  # warm-up
        times = []
        for _ in range(args.reps):
            with counting_queries() as counted:
                t = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        s = summary(times)
        print(f"{label}: p50 {s['p50']} ms, max {s['max']} ms, {counted.count} queries, {len(response.data)} bytes")
    print(f"load average after: {load_average()} (nproc {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
