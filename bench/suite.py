"""bench/run: server-side time and SQL query counts of the pages and APIs that carry a region's load.

For each data set (``--scale``) and database (``--database``, or both SQLite and PostgreSQL with ``--all``)
it builds the data set if it is missing (``eschool_demo.build_scale``, timed), then measures in-process,
through the Flask test client and the real routes, with logged-in sessions and a bearer token:

* journal grid (page), diary week (page and API), marks by period (diary API), class period report (page),
* login (``POST /api/v1/auth/token`` and the ``/login`` form),
* the contingent import (check + run of a generated CSV of ``--import-rows`` students), students per second.

Each request is repeated (``--reps``) after a warm-up; the figures are p50 / p95 / p99 / max of the wall time
around the test client's call (the server's own time: no network). Query counts are of one request.
Results go to ``bench/results/results.json`` (merged: a run replaces only its own scale and database),
``bench/results/results.md`` and ``bench/results/cost.svg``.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import sys
import time
from pathlib import Path

from bench.stats import load_average, machine, summary, svg_chart

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "demo-2026"
MOTHERS = ["Мария", "Анна", "Елена", "Ольга", "Наталья", "Ирина", "Татьяна", "Светлана", "Юлия", "Екатерина"]
PATRONYMICS = ["Ивановна", "Петровна", "Сергеевна", "Андреевна", "Игоревна", "Олеговна", "Викторовна"]


def default_url(scale: str, engine: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{DATA / f'{scale}.sqlite3'}"
    return re.sub(r"/[^/?]*(\?.*)?$", f"/eschool_bench_{scale}", PG_ADMIN)


def engine_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


def ensure_pg_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = re.sub(r"/[^/?]*(\?.*)?$", "/postgres", url)
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    conn.close()


def make_app(url: str):
    os.environ["DATABASE_URL"] = url
    from eschool.app import create_app

    DATA.mkdir(parents=True, exist_ok=True)
    # production defaults (scrypt passwords, the rate limiter); CSRF off: the test client posts forms directly
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "INSTANCE_PATH": str(DATA / "instance")})


class QueryCounter:
    """Counts the SQL statements the app runs (wraps the database's ``execute_sql``)."""

    def __init__(self, database):
        self.count = 0
        original = database.execute_sql

        def counting(sql, params=None, *args, **kwargs):
            self.count += 1
            return original(sql, params, *args, **kwargs)

        database.execute_sql = counting


def build_if_missing(app, scale: str, log) -> dict:
    """Build the data set unless its schools are all there; returns the build's figures (or {})."""
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX, SCALES, build_scale

    with app.app_context():
        app.extensions["eschool"].upgrade()
        wanted = SCALES[scale][0]
        have = School.select().where(School.name.startswith(NAME_PREFIX)).count()
        if have >= wanted:
            return {}
        log(f"building the {scale} data set ({wanted} schools) ...")
        started = time.perf_counter()
        load_before = load_average()
        counts = build_scale(scale, log=lambda m: log(f"  {m}"))
        seconds = time.perf_counter() - started
        return {"build_seconds": round(seconds, 1), "build_load_average": f"{load_before} -> {load_average()}",
                "build_counts": counts.__dict__}


def data_size(app) -> dict:
    from eschool.journal.models import Lesson, Mark
    from eschool.people.models import Student
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX

    with app.app_context():
        in_scale = Student.select().join(School).where(School.name.startswith(NAME_PREFIX)).count()
        return {"schools": School.select().count(), "students": Student.select().count(), "scale_students": in_scale,
                "lessons": Lesson.select().count(), "marks": Mark.select().count()}


def pick(app, scale: str) -> dict:
    """The school measured (the data set's last one in its first school's municipality: the highest ids, and
    at every scale the same municipality, so the same modules are on and the query counts compare), a
    5th-grade class, mathematics, its teacher, the class teacher, a student and their parent, the current
    period."""
    from eschool.auth.models import User
    from eschool.journal.services import local_today
    from eschool.people.models import ClassMembership, Guardian
    from eschool.school.models import AcademicYear, ClassGroup, Period, Subject, TeachingAssignment
    from eschool.structure.models import School
    from eschool_demo.scale import NAME_PREFIX, SCALES

    with app.app_context():
        first = School.get(School.name == f"{NAME_PREFIX}1")
        school = max((s for s in School.select().where((School.municipality == first.municipality_id)
                                                      & School.name.startswith(NAME_PREFIX))
                      if s.name[len(NAME_PREFIX):].isdigit() and int(s.name[len(NAME_PREFIX):]) <= SCALES[scale][0]),
                     key=lambda s: int(s.name[len(NAME_PREFIX):]))
        group = (ClassGroup.select().where((ClassGroup.school == school) & (ClassGroup.grade == 5))
                 .order_by(ClassGroup.id).first())
        subject = Subject.get((Subject.school == school) & (Subject.name == "Математика"))
        teacher = TeachingAssignment.get((TeachingAssignment.class_group == group)
                                         & (TeachingAssignment.subject == subject)).teacher
        membership = (ClassMembership.select().where(ClassMembership.class_group == group)
                      .order_by(ClassMembership.student).first())
        parent = Guardian.get(Guardian.student == membership.student_id).user
        from eschool.journal.models import Lesson

        # today, or the class's last lesson day when the journal stops earlier (the region's 4 weeks)
        last = Lesson.select(Lesson.date).where(Lesson.class_group == group).order_by(Lesson.date.desc()).first()
        today = min(local_today(), last.date) if last else local_today()
        year = AcademicYear.get_by_id(group.academic_year_id)
        periods = list(Period.select().where(Period.academic_year == year).order_by(Period.starts_on))
        period = next((p for p in periods if p.starts_on <= today <= p.ends_on), periods[0])
        return {"school": school.id, "class": group.id, "subject": subject.id,
                "teacher": User.get_by_id(teacher.id).username,
                "class_teacher": User.get_by_id(group.class_teacher_id).username,
                "student": membership.student_id, "parent": User.get_by_id(parent.id).username,
                "period": period.id, "today": today}


def login(client, username: str) -> None:
    response = client.post("/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302, (username, response.status_code)


def token(client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"login": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def measure(counter, call, reps: int, warmup: int = 3, expect=(200,)) -> dict:
    """Time ``call()`` (returns a response) ``reps`` times after a warm-up; count one request's queries."""
    for _ in range(warmup):
        response = call()
        assert response.status_code in expect, (response.status_code, response.get_data(as_text=True)[:300])
    before = counter.count
    call()
    queries = counter.count - before
    times, cpu = [], []
    for _ in range(reps):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code in expect, response.status_code
    # cpu: this process's CPU time (the app's Python and, on SQLite, the database too), which waiting for a
    # busy CPU does not inflate; on PostgreSQL the server's own time is not in it
    cpu_figures = summary(cpu)
    return {**summary(times), "cpu_p50": cpu_figures["p50"], "cpu_p95": cpu_figures["p95"], "queries": queries}


def import_csv(rows: int, seed: int) -> bytes:
    """A secretary's list: ``rows`` students in classes 1А..11А, each with a mother (name and phone)."""
    import random

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "Мать ФИО", "Мать телефон"])
    last = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов"]
    for i in range(rows):
        grade = 1 + i % 11
        female = rng.random() < 0.5
        surname = rng.choice(last) + ("а" if female else "")
        writer.writerow([f"{surname}{i}", "Анна" if female else "Иван", "Петровна" if female else "Петрович",
                         f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{2019 - grade}", "ж" if female else "м",
                         f"{grade}А", f"{surname} {rng.choice(MOTHERS)} {rng.choice(PATRONYMICS)}",
                         f"+7913{seed % 1000:03d}{i:04d}"])
    return out.getvalue().encode("utf-8")


def import_school(app, seed: int):
    """A new empty school of the current year with classes 1А..11А to import into."""
    from eschool.school.models import AcademicYear, ClassGroup, Period
    from eschool.structure.models import Municipality
    from eschool.structure.services import create_school

    with app.app_context():
        school = create_school(Municipality.select().first(), f"Школа импорта {seed}", f"Импорт {seed}")
        year = AcademicYear.create(school=school, name="2026/2027", starts_on=dt.date(2026, 9, 1),
                                   ends_on=dt.date(2027, 5, 31), is_current=True)
        Period.create(academic_year=year, kind="semester", number=1, starts_on=dt.date(2026, 9, 1),
                      ends_on=dt.date(2026, 12, 28), grade_from=1, grade_to=11)
        for grade in range(1, 12):
            ClassGroup.create(school=school, academic_year=year, grade=grade, letter="А", name=f"{grade}А")
        return school.id


def measure_import(app, rows: int) -> dict:
    from eschool.people import importing
    from eschool.structure.models import School

    seed = int(time.time()) % 100000
    school_id = import_school(app, seed)
    data = import_csv(rows, seed)
    with app.test_request_context():
        school = School.get_by_id(school_id)
        started = time.perf_counter()
        plan = importing.check(school, importing.read_rows(data, "list.csv"))
        checked = time.perf_counter()
        assert plan.ok and len(plan.rows) == rows, plan.errors[:3]
        count = importing.run(school, plan, dt.date(2026, 9, 1), "1-у")
        done = time.perf_counter()
    assert count == rows
    return {"rows": rows, "check_seconds": round(checked - started, 2), "run_seconds": round(done - checked, 2),
            "students_per_second": round(rows / (done - started), 1)}


def run_one(scale: str, url: str, reps: int, import_rows: int, log) -> dict:
    engine = engine_of(url)
    if engine == "postgres":
        ensure_pg_database(url)
    app = make_app(url)
    result = {"scale": scale, "engine": engine, "load_average_before": load_average()}
    result.update(build_if_missing(app, scale, log))
    result["size"] = data_size(app)
    who = pick(app, scale)
    log(f"{scale} on {engine}: {result['size']}; school #{who['school']}, class #{who['class']}")
    counter = QueryCounter(app.extensions["eschool"].database)
    teacher, class_teacher, parent, api = (app.test_client() for _ in range(4))
    login(teacher, who["teacher"])
    login(class_teacher, who["class_teacher"])
    login(parent, who["parent"])
    headers = token(api, who["parent"])
    monday = who["today"] - dt.timedelta(days=who["today"].weekday())
    sunday = monday + dt.timedelta(days=6)
    sid, cid = who["school"], who["class"]
    cases = {
        "journal grid (page)": lambda: teacher.get(f"/school/{sid}/journal/class/{cid}/subject/{who['subject']}"
                                                   f"?period={who['period']}"),
        "diary week (page)": lambda: parent.get(f"/diary?student={who['student']}&date={who['today'].isoformat()}"),
        "diary week (API)": lambda: api.get(f"/api/v1/diary?student_id={who['student']}&start={monday}&end={sunday}",
                                            headers=headers),
        "marks by period (API)": lambda: api.get(f"/api/v1/diary/marks?student_id={who['student']}"
                                                 f"&period_id={who['period']}", headers=headers),
        "class period report (page)": lambda: class_teacher.get(f"/school/{sid}/results/classes/{cid}/report"
                                                                f"?period={who['period']}"),
    }
    cache = app.extensions["eschool"].cache

    def cold(call):
        """The same request with the cache emptied first: what the first reader after a change waits."""
        def run():
            cache.clear()
            return call()
        return run

    for name in ("journal grid (page)", "diary week (page)", "diary week (API)"):
        cases[f"{name[:-1]}, not cached)"] = cold(cases[name])
    figures = {}
    for name, call in cases.items():
        figures[name] = measure(counter, call, reps)
        log(f"  {name}: {figures[name]}")
    login_client = app.test_client()
    figures["login (API token)"] = measure(
        counter, lambda: login_client.post("/api/v1/auth/token", json={"login": who["parent"], "password": PASSWORD}),
        max(5, reps // 5), warmup=1, expect=(201,))
    log(f"  login (API token): {figures['login (API token)']}")
    figures["login (form)"] = measure(
        counter, lambda: login_client.post("/login", data={"login": who["parent"], "password": PASSWORD}),
        max(5, reps // 5), warmup=1, expect=(302,))
    log(f"  login (form): {figures['login (form)']}")
    if import_rows:
        result["import"] = measure_import(app, import_rows)
        log(f"  contingent import: {result['import']}")
    result["requests"] = figures
    result["load_average_after"] = load_average()
    app.extensions["eschool"].database.close()
    return result


def write_outputs(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n",
                                          encoding="utf-8")
    runs = sorted(results["runs"].values(), key=lambda r: (r["size"]["students"], r["engine"]))
    lines = [f"Machine: {results['machine'].get('nproc')} CPUs ({results['machine'].get('cpu')}), "
             f"{results['machine'].get('memory_gb')} GB; commit {results['machine'].get('commit')}.", ""]
    for run in runs:
        size = run["size"]
        own = size.get("scale_students") or size["students"]
        extra = size["students"] - own
        lines.append(f"### {run['scale']} on {run['engine']}: {own:,} students"
                     + (f" (+{extra:,} in other schools: earlier import runs, the demo school)" if extra else "")
                     + f", {size['schools']} schools, {size['lessons']:,} lessons, {size['marks']:,} marks")
        lines.append("")
        lines.append(f"Load average before / after: {run['load_average_before']} / {run['load_average_after']}; "
                     f"measured {run.get('measured_at', '')}.")
        if run.get("build_seconds"):
            lines.append(f"Data set built in {run['build_seconds']} s (load average {run['build_load_average']}).")
        lines.append("")
        lines.append("| request | n | p50 ms | p95 ms | p99 ms | max ms | CPU p50 ms | CPU p95 ms | SQL queries |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, f in run["requests"].items():
            lines.append(f"| {name} | {f['n']} | {f['p50']} | {f['p95']} | {f['p99']} | {f['max']} | "
                         f"{f.get('cpu_p50', '')} | {f.get('cpu_p95', '')} | {f['queries']} |")
        if run.get("import"):
            imp = run["import"]
            lines.append(f"| contingent import, {imp['rows']} students | 1 | check {imp['check_seconds']} s | "
                         f"run {imp['run_seconds']} s | | **{imp['students_per_second']} students/s** | | | |")
        lines.append("")
    (RESULTS / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    series: dict = {}
    for run in runs:
        for name, f in run["requests"].items():
            if name.startswith("login"):
                continue  # the password hash's deliberate cost, the same at every size
            students = run["size"].get("scale_students") or run["size"]["students"]
            series.setdefault(f"{name}, {run['engine']}", []).append((students, f["p95"]))
    (RESULTS / "cost.svg").write_text(svg_chart(series, "p95 server time against data size",
                                                "students in the data set (log scale)",
                                                "p95 ms per request"), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", choices=["school", "municipality", "region"],
                        help="data set(s) to measure (default: school)")
    parser.add_argument("--database", action="append",
                        help="database URL(s); default the SQLite file bench/data/<scale>.sqlite3")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL (eschool_bench_<scale>)")
    parser.add_argument("--all", action="store_true", help="school and municipality on SQLite and PostgreSQL")
    parser.add_argument("--reps", type=int, default=50, help="repetitions per request (default 50)")
    parser.add_argument("--import-rows", type=int, default=2000, help="students in the import CSV (0: skip)")
    args = parser.parse_args(argv)
    scales = args.scale or (["school", "municipality"] if args.all else ["school"])
    results_file = RESULTS / "results.json"
    results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else {"runs": {}}
    results["machine"] = machine()

    def log(message):
        print(message, flush=True)

    for scale in scales:
        urls = args.database or [default_url(scale, "sqlite")] + (
            [default_url(scale, "postgres")] if args.postgres or args.all else [])
        for url in urls:
            run = run_one(scale, url, args.reps, args.import_rows, log)
            run["measured_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            results["runs"][f"{scale}/{run['engine']}"] = run
            write_outputs(results)
    update_docs()
    print(f"written: {RESULTS / 'results.json'}, results.md, cost.svg, docs/performance.md")
    return 0



def _replace_block(text: str, name: str, content: str) -> str:
    start, end = f"<!-- {name} -->", f"<!-- end {name} -->"
    if start not in text or end not in text:
        return text
    head, rest = text.split(start, 1)
    _old, tail = rest.split(end, 1)
    return f"{head}{start}\n{content.strip()}\n{end}{tail}"


def update_docs() -> None:
    """Copy the latest figures into docs/performance.md, between its ``<!-- bench ... -->`` markers."""
    doc = ROOT / "docs" / "performance.md"
    if not doc.exists():
        return
    text = doc.read_text(encoding="utf-8")
    results_md, load_md = RESULTS / "results.md", RESULTS / "load.md"
    if results_md.exists():
        body = results_md.read_text(encoding="utf-8").replace("\n### ", "\n#### ")
        text = _replace_block(text, "bench/run figures", body)
    if load_md.exists():
        text = _replace_block(text, "bench/load figures", load_md.read_text(encoding="utf-8"))
    text = _replace_block(text, "bench targets", targets_table())
    doc.write_text(text, encoding="utf-8")


def targets_table() -> str:
    """The issue's targets against the latest figures (municipality scale)."""
    def get(path):
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    runs = get(RESULTS / "results.json").get("runs", {})
    load = get(RESULTS / "load.json")
    rows = ["| target (2 cores, municipality) | measured | met? |", "|---|---|---|"]

    def req(name, key="p95"):
        out = []
        for engine in ("sqlite", "postgres"):
            run = runs.get(f"municipality/{engine}")
            if run and name in run["requests"]:
                f = run["requests"][name]
                out.append((engine, f[key], f.get("cpu_p95")))
        return out

    def line(label, name, limit):
        found = req(name)
        text = "; ".join(f"{e}: {p} ms (CPU {c} ms)" for e, p, c in found) or "not measured"
        met = bool(found) and all(p <= limit for _e, p, _c in found)
        rows.append(f"| {label} | p95 {text} | {'yes' if met else '**no**'} |")

    line("journal grid p95 ≤ 50 ms (reopened: cached)", "journal grid (page)", 50)
    line("journal grid p95 ≤ 50 ms (first opening after a change)", "journal grid (page, not cached)", 50)
    line("diary week (API) p95 ≤ 20 ms (cached)", "diary week (API)", 20)
    line("diary week (API) p95 ≤ 20 ms (first read after a change)", "diary week (API, not cached)", 20)
    line("diary week (page) p95 ≤ 20 ms (cached)", "diary week (page)", 20)
    line("diary week (page) p95 ≤ 20 ms (first read after a change)", "diary week (page, not cached)", 20)
    rps = [(r["clients"], r["requests_per_second"], r["errors"]) for r in load.get("diary", [])]
    rows.append("| ≥ 400 diary requests/s, gunicorn on PostgreSQL (cache off: every read builds the week) | "
                + ("; ".join(f"{c} clients: {v}/s ({e} errors)" for c, v, e in rps) or "not measured")
                + f" | {'yes' if rps and all(v >= 400 for _c, v, _e in rps) else '**no**'} |")
    again = [(r["clients"], r["requests_per_second"], r["errors"]) for r in load.get("diary_reread", [])]
    if again:
        rows.append("| ≥ 400 diary requests/s, gunicorn on PostgreSQL (re-reads, cached) | "
                    + "; ".join(f"{c} clients: {v}/s ({e} errors)" for c, v, e in again)
                    + f" | {'yes' if all(v >= 400 for _c, v, _e in again) else '**no**'} |")
    imports = [(e, runs[f"municipality/{e}"]["import"]["students_per_second"]) for e in ("sqlite", "postgres")
               if runs.get(f"municipality/{e}", {}).get("import")]
    rows.append("| contingent import ≥ 2,000 students/s | "
                + ("; ".join(f"{e}: {v}/s" for e, v in imports) or "not measured")
                + f" | {'yes' if imports and all(v >= 2000 for _e, v in imports) else '**no**'} |")
    counts = {}
    for run in runs.values():
        for name, f in run["requests"].items():
            counts.setdefault(name, set()).add(f["queries"])
    steady = all(len(v) == 1 for v in counts.values())
    rows.append(f"| query counts that do not grow with the data | "
                f"{', '.join(f'{n}: {sorted(v)}' for n, v in counts.items())} | {'yes' if steady else '**no**'} |")
    scenario = load.get("scenario_1900")
    if scenario:
        p = scenario["mark_posts"]
        ok = scenario["no_lost_mark"] and scenario["no_failed_request"]
        rows.append(f"| 19:00 scenario: no failed request, no lost mark | {p['posted_2xx']} marks posted (2xx), "
                    f"{p['marks_in_database_after_minus_before']} in the database; failed posts {p['failed']}, "
                    f"failed reads {scenario['diary_reads'].get('errors')} | {'yes' if ok else '**no**'} |")
    m = load.get("mix")
    if m and m.get("runs"):
        for i, target in enumerate(m["runs"][0]["targets"]):
            measured = "; ".join(f"{r['layout']}: {r['targets'][i]['measured']}" for r in m["runs"])
            met = "; ".join(f"{r['layout']}: {'yes' if r['targets'][i]['met'] else '**no**'}" for r in m["runs"])
            rows.append(f"| 19:00 mix ({m.get('scale', load.get('scale'))}): {target['target']} | {measured} | {met} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
