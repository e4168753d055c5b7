"""bench/load: gunicorn on PostgreSQL under a load generator on loopback (wrk), and the 19:00 scenario.

1. Builds the data set if it is missing (as ``bench/run``), applies the migrations.
2. Mints API tokens in-process for parents and for teachers who have lessons today (no password hashing).
3. Starts ``gunicorn eschool.wsgi:app`` on 127.0.0.1 (``--workers``, ``--threads``; gthread workers).
4. The diary API (``GET /api/v1/diary``, a week of a parent's child, rotating over parents) with ``wrk`` at
   each ``--clients`` count for ``--duration`` seconds: requests per second, p50/p95/p99/max latency, with
   the cache off (``ESCHOOL_CACHE_MB=0``: every read builds the week, as a first read after a change does).
   Then gunicorn again with the cache, and ``--reread-parents`` parents reading again and again at 50
   clients: the cached figure.
5. The 19:00 scenario: ``--teachers`` teachers post marks through the teacher API (``POST
   /api/v1/journal/lessons/<id>/marks``), each to their own lessons of today, one request at a time
   (Python threads with keep-alive connections), while ``--readers`` wrk connections read diaries. Then the
   marks in the database written by those teachers since the start are counted and compared with the
   number of 2xx mark posts. Any failed request (non-2xx or socket error) is reported.
6. Stops gunicorn; writes ``bench/results/load.json`` and ``load.md`` and prints them.

Only 127.0.0.1; bounded in time (``--duration`` per phase) and in connections.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import suite
from bench.stats import load_average, machine, summary

WRK_SCRIPT = r"""
local lines = {}
for line in io.lines(os.getenv("BENCH_DIARY_FILE")) do
  local token, path = line:match("(%S+) (%S+)")
  lines[#lines + 1] = {token = token, path = path}
end
local i = 0
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  i = math.random(#lines)
end
function request()
  i = i % #lines + 1
  local l = lines[i]
  return wrk.format("GET", l.path, {["Authorization"] = "Bearer " .. l.token})
end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "duration_s": %.3f, "errors_connect": %d, "errors_read": %d, '
    .. '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "p50_ms": %.2f, "p95_ms": %.2f, '
    .. '"p99_ms": %.2f, "max_ms": %.2f}\n', summary.requests, summary.duration / 1e6, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def prepare(app, scale: str, n_parents: int, n_teachers: int, seed: int = 7):
    """Tokens of parents (with their child's week) and of teachers with lessons today (with those lessons)."""
    from eschool.auth.models import User
    from eschool.auth.services import issue_token
    from eschool.journal.models import Lesson
    from eschool.journal.services import local_today
    from eschool.people.models import ClassMembership, Guardian
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX

    rng = random.Random(seed)
    with app.app_context():
        today = local_today()
        monday = today - dt.timedelta(days=today.weekday())
        sunday = monday + dt.timedelta(days=6)
        schools = [s.id for s in School.select(School.id).where(School.name.startswith(NAME_PREFIX))]
        guardians = list(Guardian.select(Guardian.user, Guardian.student)
                         .join(User, on=Guardian.user == User.id)
                         .where(User.username.startswith("scale-parent-")).tuples())
        rng.shuffle(guardians)
        parents = []
        for user_id, student_id in guardians[:n_parents]:
            token, _row = issue_token(User.get_by_id(user_id), days=1, name="bench")
            parents.append((token, f"/api/v1/diary?student_id={student_id}&start={monday}&end={sunday}"))
        from eschool.school.models import ClassGroup

        # not the 1st grade: no marks there (the region's rule; the API rightly refuses them with 400)
        lessons = list(Lesson.select(Lesson.id, Lesson.teacher, Lesson.class_group).join(ClassGroup)
                       .where((Lesson.date == today) & Lesson.school.in_(schools) & (ClassGroup.grade > 1)).tuples())
        by_teacher = collections.defaultdict(list)
        for lesson_id, teacher_id, class_id in lessons:
            by_teacher[teacher_id].append((lesson_id, class_id))
        chosen = rng.sample(sorted(by_teacher), min(n_teachers, len(by_teacher)))
        class_ids = {c for t in chosen for _l, c in by_teacher[t]}
        members = collections.defaultdict(list)
        for student_id, class_id in (ClassMembership.select(ClassMembership.student, ClassMembership.class_group)
                                     .where(ClassMembership.class_group.in_(class_ids)
                                            & ClassMembership.ends_on.is_null()).tuples()):
            members[class_id].append(student_id)
        # marks already in today's cells (earlier runs of the same day): a cell holds at most ten
        from peewee import fn

        from eschool.journal.models import Mark

        lesson_ids = [lesson_id for t in chosen for lesson_id, _c in by_teacher[t]]
        existing = {(lesson, student): n for lesson, student, n in (
            Mark.select(Mark.lesson, Mark.student, fn.COUNT(Mark.id)).where(Mark.lesson.in_(lesson_ids))
            .group_by(Mark.lesson, Mark.student).tuples())} if lesson_ids else {}
        teachers = []
        for teacher_id in chosen:
            token, _row = issue_token(User.get_by_id(teacher_id), days=1, name="bench")
            work = [(lesson_id, members[class_id]) for lesson_id, class_id in by_teacher[teacher_id]]
            teachers.append({"id": teacher_id, "token": token, "work": work,
                             "existing": {k: v for k, v in existing.items() if k[0] in dict(work)}})
        return parents, teachers, today


def server_env(url: str, extra: dict | None = None) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-load",
            "ESCHOOL_INSTANCE": str(suite.DATA / "instance"), "PYTHONPATH": str(suite.ROOT), **(extra or {})}


def start_gunicorn(url: str, port: int, workers: int, threads: int, log_path: Path, cache: bool = True,
                   env_extra: dict | None = None):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = server_env(url, env_extra)
    if not cache:
        env["ESCHOOL_CACHE_MB"] = "0"  # every read builds the week: the cost of first reads
    log = open(log_path, "a")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen([gunicorn, "--workers", str(workers), "--threads", str(threads),
                                "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", "--backlog", "2048", "eschool.wsgi:app"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(suite.ROOT))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port}; see {log_path}")


def stop(server) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def run_wrk(port: int, clients: int, duration: int, data_file: Path, script: Path) -> dict:
    threads = max(1, min(2, clients))
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "-s",
                          str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                         env={**os.environ, "BENCH_DIARY_FILE": str(data_file)}, check=False,
                         timeout=duration + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
    result = json.loads(line[len("RESULT "):])
    result["clients"] = clients
    result["requests_per_second"] = round(result["requests"] / result["duration_s"], 1)
    result["errors"] = sum(result[k] for k in result if k.startswith("errors_"))
    return result


def teacher_worker(port: int, teacher: dict, stop_at: float, out: dict, seed: int) -> None:
    """One teacher: posts marks to their own lessons of today, one at a time, until ``stop_at``."""
    rng = random.Random(seed)
    pairs = [(lesson, student) for lesson, students in teacher["work"] for student in students]
    rng.shuffle(pairs)
    used: collections.Counter = collections.Counter(teacher.get("existing", {}))
    headers = {"Authorization": f"Bearer {teacher['token']}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ok, failed, times, problems, marked = 0, 0, [], [], []
    i = 0
    while time.time() < stop_at and pairs:
        lesson, student = pairs[i % len(pairs)]
        i += 1
        if used[(lesson, student)] >= 10:  # a cell holds ten marks (slots 0..9), counting the earlier ones
            pairs.remove((lesson, student))
            continue
        used[(lesson, student)] += 1
        body = json.dumps({"student_id": student, "value": rng.choice("2345")})
        started = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/journal/lessons/{lesson}/marks", body, headers)
            response = conn.getresponse()
            text = response.read()
            status = response.status
        except OSError as exc:
            status, text = 0, str(exc).encode()
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        if 200 <= status < 300:
            ok += 1
            marked.append(student)
        else:
            failed += 1
            if len(problems) < 5:
                problems.append(f"{status}: {text[:200]!r}")
    conn.close()
    with out["lock"]:
        out["ok"] += ok
        out["failed"] += failed
        out["times"].extend(times)
        out["problems"].extend(problems)
        out["students"].extend(marked)


def scenario_1900(app, port: int, teachers: list, readers: int, duration: int, data_file: Path,
                  script: Path) -> dict:
    from eschool.db import utcnow
    from eschool.journal.models import Mark

    with app.app_context():
        since = utcnow() - dt.timedelta(seconds=1)
        before = Mark.select().where(Mark.author.in_([t["id"] for t in teachers])).count()
    out = {"ok": 0, "failed": 0, "times": [], "problems": [], "students": [], "lock": threading.Lock()}
    reader_result = {}

    def readers_run():
        reader_result.update(run_wrk(port, readers, duration, data_file, script))

    reading = threading.Thread(target=readers_run)
    reading.start()
    time.sleep(0.5)  # wrk is connecting
    stop_at = time.time() + duration - 1
    workers = [threading.Thread(target=teacher_worker, args=(port, t, stop_at, out, i)) for i, t in enumerate(teachers)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    reading.join()
    with app.app_context():
        after = Mark.select().where(Mark.author.in_([t["id"] for t in teachers])).count()
        new = Mark.select().where(Mark.author.in_([t["id"] for t in teachers]) & (Mark.created_at >= since)).count()
    posts = {"teachers": len(teachers), "posted_2xx": out["ok"], "failed": out["failed"],
             "posts_per_second": round((out["ok"] + out["failed"]) / elapsed, 1),
             "marks_in_database_after_minus_before": after - before, "marks_created_since_start": new,
             "problems": out["problems"]}
    if out["times"]:
        posts.update({f"{k}_ms": v for k, v in summary(out["times"]).items() if k != "n"})
    return {"mark_posts": posts, "diary_reads": reader_result, "students_marked": out["students"],
            "no_lost_mark": after - before == out["ok"] == new,
            "no_failed_request": out["failed"] == 0 and reader_result.get("errors", 1) == 0}


ALERT_KINDS = ("alerts.mark", "alerts.low_mark")


def bench_municipalities(app) -> list[int]:
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX

    with app.app_context():
        return sorted({s.municipality_id for s in School.select(School.municipality)
                       .where(School.name.startswith(NAME_PREFIX))})


def set_alerts(app, municipalities: list[int], on: bool, delay: int) -> None:
    """Alerts to families on or off for the data set's municipalities; on: with the bench's short delay
    (a mark changed within the delay is alerted once, with its last value: the product's default is 5 min)."""
    from eschool.plugins.services import set_toggle
    from eschool.plugins.settings import set_settings

    with app.app_context():
        registry = app.extensions["eschool"].plugins
        for m in municipalities:
            set_toggle(registry, "alerts", "municipality", m, on, actor="bench")
            if on:
                set_settings(registry, "alerts", "municipality", m, {"delay_seconds": delay}, actor="bench")


def start_worker(url: str, env_extra: dict, log_path: Path, threads: int, nice: int = 0):
    """``eschool worker``: the queue's consumer, a process of its own beside gunicorn's; ``nice`` lowers its
    CPU priority (on a machine it shares with the app, as deployment.md advises: the fan-out waits for the
    cores the requests leave, the alerts are minutes late by design anyway)."""
    eschool = shutil.which("eschool", path=str(Path(sys.executable).parent)) or "eschool"
    log = open(log_path, "a")  # noqa: SIM115 - kept open for the worker's life
    return subprocess.Popen([eschool, "worker", "--workers", str(threads)], env=server_env(url, env_extra),
                            stdout=log, stderr=subprocess.STDOUT, cwd=str(suite.ROOT),
                            preexec_fn=(lambda: os.nice(nice)) if nice else None)


def alerts_since(app, since: dt.datetime) -> collections.Counter:
    from eschool.notifications.models import Notification

    with app.app_context():
        return collections.Counter(n.user_id for n in Notification.select(Notification.user).where(
            (Notification.created_at >= since) & Notification.kind.in_(ALERT_KINDS)))


def scenario_alerts(app, url: str, args, teachers: list, data_file: Path, script: Path) -> dict:
    """The 19:00 scenario twice, alerts off then on (other teachers, so other lessons), gunicorn and the
    queue on Redis, ``eschool worker`` beside them while alerts are on. Then the worker is given the
    delay and time to drain, and the alerts in the parents' inboxes are counted against the marks posted:
    every mark alerted to each of the student's parents, none twice."""
    import redis

    from eschool.db import utcnow
    from eschool.people.models import Guardian

    municipalities = bench_municipalities(app)
    env = {"ESCHOOL_QUEUE_URL": args.queue}
    redis.Redis.from_url(args.queue).flushdb()  # the bench's own queue database: earlier runs' leftovers go
    half = len(teachers) // 2
    runs: dict = {}
    log_path = suite.DATA / "gunicorn.log"
    for mode, group in (("off", teachers[:half]), ("on", teachers[half:])):
        set_alerts(app, municipalities, mode == "on", args.alert_delay)
        server = start_gunicorn(url, args.port, args.workers, args.threads, log_path, env_extra=env)
        worker = (start_worker(url, env, suite.DATA / "worker.log", args.worker_threads, args.worker_nice)
                  if mode == "on" else None)
        try:
            since = utcnow() - dt.timedelta(seconds=1)
            result = scenario_1900(app, args.port, group, args.readers, args.duration, data_file, script)
            posted_at = time.time()
            students = result.pop("students_marked")
            if mode == "on":
                expected: collections.Counter = collections.Counter()
                with app.app_context():
                    parents = collections.defaultdict(list)
                    for g in Guardian.select(Guardian.student, Guardian.user).where(
                            Guardian.student.in_(sorted(set(students)))):
                        parents[g.student_id].append(g.user_id)
                for student in students:
                    for parent in parents.get(student, ()):
                        expected[parent] += 1
                # the worker sends a lesson's alerts once its last change is ``delay`` old: wait that long,
                # then until every expected alert is there or none came for 20 s (bounded)
                total, got, last_change, last_total = sum(expected.values()), collections.Counter(), time.time(), -1
                deadline = posted_at + args.alert_delay + args.alert_wait
                while time.time() < deadline:
                    got = alerts_since(app, since)
                    count = sum(got.values())
                    if count != last_total:
                        last_total, last_change = count, time.time()
                    ripe = time.time() > posted_at + args.alert_delay + 5
                    if ripe and (count >= total or time.time() - last_change > 20):
                        break
                    time.sleep(2)
                drained_s = round(time.time() - posted_at, 1)
                time.sleep(5)  # a duplicate would come now, if at all
                got = alerts_since(app, since)
                result["alerts"] = {
                    "marks_posted": len(students), "alerts_expected": total, "alerts_delivered": sum(got.values()),
                    "parents": len(expected),
                    "parents_short": sum(1 for u in expected if got[u] < expected[u]),
                    "parents_alerted_twice": sum(1 for u in set(got) | set(expected) if got[u] > expected[u]),
                    "seconds_after_the_last_post": drained_s, "delay_seconds": args.alert_delay,
                    "worker_nice": args.worker_nice}
            runs[mode] = result
            print(f"19:00 with alerts {mode}: {result}", flush=True)
        finally:
            stop(server)
            if worker is not None:
                stop(worker)
    alerts = runs["on"]["alerts"]
    return {"runs": runs, "alerts_delivered_equals_expected": alerts["alerts_delivered"] == alerts["alerts_expected"]
            and not alerts["parents_alerted_twice"],
            "posts_per_second": {m: runs[m]["mark_posts"]["posts_per_second"] for m in runs}}


def write(results: dict) -> str:
    suite.RESULTS.mkdir(parents=True, exist_ok=True)
    (suite.RESULTS / "load.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n",
                                             encoding="utf-8")
    m = results["machine"]
    lines = [f"gunicorn {results['workers']} workers x {results['threads']} threads (gthread) on PostgreSQL, "
             f"{results['scale']} data set {results['size']}; wrk on 127.0.0.1; {m['nproc']} CPUs ({m['cpu']}), "
             f"{m['memory_gb']} GB; measured {results['measured_at']}; load average before {results['load_before']}, "
             f"after {results['load_after']}.", "",
             "| diary API, concurrent clients (cache off unless said) | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["diary"]:
        lines.append(f"| {r['clients']} | {r['requests_per_second']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                     f"{r['max_ms']} | {r['errors']} |")
    for r in results.get("diary_reread", []):
        lines.append(f"| {r['clients']}, re-reads of {r['parents']} parents (cached) | {r['requests_per_second']} | "
                     f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['errors']} |")
    s = results.get("scenario_1900")
    if s:
        p, d = s["mark_posts"], s["diary_reads"]
        lines += ["", f"19:00 scenario ({results['duration']} s): {p['teachers']} teachers posting marks, "
                      f"{d['clients']} wrk connections reading diaries.", "",
                  "| | requests | per second | p50 ms | p95 ms | p99 ms | failed |", "|---|---:|---:|---:|---:|---:|---:|",
                  f"| mark posts (teacher API) | {p['posted_2xx'] + p['failed']} | {p['posts_per_second']} | "
                  f"{p.get('p50_ms')} | {p.get('p95_ms')} | {p.get('p99_ms')} | {p['failed']} |",
                  f"| diary reads (diary API) | {d['requests']} | {d['requests_per_second']} | {d['p50_ms']} | "
                  f"{d['p95_ms']} | {d['p99_ms']} | {d['errors']} |", "",
                  f"Marks posted with a 2xx answer: {p['posted_2xx']}; marks in the database afterwards (by those "
                  f"teachers, new): {p['marks_in_database_after_minus_before']} "
                  f"(created since the start: {p['marks_created_since_start']}). "
                  f"No lost mark: **{s['no_lost_mark']}**; no failed request: **{s['no_failed_request']}**."]
    a = results.get("scenario_alerts")
    if a:
        when = results.get("alerts_measured", results["measured_at"])
        lines += ["", f"19:00 scenario with alerts to families ({results['duration']} s each, measured {when}): "
                      "gunicorn and `eschool worker` on a Redis queue; other teachers (other lessons) in each run.", "",
                  "| alerts | teachers | mark posts/s | p50 ms | p95 ms | failed | diary reads/s | diary p95 ms |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for mode in ("off", "on"):
            p, d = a["runs"][mode]["mark_posts"], a["runs"][mode]["diary_reads"]
            lines.append(f"| {mode} | {p['teachers']} | {p['posts_per_second']} | {p.get('p50_ms')} | {p.get('p95_ms')} "
                         f"| {p['failed']} | {d['requests_per_second']} | {d['p95_ms']} |")
        al = a["runs"]["on"]["alerts"]
        lines += ["", f"Alerts: {al['marks_posted']} marks posted with alerts on, {al['alerts_expected']} alerts expected "
                      f"(each mark to each of the student's parents), **{al['alerts_delivered']} delivered** to "
                      f"{al['parents']} parents' inboxes ({al['parents_short']} parents short, "
                      f"{al['parents_alerted_twice']} alerted twice), all there {al['seconds_after_the_last_post']} s "
                      f"after the last post with a delay of {al['delay_seconds']} s (the worker at nice "
                      f"{al.get('worker_nice', 0)}). Delivered = expected, none "
                      f"twice: **{a['alerts_delivered_equals_expected']}**."]
    text = "\n".join(lines) + "\n"
    (suite.RESULTS / "load.md").write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="municipality", choices=["school", "municipality", "region"])
    parser.add_argument("--database", help="PostgreSQL URL (default eschool_bench_<scale> on 127.0.0.1)")
    # one worker per core: on 2 cores, 2 x 4 served cached re-reads at 720-770/s, 4 x 4 at 600/s (the
    # processes fought over the cores), first reads about the same (docs/performance.md)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--duration", type=int, default=20, help="seconds per phase (default 20)")
    parser.add_argument("--clients", default="50,200", help="diary API concurrency levels (default 50,200)")
    parser.add_argument("--clients-only", action="store_true", help="skip the 19:00 scenario")
    parser.add_argument("--teachers", type=int, default=25, help="teachers posting marks at 19:00 (default 25)")
    parser.add_argument("--readers", type=int, default=25,
                        help="wrk connections reading diaries at 19:00, each as fast as it can (default 25)")
    parser.add_argument("--parents", type=int, default=2000, help="parents whose diaries are read (default 2000)")
    parser.add_argument("--reread-parents", type=int, default=200,
                        help="parents re-reading the diary, for the cached figure (default 200; 0: skip)")
    parser.add_argument("--alerts", action="store_true",
                        help="the 19:00 scenario with alerts off, then on (gunicorn and `eschool worker` on a Redis "
                             "queue): alerts delivered against marks posted, and the posting rate of both")
    parser.add_argument("--queue", default="redis://127.0.0.1:6379/7",
                        help="the queue of --alerts (a Redis database of its own: it is emptied first)")
    parser.add_argument("--alert-delay", type=int, default=10,
                        help="the alerts' delay for --alerts, seconds (the product's default is 300)")
    parser.add_argument("--alert-wait", type=int, default=180,
                        help="at most this long after the delay for the worker to deliver (default 180)")
    parser.add_argument("--worker-threads", type=int, default=4, help="`eschool worker --workers` (default 4)")
    parser.add_argument("--worker-nice", type=int, default=10,
                        help="the worker's niceness for --alerts (default 10, as deployment.md advises where the "
                             "worker shares the app's cores; 0: the same priority as gunicorn)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    url = args.database or suite.default_url(args.scale, "postgres")
    if suite.engine_of(url) != "postgres":
        raise SystemExit("the load test runs on PostgreSQL")
    suite.ensure_pg_database(url)
    app = suite.make_app(url)
    suite.build_if_missing(app, args.scale, print)
    size = suite.data_size(app)
    # --alerts: two groups of teachers, one posting with alerts off and one with them on
    parents, teachers, today = prepare(app, args.scale, args.parents, args.teachers * (2 if args.alerts else 1))
    print(f"{args.scale}: {size}; {len(parents)} parents, {len(teachers)} teachers with lessons on {today}", flush=True)
    results = {"machine": machine(), "scale": args.scale, "size": size, "workers": args.workers,
               "threads": args.threads, "duration": args.duration, "load_before": load_average(),
               "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "diary": []}
    with tempfile.TemporaryDirectory() as tmp:
        data_file, script = Path(tmp) / "diary.txt", Path(tmp) / "diary.lua"
        data_file.write_text("".join(f"{t} {p}\n" for t, p in parents), encoding="ascii")
        script.write_text(WRK_SCRIPT, encoding="ascii")
        (suite.DATA / "gunicorn.log").write_text("", encoding="utf-8")
        levels = [int(c) for c in args.clients.split(",") if c]
        if levels:
            # first reads: the cache off, so that a parent read twice in the run is not served from it
            server = start_gunicorn(url, args.port, args.workers, args.threads, suite.DATA / "gunicorn.log",
                                    cache=False)
            try:
                run_wrk(args.port, 20, 3, data_file, script)  # warm-up: connections, PostgreSQL's buffers
                for clients in levels:
                    result = run_wrk(args.port, clients, args.duration, data_file, script)
                    result["load_average_after"] = load_average()
                    results["diary"].append(result)
                    print(f"diary API, {clients} clients, cache off: {result}", flush=True)
            finally:
                stop(server)
        server = start_gunicorn(url, args.port, args.workers, args.threads, suite.DATA / "gunicorn.log")
        try:
            if args.reread_parents:
                # parents opening the diary again (after a notification, on another device): their weeks are in
                # each worker's cache (eschool/cache.py) once every worker has served them
                reread_file = Path(tmp) / "reread.txt"
                reread_file.write_text("".join(f"{t} {p}\n" for t, p in parents[:args.reread_parents]),
                                       encoding="ascii")
                run_wrk(args.port, 20, 5, reread_file, script)
                result = run_wrk(args.port, 50, args.duration, reread_file, script)
                result["parents"] = min(args.reread_parents, len(parents))
                results["diary_reread"] = [result]
                print(f"diary API, re-reads: {result}", flush=True)
            if not args.clients_only and not args.alerts:
                results["scenario_1900"] = scenario_1900(app, args.port, teachers, args.readers, args.duration,
                                                         data_file, script)
        finally:
            stop(server)
        if args.alerts:
            results["scenario_alerts"] = scenario_alerts(app, url, args, teachers, data_file, script)
    results["load_after"] = load_average()
    previous = suite.RESULTS / "load.json"
    if previous.exists():  # a run of one part keeps the other part's figures
        old = json.loads(previous.read_text(encoding="utf-8"))
        if not results["diary"]:
            results["diary"] = old.get("diary", [])
            results.setdefault("diary_reread", old.get("diary_reread", []))
            results["diary_measured"] = old.get("diary_measured", old.get("measured_at"))
        if "scenario_1900" not in results and "scenario_1900" in old:
            results["scenario_1900"] = old["scenario_1900"]
            results["scenario_measured"] = old.get("scenario_measured", old.get("measured_at"))
        if "scenario_alerts" not in results and "scenario_alerts" in old:
            results["scenario_alerts"] = old["scenario_alerts"]
            results["alerts_measured"] = old.get("alerts_measured", old.get("measured_at"))
    print(write(results))
    suite.update_docs()
    scenario = results.get("scenario_1900", {})
    alerts = results.get("scenario_alerts", {})
    return 0 if (scenario.get("no_lost_mark", True) and scenario.get("no_failed_request", True)
                 and alerts.get("alerts_delivered_equals_expected", True)) else 1


if __name__ == "__main__":
    sys.exit(main())
