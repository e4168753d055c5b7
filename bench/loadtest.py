"""bench/load: gunicorn on PostgreSQL under a load generator on loopback (wrk), and the 19:00 mix.

1. Builds the data set if it is missing (as ``bench/run``), applies the migrations.
2. Mints API tokens in-process for parents and for teachers who have lessons today (no password hashing).
3. Starts ``gunicorn eschool.wsgi:app`` on 127.0.0.1 (``--workers``, ``--threads``; gthread workers).
4. The diary API (``GET /api/v1/diary``, a week of a parent's child, rotating over parents) with ``wrk`` at
   each ``--clients`` count for ``--duration`` seconds: requests per second, p50/p95/p99/max latency, with
   the cache off (``ESCHOOL_CACHE_MB=0``: every read builds the week, as a first read after a change does).
   Then gunicorn again with the cache, and ``--reread-parents`` parents reading again and again at 50
   clients: the cached figure.
5. The 19:00 mix (:mod:`bench.mix`): ``--teachers`` teachers post marks to their own lessons of today while the
   parents of the students marked read that week after the mark, other parents read their children's weeks
   (wrk) and others log in at ``--logins-per-second``; per stream requests, rates, p50/p95/p99 and failures,
   the marks lost or duplicated, the issue's targets met or not. Once per ``--servers`` count: one gunicorn,
   or several behind nginx (:mod:`bench.infra`); through PgBouncer in transaction mode with ``--pgbouncer``;
   the cache shared in Redis with ``--cache redis``. ``--alerts`` runs the alerts' scenario instead.
6. Stops the processes; writes ``bench/results/load.json`` and ``load.md`` (a part not run keeps its earlier
   figures) and the figures' block of docs/performance.md, and prints them.

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
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import infra, mix, suite
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
        tokens = mix.mint_tokens([u for u, _s in guardians[:n_parents]])
        parents = [(tokens[user_id], f"/api/v1/diary?student_id={student_id}&start={monday}&end={sunday}")
                   for user_id, student_id in guardians[:n_parents]]
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
        teachers = []
        tokens = mix.mint_tokens(chosen)
        for teacher_id in chosen:
            work = [(lesson_id, members[class_id]) for lesson_id, class_id in by_teacher[teacher_id]]
            # "existing": the marks already in these cells (earlier runs), counted before each run (mix.existing_marks)
            teachers.append({"id": teacher_id, "token": tokens[teacher_id], "work": work, "existing": {}})
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


def server_extra_env(args, cache: str) -> dict:
    """What the app servers get besides the database: the shared cache (``cache`` "redis"), the pool per process."""
    env = {}
    if cache == "redis":
        # the shared cache (issue 20): every worker of every server reads and fills the same Redis database
        env["ESCHOOL_CACHE_URL"] = args.cache_url
    if args.db_pool is not None:
        env["ESCHOOL_DB_POOL"] = str(args.db_pool)
    return env


def flush_cache(args, cache: str) -> None:
    """The shared cache starts empty in each run, as the per-process one does (the bench's own database)."""
    if cache == "redis":
        import redis

        redis.Redis.from_url(args.cache_url).flushdb()


def start_layout(url: str, servers: int, cache: str, args, log_path: Path, folder: Path) -> list:
    """One gunicorn on ``--port``; or ``servers`` gunicorns (each ``--workers``) on free ports behind nginx on
    ``--port``; the cache of each worker, or shared in Redis. Returns the processes, the front one last."""
    flush_cache(args, cache)
    env_extra = server_extra_env(args, cache)
    if servers == 1:
        return [start_gunicorn(url, args.port, args.workers, args.threads, log_path, env_extra=env_extra)]
    processes, ports = [], []
    try:
        for i in range(servers):
            port = infra.free_port(args.port + 1 + i)
            processes.append(start_gunicorn(url, port, args.workers, args.threads, log_path, env_extra=env_extra))
            ports.append(port)
        processes.append(infra.start_nginx(args.port, ports, folder / f"nginx-{servers}", log_path,
                                           args.nginx_workers))
    except BaseException:
        stop_all(processes)
        raise
    return processes


def stop_all(processes: list) -> None:
    for process in reversed(processes):
        stop(process)


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


def scenario_1900(app, port: int, teachers: list, readers: int, duration: int, data_file: Path,
                  script: Path) -> dict:
    """The 19:00 scenario of ``--alerts``: the teachers post marks while wrk reads diaries (no reads after the
    mark, no logins: :mod:`bench.mix` is the whole 19:00 mix)."""
    from eschool.db import utcnow
    from eschool.journal.models import Mark

    mix.existing_marks(app, teachers)
    with app.app_context():
        since = utcnow() - dt.timedelta(seconds=1)
        before = Mark.select().where(Mark.author.in_([t["id"] for t in teachers])).count()
    posts, posted, students = mix.Recorder("mark_posts"), collections.Counter(), []
    reader_result = {}

    def readers_run():
        reader_result.update(run_wrk(port, readers, duration, data_file, script))

    reading = threading.Thread(target=readers_run)
    reading.start()
    time.sleep(0.5)  # wrk is connecting
    stop_at = time.time() + duration - 1
    workers = [threading.Thread(target=mix.teacher_worker, args=(port, t, stop_at, posts, posted, students.append, i))
               for i, t in enumerate(teachers)]
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
    posts_out = {"teachers": len(teachers), "posted_2xx": posts.ok, "failed": posts.failed,
                 "posts_per_second": round((posts.ok + posts.failed) / elapsed, 1),
                 "marks_in_database_after_minus_before": after - before, "marks_created_since_start": new,
                 "problems": posts.problems}
    if posts.times:
        posts_out.update({f"{k}_ms": v for k, v in summary(posts.times).items() if k != "n"})
    return {"mark_posts": posts_out, "diary_reads": reader_result, "students_marked": students,
            "no_lost_mark": after - before == posts.ok == new,
            "no_failed_request": posts.failed == 0 and reader_result.get("errors", 1) == 0}


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


STREAMS = (("mark_posts", "mark posts (teacher API)"), ("reads_after_mark", "the parent reads the week after the mark"),
           ("diary_reads", "other parents' weeks (wrk)"), ("logins", "logins (POST /api/v1/auth/token)"))


def mix_lines(m: dict) -> list[str]:
    """The 19:00 mix in Markdown: the streams of each run, the marks' balance, the costs, the targets."""
    o = m["options"]
    database = (f"through PgBouncer (transaction mode, {o['pgbouncer']} server connections)" if o.get("pgbouncer")
                else "directly")
    lines = [f"19:00 mix ({m.get('scale', '')} data set, {o['duration']} s per run, measured {m['measured_at']}): "
             f"{o['teachers']} teachers posting "
             f"marks to their lessons of today, one request at a time each; the parent of each student marked "
             f"reading that week {o['after_mark_delay']} s after the mark ({o['after_mark_readers']} threads); "
             f"{o['readers']} wrk connections reading {o['parents']} other parents' weeks (half this week, half "
             f"1-4 weeks back); {o['logins_per_second']} logins a second of other parents. gunicorn "
             f"{o['workers']} workers × {o['threads']} threads per server, PostgreSQL {database}, "
             + ", then ".join(CACHES[c] for c in ([o["cache"]] if isinstance(o["cache"], str) else o["cache"]))
             + (f", ESCHOOL_DB_POOL {o['db_pool']}" if o.get("db_pool") is not None else "") + ".", "",
             "| servers | stream | requests | per second (2xx) | p50 ms | p95 ms | p99 ms | failed |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for run in m["runs"]:
        for key, label in STREAMS:
            st = run["streams"].get(key)
            if st:
                lines.append(f"| {run['layout']} | {label} | {st['requests']} | {st['ok_per_second']} | {st['p50_ms']} "
                             f"| {st['p95_ms']} | {st['p99_ms']} | {st['failed']} |")
    lines += ["", "| servers | marks 2xx | marks stored | lost | duplicated | reads after a mark: lag p95 s, cut off "
                  "| logins left > 1 s late | cores busy | load generator (cores) | PostgreSQL connections (peak) "
                  "| load average before → after |",
              "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for run in m["runs"]:
        mk, after, g = run["marks"], run["streams"]["reads_after_mark"], run["generator"]
        late = run["streams"].get("logins", {}).get("left_late_over_1s", "")
        lines.append(f"| {run['layout']} | {mk['posted_2xx']} | {mk['stored']} | {mk['lost']} | {mk['duplicated']} | "
                     f"{after.get('lag_p95_s')}, {after.get('cut_off_by_the_end')} | {late} | "
                     f"{round(run['cpu_busy'] * 100)} % | {g['cores']} (Python {g.get('python_ms_per_request')}, wrk "
                     f"{g.get('wrk_ms_per_request')} ms a request) | {run.get('postgres_connections_peak', '')} | "
                     f"{run['load_before']} → {run['load_after']} |")
    lines += ["", "| target (2 cores) | " + " | ".join(r["layout"] for r in m["runs"]) + " |",
              "|---|" + "---|" * len(m["runs"])]
    for i, target in enumerate(m["runs"][0]["targets"]):
        cells = [f"{r['targets'][i]['measured']}: {'met' if r['targets'][i]['met'] else '**not met**'}"
                 for r in m["runs"]]
        lines.append(f"| {target['target']} | " + " | ".join(cells) + " |")
    return lines


def write(results: dict) -> str:
    suite.RESULTS.mkdir(parents=True, exist_ok=True)
    (suite.RESULTS / "load.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n",
                                             encoding="utf-8")
    m = results["machine"]
    via = f" through PgBouncer ({results['pgbouncer']} server connections)" if results.get("pgbouncer") else ""
    lines = [f"gunicorn {results['workers']} workers x {results['threads']} threads (gthread) on PostgreSQL{via}, "
             f"{results['scale']} data set {results['size']}; wrk on 127.0.0.1; {m['nproc']} CPUs ({m['cpu']}), "
             f"{m['memory_gb']} GB; measured {results['measured_at']}; load average before {results['load_before']}, "
             f"after {results['load_after']}."
             + (f" The diary rows below are of an earlier run, measured {results['diary_measured']}."
                if results.get("diary_measured") else ""), "",
             "| diary API, concurrent clients (cache off unless said) | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["diary"]:
        lines.append(f"| {r['clients']} | {r['requests_per_second']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                     f"{r['max_ms']} | {r['errors']} |")
    for r in results.get("diary_reread", []):
        lines.append(f"| {r['clients']}, re-reads of {r['parents']} parents (cached"
                     f"{', shared in Redis' if r.get('cache') == 'redis' else ''}) | {r['requests_per_second']} | "
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
    if results.get("mix"):
        lines += [""] + mix_lines(results["mix"])
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench/load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="municipality", choices=["school", "municipality", "region"])
    parser.add_argument("--database", help="PostgreSQL URL (default eschool_bench_<scale> on 127.0.0.1)")
    # one worker per core: on 2 cores, 2 x 4 served cached re-reads at 720-770/s, 4 x 4 at 600/s (the
    # processes fought over the cores), first reads about the same (docs/performance.md)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765, help="the port the load goes to (gunicorn, or nginx)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per phase (default 20)")
    parser.add_argument("--clients", default="50,200", help="diary API concurrency levels (default 50,200)")
    parser.add_argument("--clients-only", action="store_true", help="skip the 19:00 mix")
    parser.add_argument("--parents", type=int, default=2000, help="parents whose diaries are read (default 2000)")
    parser.add_argument("--reread-parents", type=int, default=200,
                        help="parents re-reading the diary, for the cached figure (default 200; 0: skip)")
    mix_options = parser.add_argument_group("the 19:00 mix (bench/mix.py)")
    mix_options.add_argument("--teachers", type=int, default=100,
                             help="teachers posting marks, one request at a time each (default 100)")
    mix_options.add_argument("--readers", type=int, default=25,
                             help="wrk connections reading other parents' weeks, each as fast as it can (default 25)")
    mix_options.add_argument("--after-mark-delay", type=float, default=1.0,
                             help="seconds after a mark its student's parent reads that week (default 1)")
    # enough threads that the reads follow the marks instead of queueing behind a few busy readers
    mix_options.add_argument("--after-mark-readers", type=int, default=64,
                             help="threads reading after the marks (keep-alive; default 64; 0: no such reads)")
    mix_options.add_argument("--logins-per-second", type=float, default=20,
                             help="parents logging in (POST /api/v1/auth/token), an open loop (default 20; 0: none)")
    # an open loop needs rate x latency threads: 32 hold 20 a second up to 1.6 s a login
    mix_options.add_argument("--login-clients", type=int, default=32,
                             help="threads sending the logins, a new connection each (default 32)")
    mix_options.add_argument("--login-accounts", type=int, default=5000,
                             help="scale-parent-* accounts the logins rotate over (default 5000)")
    mix_options.add_argument("--servers", default="1",
                             help="app servers of each run, comma-separated: 1 is gunicorn alone, more are behind "
                                  "nginx (e.g. 1,2: a run with one, then one with two; default 1)")
    mix_options.add_argument("--nginx-workers", type=int, default=1, help="nginx worker processes (default 1)")
    parser.add_argument("--pgbouncer", action="store_true",
                        help="the app servers reach PostgreSQL through PgBouncer in transaction mode")
    parser.add_argument("--pgbouncer-port", type=int, default=6432, help="(or a free one if taken)")
    # about 2-4 x the database's cores (docs/deployment.md, "A region's layout"): 4 x 2 here, fewer than the
    # app's threads, so that PgBouncer shares them
    parser.add_argument("--pgbouncer-pool", type=int, default=8,
                        help="PgBouncer's server connections to the database (default 8)")
    parser.add_argument("--db-pool", type=int, help="ESCHOOL_DB_POOL of the app servers (default: the app's, 20)")
    parser.add_argument("--cache", default="process",
                        help="the diary's cache: process (each worker's own, the default) or redis (shared: "
                             "ESCHOOL_CACHE_URL); process,redis runs the mix with each")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/8",
                        help="the Redis database of --cache redis (the bench's own: emptied before each server start)")
    alerts = parser.add_argument_group("alerts to families (instead of the mix)")
    alerts.add_argument("--alerts", action="store_true",
                        help="the 19:00 scenario with alerts off, then on (gunicorn and `eschool worker` on a Redis "
                             "queue): alerts delivered against marks posted, and the posting rate of both")
    alerts.add_argument("--alert-teachers", type=int, default=25, help="teachers posting in each run (default 25)")
    alerts.add_argument("--queue", default="redis://127.0.0.1:6379/7",
                        help="the queue of --alerts (a Redis database of its own: it is emptied first)")
    alerts.add_argument("--alert-delay", type=int, default=10,
                        help="the alerts' delay for --alerts, seconds (the product's default is 300)")
    alerts.add_argument("--alert-wait", type=int, default=180,
                        help="at most this long after the delay for the worker to deliver (default 180)")
    alerts.add_argument("--worker-threads", type=int, default=4, help="`eschool worker --workers` (default 4)")
    alerts.add_argument("--worker-nice", type=int, default=10,
                        help="the worker's niceness for --alerts (default 10, as deployment.md advises where the "
                             "worker shares the app's cores; 0: the same priority as gunicorn)")
    args = parser.parse_args(argv)
    try:
        args.server_counts = [int(n) for n in args.servers.split(",") if n.strip()]
    except ValueError:
        parser.error("--servers: numbers separated by commas, e.g. 1,2")
    if not args.server_counts or min(args.server_counts) < 1:
        parser.error("--servers: at least one server")
    args.caches = [c.strip() for c in args.cache.split(",") if c.strip()]
    if not args.caches or any(c not in CACHES for c in args.caches):
        parser.error("--cache: process, redis or process,redis")
    return args


CACHES = {"process": "the cache of each worker", "redis": "the cache shared in Redis"}


def run_mixes(app, args, teachers: list, mix_data: dict, app_url: str, folder: Path, script: Path) -> dict:
    """The 19:00 mix once per ``--cache`` mode and ``--servers`` count, the same teachers and parents each time."""
    mix_file = folder / "mix-reads.txt"
    mix_file.write_text("".join(f"{t} {p}\n" for t, p in mix_data["reads"]), encoding="ascii")
    dbname = infra.database_parts(args.direct_url)["dbname"]
    admin = re.sub(r"/[^/?]*(\?.*)?$", "/postgres", args.direct_url)
    runs = []
    for cache, servers in [(c, n) for c in args.caches for n in args.server_counts]:
        processes = start_layout(app_url, servers, cache, args, suite.DATA / "gunicorn.log", folder)
        try:
            run_wrk(args.port, 20, 3, mix_file, script)  # warm-up: connections, PostgreSQL's buffers
            result = mix.run_mix(app, args.port, teachers, mix_data, args,
                                 lambda seconds: run_wrk(args.port, args.readers, seconds, mix_file, script),
                                 mix.Sampler(admin, dbname))
        finally:
            stop_all(processes)
        layout = "gunicorn" if servers == 1 else f"{servers} × gunicorn behind nginx"
        if len(args.caches) > 1:
            layout += f", {CACHES[cache].removeprefix('the ')}"
        result = {"servers": servers, "cache": cache, "layout": layout, **result}
        runs.append(result)
        print(f"19:00 mix, {result['layout']}: {json.dumps(result, ensure_ascii=False, default=str)}", flush=True)
    return {"runs": runs, "scale": args.scale, "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "options": {"teachers": len(teachers), "readers": args.readers, "after_mark_delay": args.after_mark_delay,
                        "after_mark_readers": args.after_mark_readers, "logins_per_second": args.logins_per_second,
                        "login_clients": args.login_clients, "parents": len(mix_data["reads"]),
                        "workers": args.workers, "threads": args.threads, "cache": args.caches,
                        "pgbouncer": args.pgbouncer_pool if args.pgbouncer else None,
                        "db_pool": args.db_pool, "duration": args.duration}}


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    url = args.database or suite.default_url(args.scale, "postgres")
    if suite.engine_of(url) != "postgres":
        raise SystemExit("the load test runs on PostgreSQL")
    args.direct_url = url
    for tool, path in (("pgbouncer", infra.PGBOUNCER if args.pgbouncer else None),
                       ("nginx", infra.NGINX if max(args.server_counts) > 1 else None)):
        if path and not os.access(path, os.X_OK):
            raise SystemExit(f"{tool} is needed: apt-get install -y {tool}")
    suite.ensure_pg_database(url)
    app = suite.make_app(url)
    suite.build_if_missing(app, args.scale, print)
    size = suite.data_size(app)
    run_the_mix = not args.clients_only and not args.alerts
    # --alerts: two groups of teachers, one posting with alerts off and one with them on
    n_teachers = args.alert_teachers * 2 if args.alerts else args.teachers
    parents, teachers, today = prepare(app, args.scale, args.parents, n_teachers)
    if (run_the_mix or args.alerts) and not teachers:
        raise SystemExit(f"no teacher has lessons on {today} in grades 2-11: the data set's journal must reach today "
                         "(a school day); rebuild it or choose another data set")
    mix_data = mix.prepare_mix(app, teachers, today, args.parents, args.login_accounts) if run_the_mix else None
    print(f"{args.scale}: {size}; {len(parents)} parents, {len(teachers)} teachers with lessons on {today}", flush=True)
    results = {"machine": machine(), "scale": args.scale, "size": size, "workers": args.workers,
               "threads": args.threads, "duration": args.duration, "load_before": load_average(),
               "pgbouncer": args.pgbouncer_pool if args.pgbouncer else None, "cache": args.caches[0],
               "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "diary": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pgbouncer, app_url = None, url
        if args.pgbouncer:
            pgbouncer, app_url = infra.start_pgbouncer(url, folder / "pgbouncer", infra.free_port(args.pgbouncer_port),
                                                       args.pgbouncer_pool, suite.DATA / "pgbouncer.log")
            print(f"PgBouncer (transaction mode, {args.pgbouncer_pool} server connections): {app_url}", flush=True)
        try:
            measure(app, args, results, parents, teachers, mix_data, app_url, folder)
        finally:
            if pgbouncer is not None:
                stop(pgbouncer)
    results["load_after"] = load_average()
    previous = suite.RESULTS / "load.json"
    if previous.exists():  # a run of one part keeps the other part's figures
        old = json.loads(previous.read_text(encoding="utf-8"))
        keep(results, old)
    print(write(results))
    suite.update_docs()
    alerts = results.get("scenario_alerts", {})
    correct = all(r["marks"]["lost"] == 0 and r["marks"]["duplicated"] == 0
                  and not any(s["failed"] for s in r["streams"].values())
                  for r in results.get("mix", {}).get("runs", []))
    return 0 if correct and alerts.get("alerts_delivered_equals_expected", True) else 1


def measure(app, args, results: dict, parents: list, teachers: list, mix_data, app_url: str,
            folder: Path) -> None:
    """The parts asked for: first reads (cache off), re-reads, then the 19:00 mix or the alerts' scenario."""
    data_file, script = folder / "diary.txt", folder / "diary.lua"
    data_file.write_text("".join(f"{t} {p}\n" for t, p in parents), encoding="ascii")
    script.write_text(WRK_SCRIPT, encoding="ascii")
    (suite.DATA / "gunicorn.log").write_text("", encoding="utf-8")
    log_path = suite.DATA / "gunicorn.log"
    levels = [int(c) for c in args.clients.split(",") if c]
    if levels:
        # first reads: the cache off, so that a parent read twice in the run is not served from it
        server = start_gunicorn(app_url, args.port, args.workers, args.threads, log_path, cache=False,
                                env_extra=server_extra_env(args, "process"))
        try:
            run_wrk(args.port, 20, 3, data_file, script)  # warm-up: connections, PostgreSQL's buffers
            for clients in levels:
                result = run_wrk(args.port, clients, args.duration, data_file, script)
                result["load_average_after"] = load_average()
                results["diary"].append(result)
                print(f"diary API, {clients} clients, cache off: {result}", flush=True)
        finally:
            stop(server)
    if args.reread_parents:
        # the first --cache mode
        flush_cache(args, args.caches[0])
        server = start_gunicorn(app_url, args.port, args.workers, args.threads, log_path,
                                env_extra=server_extra_env(args, args.caches[0]))
        try:
            # parents opening the diary again (after a notification, on another device): their weeks are in
            # each worker's cache (eschool/cache.py) once every worker has served them
            reread_file = folder / "reread.txt"
            reread_file.write_text("".join(f"{t} {p}\n" for t, p in parents[:args.reread_parents]), encoding="ascii")
            run_wrk(args.port, 20, 5, reread_file, script)
            result = run_wrk(args.port, 50, args.duration, reread_file, script)
            result["parents"] = min(args.reread_parents, len(parents))
            result["cache"] = args.caches[0]
            results["diary_reread"] = [result]
            print(f"diary API, re-reads: {result}", flush=True)
        finally:
            stop(server)
    if mix_data is not None:
        results["mix"] = run_mixes(app, args, teachers, mix_data, app_url, folder, script)
    if args.alerts:
        results["scenario_alerts"] = scenario_alerts(app, app_url, args, teachers, data_file, script)


def keep(results: dict, old: dict) -> None:
    """The figures of the parts this run did not measure, from the previous results (each with its date)."""
    if not results["diary"]:
        results["diary"] = old.get("diary", [])
        results.setdefault("diary_reread", old.get("diary_reread", []))
        results["diary_measured"] = old.get("diary_measured", old.get("measured_at"))
    if "mix" not in results and "mix" in old:
        results["mix"] = old["mix"]
    # the 25-teacher scenario of earlier releases: shown until a mix replaces it
    if "mix" not in results and "scenario_1900" in old:
        results["scenario_1900"] = old["scenario_1900"]
        results["scenario_measured"] = old.get("scenario_measured", old.get("measured_at"))
    if "scenario_alerts" not in results and "scenario_alerts" in old:
        results["scenario_alerts"] = old["scenario_alerts"]
        results["alerts_measured"] = old.get("alerts_measured", old.get("measured_at"))

if __name__ == "__main__":
    sys.exit(main())
