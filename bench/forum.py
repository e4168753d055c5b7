"""The forum at municipality scale: a municipality's boards with many topics and a topic of 500 posts.

    .venv/bin/python -m bench.forum [--database URL] [--schools 25] [--topics 200] [--reps 40]

Builds (afresh each run) a municipality of ``--schools`` schools with teachers in each, five methodical
boards of the municipality with ``--topics`` topics each (3 to 8 posts a topic, by teachers of different
schools, with reactions), and one topic of 500 posts followed by 30 teachers; then measures, in process
through the test client as a logged-in teacher: the topic page (first and last page), the board page,
the boards' list, search (page and API), and posting a reply (API: the post, its search entry, the
unread marker and 30 notifications). Prints a Markdown table with p50/p95 and the statements per
request, and the load average before and after; writes ``bench/results/forum.json``.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stats import load_average, machine, summary  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SUBJECTS = ["Математика", "Русский язык", "Физика", "История", "Биология"]
WORDS = ("урок задание контрольная олимпиада программа учебник методика оценивание проект экзамен класс "
         "презентация тетрадь диктант задача формула опыт практикум").split()


def make_app(url: str):
    from eschool.app import create_app

    DATA.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = url
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 32, "WTF_CSRF_ENABLED": False,
                       "INSTANCE_PATH": str(DATA / "instance-forum"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    conn.close()


def text(rng: random.Random, n: int = 30) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(app, schools: int, topics_per_board: int, rng: random.Random, log) -> dict:
    from eschool.auth import services as auth
    from eschool.auth.models import User
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality
    from eschool.testing.world import PASSWORD, build_world
    from eschool_forum import services
    from eschool_forum.models import Board, Subscription

    world = build_world(app)
    ext = app.extensions["eschool"]
    started = time.perf_counter()
    with app.test_request_context("/"):
        muni = Municipality.get_by_id(world.municipality)
        teachers = [User.get_by_id(world.users["teacher"]), User.get_by_id(world.users["classteacher"])]
        for n in range(2, schools + 1):
            school = structure.create_school(muni, f"Школа форума №{n}", f"Школа №{n}")
            for k in range(4):
                user = auth.create_user(f"t{n}_{k}", f"Учитель {n}-{k}", password=PASSWORD, must_change_password=False)
                auth.grant_role(user, "subject_teacher", school=school, allowed_roles=ext.roles)
                teachers.append(user)
        log(f"{schools} schools, {len(teachers)} teachers in {time.perf_counter() - started:.0f} s")
        boards = []
        for subject in SUBJECTS:
            board = Board.create(level="municipality", municipality=muni.id, title=f"МО: {subject}", subject=subject)
            boards.append(Board.get_by_id(board.id))
        posts = 0
        for board in boards:
            for i in range(topics_per_board):
                author = rng.choice(teachers)
                topic = services.create_topic(author, board, f"{board.subject}: вопрос {i} — {rng.choice(WORDS)}",
                                              text(rng))
                for _ in range(rng.randint(2, 7)):
                    post = services.add_post(rng.choice(teachers), topic, text(rng))
                    posts += 1
                    if rng.random() < 0.3:
                        services.react(rng.choice(teachers), services.get_post(teachers[0], post.id), "like")
                posts += 1
            log(f"{board.title}: {topics_per_board} topics ({time.perf_counter() - started:.0f} s)")
        board = boards[0]
        big = services.create_topic(teachers[1], board, "Большая тема: подготовка к ОГЭ", text(rng, 60))
        for n in range(499):
            post = services.add_post(teachers[n % len(teachers)], big, text(rng, rng.randint(20, 80)))
            if n % 5 == 0:
                services.react(teachers[(n + 3) % len(teachers)], services.get_post(teachers[0], post.id), "thanks")
        posts += 500
        for user in teachers[2:32]:
            Subscription.get_or_create(user=user.id, topic=big.id, board=None)
        log(f"{posts} posts in {time.perf_counter() - started:.0f} s")
        return {"board": board.id, "big": big.id, "posts": posts, "topics": topics_per_board * len(boards) + 1,
                "teachers": len(teachers), "schools": schools}


def run_measure(app, made: dict, reps: int, log) -> list[dict]:
    from eschool.testing import bearer, login

    database = app.extensions["eschool"].database
    counter = {"n": 0}
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter["n"] += 1
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    client = app.test_client()
    login(client, "teacher")
    headers = bearer(app.test_client(), "teacher")
    big, board = made["big"], made["board"]
    cases = [
        ("topic of 500 posts, first page", "get", f"/forum/t/{big}", None),
        ("topic of 500 posts, last page", "get", f"/forum/t/{big}?page=25", None),
        ("topic of 500 posts, a page (API)", "get", f"/api/v1/forum/topics/{big}/posts?page=12&size=20", headers),
        (f"board page ({made['topics'] // 5} topics)", "get", f"/forum/b/{board}", None),
        ("board page 5", "get", f"/forum/b/{board}?page=5", None),
        ("boards' list", "get", "/forum/", None),
        ("search (page)", "get", "/forum/search?q=олимпиада+методика", None),
        ("search (API)", "get", "/api/v1/forum/search?q=контрольная+формула", headers),
        ("reply in the 500-post topic (API, 30 followers)", "post", f"/api/v1/forum/topics/{big}/posts", headers),
    ]
    rows = []
    for label, method, url, hdrs in cases:
        times, cpu, statements = [], [], []
        for i in range(reps):
            kwargs = {"headers": hdrs} if hdrs else {}
            if method == "post":
                kwargs["json"] = {"body": f"Ответ номер {i}: спасибо за материалы, @teacher посмотрите."}
            counter["n"] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            answer = getattr(client, method)(url, **kwargs)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            statements.append(counter["n"])
            assert answer.status_code in (200, 201), (label, answer.status_code)
        row = {"case": label, **summary(times), "cpu_p50": summary(cpu)["p50"],
               "statements": sorted(set(statements))}
        rows.append(row)
        log(f"{label}: p50 {row['p50']} ms, p95 {row['p95']} ms, statements {row['statements']}")
    database.execute_sql = original
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=f"sqlite:///{DATA / 'forum.sqlite3'}")
    parser.add_argument("--schools", type=int, default=25)
    parser.add_argument("--topics", type=int, default=200, help="topics per board (five boards)")
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)

    def log(message):
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    before = load_average()
    fresh_database(args.database)
    app = make_app(args.database)
    with app.app_context():
        app.extensions["eschool"].upgrade()
    made = build(app, args.schools, args.topics, random.Random(args.seed), log)
    during = load_average()
    rows = run_measure(app, made, args.reps, log)
    after = load_average()
    engine = "sqlite" if args.database.startswith("sqlite") else "postgres"
    result = {"database": engine, "data": made, "rows": rows, "load_average": {"before": before, "built": during,
                                                                               "after": after},
              "machine": machine()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"forum-{engine}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n{engine}: {made['schools']} schools, {made['teachers']} teachers, {made['topics']} topics, "
          f"{made['posts']} posts; load average before {before}, after building {during}, after measuring {after}\n")
    print("| request | p50 ms | p95 ms | CPU p50 ms | statements |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        print(f"| {row['case']} | {row['p50']} | {row['p95']} | {row['cpu_p50']} | "
              f"{', '.join(map(str, row['statements']))} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
