"""bench/olympiads.py: olympiad statistics at municipality scale, measured.

Builds a fresh SQLite database (or ``--database URL``) with the test world, 20 schools in its municipality,
5 subjects at the school and municipal stages over 3 school years, and ``--registrations`` final
registrations with scores and results spread over the schools' students (written in bulk), then measures
through the real routes, as the municipal operator: the statistics page by school (ranked, with its SVG
chart), the statistics API by subject and by grade, the XLSX export, the catalogue, and an olympiad's page
(its registrations). Prints the figures with the load average; not part of the test suite.

    .venv/bin/python -m bench.olympiads [--registrations 20000] [--reps 5] [--database URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

from bench.stats import load_average, summary

SUBJECTS = ["Математика", "Физика", "Русский язык", "Биология", "История"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="eschool-bench-olympiads-"))
    url = args.database or f"sqlite:///{tmp / 'olympiads.sqlite3'}"
    os.environ["ESCHOOL_REGION"] = "kemerovo"
    from eschool.app import create_app
    from eschool.testing import bearer, login
    from eschool.testing.world import build_world

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp / "instance"), "WTF_CSRF_ENABLED": False, "REGION": "kemerovo",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        app.extensions["eschool"].upgrade()
    world = build_world(app)
    rng = random.Random(11)
    started = time.perf_counter()
    with app.test_request_context("/"):
        from eschool.plugin_api import Student, db
        from eschool.structure import services as structure
        from eschool.structure.models import Municipality
        from eschool_olympiads import services
        from eschool_olympiads.models import Registration

        muni = Municipality.get_by_id(world.municipality)
        schools = [world.school] + [structure.create_school(muni, f"Школа № {n}", f"Школа № {n}").id
                                    for n in range(2, 21)]
        # students: 300 per school, written in bulk (the statistics read registrations, not classes)
        with db.atomic():
            rows = [{"school": s, "last_name": f"Ученик{s}-{i}", "first_name": "Имя", "middle_name": "",
                     "birth_date": dt.date(2012, 1, 1), "gender": "m", "status": "studying"}
                    for s in schools for i in range(300)]
            for i in range(0, len(rows), 1000):
                Student.insert_many(rows[i:i + 1000]).execute()
        students = {s: [x.id for x in Student.select(Student.id).where(Student.school == s)] for s in schools}
        olympiads = []
        today = dt.date.today()
        for year in (today.year - 2, today.year - 1, today.year):
            for subject in SUBJECTS:
                municipal = services.create((None, muni.id), {"title": f"ВсОШ {subject}, муниципальный этап",
                                                              "subject": subject, "stage": "municipal", "year": year,
                                                              "grade_from": 7, "grade_to": 11, "max_score": 100})
                olympiads.append(municipal)
                for s in schools:
                    olympiads.append(services.create((s, None), {
                        "title": f"ВсОШ {subject}, школьный этап", "subject": subject, "stage": "school",
                        "year": year, "grade_from": 5, "grade_to": 11, "max_score": 100, "passing_score": 70,
                        "next_stage_id": municipal.id}))
        by_olympiad = {o.id: o for o in olympiads}
        made, seen = [], set()
        now = dt.datetime.utcnow()
        while len(made) < args.registrations:
            o = rng.choice(olympiads)
            school = o.school_id or rng.choice(schools)
            student = rng.choice(students[school])
            if (o.id, student) in seen:
                continue
            seen.add((o.id, student))
            score = round(rng.uniform(5, 100), 1)
            made.append({"olympiad": o.id, "student": student, "school": school, "grade": rng.randint(5, 11),
                         "consent_at": now, "score": score, "created_at": now,
                         "result": "winner" if score > 90 else "prize_winner" if score > 75 else "participant"})
        with db.atomic():
            for i in range(0, len(made), 1000):
                Registration.insert_many(made[i:i + 1000]).execute()
        busiest = max(by_olympiad, key=lambda k: sum(1 for r in made if r["olympiad"] == k))
        busy_count = sum(1 for r in made if r["olympiad"] == busiest)
    built = time.perf_counter() - started
    client = app.test_client()
    login(client, "municipal")
    token = bearer(app.test_client(), "municipal")

    def timed(call):
        call()
        out = []
        for _ in range(args.reps):
            t = time.perf_counter()
            response = call()
            out.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.status_code
        return summary(out)

    figures = {
        "statistics page by school": timed(lambda: client.get("/olympiads/stats?by=school")),
        "statistics API by subject": timed(lambda: client.get("/api/v1/olympiads/stats?by=subject", headers=token)),
        "statistics API by grade, 1 year": timed(lambda: client.get(
            f"/api/v1/olympiads/stats?by=grade&year={today.year}", headers=token)),
        "statistics XLSX": timed(lambda: client.get("/olympiads/stats?format=xlsx&by=school")),
        "catalogue page": timed(lambda: client.get("/olympiads/")),
        f"olympiad page ({busy_count} registrations)": timed(lambda: client.get(f"/olympiads/{busiest}")),
    }
    print(f"database: {'sqlite' if url.startswith('sqlite') else 'postgres'}; {len(made)} registrations, "
          f"{len(olympiads)} olympiads, 20 schools, 6,000 students; built in {built:.1f} s; "
          f"load average {load_average()}")
    for name, s in figures.items():
        print(f"{name:<36} p50 {s['p50']:>8.1f} ms  p95 {s['p95']:>8.1f} ms  max {s['max']:>8.1f} ms  (n={s['n']})")


if __name__ == "__main__":
    main()
