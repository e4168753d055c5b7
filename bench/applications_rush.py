"""The opening day of the 1st-grade campaign: the public application API under a steady 100 sendings a
second, gunicorn on PostgreSQL, the load generator on loopback (``python -m bench.applications_rush``).

1. Makes a fresh PostgreSQL database ``eschool_bench_rush`` on ``BENCH_POSTGRES`` (default
   ``postgresql://postgres@127.0.0.1:5432/postgres``; dropped first if it is there), applies the migrations,
   and sets up one municipality's schools (``--schools``, 5 by default) with their catchment streets.
2. Starts ``gunicorn eschool.wsgi:app`` on 127.0.0.1 (``--workers``, ``--threads``, gthread), behind one
   trusted proxy (``ESCHOOL_PROXY_FIX=1``): every sending carries its own ``X-Forwarded-For``, as families
   on their own lines do, so the per-address limit (``ESCHOOL_APPLICATION_RATE_LIMIT``) holds as in
   production. The letters go to the task queue (``--queue``: the embedded SQLite file by default, or
   ``redis://...``); no worker runs, so nothing is mailed.
3. Open loop: sending ``i`` leaves at ``start + i / --rate`` whatever the answers (``--threads-client``
   client threads with keep-alive connections), for ``--duration`` seconds, each a new child to a random
   school; ``--duplicates`` of them (default 5 %) send the same child twice at the same moment from two
   addresses.
4. Checks afterwards, in the database: every 201 answer is an application (nothing lost) and there is no
   application without one; each duplicated child has exactly one application and the other sending got
   409; the queue's order follows the server's clock (a sending answered before another was sent stands
   before it); no 5xx and no socket error.
5. Writes ``bench/results/applications_rush.json`` and ``.md``, prints the figures, stops gunicorn, drops
   the database (``--keep`` keeps it). Exits non-zero if a check fails or the rate reached is below
   ``--rate`` by more than 5 %.

Only 127.0.0.1; bounded in time (``--duration``) and in sendings (rate x duration).
"""
from __future__ import annotations

import argparse
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

from bench import suite
from bench.stats import load_average, machine, summary

DATABASE = "eschool_bench_rush"
STREET = "ул. Ленина"  # school n serves houses 100n+1 to 100n+99 of it
NAMES = ["Анна", "Мария", "Иван", "Пётр", "Софья", "Артём", "Алиса", "Михаил", "Ева", "Лев"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"]


def database_url() -> str:
    return re.sub(r"/[^/?]*(\?.*)?$", f"/{DATABASE}", suite.PG_ADMIN)


def fresh_database(url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(suite.PG_ADMIN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DATABASE}" ENCODING \'UTF8\' TEMPLATE template0')
    conn.close()


def drop_database() -> None:
    import psycopg2

    conn = psycopg2.connect(suite.PG_ADMIN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    conn.close()


def set_up(url: str, instance: Path, schools: int) -> list[int]:
    """Migrate and make the municipality's schools with their catchment streets; their ids."""
    os.environ["DATABASE_URL"] = url
    from eschool.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-rush", "INSTANCE_PATH": str(instance)})
    app.extensions["eschool"].upgrade()
    from eschool.school import card
    from eschool.structure import services as structure

    with app.app_context():
        municipality = structure.sync_municipalities(app.extensions["eschool"].region)[0]
        ids = []
        for n in range(schools):
            school = structure.create_school(municipality, f"Школа приёма № {n + 1}", f"Школа № {n + 1}")
            card.set_street(school, {"street": STREET, "houses": f"{100 * n + 1}-{100 * n + 99}"})
            ids.append(school.id)
    return ids


def start_gunicorn(url: str, port: int, workers: int, threads: int, instance: Path, queue: str, log_path: Path):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-rush-" + "x" * 32,
           "ESCHOOL_INSTANCE": str(instance), "PYTHONPATH": str(suite.ROOT), "ESCHOOL_PROXY_FIX": "1"}
    if queue != "sqlite":
        env["ESCHOOL_QUEUE_URL"], env["ESCHOOL_QUEUE_NAME"] = queue, "bench-rush"
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


def plan(rate: int, duration: int, schools: list[int], duplicates: float, seed: int) -> list[dict]:
    """The sendings in order: when each leaves (seconds from the start), where, and its body."""
    rng = random.Random(seed)
    today = dt.date.today()
    september = dt.date(today.year if today.month < 9 else today.year + 1, 9, 1)
    sendings = []
    for i in range(rate * duration):
        school = rng.randrange(len(schools))
        child = {"kind": "first_grade", "child_last_name": f"{rng.choice(LAST)}-{i}", "child_first_name": rng.choice(NAMES),
                 "child_gender": rng.choice("mf"), "applicant_email": f"parent{i}@example.org",
                 "child_birth_date": (september - dt.timedelta(days=rng.randint(2400, 2700))).isoformat(),
                 "applicant_name": f"Родитель Заявителя {i}", "street": STREET,
                 "house": str(100 * school + rng.randint(1, 130)), "consent": True,
                 "claimed_priority": rng.choice(["general"] * 8 + ["priority", "sibling"])}
        sendings.append({"at": i / rate, "school": schools[school], "body": child, "address": f"10.{i >> 16 & 255}."
                         f"{i >> 8 & 255}.{i & 255}", "pair": None})
        if rng.random() < duplicates:  # the same child again at the same moment, from the other parent
            sendings.append({"at": i / rate, "school": schools[school], "body": {**child, "applicant_email":
                                                                                 f"other{i}@example.org"},
                             "address": f"172.16.{i >> 8 & 255}.{i & 255}", "pair": i})
    return sendings


def client(port: int, sendings: list[dict], start: float, results: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for item in sendings:
        wait = start + item["at"] - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        sent = time.perf_counter()
        body = json.dumps(item["body"]).encode()
        try:
            conn.request("POST", f"/api/v1/schools/{item['school']}/applications/", body=body,
                         headers={"Content-Type": "application/json", "X-Forwarded-For": item["address"]})
            response = conn.getresponse()
            answer = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            results.append({**item, "status": 0, "error": str(exc), "sent": sent, "done": time.perf_counter()})
            continue
        data = json.loads(answer) if answer.startswith(b"{") else {}
        results.append({**item, "status": status, "id": data.get("id"), "sent": sent, "done": time.perf_counter(),
                        "late_ms": (sent - start - item["at"]) * 1000})


def check(url: str, instance: Path, results: list[dict]) -> dict:
    """What the database holds against what was answered."""
    os.environ["DATABASE_URL"] = url
    from eschool.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-rush", "INSTANCE_PATH": str(instance)})
    from eschool.applications.models import Application

    with app.app_context():
        stored = {a.id: a for a in Application.select()}
    created = [r for r in results if r["status"] == 201]
    answered_ids = {r["id"] for r in created}
    lost = sorted(answered_ids - set(stored))
    unanswered = sorted(set(stored) - answered_ids)
    keys: dict = {}
    for a in stored.values():
        keys.setdefault((a.school_id, a.child_key), []).append(a.id)
    doubled = [k for k, ids in keys.items() if len(ids) > 1]
    pairs: dict = {}
    for r in results:
        index = r["pair"] if r["pair"] is not None else int(r["body"]["applicant_name"].rsplit(" ", 1)[1])
        pairs.setdefault(index, []).append(r["status"])
    duplicated = {i: sorted(s) for i, s in pairs.items() if len(s) == 2}
    pair_ok = sum(1 for s in duplicated.values() if s == [201, 409])
    # the server's clock orders: a sending answered before another left stands before it
    by_done = sorted(created, key=lambda r: r["done"])
    later_sent = sorted(created, key=lambda r: r["sent"])
    unfair, latest, j = 0, None, 0
    for r in later_sent:
        while j < len(by_done) and by_done[j]["done"] < r["sent"]:
            at = stored[by_done[j]["id"]].submitted_at if by_done[j]["id"] in stored else None
            latest = at if latest is None or (at is not None and at > latest) else latest
            j += 1
        mine = stored.get(r["id"])
        if latest is not None and mine is not None and mine.submitted_at < latest:
            unfair += 1
    return {"stored": len(stored), "created_answers": len(created), "lost": lost, "unanswered": unanswered,
            "children_twice": len(doubled), "duplicate_pairs": len(duplicated), "duplicate_pairs_one_kept": pair_ok,
            "out_of_server_order": unfair}


def write(results: dict) -> str:
    s, c = results["send"], results["checks"]
    lines = [
        f"gunicorn {results['workers']} workers x {results['threads']} threads (gthread) on PostgreSQL, "
        f"{results['schools']} schools, queue {results['queue']}; load generator on 127.0.0.1 "
        f"({results['client_threads']} threads, open loop); {results['machine']['nproc']} CPUs; measured "
        f"{results['measured_at']}; load average before {results['load_before']}, after {results['load_after']}.", "",
        "| asked rate/s | sent | reached rate/s | 201 | 409 | 429 | 4xx other | 5xx | socket errors | p50 ms | p95 ms "
        "| p99 ms | max ms | sent late > 100 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {results['rate']} | {s['sent']} | {s['reached_rate']} | {s['201']} | {s['409']} | {s['429']} | "
        f"{s['4xx_other']} | {s['5xx']} | {s['socket_errors']} | {s['latency']['p50']} | {s['latency']['p95']} | "
        f"{s['latency']['p99']} | {s['latency']['max']} | {s['late']} |", "",
        f"Applications answered 201: {c['created_answers']}; in the database: {c['stored']}; lost: {len(c['lost'])}; "
        f"stored without an answer: {len(c['unanswered'])}. Children sent twice at once: {c['duplicate_pairs']}, "
        f"of which kept once with the other refused (409): {c['duplicate_pairs_one_kept']}; children with two "
        f"applications: {c['children_twice']}. Out of the server's order: {c['out_of_server_order']}. "
        f"**All checks: {results['ok']}**."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--schools", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--threads-client", type=int, default=32)
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--queue", default="sqlite", help="sqlite (the embedded default) or redis://host:6379/15")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    url = database_url()
    instance = Path(tempfile.mkdtemp(prefix="eschool-rush-"))
    fresh_database(url)
    schools = set_up(url, instance, args.schools)
    sendings = plan(args.rate, args.duration, schools, args.duplicates, args.seed)
    suite.RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = instance / "gunicorn.log"
    server = start_gunicorn(url, args.port, args.workers, args.threads, instance, args.queue, log_path)
    load_before = load_average()
    results: list[dict] = []
    try:
        buckets = [sendings[i::args.threads_client] for i in range(args.threads_client)]
        start = time.perf_counter() + 0.5
        threads = [threading.Thread(target=client, args=(args.port, b, start, results)) for b in buckets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + 120)
        elapsed = max(r["done"] for r in results) - start
    finally:
        stop(server)
    statuses = [r["status"] for r in results]
    originals = sum(1 for item in sendings if item["pair"] is None)
    send = {"sent": len(results), "reached_rate": round(originals / max(elapsed, 1e-9), 1),
            "201": statuses.count(201), "409": statuses.count(409), "429": statuses.count(429),
            "4xx_other": sum(1 for s in statuses if 400 <= s < 500 and s not in (409, 429)),
            "5xx": sum(1 for s in statuses if s >= 500), "socket_errors": statuses.count(0),
            "late": sum(1 for r in results if r.get("late_ms", 0) > 100),
            "latency": summary([(r["done"] - r["sent"]) * 1000 for r in results])}
    checks = check(url, instance, results)
    ok = (not checks["lost"] and not checks["unanswered"] and not checks["children_twice"]
          and checks["duplicate_pairs"] == checks["duplicate_pairs_one_kept"] and not checks["out_of_server_order"]
          and not send["5xx"] and not send["socket_errors"] and send["reached_rate"] >= 0.95 * args.rate)
    out = {"rate": args.rate, "duration": args.duration, "schools": args.schools, "workers": args.workers,
           "threads": args.threads, "client_threads": args.threads_client, "queue": args.queue,
           "machine": machine(), "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "load_before": load_before, "load_after": load_average(), "send": send, "checks": checks, "ok": ok}
    (suite.RESULTS / "applications_rush.json").write_text(json.dumps(out, indent=2, ensure_ascii=False),
                                                          encoding="utf-8")
    text = write(out)
    (suite.RESULTS / "applications_rush.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    if not args.keep:
        drop_database()
    shutil.rmtree(instance, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
