"""bench/knowledge_base.py: a test taken by 30 classes at once, 900 students submitting within a minute, on
gunicorn and PostgreSQL; no lost and no double attempt.

Run: ``.venv/bin/python -m bench.knowledge_base`` (PostgreSQL at ``BENCH_POSTGRES``, default
postgresql://postgres@127.0.0.1:5432/postgres; the database ``eschool_bench_kb`` is made afresh).

1. Builds one school: a year whose period covers today, 30 classes of 30 students (each with an account and
   a bearer token minted in-process), one maths teacher keeping all 30 classes (timetable, lessons of the
   last two weeks), 10 questions of every kind, one test for the 30 classes (20 minutes, one attempt).
2. Starts ``gunicorn eschool.wsgi:app`` (``--workers`` x ``--threads``, gthread) on 127.0.0.1.
3. 900 students, each at a random moment within ``--window`` seconds (default 50): start the attempt
   (``POST .../tests/<id>/attempts``), think 0-3 s, submit the answers (``POST .../attempts/<id>/submit``);
   every tenth student double-clicks (two submits at once) and every tenth starts twice at once. Up to
   ``--concurrency`` students act at the same moment (default 150 connections).
4. Counts afterwards: attempts (exactly one per student), graded attempts, marks in the journal (exactly one
   per student), the answers (2xx, the refused double submits, anything else); latencies p50/p95/p99;
   the load average before and after. Writes bench/results/knowledge_base.json and prints a Markdown block.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import random
import re
import sys
import threading
import time

from bench import suite
from bench.loadtest import start_gunicorn, stop
from bench.stats import load_average, machine, summary

CLASSES, PER_CLASS = 30, 30
QUESTIONS = [
    {"kind": "single", "text": "2 + 2 = ?", "options": ["3", "4", "5"], "correct": [1]},
    {"kind": "multiple", "text": "Чётные", "options": ["1", "2", "3", "4"], "correct": [1, 3]},
    {"kind": "number", "text": "3/4 = ?", "value": 0.75, "tolerance": 0.001},
    {"kind": "text", "text": "Число над чертой", "accepted": ["числитель"]},
    {"kind": "matching", "text": "Пары", "pairs": [["1/2", "0,5"], ["1/4", "0,25"], ["1/5", "0,2"]]},
    {"kind": "ordering", "text": "По возрастанию", "items": ["1/8", "1/4", "1/2", "1"]},
    {"kind": "single", "text": "1/2 + 1/4", "options": ["3/4", "2/6", "1/8"], "correct": [0]},
    {"kind": "number", "text": "0,2 · 5", "value": 1, "tolerance": 0},
    {"kind": "text", "text": "Число под чертой", "accepted": ["знаменатель"]},
    {"kind": "multiple", "text": "Больше 1/2", "options": ["2/3", "1/3", "3/4"], "correct": [0, 2]},
]


def fresh_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1].split("?")[0]
    conn = psycopg2.connect(re.sub(r"/[^/?]*(\?.*)?$", "/postgres", url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    conn.close()


def build(app, log) -> dict:
    """The school, its 900 students with tokens, the teacher, the bank and the test; returns what the load needs."""
    from eschool.auth import services as auth
    from eschool.auth.models import RoleAssignment, User
    from eschool.journal.services import ensure_lessons, local_today
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.school import services as school_services
    from eschool.structure import services as structure
    from eschool.timetable import services as timetable
    from eschool_knowledge_base import services as kb

    ext = app.extensions["eschool"]
    with app.app_context():
        ext.upgrade()
        muni = structure.sync_municipalities(ext.region)[0]
        school = structure.create_school(muni, "Школа нагрузочного теста", "Школа НТ")
        today = local_today()
        start, end = today - dt.timedelta(days=60), today + dt.timedelta(days=60)
        year = school_services.create_year(school, {
            "name": f"{start.year}/{end.year}", "starts_on": start, "ends_on": end, "is_current": True,
            "periods": [{"kind": "quarter", "number": 1, "starts_on": start, "ends_on": end, "grade_from": 1,
                         "grade_to": 11}]})
        maths = school_services.add_subject(school, {"name": "Математика", "short_name": "Мат"})
        teacher = auth.create_user("kbteacher", "Учитель Нагрузкин", password=None, must_change_password=False)
        auth.grant_role(teacher, "subject_teacher", school=school, allowed_roles=ext.roles)
        groups, students = [], []
        letters = "АБВГД"
        for n in range(CLASSES):
            group = school_services.create_class(school, {
                "academic_year_id": year.id, "grade": 5 + n // 5, "letter": letters[n % 5], "kind": "regular",
                "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
            school_services.add_assignment(school, {"teacher_id": teacher.id, "class_id": group.id,
                                                    "subject_id": maths.id, "subgroup_id": None})
            # one maths lesson a week per class (one teacher keeps all 30: no two at the same time)
            timetable.add_entry(school, {"class_id": group.id, "weekday": 1 + n % 6, "number": 1 + n // 6,
                                         "subject_id": maths.id, "teacher_id": teacher.id, "room_id": None})
            ensure_lessons(group, today - dt.timedelta(days=14), today)
            groups.append(group)
            for k in range(PER_CLASS):
                i = n * PER_CLASS + k
                student = people.enrol(school, {
                    "last_name": f"Ученик{i:03d}", "first_name": "Тест", "middle_name": "",
                    "birth_date": dt.date(2012, 1, 1 + i % 28), "gender": "m" if i % 2 else "f",
                    "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
                    "class_id": group.id, "date": start, "order_number": f"{i}-у"}, notify=False)
                user = auth.create_user(f"kbstudent{i:03d}", f"Ученик {i}", password=None, must_change_password=False)
                auth.grant_role(user, "student", school=school, allowed_roles=ext.roles)
                RoleAssignment.update(class_group_id=group.id).where(RoleAssignment.user == user).execute()
                Student.update(user=user).where(Student.id == student.id).execute()
                token, _row = auth.issue_token(user, days=1, name="bench")
                students.append({"id": student.id, "token": token})
            log(f"  class {n + 1}/{CLASSES}")
        teacher = User.get_by_id(teacher.id)
        ids = [kb.save_question(teacher, school, {"subject_id": maths.id, "topic": "Дроби", "points": 1, **q}).id
               for q in QUESTIONS]
        now = dt.datetime.utcnow()
        quiz = kb.save_quiz(teacher, school, {
            "title": "Контрольная для 30 классов", "subject_id": maths.id, "question_ids": ids, "mode": "fixed",
            "draw_count": None, "time_limit": 20, "attempts_allowed": 1, "opens_at": now - dt.timedelta(minutes=5),
            "closes_at": now + dt.timedelta(hours=2), "class_ids": [g.id for g in groups], "work_type_id": None,
            "review": False})
        from eschool_knowledge_base.models import Question

        keys = {q.id: kb.key_of(q) for q in Question.select().where(Question.id.in_(ids))}
        kinds = {q.id: q.kind for q in Question.select().where(Question.id.in_(ids))}
        return {"school": school.id, "quiz": quiz.id, "students": students, "keys": keys, "kinds": kinds}


def answer_for(kind: str, key: dict, right: bool):
    if kind in ("single", "multiple"):
        return key["correct"] if right else [len(key["correct"]) + 5]
    if kind == "number":
        return str(key["value"]) if right else "-1"
    if kind == "text":
        return key["accepted"][0] if right else "не знаю"
    value = key["pairs"] if kind == "matching" else key["order"]
    return value if right else list(reversed(value))


class Client:
    """One connection per request, as 900 browsers on their own connections (a kept-alive connection idle
    past gunicorn's keep-alive would be closed under the client and count as a failure of the client's)."""

    def __init__(self, port: int):
        self.port = port

    def call(self, method: str, path: str, token: str, body=None) -> tuple[int, dict, float]:
        payload = json.dumps(body).encode() if body is not None else b""
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=payload, headers={"Authorization": f"Bearer {token}",
                                                               "Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            print(f"{method} {path}: {exc!r}", flush=True)
            return 0, {}, (time.perf_counter() - started) * 1000
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        try:
            return response.status, json.loads(data or b"{}"), ms
        except ValueError:
            return response.status, {}, ms


def run_load(port: int, data: dict, window: float, concurrency: int, seed: int) -> dict:
    rng = random.Random(seed)
    client = Client(port)
    base = f"/api/v1/knowledge_base/schools/{data['school']}"
    lock = threading.Lock()
    out = {"start": [], "submit": [], "status": {}, "double_submit_refused": 0, "double_submit_ok": 0,
           "double_start_same": 0, "double_start_other": 0}
    plan = [(rng.uniform(0, window), s, i % 10 == 3, i % 10 == 7, rng.uniform(0, 3), rng.random())
            for i, s in enumerate(data["students"])]
    t0 = time.perf_counter() + 1

    def note(kind, status, ms):
        with lock:
            out[kind].append(ms)
            out["status"][f"{kind} {status}"] = out["status"].get(f"{kind} {status}", 0) + 1

    def one(item):
        at, student, double_submit, double_start, think, skill = item
        time.sleep(max(0.0, t0 + at - time.perf_counter()))
        token = student["token"]
        if double_start:
            with concurrent.futures.ThreadPoolExecutor(2) as pair:
                results = list(pair.map(lambda _: Client(port).call("POST", f"{base}/tests/{data['quiz']}/attempts",
                                                                    token), range(2)))
            for status, _body, ms in results:
                note("start", status, ms)
            ids = {body.get("id") for status, body, _ms in results if status == 201}
            with lock:
                out["double_start_same" if len(ids) == 1 else "double_start_other"] += 1
            status, body = results[0][0], results[0][1]
        else:
            status, body, ms = client.call("POST", f"{base}/tests/{data['quiz']}/attempts", token)
            note("start", status, ms)
        if status != 201:
            return
        time.sleep(think)
        answers = {str(q["id"]): answer_for(data["kinds"][q["id"]], data["keys"][q["id"]], rng.random() < skill)
                   for q in body["questions"]}
        path = f"{base}/attempts/{body['id']}/submit"
        if double_submit:
            with concurrent.futures.ThreadPoolExecutor(2) as pair:
                results = list(pair.map(lambda _: Client(port).call("POST", path, token, {"answers": answers}),
                                        range(2)))
            for status, _body, ms in results:
                note("submit", status, ms)
            statuses = sorted(r[0] for r in results)
            with lock:
                out["double_submit_refused" if statuses == [200, 409] else "double_submit_ok"] += 1
        else:
            status, _body, ms = client.call("POST", path, token, {"answers": answers})
            note("submit", status, ms)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, plan))
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def count(app, quiz_id: int) -> dict:
    from peewee import fn

    from eschool.journal.models import Mark
    from eschool_knowledge_base.models import Attempt

    with app.app_context():
        attempts = Attempt.select().where(Attempt.quiz == quiz_id)
        students = attempts.select(fn.COUNT(fn.DISTINCT(Attempt.student))).scalar()
        graded = attempts.where(Attempt.status == "submitted").count()
        published = attempts.where(Attempt.mark_state == "published").count()
        failed = [a.mark_error for a in attempts.where(Attempt.mark_state == "failed").limit(3)]
        marks = Mark.select().where(Mark.comment == "Контрольная для 30 классов")
        return {"attempts": attempts.count(), "students_with_attempt": students, "graded": graded,
                "marks_published": published, "marks_in_journal": marks.count(),
                "students_with_mark": marks.select(fn.COUNT(fn.DISTINCT(Mark.student))).scalar(),
                "failed_examples": failed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bench/knowledge_base.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=re.sub(r"/[^/?]*(\?.*)?$", "/eschool_bench_kb", suite.PG_ADMIN))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8781)
    parser.add_argument("--window", type=float, default=50.0, help="seconds over which the 900 start (default 50)")
    parser.add_argument("--concurrency", type=int, default=150)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    fresh_database(args.database)
    app = suite.make_app(args.database)
    print("building 30 classes of 30 students ...", flush=True)
    built_at = time.perf_counter()
    data = build(app, print)
    print(f"built in {time.perf_counter() - built_at:.0f} s", flush=True)
    log_path = suite.DATA / "gunicorn-kb.log"
    log_path.write_text("", encoding="utf-8")
    server = start_gunicorn(args.database, args.port, args.workers, args.threads, log_path)
    time.sleep(2)
    load_before = load_average()
    try:
        load = run_load(args.port, data, args.window, args.concurrency, args.seed)
    finally:
        load_after = load_average()
        stop(server)
    counts = count(app, data["quiz"])
    n = len(data["students"])
    ok = (counts["attempts"] == n and counts["students_with_attempt"] == n and counts["graded"] == n
          and counts["students_with_mark"] == n and counts["marks_in_journal"] == n)
    results = {"machine": machine(), "students": n, "classes": CLASSES, "workers": args.workers,
               "threads": args.threads, "window_s": args.window, "concurrency": args.concurrency,
               "seconds": load["seconds"], "status": load["status"], "start": summary(load["start"]),
               "submit": summary(load["submit"]), "double_submit_refused": load["double_submit_refused"],
               "double_submit_both_ok": load["double_submit_ok"], "double_start_same": load["double_start_same"],
               "double_start_other": load["double_start_other"], "counts": counts, "no_lost_no_double": ok,
               "load_before": load_before, "load_after": load_after,
               "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    suite.RESULTS.mkdir(parents=True, exist_ok=True)
    (suite.RESULTS / "knowledge_base.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
