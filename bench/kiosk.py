"""bench/kiosk: the kiosk's data endpoint polled by every kiosk of a municipality.

``python -m bench.kiosk [--database URL] [--schools 50] [--rounds 6]``

1. Builds (once) a municipality without journal: ``eschool.scale`` with 0 weeks (50 schools, 500 students
   each, about 20 classes and a weekly timetable of 30 lessons a class), in ``bench/data/kiosk.sqlite3``
   by default (or the database named).
2. Switches the kiosk on at every school and fills its six sections as a busy school would: 8 pages a
   section (about a kilobyte of Markdown each, a table in one in four), a picture on every other page,
   5 substitutions today; issues one device token per school.
3. Polls ``GET /api/v1/kiosk/school/<id>/screen`` with each school's token, school after school
   (``--rounds`` rounds after a warm-up round), in-process through the Flask test client: wall time
   p50/p95/max and CPU time per answer, the SQL statements of one answer, the answer's size; then what
   one process serves per second against what the municipality needs (every kiosk once per
   ``refresh_seconds``, 60 by default). Prints a Markdown block with the load average before and after.

Not collected by pytest; bounded (schools x rounds requests).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time

from bench.stats import load_average, machine, summary
from bench.suite import DATA, QueryCounter, make_app

WORDS = ("школа ученики родители расписание кружок собрание экзамен олимпиада концерт библиотека столовая "
         "спортзал учитель класс праздник конкурс проект экскурсия выставка соревнование").split()


def _text(rng: random.Random, table: bool) -> str:
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + "." for _ in range(3)]
    if table:
        paragraphs.append("| День | Время | Место |\n|---|---|---|\n"
                          + "\n".join(f"| {d} | 15:00 | каб. {100 + i} |" for i, d in enumerate(("пн", "вт", "ср"))))
    return "\n\n".join(paragraphs)


def build(app, schools: int, log) -> list[dict]:
    """The municipality, its kiosks filled, a token per school: ``[{school_id, token}]``."""
    from eschool.devices import services as devices
    from eschool.plugin_api import School, is_enabled, local_today, scope_for_school
    from eschool.plugins.services import set_toggle
    from eschool.timetable.models import Substitution, TimetableEntry
    from eschool_demo.scale import NAME_PREFIX, build_scale
    from eschool_kiosk import services
    from eschool_kiosk.demo import _png, _Upload
    from eschool_kiosk.models import KioskPage, KioskSection

    rng = random.Random(11)
    with app.app_context():
        app.extensions["eschool"].upgrade()
        have = School.select().where(School.name.startswith(NAME_PREFIX)).count()
        if have < schools:
            log(f"building {schools} schools (timetables, no journal) ...")
            started = time.perf_counter()
            build_scale("municipality", log=lambda m: log(f"  {m}"), schools=schools, weeks=0)
            log(f"  built in {time.perf_counter() - started:.0f} s")
        rows = list(School.select().where(School.name.startswith(NAME_PREFIX)).order_by(School.id).limit(schools))
        today = local_today()
        picture = _png(320, 180, (40, 90, 160), (150, 200, 240))
        kiosks = []
        for school in rows:
            registry = app.extensions["eschool"].plugins
            if not is_enabled("kiosk", scope_for_school(school)):
                set_toggle(registry, "kiosk", "school", school.id, True, actor="bench")
            sections = services.ensure_sections(school)
            if not KioskPage.select().join(KioskSection).where(KioskSection.school == school.id).exists():
                for section in sections:
                    for n in range(8):
                        page = services.save_page(section, {"title": f"{section.kind} {n + 1}",
                                                            "body": _text(rng, n % 4 == 0), "published": True,
                                                            "slideshow": section.kind == "announcements"})
                        if n % 2 == 0:
                            services.add_picture(page, _Upload("p.png", picture))
                _substitutions(school, today, rng, Substitution, TimetableEntry)
            with app.test_request_context("/"):
                token, _link, _row = devices.issue(school, "kiosk", f"Киоск {school.id}")
            kiosks.append({"school_id": school.id, "token": token})
        return kiosks


def _substitutions(school, today, rng, Substitution, TimetableEntry) -> None:
    from eschool.plugin_api import ClassGroup

    entries = list(TimetableEntry.select().join(ClassGroup).where(
        (ClassGroup.school == school.id) & (TimetableEntry.weekday == today.isoweekday())))
    if not entries:
        return
    teachers = list({e.teacher_id for e in entries})
    for entry in rng.sample(entries, min(5, len(entries))):
        Substitution.create(entry=entry.id, date=today, teacher=rng.choice(teachers), note="болезнь")


def measure(app, kiosks: list[dict], rounds: int) -> dict:
    counter = QueryCounter(app.extensions["eschool"].database)
    client = app.test_client()
    times, cpu, sizes, queries = [], [], [], []
    for round_ in range(rounds + 1):
        for k in kiosks:
            url = f"/api/v1/kiosk/school/{k['school_id']}/screen"
            headers = {"Authorization": f"Device {k['token']}"}
            before, started, cpu_started = counter.count, time.perf_counter(), time.process_time()
            answer = client.get(url, headers=headers)
            elapsed, cpu_used = (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000
            assert answer.status_code == 200, answer.status_code
            if round_ == 0:
                continue  # warm-up
            times.append(elapsed)
            cpu.append(cpu_used)
            sizes.append(len(answer.data))
            queries.append(counter.count - before)
    wall = summary(times)
    return {"requests": len(times), "wall": wall, "cpu": summary(cpu), "queries": sorted(set(queries)),
            "bytes_p50": sorted(sizes)[len(sizes) // 2], "per_second_one_process": round(1000 / wall["mean"], 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=f"sqlite:///{DATA / 'kiosk.sqlite3'}")
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    if not args.database.startswith("sqlite"):
        from bench.suite import ensure_pg_database

        ensure_pg_database(args.database)
    app = make_app(args.database)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    kiosks = build(app, args.schools, log)
    load_before = load_average()
    result = measure(app, kiosks, args.rounds)
    load_after = load_average()
    with app.app_context():
        from eschool_kiosk.models import KioskPage

        pages = KioskPage.select().count()
    info = machine()
    need = round(len(kiosks) / 60, 2)
    engine = "SQLite" if args.database.startswith("sqlite") else "PostgreSQL"
    w, c = result["wall"], result["cpu"]
    print(f"""Kiosk screen data (`GET /api/v1/kiosk/school/<id>/screen`, device token), {len(kiosks)} schools of a
municipality on {engine} ({pages} pages, half with a picture; about 20 classes and their day's timetable and
5 substitutions a school), {result['requests']} answers in-process after a warm-up round; {info['nproc']} CPUs,
measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average before {load_before}, after {load_after}.

| per answer | p50 | p95 | max | mean |
|---|---:|---:|---:|---:|
| wall time, ms | {w['p50']} | {w['p95']} | {w['max']} | {w['mean']} |
| CPU time, ms | {c['p50']} | {c['p95']} | {c['max']} | {c['mean']} |

SQL statements per answer: {', '.join(map(str, result['queries']))} (whatever the school); answer size
{result['bytes_p50'] // 1024} KB. One process answers about {result['per_second_one_process']} kiosks a second;
the municipality's {len(kiosks)} kiosks polling once a minute need {need} a second.""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
