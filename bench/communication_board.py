"""bench/communication_board.py: the board, the calendar and the news at a municipality's volume.

Not part of the test suite. Builds a fresh database (SQLite file, or PostgreSQL with ``--postgres``):
the testing kit's small school (every role's account, 5А and 6Б, a parent) plus ``--schools`` - 1 more
schools of the same municipality, and for **every** school ``--announcements`` announcements and
``--events`` events spread over a year (mixed audiences: school, parents, staff, parallels, classes;
pinned ones; all-day and timed events) and ``--news`` news items (school and class level), plus
``--news`` municipality and region items. Then, through the Flask test client and the real routes,
measures the parent's start page (every widget), the board, the calendar's month and week pages, the
parent's iCalendar feed, and the public news pages and Atom feeds of the school and the municipality:
p50 / p95 of the server's time over ``--reps`` requests after a warm-up, and the SQL queries of one
request. Writes ``bench/results/communication_board.json`` and ``.md`` and prints them, with the load
average (the machine is shared: read the figures with it).

    .venv/bin/python -m bench.communication_board                  # SQLite
    .venv/bin/python -m bench.communication_board --postgres       # PostgreSQL (BENCH_POSTGRES)
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path

from bench import suite
from bench.stats import load_average, machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def fresh_url(postgres: bool) -> str:
    if not postgres:
        path = suite.DATA / "communication_board.sqlite3"
        suite.DATA.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg2

    url = re.sub(r"/[^/?]*(\?.*)?$", "/eschool_bench_communication", suite.PG_ADMIN)
    conn = psycopg2.connect(suite.PG_ADMIN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS "eschool_bench_communication"')
        cur.execute("CREATE DATABASE \"eschool_bench_communication\" ENCODING 'UTF8' TEMPLATE template0")
    conn.close()
    return url


def build(app, args, log) -> dict:
    from eschool.plugin_api import ClassGroup, Municipality, User, utcnow
    from eschool.plugins.services import set_toggle
    from eschool.structure import services as structure
    from eschool.testing.world import build_world
    from eschool_announcements.models import Announcement
    from eschool_calendar.models import Event
    from eschool_news.models import NewsItem

    rng = random.Random(2026)
    with app.app_context():
        app.extensions["eschool"].upgrade()
    world = build_world(app)
    started = time.perf_counter()
    with app.app_context():
        ext = app.extensions["eschool"]
        muni = Municipality.get_by_id(world.municipality)
        for plugin in ("announcements", "news", "calendar"):  # on whatever the profile's default
            set_toggle(ext.plugins, plugin, "municipality", muni.id, True, actor="bench")
        schools = [world.school] + [structure.create_school(muni, f"Школа № {n}", f"Школа № {n}").id
                                    for n in range(2, args.schools + 1)]
        author = world.users["director"]
        teacher = world.users["classteacher"]
        today = world.today
        now = utcnow()
        grades = [c.grade for c in ClassGroup.select()]
        announcements, events, news = [], [], []
        for school in schools:
            classes = [world.c5, world.c6] if school == world.school else [None]
            for i in range(args.announcements):
                start = today + dt.timedelta(days=rng.randint(-365, 30))
                audience = rng.choice(["school", "school", "parents", "staff", "parallel", "class"])
                class_id = rng.choice(classes) if audience == "class" else None
                if audience == "class" and class_id is None:
                    audience = "school"
                announcements.append({
                    "school": school, "audience": audience, "grade": rng.choice(grades) if audience == "parallel" else None,
                    "class_group": class_id, "title": f"Объявление {i}", "body": "Текст объявления, **важно**. " * 8,
                    "pinned": rng.random() < 0.05, "starts_on": start,
                    "ends_on": start + dt.timedelta(days=rng.randint(3, 21)), "author": author,
                    "notified_at": now, "created_at": now, "updated_at": now})
            for i in range(args.events):
                start = today + dt.timedelta(days=rng.randint(-200, 200))
                audience = rng.choice(["school", "school", "staff", "class"])
                class_id = rng.choice(classes) if audience == "class" else None
                if audience == "class" and class_id is None:
                    audience = "school"
                timed = rng.random() < 0.7
                events.append({
                    "school": school, "audience": audience, "class_group": class_id,
                    "kind": rng.choice(["meeting", "exam", "olympiad", "parents_meeting", "event", "holiday"]),
                    "title": f"Событие {i}; «кавычки», запятые", "description": "Описание события\nвторая строка",
                    "location": "Актовый зал", "starts_on": start, "ends_on": start,
                    "start_time": dt.time(rng.randint(8, 18), 0) if timed else None,
                    "end_time": dt.time(19, 30) if timed else None, "author": author, "created_at": now,
                    "updated_at": now})
            for i in range(args.news):
                level = "class" if school == world.school and i % 5 == 0 else "school"
                published = rng.random() < 0.9
                news.append({
                    "level": level, "municipality": muni.id, "school": school,
                    "class_group": world.c5 if level == "class" else None, "title": f"Новость {i} <школы> & Ко",
                    "body": "Текст новости с **разметкой** и [ссылкой](https://example.org). " * 10,
                    "status": "published" if published else "draft",
                    "published_at": now - dt.timedelta(hours=rng.randint(1, 24 * 365)) if published else None,
                    "author": teacher if level == "class" else author, "created_at": now, "updated_at": now})
        for i in range(args.news):
            for level in ("municipality", "region"):
                news.append({"level": level, "municipality": muni.id if level == "municipality" else None,
                             "school": None, "class_group": None, "title": f"Новость {level} {i}",
                             "body": "Текст. " * 30, "status": "published",
                             "published_at": now - dt.timedelta(hours=rng.randint(1, 24 * 365)),
                             "author": world.users["municipal"], "created_at": now, "updated_at": now})
        for model, rows in ((Announcement, announcements), (Event, events), (NewsItem, news)):
            for start in range(0, len(rows), 500):
                model.insert_many(rows[start:start + 500]).execute()
        ext.database.execute_sql("ANALYZE")
        code = muni.code
        parent = User.get_by_id(world.users["parent"])
        from eschool_calendar import services as calendar

        feed_token = calendar.issue_token(parent)
    log(f"built {len(schools)} schools: {len(announcements)} announcements, {len(events)} events, "
        f"{len(news)} news items in {time.perf_counter() - started:.1f} s")
    return {"world": world, "muni_code": code, "feed_token": feed_token,
            "size": {"schools": len(schools), "announcements": len(announcements), "events": len(events),
                     "news": len(news)}}


def run(args) -> dict:
    def log(message):
        print(message, file=sys.stderr, flush=True)

    url = fresh_url(args.postgres)
    app = suite.make_app(url)
    built = build(app, args, log)
    world = built["world"]
    counter = suite.QueryCounter(app.extensions["eschool"].database)
    parent = app.test_client()
    suite.login(parent, "parent")
    public = app.test_client()
    month = world.today.strftime("%Y-%m")
    targets = {
        "start page (parent, every widget)": (parent, "/dashboard"),
        "announcement board (parent)": (parent, f"/announcements/school/{world.school}"),
        "calendar month (parent)": (parent, f"/calendar/school/{world.school}?month={month}"),
        "calendar week (parent)": (parent, f"/calendar/school/{world.school}/week"),
        "iCalendar feed (parent, 14 months)": (public, f"/calendar/feed/{built['feed_token']}.ics"),
        "public news, school": (public, f"/news/school/{world.school}"),
        "Atom feed, school": (public, f"/news/school/{world.school}/feed.atom"),
        "public news, municipality": (public, f"/news/m/{built['muni_code']}"),
        "Atom feed, municipality": (public, f"/news/m/{built['muni_code']}/feed.atom"),
    }
    figures = {}
    for name, (client, path) in targets.items():
        figures[name] = suite.measure(counter, lambda c=client, p=path: c.get(p), args.reps)
        log(f"{name}: p50 {figures[name]['p50']} ms, p95 {figures[name]['p95']} ms, {figures[name]['queries']} queries")
    return {"database": "postgres" if args.postgres else "sqlite", "size": built["size"], "reps": args.reps,
            "figures": figures, "load_average": load_average(), "machine": machine(),
            "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def markdown(result: dict) -> str:
    size = result["size"]
    lines = [f"Communication at municipality scale ({result['database']}, {result['at']}; load average "
             f"{result['load_average']}): {size['schools']} schools, {size['announcements']} announcements, "
             f"{size['events']} events, {size['news']} news items; {result['reps']} requests each after a warm-up.",
             "", "| page | p50, ms | p95, ms | queries |", "|---|---|---|---|"]
    for name, f in result["figures"].items():
        lines.append(f"| {name} | {f['p50']} | {f['p95']} | {f['queries']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (BENCH_POSTGRES) instead of SQLite")
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--announcements", type=int, default=250, help="per school (a year's worth)")
    parser.add_argument("--events", type=int, default=300, help="per school")
    parser.add_argument("--news", type=int, default=120, help="per school, and as many municipality/region ones")
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args(argv)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"communication_board_{result['database']}"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    text = markdown(result)
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
