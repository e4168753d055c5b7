"""Knowledge base, part 2: the question bank, tests graded on the server, marks into the journal through the
core's set_mark under the journal's rules, review before publishing, item analysis, anti-cheating (no keys
before the end, server-timed attempts, no double attempts), query counts flat."""
from __future__ import annotations

import datetime as dt

import pytest

from eschool.testing.world import PASSWORD

QUESTIONS = [
    {"kind": "single", "text": "2 + 2 = ?", "options": ["3", "4", "5"], "correct": [1]},
    {"kind": "multiple", "text": "Чётные числа", "options": ["1", "2", "3", "4"], "correct": [1, 3]},
    {"kind": "number", "text": "π с точностью до сотых", "value": 3.14, "tolerance": 0.01},
    {"kind": "text", "text": "Столица России", "accepted": ["Москва", "г. Москва"]},
    {"kind": "matching", "text": "Соотнесите", "pairs": [["1/2", "0,5"], ["1/4", "0,25"], ["3/4", "0,75"]]},
    {"kind": "ordering", "text": "По возрастанию", "items": ["1/4", "1/2", "3/4"]},
]
SECRET_KEYS = ("correct", "accepted", "pairs", "order", "value", "tolerance", "answer", "keys_shown")


def _students_with_accounts(app, world, count):
    """Give 5А's first ``count`` students accounts s1..sN (the world's ``student`` is the first)."""
    from eschool.auth import services as auth
    from eschool.auth.models import RoleAssignment
    from eschool.people.models import Student
    from eschool.structure.models import School

    names = ["student"]
    with app.app_context():
        school = School.get_by_id(world.school)
        for n, sid in enumerate(world.students[1:count], start=2):
            user = auth.create_user(f"pupil{n}", f"Ученик {n}", password=PASSWORD, must_change_password=False)
            auth.grant_role(user, "student", school=school, allowed_roles=app.extensions["eschool"].roles)
            RoleAssignment.update(class_group_id=world.c5).where(RoleAssignment.user == user).execute()
            Student.update(user=user).where(Student.id == sid).execute()
            names.append(f"pupil{n}")
    return names



@pytest.fixture
def bank(app, client, world, api_token):
    teacher = api_token("teacher")
    ids = []
    for q in QUESTIONS:
        r = client.post(f"/api/v1/knowledge_base/schools/{world.school}/questions",
                        json={"subject_id": world.maths, "topic": "Дроби", **q}, headers=teacher)
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    return ids


def _quiz(client, world, headers, question_ids, **extra):
    now = dt.datetime.now(dt.UTC)
    body = {"title": "Контрольная: дроби", "subject_id": world.maths, "question_ids": question_ids,
            "time_limit": 20, "attempts_allowed": 2, "opens_at": (now - dt.timedelta(hours=1)).isoformat(),
            "closes_at": (now + dt.timedelta(hours=1)).isoformat(), "class_ids": [world.c5], **extra}
    return client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests", json=body, headers=headers)


def _right(q):
    """The right answer for a question as the student sees it (reads the key from the database)."""
    import json

    from eschool_knowledge_base.models import Question

    row = Question.get_by_id(q["id"])
    key = json.loads(row.answer)
    return {"single": lambda: key["correct"], "multiple": lambda: key["correct"],
            "number": lambda: "3,14", "text": lambda: " москва ", "matching": lambda: key["pairs"],
            "ordering": lambda: key["order"]}[row.kind]()


def test_bad_questions_name_the_field(client, world, api_token):
    teacher = api_token("teacher")
    url = f"/api/v1/knowledge_base/schools/{world.school}/questions"
    for body, field in (({"kind": "single", "text": "?", "options": ["a"], "correct": [0]}, "options"),
                        ({"kind": "single", "text": "?", "options": ["a", "b"], "correct": [0, 1]}, "correct"),
                        ({"kind": "number", "text": "?"}, "value"),
                        ({"kind": "text", "text": "?"}, "accepted"),
                        ({"kind": "matching", "text": "?", "pairs": [["a", "b"]]}, "pairs"),
                        ({"kind": "ordering", "text": "?", "items": ["a"]}, "items"),
                        ({"kind": "essay", "text": "?"}, "kind")):
        r = client.post(url, json={"subject_id": world.maths, **body}, headers=teacher)
        assert r.status_code == 400 and field in r.get_json()["error"]["fields"], (body, r.get_json())
    assert client.get(url, headers=api_token("student")).status_code == 403


def test_an_attempt_is_graded_on_the_server_and_the_mark_goes_into_the_journal(app, client, world, bank, api_token,
                                                                                login_as):
    from eschool.journal.models import Mark, WorkType

    teacher = api_token("teacher")
    with app.app_context():
        work_type = WorkType.select().where(WorkType.school == world.school).order_by(WorkType.weight.desc()).first()
    quiz = _quiz(client, world, teacher, bank, work_type_id=work_type.id)
    assert quiz.status_code == 201, quiz.get_json()
    qid = quiz.get_json()["id"]
    student = api_token("student")
    started = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=student)
    assert started.status_code == 201, started.get_json()
    attempt = started.get_json()
    # no key reaches the student before the end: not in the attempt, not on the page
    assert attempt["keys"] is None and attempt["results"] is None
    for q in attempt["questions"]:
        assert not set(q) & set(SECRET_KEYS), q
    page = login_as("student").get(f"/knowledge_base/school/{world.school}/attempts/{attempt['id']}")
    assert page.status_code == 200 and "Москва" not in page.get_data(as_text=True)
    # a second start gives the same attempt back
    again = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=student)
    assert again.get_json()["id"] == attempt["id"]
    with app.app_context():
        answers = {str(q["id"]): _right(q) for q in attempt["questions"]}
    answers[str(bank[1])] = [0, 1]  # one wrong: 5 of 6 right
    done = client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}/submit",
                       json={"answers": answers}, headers=student)
    assert done.status_code == 200, done.get_json()
    result = done.get_json()
    assert (result["score"], result["max_score"], result["percent"]) == (5, 6, 83)
    assert result["mark_value"] == "4" and result["mark_state"] == "published"
    assert result["keys"] is None  # the test is still open for the others
    with app.app_context():
        mark = Mark.get(Mark.student == world.students[0])
        assert (mark.value, mark.work_type_id, mark.author_id) == ("4", work_type.id, world.user_id("teacher"))
    # a second submit is refused, nothing graded twice
    twice = client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}/submit",
                        json={"answers": answers}, headers=student)
    assert twice.status_code == 409
    # the parent reads their child's attempt; the teacher sees results and the item analysis
    assert client.get(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}",
                      headers=api_token("parent")).status_code == 200
    items = client.get(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/analysis", headers=teacher).get_json()
    multiple = next(i for i in items if i["question_id"] == bank[1])
    assert multiple["share_correct"] == 0 and multiple["common_wrong"] == "1; 2"
    assert next(i for i in items if i["question_id"] == bank[0])["share_correct"] == 1
    page = login_as("teacher").get(f"/knowledge_base/school/{world.school}/tests/{qid}")
    assert page.status_code == 200 and "Ученик00" in page.get_data(as_text=True)


def test_another_student_cannot_read_an_attempt_nor_results(app, client, world, bank, api_token, login_as):
    _students_with_accounts(app, world, 2)
    qid = _quiz(client, world, api_token("teacher"), bank).get_json()["id"]
    aid = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts",
                      headers=api_token("student")).get_json()["id"]
    s2 = api_token("pupil2")
    assert client.get(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{aid}", headers=s2).status_code == 404
    assert client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{aid}/submit", json={"answers": {}},
                       headers=s2).status_code == 404
    assert login_as("pupil2").get(f"/knowledge_base/school/{world.school}/attempts/{aid}").status_code == 403
    for url in (f"/tests/{qid}/results", f"/tests/{qid}/analysis"):
        assert client.get(f"/api/v1/knowledge_base/schools/{world.school}{url}", headers=s2).status_code == 403
        assert client.get(f"/api/v1/knowledge_base/schools/{world.school}{url}",
                          headers=api_token("other")).status_code == 403
    # a student of another class does not see the test
    assert client.get(f"/api/v1/knowledge_base/schools/{world.school}/questions", headers=s2).status_code == 403


def test_late_submission_is_refused_and_the_attempt_closed_with_saved_answers(app, client, world, bank, api_token):
    from eschool_knowledge_base.models import Attempt

    qid = _quiz(client, world, api_token("teacher"), bank, attempts_allowed=1).get_json()["id"]
    student = api_token("student")
    attempt = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=student).get_json()
    with app.app_context():
        first = {str(attempt["questions"][0]["id"]): _right(attempt["questions"][0])}
    saved = client.put(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}/answers",
                       json={"answers": first}, headers=student)
    assert saved.status_code == 200
    with app.app_context():
        Attempt.update(deadline_at=dt.datetime.utcnow() - dt.timedelta(minutes=5)).where(
            Attempt.id == attempt["id"]).execute()
        everything = {str(q["id"]): _right(q) for q in attempt["questions"]}
    late = client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}/submit",
                       json={"answers": everything}, headers=student)
    assert late.status_code == 409
    got = client.get(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}", headers=student).get_json()
    assert got["status"] == "expired" and got["score"] == 1
    # no attempts left
    assert client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts",
                       headers=student).status_code == 409


def test_review_first_then_publish_and_a_closed_period_is_explained(app, client, world, bank, api_token):
    from eschool.journal.models import Mark
    from eschool.school.models import Period

    teacher = api_token("teacher")
    qid = _quiz(client, world, teacher, bank, review=True).get_json()["id"]
    student = api_token("student")
    attempt = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=student).get_json()
    done = client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}/submit",
                       json={"answers": {}}, headers=student).get_json()
    assert done["mark_state"] == "review" and done["mark_value"] == "2"
    with app.app_context():
        assert Mark.select().count() == 0
        Period.update(closed=True).execute()
    counts = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/publish", headers=teacher).get_json()
    assert counts == {"published": 0, "failed": 1}
    results = client.get(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/results", headers=teacher).get_json()
    assert results[0]["mark_state"] == "failed" and "closed" in results[0]["mark_error"].lower() \
        or "закрыт" in results[0]["mark_error"]
    with app.app_context():
        Period.update(closed=False).execute()
    assert client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/publish",
                       headers=api_token("other")).status_code == 403
    counts = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/publish", headers=teacher).get_json()
    assert counts == {"published": 1, "failed": 0}
    with app.app_context():
        assert Mark.get(Mark.student == world.students[0]).value == "2"


def test_a_test_only_for_the_teachers_own_classes(client, world, bank, api_token):
    r = _quiz(client, world, api_token("teacher"), bank, class_ids=[world.c6])
    assert r.status_code == 403
    r = _quiz(client, world, api_token("teacher"), bank, mode="random", draw_count=99)
    assert r.status_code == 400 and "draw_count" in r.get_json()["error"]["fields"]


def test_random_draw_and_keys_shown_after_close(app, client, world, bank, api_token):
    from eschool_knowledge_base.models import Quiz

    qid = _quiz(client, world, api_token("teacher"), bank, mode="random", draw_count=3).get_json()["id"]
    student = api_token("student")
    attempt = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=student).get_json()
    assert len(attempt["questions"]) == 3 and {q["id"] for q in attempt["questions"]} <= set(bank)
    client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}/submit", json={"answers": {}},
                headers=student)
    with app.app_context():
        Quiz.update(closes_at=dt.datetime.utcnow() - dt.timedelta(minutes=1)).execute()
    after = client.get(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{attempt['id']}", headers=student).get_json()
    assert after["keys"] and set(after["keys"]) == {str(q["id"]) for q in attempt["questions"]}


def test_results_and_analysis_queries_stay_flat(app, client, world, bank, api_token, count_queries):
    names = _students_with_accounts(app, world, 6)
    teacher = api_token("teacher")
    qid = _quiz(client, world, teacher, bank).get_json()["id"]

    def take(who):
        h = api_token(who)
        a = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=h).get_json()
        client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{a['id']}/submit", json={"answers": {}},
                    headers=h)

    def count():
        counts = []
        for url in ("results", "analysis"):
            with app.app_context(), count_queries() as counted:
                assert client.get(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/{url}",
                                  headers=teacher).status_code == 200
            counts.append(counted.count)
        return counts

    take(names[0])
    take(names[1])
    count()
    small = count()
    for who in names[2:]:
        take(who)
    assert count() == small


def test_an_attempts_queries_stay_flat_in_questions(app, client, world, bank, api_token, count_queries):
    """Starting, reading and handing in an attempt of 2 questions and of 6 run the same number of queries."""
    teacher = api_token("teacher")
    _students_with_accounts(app, world, 2)
    with app.app_context():  # the class's lessons exist (the journal made them), as on any school day
        from eschool.journal.services import ensure_lessons
        from eschool.school.models import ClassGroup

        ensure_lessons(ClassGroup.get_by_id(world.c5), world.today - dt.timedelta(days=14), world.today)
    counts = []
    for who, questions in (("student", bank[:2]), ("pupil2", bank)):
        qid = _quiz(client, world, teacher, questions, title=f"Тест на {len(questions)}").get_json()["id"]
        h = api_token(who)
        steps = []
        with app.app_context(), count_queries() as counted:
            a = client.post(f"/api/v1/knowledge_base/schools/{world.school}/tests/{qid}/attempts", headers=h).get_json()
        steps.append(counted.count)
        with app.app_context(), count_queries() as counted:
            client.get(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{a['id']}", headers=h)
        steps.append(counted.count)
        with app.app_context(), count_queries() as counted:
            client.post(f"/api/v1/knowledge_base/schools/{world.school}/attempts/{a['id']}/submit",
                        json={"answers": {}}, headers=h)
        steps.append(counted.count)
        counts.append(steps)
    assert counts[0] == counts[1], counts


@pytest.fixture
def live(app):
    """The app served by a threaded werkzeug server (as tests/test_races.py): real concurrent requests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _race(method: str, url: str, headers: dict, body, count: int) -> list[int]:
    """``count`` requests released together by a barrier; their statuses."""
    import json
    import threading
    import urllib.error
    import urllib.request

    barrier = threading.Barrier(count)
    statuses: list = [None] * count

    def go(i):
        request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else b"",
                                         method=method, headers={**headers, "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                statuses[i] = (response.status, json.loads(response.read() or b"null"))
        except urllib.error.HTTPError as exc:
            statuses[i] = (exc.code, json.loads(exc.read() or b"null"))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_starts_and_submits_at_once_make_one_attempt_graded_once(app, world, bank, api_token, live):
    from eschool.journal.models import Mark
    from eschool_knowledge_base.models import Attempt

    client = app.test_client()
    qid = _quiz(client, world, api_token("teacher"), bank).get_json()["id"]
    student = api_token("student")
    base = f"{live}/api/v1/knowledge_base/schools/{world.school}"
    starts = _race("POST", f"{base}/tests/{qid}/attempts", student, None, 8)
    assert {s for s, _b in starts} == {201} and len({b["id"] for _s, b in starts}) == 1
    aid = starts[0][1]["id"]
    submits = _race("POST", f"{base}/attempts/{aid}/submit", student, {"answers": {}}, 8)
    assert sorted(s for s, _b in submits) == [200] + [409] * 7
    with app.app_context():
        assert Attempt.select().where(Attempt.quiz == qid).count() == 1
        assert Mark.select().where(Mark.student == world.students[0]).count() == 1
