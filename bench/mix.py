"""The 19:00 mix of ``bench/load`` (issue 20): teachers post marks while the parents of the students marked read
the week the mark landed in (after the mark, in that order), other parents read their children's weeks (wrk),
and other parents log in at a steady rate.

Streams and who drives them (all on 127.0.0.1, sharing the cores with the app and PostgreSQL):

* **mark posts**: ``--teachers`` Python threads, one keep-alive connection each, one request at a time, each
  to the teacher's own lessons of today (``POST /api/v1/journal/lessons/<id>/marks``);
* **reads after a mark**: each 2xx mark puts (its student's parent, this week) on a queue; ``--after-mark-readers``
  threads (keep-alive) read it ``--after-mark-delay`` seconds after the mark was saved, never before;
* **other diary reads**: wrk (its Lua script) over ``--parents`` parents, their child's week this week or in
  one of the four weeks before, each connection as fast as it can (``--readers`` connections);
* **logins**: ``POST /api/v1/auth/token`` with the data set's password for ``scale-parent-*`` accounts, an open
  loop at ``--logins-per-second`` (each login leaves at its time, on a new connection, from
  ``--login-clients`` threads; a login that cannot leave on time is counted late).

Afterwards the marks in the database (by those teachers, in those lessons, since the start) are counted per
cell against the 2xx answers: lost and duplicated. The pure helpers (``mark_balance``, ``check_targets``,
``cpu_busy``, ``stream_figures``) have tests in tests/test_bench_helpers.py.
"""
from __future__ import annotations

import collections
import datetime as dt
import http.client
import json
import queue
import random
import resource
import secrets
import threading
import time

from bench.stats import load_average, summary

#: The issue's targets on 2 cores (issue 20, "What to build and measure", 3).
TARGETS = {"diary_reads_per_second": 400, "diary_p95_ms": 100, "marks_per_second": 100, "logins_per_second": 20}

#: a share of the other parents' reads that asks for an earlier week (1-4 weeks back) than this one
EARLIER_WEEKS = 0.5


# ------------------------------------------------------------------ pure helpers

def mark_balance(posted: collections.Counter, stored: collections.Counter) -> dict:
    """Marks answered 2xx against marks stored, per cell ``(lesson, student)``: a cell with fewer rows than 2xx
    answers lost marks; one with more holds a mark twice (or one whose request failed, yet was kept)."""
    cells = set(posted) | set(stored)
    return {"posted_2xx": sum(posted.values()), "stored": sum(stored.values()),
            "lost": sum(max(0, posted[c] - stored[c]) for c in cells),
            "duplicated": sum(max(0, stored[c] - posted[c]) for c in cells)}


def stream_figures(name: str, times_ms: list, ok: int, failed: int, elapsed_s: float, problems=()) -> dict:
    """One stream's figures: requests, per second (all, and the successful ones), p50/p95/p99/max, failures."""
    out = {"stream": name, "requests": ok + failed, "ok": ok, "failed": failed,
           "per_second": round((ok + failed) / elapsed_s, 1) if elapsed_s > 0 else 0.0,
           "ok_per_second": round(ok / elapsed_s, 1) if elapsed_s > 0 else 0.0, "seconds": round(elapsed_s, 1)}
    if times_ms:
        figures = summary(times_ms)
        out.update({"p50_ms": figures["p50"], "p95_ms": figures["p95"], "p99_ms": figures["p99"],
                    "max_ms": figures["max"]})
    else:
        out.update({"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None})
    if problems:
        out["problems"] = list(problems)[:5]
    return out


def wrk_stream(name: str, result: dict) -> dict:
    """wrk's RESULT line (``loadtest.run_wrk``) in the shape of :func:`stream_figures`: a non-2xx/3xx answer
    and a socket error are failures."""
    failed = int(result.get("errors", 0))
    requests = int(result.get("requests", 0))
    seconds = float(result.get("duration_s") or 0)
    ok = max(0, requests - int(result.get("errors_status", 0)))
    return {"stream": name, "requests": requests, "ok": ok, "failed": failed,
            "per_second": round(requests / seconds, 1) if seconds else 0.0,
            "ok_per_second": round(ok / seconds, 1) if seconds else 0.0, "seconds": round(seconds, 1),
            "p50_ms": result.get("p50_ms"), "p95_ms": result.get("p95_ms"), "p99_ms": result.get("p99_ms"),
            "max_ms": result.get("max_ms"), "connections": result.get("clients")}


def check_targets(streams: dict, marks: dict, targets: dict = TARGETS) -> list[dict]:
    """The issue's targets against one run of the mix. Diary reads are both reading streams together (after a
    mark, and the others); their p95 is the larger of the two streams' p95, a bound on the p95 of all reads
    (if each stream has at most 5 % of its reads above a limit, so has their union)."""
    reads = [streams[k] for k in ("reads_after_mark", "diary_reads") if k in streams]
    rate = round(sum(s["ok_per_second"] for s in reads), 1)
    p95s = [s["p95_ms"] for s in reads if s.get("p95_ms") is not None]
    p95 = max(p95s) if p95s else None
    posts, logins = streams.get("mark_posts", {}), streams.get("logins", {})
    failed = sum(s.get("failed", 0) for s in streams.values())
    rows = [
        ("diary reads ≥ {diary_reads_per_second}/s", f"{rate}/s", rate >= targets["diary_reads_per_second"]),
        ("diary reads p95 ≤ {diary_p95_ms} ms", f"{p95} ms", p95 is not None and p95 <= targets["diary_p95_ms"]),
        ("marks posted ≥ {marks_per_second}/s (2xx)", f"{posts.get('ok_per_second', 0)}/s",
         posts.get("ok_per_second", 0) >= targets["marks_per_second"]),
        ("logins ≥ {logins_per_second}/s (2xx)", f"{logins.get('ok_per_second', 0)}/s" if logins else "not run",
         bool(logins) and logins.get("ok_per_second", 0) >= targets["logins_per_second"]),
        ("0 lost or duplicated marks", f"{marks.get('lost')} lost, {marks.get('duplicated')} duplicated",
         marks.get("lost") == 0 and marks.get("duplicated") == 0),
        ("0 failed requests", f"{failed} failed", failed == 0),
    ]
    return [{"target": label.format(**targets), "measured": measured, "met": bool(met)}
            for label, measured, met in rows]


def cpu_times(text: str | None = None) -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat's first line (idle and iowait are not busy)."""
    if text is None:
        with open("/proc/stat", encoding="ascii") as fh:
            text = fh.readline()
    values = [int(v) for v in text.split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def cpu_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of all CPUs that was busy between two :func:`cpu_times` readings (0..1)."""
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total > 0 else 0.0


# ------------------------------------------------------------------ the data: tokens, weeks, accounts

def mint_tokens(user_ids, name: str = "bench", days: int = 1) -> dict:
    """Bearer tokens for many users at once (one INSERT per 500; no password hashing): user id -> token."""
    from eschool.auth.models import ApiToken
    from eschool.auth.services import _digest
    from eschool.db import db, utcnow

    tokens, rows = {}, []
    expires = utcnow() + dt.timedelta(days=days)
    for user_id in dict.fromkeys(user_ids):
        token = secrets.token_urlsafe(32)
        tokens[user_id] = token
        rows.append({"user": user_id, "token_hash": _digest(token), "name": name, "expires_at": expires})
    with db.atomic():
        for i in range(0, len(rows), 500):
            ApiToken.insert_many(rows[i:i + 500]).execute()
    return tokens


def week_path(student_id: int, monday: dt.date) -> str:
    return f"/api/v1/diary?student_id={student_id}&start={monday}&end={monday + dt.timedelta(days=6)}"


def prepare_mix(app, teachers: list, today: dt.date, n_parents: int, n_logins: int, seed: int = 11) -> dict:
    """What the mix needs besides the teachers (``loadtest.prepare``): a reader (token, path of this week) for
    every student the teachers may mark, the other parents' reads (this week or an earlier one) and the
    accounts that log in (parents other than those)."""
    from peewee import fn

    from eschool.auth.models import User
    from eschool.people.models import Guardian

    rng = random.Random(seed)
    monday = today - dt.timedelta(days=today.weekday())
    with app.app_context():
        lesson_ids = [lesson for t in teachers for lesson, _students in t["work"]]
        students = sorted({s for t in teachers for _lesson, members in t["work"] for s in members})
        guardians = collections.defaultdict(list)
        for student_id, user_id in (Guardian.select(Guardian.student, Guardian.user)
                                    .where(Guardian.student.in_(students)).tuples() if students else []):
            guardians[student_id].append(user_id)
        tokens = mint_tokens([u for users in guardians.values() for u in users], name="bench-mix")
        after_mark = {s: [(tokens[u], week_path(s, monday)) for u in users] for s, users in guardians.items()}
        # other parents: their own child's week, this one or (half of them) one of the four before
        others = list(Guardian.select(Guardian.user, Guardian.student).join(User, on=Guardian.user == User.id)
                      .where(User.username.startswith("scale-parent-") & Guardian.student.not_in(students or [0]))
                      .tuples())
        rng.shuffle(others)
        readers = others[:n_parents]
        reader_tokens = mint_tokens([u for u, _s in readers], name="bench-mix")
        reads = [(reader_tokens[u], week_path(s, monday - dt.timedelta(
            weeks=rng.randint(1, 4) if rng.random() < EARLIER_WEEKS else 0))) for u, s in readers]
        # the accounts that log in: other parents (a random sample; PostgreSQL's random(), the bench's database)
        taken = {f"scale-parent-{s}" for s in students}
        logins = [u for (u,) in User.select(User.username).where(
            User.username.startswith("scale-parent-") & User.is_active).order_by(fn.random())
            .limit(n_logins + len(taken)).tuples() if u not in taken][:n_logins]
        return {"after_mark": after_mark, "reads": reads, "logins": logins, "lessons": lesson_ids, "monday": monday}


def existing_marks(app, teachers: list) -> None:
    """Each teacher's marks already in their cells (earlier runs): a cell holds ten, the workers count on."""
    from peewee import fn

    from eschool.journal.models import Mark

    with app.app_context():
        lesson_ids = [lesson for t in teachers for lesson, _s in t["work"]]
        existing = collections.Counter({(lesson, student): n for lesson, student, n in (
            Mark.select(Mark.lesson, Mark.student, fn.COUNT(Mark.id)).where(Mark.lesson.in_(lesson_ids))
            .group_by(Mark.lesson, Mark.student).tuples())} if lesson_ids else {})
    for t in teachers:
        mine = {lesson for lesson, _s in t["work"]}
        t["existing"] = {k: v for k, v in existing.items() if k[0] in mine}


def stored_marks(app, teachers: list, since: dt.datetime) -> collections.Counter:
    from peewee import fn

    from eschool.journal.models import Mark

    with app.app_context():
        lesson_ids = [lesson for t in teachers for lesson, _s in t["work"]]
        return collections.Counter({(lesson, student): n for lesson, student, n in (
            Mark.select(Mark.lesson, Mark.student, fn.COUNT(Mark.id))
            .where(Mark.lesson.in_(lesson_ids) & Mark.author.in_([t["id"] for t in teachers])
                   & (Mark.created_at >= since))
            .group_by(Mark.lesson, Mark.student).tuples())} if lesson_ids else {})


# ------------------------------------------------------------------ the load generator

class Recorder:
    """One stream's answers, from many threads (a lock per answer: a few hundred a second)."""

    def __init__(self, name: str):
        self.name, self.lock = name, threading.Lock()
        self.times: list[float] = []
        self.ok = self.failed = 0
        self.problems: list[str] = []
        self.started = self.ended = None

    def add(self, ms: float, status: int, body: bytes = b"") -> bool:
        good = 200 <= status < 300
        with self.lock:
            now = time.perf_counter()
            self.started = self.started or now - ms / 1000
            self.ended = now
            self.times.append(ms)
            if good:
                self.ok += 1
            else:
                self.failed += 1
                if len(self.problems) < 5:
                    self.problems.append(f"{status}: {body[:160]!r}")
        return good

    def figures(self, elapsed: float | None = None) -> dict:
        if elapsed is None:
            elapsed = (self.ended - self.started) if self.started and self.ended else 0
        return stream_figures(self.name, self.times, self.ok, self.failed, elapsed, self.problems)


class Client:
    """A keep-alive connection (``http.client``: the cheapest client Python has), reopened after an error, and
    before it has been idle for ``max_idle`` seconds: gunicorn closes a connection idle for 2 s (its
    ``keepalive``), and a request sent as it closes fails ("Remote end closed connection"), where a browser
    would quietly resend it on a new one."""

    def __init__(self, port: int, timeout: float = 30, max_idle: float = 1.5):
        self.port, self.timeout, self.max_idle, self.conn, self.last = port, timeout, max_idle, None, 0.0

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes, float]:
        if self.conn is not None and time.monotonic() - self.last > self.max_idle:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body, headers or {})
            response = self.conn.getresponse()
            data = response.read()
            status = response.status
            if response.will_close:
                self.close()
        except OSError as exc:
            status, data = 0, str(exc).encode()
            self.close()
        self.last = time.monotonic()
        return status, data, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def teacher_worker(port: int, teacher: dict, stop_at: float, recorder: Recorder, posted: collections.Counter,
                   on_mark, seed: int) -> None:
    """One teacher: posts marks to their own lessons of today, one at a time, until ``stop_at``; a cell holds ten
    marks (counting the earlier runs'); each 2xx is counted per cell and handed to ``on_mark(student)``."""
    rng = random.Random(seed)
    pairs = [(lesson, student) for lesson, students in teacher["work"] for student in students]
    rng.shuffle(pairs)
    used = collections.Counter(teacher.get("existing", {}))
    headers = {"Authorization": f"Bearer {teacher['token']}", "Content-Type": "application/json"}
    client, i = Client(port), 0
    while time.time() < stop_at and pairs:
        lesson, student = pairs[i % len(pairs)]
        i += 1
        if used[(lesson, student)] >= 10:
            pairs.remove((lesson, student))
            continue
        used[(lesson, student)] += 1
        body = json.dumps({"student_id": student, "value": rng.choice("2345")})
        status, text, ms = client.request("POST", f"/api/v1/journal/lessons/{lesson}/marks", body, headers)
        if recorder.add(ms, status, text):
            with recorder.lock:
                posted[(lesson, student)] += 1
            if on_mark is not None:
                on_mark(student)
    client.close()


def after_mark_reader(port: int, work: queue.Queue, stop_at: float, recorder: Recorder, lags: list) -> None:
    """Reads the weeks of marked students' parents, each no sooner than its due time (the mark's + the delay)."""
    client = Client(port)
    while time.time() < stop_at:
        try:
            due, token, path = work.get(timeout=0.2)
        except queue.Empty:
            continue
        if due >= stop_at:
            work.put((due, token, path))  # left for the count of reads the run's end cut off
            break
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        lags.append(time.time() - due)
        status, text, ms = client.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        recorder.add(ms, status, text)
    client.close()


def login_worker(port: int, accounts: list, password: str, schedule: dict, stop_at: float, recorder: Recorder,
                 late: list) -> None:
    """Takes the next login's slot of the open loop (``schedule``: start, rate, next index), waits for its time,
    logs in on a new connection (a parent's phone), and notes how late it left."""
    while True:
        with schedule["lock"]:
            k = schedule["next"]
            schedule["next"] += 1
        due = schedule["start"] + k / schedule["rate"]
        if due >= stop_at:
            return
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        late.append(max(0.0, time.time() - due))
        login = accounts[k % len(accounts)]
        client = Client(port)
        status, text, ms = client.request("POST", "/api/v1/auth/token",
                                          json.dumps({"login": login, "password": password, "name": "bench"}),
                                          {"Content-Type": "application/json"})
        client.close()
        recorder.add(ms, status, text)


class Sampler(threading.Thread):
    """Every second: PostgreSQL's connections to the bench database (other than its own), the peak kept."""

    def __init__(self, admin_url: str, dbname: str):
        super().__init__(daemon=True)
        self.admin_url, self.dbname = admin_url, dbname
        self.peak = 0
        self.halt = threading.Event()

    def run(self) -> None:
        import psycopg2

        try:
            conn = psycopg2.connect(self.admin_url, application_name="bench-sampler")
        except psycopg2.Error:
            return
        conn.autocommit = True
        with conn.cursor() as cur:
            while not self.halt.wait(1.0):
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (self.dbname,))
                self.peak = max(self.peak, cur.fetchone()[0])
        conn.close()


def run_mix(app, port: int, teachers: list, mix: dict, options, wrk, sampler: Sampler | None = None) -> dict:
    """One run of the mix against ``port`` (a gunicorn, or nginx in front of several), ``options.duration``
    seconds; ``wrk(duration) -> dict`` runs the other parents' reads. Returns the streams' figures, the marks'
    balance, the generator's own CPU, the cores' busy share, the load average before and after, the targets."""
    from eschool.db import utcnow
    from eschool_demo.scale import PASSWORD

    existing_marks(app, teachers)
    since = utcnow() - dt.timedelta(seconds=1)
    load_before = load_average()
    cpu_before = cpu_times()
    self_before, children_before = (resource.getrusage(resource.RUSAGE_SELF),
                                    resource.getrusage(resource.RUSAGE_CHILDREN))
    posts, after, logins = Recorder("mark_posts"), Recorder("reads_after_mark"), Recorder("logins")
    posted: collections.Counter = collections.Counter()
    work: queue.Queue = queue.Queue()
    lags: list[float] = []
    late: list[float] = []
    delay = options.after_mark_delay
    readers_of = mix["after_mark"]
    missed = {"no_parent": 0}

    def on_mark(student: int) -> None:
        parents = readers_of.get(student)
        if not parents:
            missed["no_parent"] += 1
            return
        due = time.time() + delay
        for token, path in parents:
            work.put((due, token, path))

    wrk_result: dict = {}
    reading = threading.Thread(target=lambda: wrk_result.update(wrk(options.duration)))
    if sampler is not None:
        sampler.start()
    reading.start()
    time.sleep(0.5)  # wrk is connecting
    started = time.time()
    stop_at = started + options.duration - 1
    threads = [threading.Thread(target=teacher_worker, args=(port, t, stop_at, posts, posted, on_mark, i))
               for i, t in enumerate(teachers)]
    threads += [threading.Thread(target=after_mark_reader, args=(port, work, stop_at, after, lags))
                for _ in range(options.after_mark_readers)]
    if options.logins_per_second > 0 and mix["logins"]:
        schedule = {"lock": threading.Lock(), "next": 0, "start": started + 0.1, "rate": options.logins_per_second}
        threads += [threading.Thread(target=login_worker, args=(port, mix["logins"], PASSWORD, schedule, stop_at,
                                                                 logins, late))
                    for _ in range(options.login_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    generator_self = resource.getrusage(resource.RUSAGE_SELF)
    reading.join()
    generator_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_after = cpu_times()
    if sampler is not None:
        sampler.halt.set()
        sampler.join(timeout=5)
    load_after = load_average()
    stored = stored_marks(app, teachers, since)
    streams = {"mark_posts": posts.figures(elapsed), "reads_after_mark": after.figures(elapsed),
               "diary_reads": wrk_stream("diary_reads", wrk_result)}
    if options.logins_per_second > 0:
        streams["logins"] = logins.figures(elapsed)
        streams["logins"]["asked_per_second"] = options.logins_per_second
        streams["logins"]["left_late_over_1s"] = sum(1 for x in late if x > 1)
    streams["reads_after_mark"].update({
        "delay_s": delay, "lag_p95_s": round(summary(lags)["p95"], 2) if lags else None,
        "cut_off_by_the_end": work.qsize(), "marks_without_a_parent": missed["no_parent"]})
    python_cpu = (generator_self.ru_utime + generator_self.ru_stime - self_before.ru_utime - self_before.ru_stime)
    wrk_cpu = (generator_children.ru_utime + generator_children.ru_stime
               - children_before.ru_utime - children_before.ru_stime)
    marks = mark_balance(posted, stored)
    python_requests = sum(streams[k]["requests"] for k in ("mark_posts", "reads_after_mark", "logins") if k in streams)
    wrk_requests = streams["diary_reads"]["requests"]
    result = {"seconds": round(elapsed, 1), "teachers": len(teachers), "streams": streams, "marks": marks,
              "load_before": load_before, "load_after": load_after, "cpu_busy": cpu_busy(cpu_before, cpu_after),
              "generator": {"python_cpu_s": round(python_cpu, 2), "wrk_cpu_s": round(wrk_cpu, 2),
                            "cores": round((python_cpu + wrk_cpu) / max(elapsed, 1e-9), 2),
                            "python_ms_per_request": round(python_cpu * 1000 / python_requests, 2)
                            if python_requests else None,
                            "wrk_ms_per_request": round(wrk_cpu * 1000 / wrk_requests, 2) if wrk_requests else None,
                            "python_threads": len(threads)}}
    if sampler is not None:
        result["postgres_connections_peak"] = sampler.peak
    result["targets"] = check_targets(streams, marks)
    result["targets_met"] = all(t["met"] for t in result["targets"])
    return result
