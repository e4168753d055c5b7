"""bench/surveys.py: a municipal survey of 20,000 anonymous answers (20 schools), measured.

Builds a fresh SQLite database (or ``--database URL``) with the test world, 20 schools in its municipality and
one municipal survey of the parents (6 questions: single, multiple, scale 1-5, scale 1-10, matrix, text), then
``--answers`` responses spread over the schools (written in bulk: the answers' shape is what matters).
Measures through the real routes, logged in as the municipal operator: the results page (with the schools
side by side), the results API, the XLSX export; and submitting one answer (``POST .../responses``) by parents.
Prints the figures with the load average; not part of the test suite.

    .venv/bin/python -m bench.surveys [--answers 20000] [--reps 5] [--database URL]
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.stats import load_average, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="eschool-bench-surveys-"))
    url = args.database or f"sqlite:///{tmp / 'surveys.sqlite3'}"
    import os

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
    rng = random.Random(7)
    started = time.perf_counter()
    with app.test_request_context("/"):
        from eschool.auth import services as auth
        from eschool.people import services as people
        from eschool.people.models import Student
        from eschool.plugin_api import db
        from eschool.structure import services as structure
        from eschool.structure.models import Municipality, School
        from eschool_surveys import services
        from eschool_surveys.models import Answer, Response

        muni = Municipality.get_by_id(world.municipality)
        schools = [world.school] + [structure.create_school(muni, f"Школа № {n}", f"Школа № {n}").id
                                    for n in range(2, 21)]
        parents = []
        for i in range(args.reps * 2):
            user = auth.create_user(f"benchparent{i}", f"Родитель {i}", password="demo-2026",
                                    must_change_password=False)
            auth.grant_role(user, "parent", school=School.get_by_id(world.school),
                            allowed_roles=app.extensions["eschool"].roles)
            people.link_guardian(Student.get_by_id(world.students[i % len(world.students)]),
                                 {"user_id": user.id, "relation": "father", "legal_representative": True})
            parents.append(user.username)
        from tests.test_surveys import SECTIONS

        survey = services.create_survey((None, muni.id), {
            "title": "Муниципальный опрос родителей", "anonymous": True,
            "audience": [{"kind": "municipality", "municipality_id": muni.id, "who": ["parents"]}],
            "sections": SECTIONS})
        services.publish(survey)
        qs = [q for p in services.structure(survey) for q in p["questions"]]
        texts = ["Всё хорошо", "Больше кружков", "Меньше домашних заданий", "Спасибо учителям", "Нужен ремонт"]
        with db.atomic():
            for start in range(0, args.answers, 1000):
                responses, answers = [], []
                for _ in range(min(1000, args.answers - start)):
                    r = {"id": rng.getrandbits(62) + 1, "survey": survey.id, "school_id": rng.choice(schools),
                         "class_id": None}
                    responses.append(r)
                    rid = r["id"]
                    answers.append({"id": rng.getrandbits(62) + 1, "response": rid, "question": qs[0].id,
                                    "row": None, "choice": rng.randrange(2), "text": None})
                    for c in rng.sample(range(3), rng.randint(1, 2)):
                        answers.append({"id": rng.getrandbits(62) + 1, "response": rid, "question": qs[1].id,
                                        "row": None, "choice": c, "text": None})
                    answers.append({"id": rng.getrandbits(62) + 1, "response": rid, "question": qs[2].id,
                                    "row": None, "choice": rng.randint(1, 5), "text": None})
                    answers.append({"id": rng.getrandbits(62) + 1, "response": rid, "question": qs[3].id,
                                    "row": None, "choice": rng.randint(1, 10), "text": None})
                    for row in range(2):
                        answers.append({"id": rng.getrandbits(62) + 1, "response": rid, "question": qs[4].id,
                                        "row": row, "choice": rng.randrange(2), "text": None})
                    if rng.random() < 0.3:
                        answers.append({"id": rng.getrandbits(62) + 1, "response": rid, "question": qs[5].id,
                                        "row": None, "choice": None, "text": rng.choice(texts)})
                school_of = {r["id"]: r["school_id"] for r in responses}
                for a in answers:
                    a["school_id"] = school_of[a["response"]]
                Response.insert_many(responses).execute()
                for i in range(0, len(answers), 2000):
                    Answer.insert_many(answers[i:i + 2000]).execute()
        survey_id = survey.id
        answer_rows = Answer.select().count()
        answers_payload = {str(qs[0].id): 1, str(qs[1].id): [0], str(qs[2].id): 4, str(qs[3].id): 8,
                           str(qs[4].id): {"0": 1, "1": 0}, str(qs[5].id): "Хорошо"}
    built = time.perf_counter() - started
    client = app.test_client()
    login(client, "municipal")
    token = bearer(app.test_client(), "municipal")

    def timed(call, reps=args.reps):
        call()  # warm-up
        out = []
        for _ in range(reps):
            t = time.perf_counter()
            response = call()
            out.append((time.perf_counter() - t) * 1000)
            assert response.status_code in (200, 201), response.status_code
        return summary(out)

    figures = {
        "results page": timed(lambda: client.get(f"/surveys/{survey_id}/results")),
        "results API": timed(lambda: client.get(f"/api/v1/surveys/{survey_id}/results", headers=token)),
        "schools side by side API": timed(lambda: client.get(f"/api/v1/surveys/{survey_id}/schools", headers=token)),
        "XLSX export": timed(lambda: client.get(f"/surveys/{survey_id}/results.xlsx")),
    }
    headers = [bearer(app.test_client(), p) for p in parents]
    submits = []
    for h in headers:
        t = time.perf_counter()
        response = client.post(f"/api/v1/surveys/{survey_id}/responses", json={"answers": answers_payload}, headers=h)
        submits.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 201, response.get_json()
    figures["submit one answer"] = summary(submits)
    print(f"database: {'sqlite' if url.startswith('sqlite') else 'postgres'}; {args.answers} responses, "
          f"{answer_rows} answer rows, 20 schools; built in {built:.1f} s; load average {load_average()}")
    for name, s in figures.items():
        print(f"{name:<28} p50 {s['p50']:>8.1f} ms  p95 {s['p95']:>8.1f} ms  max {s['max']:>8.1f} ms  (n={s['n']})")


if __name__ == "__main__":
    main()
