"""How many diary weeks a class's marks make the portal build again (issue 20): a count, not a timing, so it
can be taken on a busy machine (``python -m bench.stamp_rebuilds``).

1. Builds the test school (``eschool.testing.world``) in a fresh SQLite file: 5А with ``--students``
   students (25 by default), this week's lessons of the timetable in the journal.
2. Every student's family reads the week once through each of ``--workers`` app instances (1 by default;
   gunicorn workers or app servers on the same database, each with its own memory, and with ``--redis`` a
   shared cache under a prefix of the run's own, deleted afterwards): the API's week through
   ``diary.services.built_week_rows``. The caches are warm.
3. The teacher puts ``--marks`` marks (20 by default) through the journal's rules, on students in turn;
   after each, every family reads the week again, as they do at 19:00 after the notification, each time
   through the next worker (as a balancer spreads them).
4. Counts the weeks built (cache misses) for those reads, the writes of the class's stamp row (every
   concurrent mark save of the class waits on that row), and the SQL statements the reads ran.

``--before`` puts back the triggers of the time before migration 0041 (a mark moves its class's stamp, as
0041's ``down`` does) on the same code: the figures before and after from one script. ``--change topic``
changes the lesson's topic instead of putting marks (what the class shares: every week is built again),
and ``--whole-weeks`` builds each week whole, without the class's shared part (``answer.class_rows``).
Writes nothing outside a temporary folder; prints one line of JSON (the CPU time is the only figure that
depends on the machine's load).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path


def measure(students: int, marks: int, before: bool, change: str = "mark", whole: bool = False, apps: int = 1,
            redis_url: str = "") -> dict:
    from eschool.app import create_app
    from eschool.auth.models import User
    from eschool.diary import answer, services
    from eschool.journal import services as journal
    from eschool.journal import stamps
    from eschool.journal.models import Lesson
    from eschool.people.models import Student
    from eschool.testing.world import build_world

    folder = Path(tempfile.mkdtemp(prefix="eschool-stamps-"))
    prefix = f"eschool-bench-{uuid.uuid4().hex[:12]}"
    config = {"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "INSTANCE_PATH": str(folder),
              "SECRET_KEY": "bench-" + "x" * 32, "TESTING": True, "CACHE_MB": 64, "CACHE_URL": redis_url,
              "CACHE_PREFIX": prefix}
    app = create_app(config)
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        ext.upgrade()
        world = build_world(app, students=students, others=3)
        if before:
            for statement in stamps.trigger_sql(False, None, stamps.CLASS_OF_BEFORE_0041):
                database.execute_sql(statement)
    # the other workers (processes, app servers) of the portal: same database, each its own memory
    workers = [app] + [create_app(config) for _ in range(apps - 1)]
    start, end = services.week_of(world.today)
    built: list[int] = []
    turn = [0]

    def read_all() -> None:
        turn[0] += 1
        for i, student_id in enumerate(world.students):
            worker = workers[(i + turn[0]) % len(workers)]  # the balancer sends each family elsewhere each time

            def build(*args, shared=None, _sid=student_id):
                built.append(_sid)
                return answer.week_answer(*args, lambda file_id: f"/f/{file_id}", None if whole else shared)

            with worker.test_request_context():
                services.built_week_rows(worker.extensions["eschool"].cache, Student.get_by_id(student_id), start,
                                         end, ("bench",), build, lambda body: json.dumps(body, default=str).encode())

    with app.app_context():  # one lesson of 5А today (the timetable's, if the world has it in the journal)
        lesson = Lesson.get_or_none((Lesson.class_group == world.c5) & (Lesson.date == world.today)) or \
            Lesson.create(school=world.school, class_group=world.c5, subject=world.maths, date=world.today,
                          number=1, teacher=world.user_id("teacher"))
    for _ in workers:  # every worker has read every family's week once: the caches are warm
        read_all()
    built.clear()
    counted: list[str] = []
    cpu = 0.0
    with app.app_context():
        class_before = stamps.class_stamps(database, [world.c5])[world.c5]
    originals = [(w.extensions["eschool"].database, w.extensions["eschool"].database.execute_sql) for w in workers]

    def counting(original):
        return lambda sql, params=None, *a, **k: counted.append(sql) or original(sql, params, *a, **k)

    for n in range(marks):
        with app.test_request_context():
            if change == "topic":
                Lesson.update(topic=f"Тема {n}").where(Lesson.id == lesson.id).execute()
            else:
                journal.set_mark(User.get_by_id(world.user_id("teacher")), Lesson.get_by_id(lesson.id),
                                 world.students[n % students], n // students, str(2 + n % 4))
        for each, original in originals:
            each.execute_sql = counting(original)
        began = time.process_time()
        try:
            read_all()
        finally:
            cpu += time.process_time() - began
            for each, original in originals:
                each.execute_sql = original
    with app.app_context():
        class_after = stamps.class_stamps(database, [world.c5])[world.c5]
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    return {"triggers": "before 0041 (class stamp)" if before else "0041 (student stamps)", "students": students,
            "change": change, "weeks": "whole" if whole else "class part shared", "changes": marks,
            "workers": apps, "shared_cache": "redis" if redis_url else "none",
            "weeks_read": marks * students, "weeks_built": len(built),
            "weeks_built_per_change": round(len(built) / marks, 2), "class_stamp_writes": class_after - class_before,
            "statements_for_the_reads": len(counted), "cpu_ms_for_the_reads": round(cpu * 1000)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=25)
    parser.add_argument("--marks", type=int, default=20)
    parser.add_argument("--before", action="store_true", help="the triggers of before 0041")
    parser.add_argument("--change", choices=("mark", "topic"), default="mark")
    parser.add_argument("--whole-weeks", action="store_true", help="no shared class part")
    parser.add_argument("--workers", type=int, default=1, help="app instances (workers, servers) reading in turn")
    parser.add_argument("--redis", default="", help="ESCHOOL_CACHE_URL shared by them, e.g. redis://127.0.0.1:6379/11")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.students, args.marks, args.before, args.change, args.whole_weeks, args.workers,
                             args.redis), ensure_ascii=False))


if __name__ == "__main__":
    main()
