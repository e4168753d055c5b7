"""The class journal as one piece: one weighted average on every page, one set of API schemas, and
homework removed through its service (with its files)."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest

from tests.conftest import bearer, login
from tests.journal_world import build_world, recent_lesson

API = "/api/v1/journal"


@pytest.fixture
def world(app, client, demo):
    built = build_world(app, demo)
    login(client, "teacher")
    assert client.get(built["grid"]).status_code == 200  # the lessons from the timetable
    client.post("/logout")
    return built


def _heavy_and_light(app, world):
    """Two work types whose weights make an average that floating point rounds down and half up rounds up:
    4 x 3.1 + 3 x 0.9 = 15.1, over 4.0 = 3.775 -> 3.78 (a float gives 3.7749999...)."""
    from eschool.journal import services
    from eschool.structure.models import School

    with app.app_context():
        school = School.get_by_id(world["school"])
        heavy = services.save_work_type(school, {"code": "heavy", "name": "Тяжёлая", "weight": Decimal("3.1"),
                                                 "order": 50, "active": True})
        light = services.save_work_type(school, {"code": "light", "name": "Лёгкая", "weight": Decimal("0.9"),
                                                 "order": 51, "active": True})
        return heavy.id, light.id


def test_the_same_average_on_the_grid_the_diary_and_the_class_overview(app, client, world):
    """The teacher's grid, the parent's diary summary (page and API) and the class teacher's overview
    show one figure for the same student, subject and period: results.figures, two places, half up."""
    from eschool.auth.models import User
    from eschool.journal import services
    from eschool.journal.models import Lesson

    heavy, light = _heavy_and_light(app, world)
    lesson = recent_lesson(app, world)
    student = world["students"][0]  # the demo parent's child
    with app.app_context():
        teacher = User.get_by_id(world["teacher"])
        lesson = Lesson.get_by_id(lesson.id)
        services.set_mark(teacher, lesson, student, 0, "4", work_type_id=heavy)
        services.set_mark(teacher, lesson, student, 1, "3", work_type_id=light)
        from eschool.results.figures import weighted_average

        assert weighted_average([(4, Decimal("3.1")), (3, Decimal("0.9"))]) == Decimal("3.78")
        assert round(float(Decimal("15.1") / Decimal("4.0")), 2) == 3.77  # what the old diary helper showed

    login(client, "teacher")
    grid = client.get(world["grid"]).get_data(as_text=True)
    cell = re.search(rf'data-avg="{student}">([^<]*)<', grid).group(1)
    assert cell == "3,78"
    client.post("/logout")

    login(client, "parent")
    summary = client.get("/diary/summary").get_data(as_text=True)
    assert re.search(r'class="diary-average">3,78<', summary), summary[:2000]
    client.post("/logout")
    api = client.get("/api/v1/diary/marks", query_string={"student_id": student}, headers=bearer(client, "parent"))
    assert api.status_code == 200, api.get_data(as_text=True)[:500]
    subjects = api.get_json()["subjects"]
    assert [s["average"] for s in subjects if s["average"] is not None] == [3.78]

    login(client, "classteacher")
    overview = client.get(f"/school/{world['school']}/classes/{world['c5']}/overview")
    assert overview.status_code == 200
    assert "<strong>3,78</strong>" in overview.get_data(as_text=True)


def test_the_grid_script_rounds_half_up_like_the_server(app):
    """journal.js counts weights in hundredths and rounds half up in integers: 3.775 -> 3.78."""
    from pathlib import Path

    import eschool

    script = (Path(eschool.__file__).parent / "static" / "js" / "journal.js").read_text(encoding="utf-8")
    assert "Math.floor((200 * sum + weights) / (2 * weights))" in script
    total, weights = 4 * 310 + 3 * 90, 310 + 90  # the same integer formula in Python
    assert (200 * total + weights) // (2 * weights) == 378


# --------------------------------------------------------------------------- one set of schemas


def test_no_two_schemas_share_an_openapi_component_name(app):
    """Every schema the API documents resolves to its own component name (no Teacher* copies)."""
    from marshmallow import Schema, fields

    from eschool.api.docs import DOC_ATTR, _schema_name

    seen: dict[str, type] = {}

    def visit(schema):
        if schema is None or isinstance(schema, str):
            return
        cls = schema if isinstance(schema, type) else type(schema)
        if not issubclass(cls, Schema):
            return
        name = _schema_name(cls)
        assert seen.setdefault(name, cls) is cls, f"{name}: {seen[name]} and {cls}"
        for field in cls._declared_fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested) and not isinstance(inner.nested, str | type(lambda: 0)):
                visit(inner.nested)

    for view in app.view_functions.values():
        meta = getattr(view, DOC_ATTR, None) or getattr(getattr(view, "__wrapped__", None), DOC_ATTR, None)
        if meta:
            for key in ("request", "response", "query"):
                visit(meta.get(key))
    assert "LessonDetail" in seen and "Mark" in seen
    assert not [name for name in seen if name.startswith("Teacher") and name != "TeacherRow"]  # staff's own
    from eschool.journal import api, schemas

    assert api.LessonDetailSchema is schemas.LessonDetailSchema


def test_the_openapi_document_keeps_the_api_field_names(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    assert {"class_id", "class_name", "subject", "state", "version"} <= set(components["Lesson"]["properties"])
    assert {"students", "homework", "can_edit", "scale"} <= set(components["LessonDetail"]["properties"])
    assert set(components["Mark"]["properties"]) == {"id", "student_id", "slot", "value", "numeric", "weight",
                                                     "work_type_id", "comment", "version", "updated_at"}


# --------------------------------------------------------------------------- removing homework


def test_delete_homework_removes_the_row_its_students_and_files(app, client, world):
    from eschool.auth.models import User
    from eschool.journal import services
    from eschool.journal.models import Homework, HomeworkFile, HomeworkStudent, Lesson
    from eschool.people.models import AuditEntry

    lesson = recent_lesson(app, world)
    events = []
    with app.app_context():
        from eschool.plugins import services as plugin_services

        teacher = User.get_by_id(world["teacher"])
        other = User.get_by_id(world["other"])
        lesson = Lesson.get_by_id(lesson.id)
        homework = services.set_homework(teacher, lesson, {"text": "№ 5", "student_ids": world["students"][:1]})

        class Upload:
            filename = "task.txt"

            def read(self, _limit):
                return b"task"

        row = services.add_homework_file(teacher, homework, Upload())
        path = services._upload_dir() / row.stored_name
        assert path.exists()
        with pytest.raises(services.JournalForbidden):
            services.delete_homework(other, homework, homework.version)
        with pytest.raises(services.StaleEdit):
            services.delete_homework(teacher, homework, homework.version + 5)
        assert HomeworkFile.select().where(HomeworkFile.homework == homework.id).exists()  # rolled back
        audit_before = AuditEntry.select().count()
        original = plugin_services.fire_event
        plugin_services.fire_event = lambda *a, **k: events.append(a[0])
        services.fire_event, saved = plugin_services.fire_event, services.fire_event
        try:
            services.delete_homework(teacher, homework, homework.version)
        finally:
            plugin_services.fire_event = original
            services.fire_event = saved
        assert not Homework.select().where(Homework.id == homework.id).exists()
        assert not HomeworkStudent.select().where(HomeworkStudent.homework == homework.id).exists()
        assert not HomeworkFile.select().where(HomeworkFile.homework == homework.id).exists()
        assert not path.exists()
        assert AuditEntry.select().count() == audit_before and events == ["homework_deleted"]  # not audited; an event


def test_the_api_deletes_homework_through_the_service(app, client, world):
    from eschool.journal.models import Homework, HomeworkFile

    headers = bearer(client, "teacher")
    lesson = recent_lesson(app, world)
    url = f"{API}/lessons/{lesson.id}/homework"
    assert client.delete(url, query_string={"version": 1}, headers=headers).status_code == 404  # none yet
    set_ = client.put(url, json={"text": "Стр. 42"}, headers=headers)
    assert set_.status_code == 200
    upload = client.post(f"{url}/files", data={"file": (io.BytesIO(b"hello"), "task.txt")}, headers=headers,
                         content_type="multipart/form-data")
    assert upload.status_code == 201
    version = set_.get_json()["version"]
    foreign = client.delete(url, query_string={"version": version}, headers=bearer(client, "other"))
    assert foreign.status_code == 403
    stale = client.delete(url, query_string={"version": version + 1}, headers=headers)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale"
    gone = client.delete(url, query_string={"version": version}, headers=headers)
    assert gone.status_code == 204
    with app.app_context():
        assert not Homework.select().where(Homework.lesson == lesson.id).exists()  # not an emptied row
        assert not HomeworkFile.select().exists()
    detail = client.get(f"{API}/lessons/{lesson.id}", headers=headers).get_json()
    assert detail["homework"] is None
    assert dt.date.fromisoformat(detail["date"]) <= world["today"]
