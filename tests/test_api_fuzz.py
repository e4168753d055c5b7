"""Schemathesis fuzzes every operation of ``/api/v1/openapi.json`` against the WSGI app, as every role.

The demo school with its school year (classes, timetable, students, parents) is built once per part,
lessons are made for the fortnight around today, and a bearer token is issued to each demo account.
Each generated request goes out as one of the roles, or without a token; half of the path parameters
are ids of rows that exist (the school, its classes, lessons, students, ...; ids the fuzzer's own
POSTs answered are added as it goes), so the requests reach the rules, not only the 404s.

Every response must pass schemathesis' checks: no server error, a status code, content type, headers
and body the document declares. The run is bounded and reproducible: ``ESCHOOL_FUZZ_EXAMPLES``
examples per operation (5 by default), derandomized, no example database, no deadline. Wider::

    ESCHOOL_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/test_api_fuzz.py -n 2
"""
from __future__ import annotations

import datetime as dt
import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402  (hypothesis comes with schemathesis)
from hypothesis import strategies as st  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from eschool.api.docs import API_PREFIX  # noqa: E402

EXAMPLES = int(os.environ.get("ESCHOOL_FUZZ_EXAMPLES", "5"))
# The parts run as separate tests (pytest-xdist spreads them over the cores), each with its own app.
PARTS = {"journal": rf"^{API_PREFIX}/(journal|diary)/",
         "school-classes": rf"^{API_PREFIX}/schools/{{school_id}}/(classes|periods|journal|lesson|students|staff)",
         "school-rest": rf"^{API_PREFIX}/schools/{{school_id}}/(?!(classes|periods|journal|lesson|students|staff))",
         "other": rf"^{API_PREFIX}/(?!(journal|diary|schools)/)"}
ANONYMOUS = None
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance"]


class World:
    """The app under test, a token per role and the ids the fuzzer may use in paths."""

    def __init__(self, app, tokens: dict, ids: dict, users: dict):
        self.app, self.tokens, self.ids, self.users = app, tokens, ids, users

    def renew(self, role: str) -> None:
        """A role's token again (the fuzzer may revoke the one in use: DELETE /auth/token)."""
        from eschool.auth import services as auth
        from eschool.auth.models import ApiToken, User

        with self.app.app_context():
            user = User.get_by_id(self.users[role])
            if user.must_change_password or not user.is_active:
                return
            token = self.tokens[role]
            row = ApiToken.get_or_none(ApiToken.token_hash == auth._digest(token))
            if row is None or row.revoked_at is not None:
                self.tokens[role] = auth.issue_token(user, name="fuzz")[0]

    def after(self, case, response) -> None:
        """Learn the ids the fuzzer's POSTs made; a new token for a role whose token it revoked."""
        path, method = case.operation.path, case.method.upper()
        if method == "DELETE" and "/auth/token" in path or path.endswith("/auth/password"):
            for role in self.tokens:
                self.renew(role)
        if method != "POST" or response.status_code != 201:
            return
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("id"), int):
            name = _ID_OF.get(path.rstrip("/").rsplit("/", 1)[-1])
            if name:
                self.ids.setdefault(name, []).append(body["id"])


# the last segment of a collection -> the name of its items' path parameter
_ID_OF = {"buildings": "building_id", "catchment": "line_id", "lesson-plans": "plan_id", "timetable": "entry_id",
          "substitutions": "substitution_id", "work-types": "work_type_id", "students": "student_id",
          "lessons": "lesson_id", "files": "file_id", "classes": "class_id", "years": "year_id",
          "subjects": "subject_id", "staff": "user_id",
          "surveys": "survey_id", "olympiads": "olympiad_id"}


def _collect_ids(school) -> dict[str, list]:
    from eschool.auth.models import ApiToken, User
    from eschool.journal.models import HomeworkFile, Lesson, WorkType
    from eschool.people.models import Student
    from eschool.school.models import AcademicYear, Building, CatchmentStreet, ClassGroup, Period, Subject
    from eschool.structure.models import Municipality
    from eschool.timetable.models import Substitution, TimetableEntry
    from eschool_lesson_plans.models import LessonPlan

    def ids(model, where=None, limit=30):
        query = model.select(model.id).order_by(model.id)
        if where is not None:
            query = query.where(where)
        return [row.id for row in query.limit(limit)]

    teacher_ids = [u.id for u in User.select(User.id).where(User.username.in_(["teacher", "classteacher"]))]
    today = dt.date.today()
    return {
        "school_id": [school.id], "class_id": ids(ClassGroup, ClassGroup.school == school),
        "subject_id": ids(Subject, Subject.school == school), "year_id": ids(AcademicYear),
        "period_id": ids(Period), "student_id": ids(Student, limit=60),
        "lesson_id": ids(Lesson, Lesson.teacher.in_(teacher_ids), limit=60),
        "teacher_id": teacher_ids, "user_id": ids(User, limit=40), "building_id": ids(Building),
        "line_id": ids(CatchmentStreet), "plan_id": ids(LessonPlan), "entry_id": ids(TimetableEntry),
        "substitution_id": ids(Substitution), "work_type_id": ids(WorkType), "token_id": ids(ApiToken),
        "file_id": ids(HomeworkFile), "vacancy_id": _vacancies(),
        "date": [(today - dt.timedelta(days=d)).isoformat() for d in range(7)],
        "code": ["vacancies", "oversight", "lesson_plans", "oneroster"] + [m.code for m in Municipality.select()],
        "municipality_code": [m.code for m in Municipality.select()],
        **_plugin_ids(),
    }


def _plugin_ids() -> dict[str, list[int]]:
    """Surveys and olympiads of the demo, so the fuzzer reaches their rules."""
    out = {}
    try:
        from eschool_surveys.models import Survey

        out["survey_id"] = [s.id for s in Survey.select(Survey.id).limit(30)]
    except ImportError:
        pass
    try:
        from eschool_olympiads.models import Olympiad, Registration

        out["olympiad_id"] = [o.id for o in Olympiad.select(Olympiad.id).limit(30)]
        out["registration_id"] = [r.id for r in Registration.select(Registration.id).limit(30)]
    except ImportError:
        pass
    return out


def _vacancies() -> list[int]:
    try:
        from eschool_vacancies.models import Vacancy
    except ImportError:
        return []
    return [v.id for v in Vacancy.select(Vacancy.id).limit(30)]


def _build_world(app) -> World:
    from eschool.auth import services as auth
    from eschool.auth.models import User
    from eschool.journal import services as journal
    from eschool.school.models import ClassGroup
    from eschool_demo.demo import build_demo

    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=True, journal=False)
        school = demo["school"]
        today = journal.local_today()
        for group in ClassGroup.select().where(ClassGroup.school == school):
            journal.ensure_lessons(group, today - dt.timedelta(days=7), today + dt.timedelta(days=7))
        users = {u.username: u for u in User.select().where(User.username.in_([a for a, _ in demo["accounts"]]))}
        tokens = {name: auth.issue_token(user, name="fuzz")[0] for name, user in users.items()}
        return World(app, tokens, _collect_ids(school), {name: u.id for name, u in users.items()})


@pytest.mark.parametrize("part", list(PARTS))
def test_every_operation_as_every_role(make_app, part):
    """Schemathesis' Python API (operation.as_strategy with Hypothesis' @given), not its pytest plugin:
    the plugin's lazy schemas (from_fixture) break on pytest 9.2, and a failure in one operation must not
    hide the others: every operation runs, and the test lists every failure."""
    world = _build_world(make_app())
    schema = _schema(world).include(path_regex=PARTS[part])
    checks = [getattr(schemathesis.checks, name) for name in CHECKS]
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategy = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                             operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            response = case.call_and_validate(checks=checks)
            world.after(case, response)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures are reported, not only the first
            failures.append(f"{operation.label}: {exc}")
    assert operations, part
    assert not failures, f"{len(failures)} of {operations} operations fail:\n\n" + "\n\n".join(failures)


def _schema(world: World):
    schema = schemathesis.openapi.from_wsgi(f"{API_PREFIX}/openapi.json", world.app)
    roles = [ANONYMOUS, *sorted(world.tokens)]

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, ids that exist (read when drawn: the lists grow with the fuzzer's POSTs)."""
        names = [name for name in (path_parameters or {}) if world.ids.get(name)]
        if not names:
            return st.just(path_parameters)
        known = st.fixed_dictionaries({name: st.integers(0, 10_000).map(
            lambda i, name=name: world.ids[name][i % len(world.ids[name])]) for name in names})
        return st.one_of(st.just(path_parameters), known.map(lambda chosen: {**path_parameters, **chosen}))

    @schema.hook
    def flatmap_case(context, case):
        """Each request as one of the roles (or none), with that role's current token."""
        def as_role(role):
            headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            if role is not ANONYMOUS:
                headers["Authorization"] = f"Bearer {world.tokens[role]}"
            case.headers = headers
            return case
        return st.sampled_from(roles).map(as_role)

    return schema


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_an_id_beyond_the_database_is_404_for_every_method_of_its_path(client, demo, method):
    """Found by the fuzzer: PUT and DELETE share ``/journal/lessons/<id>/attendance``; werkzeug noted the
    other method before converting the id, so an id beyond the database's integers was a 405 naming it."""
    from tests.conftest import bearer

    huge, headers = str(2**63), bearer(client, "teacher")
    for path in (f"{API_PREFIX}/journal/lessons/{huge}/attendance", f"{API_PREFIX}/journal/lessons/{huge}/marks",
                 f"{API_PREFIX}/schools/{huge}/lesson-times"):
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 404, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"
