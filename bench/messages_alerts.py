"""bench/messages_alerts.py: the 19:00 scenario with alerts to families on and off, municipality scale.

    .venv/bin/python -m bench.messages_alerts [--teachers 40] [--rounds 2] [--digest-marks 30]

1. Builds (once) the municipality data set with ``eschool_demo.scale`` (50 schools, 25,000 students, a parent
   each; one week of journal history) in ``bench/data/messages_alerts.sqlite3``.
2. Picks ``--teachers`` teachers with a lesson today (grades 2-11), mints API tokens in-process.
3. Each round, alerts **off** for the municipality (a toggle), then **on**: every teacher posts one mark
   to each student of their lesson through the teacher API (``POST /api/v1/journal/lessons/<id>/marks``,
   in-process, one request at a time). Marks per second and the request latencies are recorded.
4. The worker (``eschool.jobs.run_pending`` at now + 6 minutes, past the alerts' delay) sends the
   alerts; they are counted per parent against the marks posted with alerts on (each once: the
   expected count per parent equals the count in their inbox, and a second worker run sends nothing).
5. The evening digest: the parents of one class choose it, their teacher posts ``--digest-marks``
   marks at once; after the delay nothing is sent, at the digest hour each parent gets one message
   grouping all of their child's marks.

Writes ``bench/results/messages_alerts.json`` and ``.md``; not part of the test suite.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
import statistics
import time
from pathlib import Path

from bench.stats import load_average, machine

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"


def make_app():
    import os

    from eschool.app import create_app

    DATA.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ESCHOOL_REGION", "kemerovo")
    url = f"sqlite:///{DATA / 'messages_alerts.sqlite3'}"
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "INSTANCE_PATH": str(DATA / "messages_alerts_instance"), "REGION": "kemerovo"})


def build(app, log) -> dict:
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX, build_scale

    with app.app_context():
        app.extensions["eschool"].upgrade()
        if School.select().where(School.name.startswith(NAME_PREFIX)).count() >= 50:
            return {}
        log("building the municipality data set (50 schools, 25,000 students, one week) ...")
        started = time.perf_counter()
        counts = build_scale("municipality", log=lambda m: log(f"  {m}"), weeks=1)
        return {"build_seconds": round(time.perf_counter() - started, 1), "build_counts": counts.__dict__}


def pick_teachers(app, n: int, seed: int = 19):
    """Teachers with a lesson today in a class of grade 2-11: (teacher id, token, lesson id, student ids)."""
    from eschool.auth.models import User
    from eschool.auth.services import issue_token
    from eschool.journal.models import Lesson
    from eschool.journal.services import ensure_lessons, local_today
    from eschool.people.models import ClassMembership
    from eschool.school.models import ClassGroup
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX

    rng = random.Random(seed)
    with app.app_context():
        today = local_today()
        while today.weekday() >= 5:
            today -= dt.timedelta(days=1)
        schools = [s.id for s in School.select(School.id).where(School.name.startswith(NAME_PREFIX))]
        classes = list(ClassGroup.select().where(ClassGroup.school.in_(schools) & (ClassGroup.grade > 1)))
        rng.shuffle(classes)
        chosen, seen_teachers = [], set()
        for group in classes:
            if len(chosen) >= n:
                break
            ensure_lessons(group, today, today)
            lesson = (Lesson.select().where((Lesson.class_group == group) & (Lesson.date == today)
                                            & Lesson.teacher.not_in(list(seen_teachers) or [0])).first())
            if lesson is None:
                continue
            students = [m.student_id for m in ClassMembership.select(ClassMembership.student).where(
                (ClassMembership.class_group == group) & ClassMembership.ends_on.is_null())]
            token, _row = issue_token(User.get_by_id(lesson.teacher_id), days=1, name="bench")
            seen_teachers.add(lesson.teacher_id)
            chosen.append({"teacher": lesson.teacher_id, "token": token, "lesson": lesson.id, "students": students,
                           "municipality": group.school.municipality_id, "class": group.id})
        return chosen, today


def post_marks(app, teachers, values) -> dict:
    """Every teacher posts one mark to each of their students, in turns; returns rate and latencies."""
    client = app.test_client()
    latencies, posted, failed = [], [], 0
    queue = [(t, s) for i in range(max(len(t["students"]) for t in teachers)) for t in teachers
             if i < len(t["students"]) for s in [t["students"][i]]]
    started, cpu = time.perf_counter(), time.process_time()
    for teacher, student in queue:
        t0 = time.perf_counter()
        response = client.post(f"/api/v1/journal/lessons/{teacher['lesson']}/marks",
                               json={"student_id": student, "value": random.choice(values)},
                               headers={"Authorization": f"Bearer {teacher['token']}"})
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code == 201:
            posted.append((response.get_json()["id"] if "id" in response.get_json() else None, student))
        else:
            failed += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()
    return {"marks": len(posted), "failed": failed, "seconds": round(seconds, 2),
            "cpu_ms_per_mark": round(cpu * 1000 / max(len(posted), 1), 2),
            "marks_per_second": round(len(posted) / seconds, 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1), "students": [s for _m, s in posted]}


def toggle_alerts(app, municipality_id: int, on: bool) -> None:
    from eschool.plugins.services import set_toggle

    with app.app_context():
        set_toggle(app.extensions["eschool"].plugins, "alerts", "municipality", municipality_id, on, actor="bench")


def guardians_of(app, students) -> dict[int, list[int]]:
    from eschool.people.models import Guardian

    found = collections.defaultdict(list)
    with app.app_context():
        for g in Guardian.select(Guardian.student, Guardian.user).where(Guardian.student.in_(sorted(set(students)))):
            found[g.student_id].append(g.user_id)
    return found


def alerts_since(app, since: dt.datetime, kinds) -> collections.Counter:
    from eschool.notifications.models import Notification

    with app.app_context():
        return collections.Counter(n.user_id for n in Notification.select(Notification.user).where(
            (Notification.created_at >= since) & Notification.kind.in_(list(kinds))))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--digest-marks", type=int, default=30)
    args = parser.parse_args(argv)
    log = print
    from eschool import jobs
    from eschool.db import utcnow

    app = make_app()
    built = build(app, log)
    everyone, today = pick_teachers(app, args.teachers * args.rounds * 2 + 1)
    digest_teacher, everyone = everyone[0], everyone[1:]
    # each round and mode has teachers (and lessons) of its own: a lesson's alerts job looks at every
    # change of that lesson since its first, so marks posted with alerts off must not share a lesson
    groups = [everyone[i * args.teachers:(i + 1) * args.teachers] for i in range(args.rounds * 2)]
    municipalities = {t["municipality"] for t in everyone + [digest_teacher]}
    log(f"{len(everyone)} teachers ({args.teachers} per round and mode), lessons of {today}; "
        f"load average {load_average()}")
    with app.app_context():  # the queue starts empty: earlier runs' leftovers do not count
        jobs.queue_of(app).huey.storage.flush_all()
    load_before = load_average()
    since = utcnow()
    runs = {"off": [], "on": []}
    expected = collections.Counter()
    for r in range(args.rounds):
        for n, mode in enumerate(("off", "on")):
            teachers = groups[r * 2 + n]
            for m in municipalities:
                toggle_alerts(app, m, mode == "on")
            result = post_marks(app, teachers, ["5", "4", "3", "2"])
            students = result.pop("students")
            if mode == "on":
                families = guardians_of(app, students)
                for s in students:
                    for parent in families.get(s, ()):
                        expected[parent] += 1
            runs[mode].append(result)
            log(f"round {r + 1}, alerts {mode}: {result}")
    with app.app_context():
        t0 = time.perf_counter()
        ran = jobs.run_pending(app, now=utcnow() + dt.timedelta(minutes=6))
        worker_seconds = time.perf_counter() - t0
        again = jobs.run_pending(app, now=utcnow() + dt.timedelta(minutes=7))
    got = alerts_since(app, since, ("alerts.mark", "alerts.low_mark"))
    mismatched = {u: (expected[u], got[u]) for u in set(expected) | set(got) if expected[u] != got[u]}
    alerts = {"marks_posted_with_alerts": sum(r["marks"] for r in runs["on"]),
              "alerts_expected": sum(expected.values()), "alerts_delivered": sum(got.values()),
              "parents": len(expected), "parents_mismatched": len(mismatched), "worker_jobs": ran,
              "worker_seconds": round(worker_seconds, 2), "second_worker_run_jobs": again}
    log(f"alerts: {alerts}")

    # the evening digest: one class's parents chose it; their teacher posts many marks at 19:00
    from eschool_alerts.models import Choice

    families = guardians_of(app, digest_teacher["students"])
    parents = sorted({p for ps in families.values() for p in ps})
    with app.app_context():
        for p in parents:
            Choice.insert(user=p, digest=True).on_conflict(conflict_target=[Choice.user],
                                                           update={Choice.digest: True}).execute()
    for m in municipalities:
        toggle_alerts(app, m, True)
    digest_since = utcnow()
    students = (digest_teacher["students"] * 3)[:args.digest_marks]
    one = dict(digest_teacher, students=students)
    posted = post_marks(app, [one], ["5", "4"])
    with app.app_context():
        jobs.run_pending(app, now=utcnow() + dt.timedelta(minutes=6))
    held = sum(alerts_since(app, digest_since, ("alerts.mark", "alerts.low_mark", "alerts.digest")).values())
    with app.app_context():
        jobs.run_pending(app, now=utcnow() + dt.timedelta(hours=25))
    digests = alerts_since(app, digest_since, ("alerts.digest",))
    digest = {"marks": posted["marks"], "parents": len(parents), "sent_before_the_digest_hour": held,
              "digests": sum(digests.values()), "parents_with_more_than_one_digest": sum(1 for v in digests.values()
                                                                                          if v > 1)}
    log(f"digest: {digest}")
    rate = {mode: round(statistics.median(r["marks_per_second"] for r in runs[mode]), 1) for mode in runs}
    cpu = {mode: round(statistics.median(r["cpu_ms_per_mark"] for r in runs[mode]), 2) for mode in runs}
    result = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine(),
              "load_average_before": load_before, "load_average_after": load_average(), "build": built,
              "teachers": args.teachers, "runs": runs, "median_marks_per_second": rate, "median_cpu_ms_per_mark": cpu, "alerts": alerts,
              "digest": digest}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "messages_alerts.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = ["# Alerts at municipality scale (bench/messages_alerts.py)", "",
             f"{result['when']}, load average {load_before} -> {result['load_average_after']}, "
             f"{args.teachers} teachers per round and mode posting marks in-process on SQLite "
             "(municipality data set: 50 schools, 25,000 students)", "",
             "| alerts | round | marks | marks/s | p50 ms | p95 ms | CPU ms per mark (this process) |",
             "|---|---|---|---|---|---|---|"]
    for mode in ("off", "on"):
        for i, r in enumerate(runs[mode]):
            lines.append(f"| {mode} | {i + 1} | {r['marks']} | {r['marks_per_second']} | {r['p50_ms']} | {r['p95_ms']} "
                         f"| {r['cpu_ms_per_mark']} |")
    lines += ["", f"median marks/s: {json.dumps(rate)}; median CPU ms per mark: {json.dumps(cpu)}", "",
              f"alerts: {json.dumps(alerts)}", "", f"digest: {json.dumps(digest)}", ""]
    (RESULTS / "messages_alerts.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return result


if __name__ == "__main__":
    main()
