"""Knowledge base, part 1: materials (safe Markdown, files, subject/grade/topic), sharing at school,
municipality and region level after review, full-text search, a material given as a lesson's homework in one
step; who may, through pages and the API."""
from __future__ import annotations

import io

import pytest

from eschool.testing.world import PASSWORD


@pytest.fixture
def kb(app, world):
    """The world plus a second school in another municipality (its teacher and student) and a third in the
    world's municipality."""
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    ext = app.extensions["eschool"]
    with app.app_context():
        own = Municipality.get_by_id(world.municipality)
        other_muni = Municipality.select().where(Municipality.id != own.id).first()
        far = structure.create_school(other_muni, "Дальняя школа", "Дальняя")
        near = structure.create_school(own, "Соседняя школа", "Соседняя")
        for username, role, school in (("farteacher", "subject_teacher", far), ("nearteacher", "subject_teacher", near),
                                       ("farmunicipal", "municipal_operator", None)):
            user = auth.create_user(username, username, password=PASSWORD, must_change_password=False)
            scope = {"school": school} if school else {"municipality": other_muni}
            auth.grant_role(user, role, allowed_roles=ext.roles, **scope)
    world.far, world.near = far.id, near.id
    return world


def _material(client, school_id, headers, **extra):
    body = {"title": "Дроби: теория", "subject": "Математика", "grade": 5, "topic": "Обыкновенные дроби",
            "body": "# Дроби\n\nЧислитель и знаменатель.<script>alert(1)</script>", **extra}
    return client.post(f"/api/v1/knowledge_base/schools/{school_id}/materials", json=body, headers=headers)


def test_a_teacher_writes_publishes_and_students_read_safe_markdown(app, client, kb, api_token, login_as):
    teacher = api_token("teacher")
    created = _material(client, kb.school, teacher)
    assert created.status_code == 201, created.get_json()
    mid = created.get_json()["id"]
    assert created.get_json()["status"] == "draft"
    student = api_token("student")
    # a draft is the author's only
    assert client.get(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}", headers=student).status_code == 404
    assert client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/publish",
                       headers=teacher).get_json()["status"] == "published"
    page = login_as("student").get(f"/knowledge_base/school/{kb.school}/materials/{mid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Дроби</h1>" in html and "<script>alert" not in html
    listed = client.get(f"/api/v1/knowledge_base/schools/{kb.school}/materials?grade=5&subject=Математика",
                        headers=student).get_json()
    assert [m["id"] for m in listed["items"]] == [mid]
    # bad input names the field, nothing saved
    bad = _material(client, kb.school, teacher, title="", level="galaxy")
    assert bad.status_code == 400 and {"title", "level"} <= set(bad.get_json()["error"]["fields"])
    # only the author changes it
    other = api_token("other")
    assert client.patch(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}", json={"title": "Чужое"},
                        headers=other).status_code == 403
    # a student or a parent writes nothing
    assert _material(client, kb.school, student).status_code == 403
    assert login_as("parent").get(f"/knowledge_base/school/{kb.school}/materials/new").status_code == 403


def test_full_text_search_finds_word_forms(app, client, kb, api_token):
    teacher = api_token("teacher")
    for title, body in (("Дроби: теория", "Обыкновенные дроби и их сложение"), ("Площадь", "Площадь прямоугольника")):
        mid = _material(client, kb.school, teacher, title=title, body=body).get_json()["id"]
        client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/publish", headers=teacher)
    found = client.get(f"/api/v1/knowledge_base/schools/{kb.school}/materials?q=сложения дробей",
                       headers=api_token("student")).get_json()
    assert [m["title"] for m in found["items"]] == ["Дроби: теория"]


def test_sharing_wider_waits_for_review_and_other_schools_see_only_approved(app, client, kb, api_token, login_as):
    teacher = api_token("teacher")
    mid = _material(client, kb.school, teacher, level="region").get_json()["id"]
    client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/publish", headers=teacher)
    far = login_as("farteacher")
    far_api, near_api = api_token("farteacher"), api_token("nearteacher")
    url_far = f"/api/v1/knowledge_base/schools/{kb.far}/materials/{mid}"
    url_near = f"/api/v1/knowledge_base/schools/{kb.near}/materials/{mid}"
    assert client.get(url_far, headers=far_api).status_code == 404
    assert client.get(url_near, headers=near_api).status_code == 404
    assert far.get(f"/knowledge_base/school/{kb.far}/materials/{mid}").status_code == 404
    # a teacher cannot read it under their school's URL... nor under the author's school
    assert far.get(f"/knowledge_base/school/{kb.school}/materials/{mid}").status_code in (403, 404)
    # reviewers: a teacher may not review; the other municipality's operator does not see it
    assert client.get("/api/v1/knowledge_base/review", headers=api_token("teacher")).status_code == 403
    assert client.get("/api/v1/knowledge_base/review", headers=api_token("farmunicipal")).get_json()["items"] == []
    assert client.post(f"/api/v1/knowledge_base/review/{mid}", json={"decision": "approve"},
                       headers=api_token("farmunicipal")).status_code == 404
    municipal = api_token("municipal")
    assert [m["id"] for m in client.get("/api/v1/knowledge_base/review", headers=municipal).get_json()["items"]] == [mid]
    approved = client.post(f"/api/v1/knowledge_base/review/{mid}", json={"decision": "approve"}, headers=municipal)
    assert approved.get_json()["approved_level"] == "municipality"
    assert client.get(url_near, headers=near_api).status_code == 200
    assert client.get(url_far, headers=far_api).status_code == 404
    region = login_as("region")
    page = region.get("/knowledge_base/review")
    assert page.status_code == 200 and "Дроби: теория" in page.get_data(as_text=True)
    assert region.post(f"/knowledge_base/review/{mid}", data={"decision": "approve"}).status_code == 302
    assert client.get(url_far, headers=far_api).status_code == 200
    assert far.get(f"/knowledge_base/school/{kb.far}/materials/{mid}").status_code == 200


def test_files_are_attached_and_served_only_to_readers(app, client, kb, api_token, login_as):
    teacher = api_token("teacher")
    mid = _material(client, kb.school, teacher).get_json()["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    added = client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/files", headers=teacher,
                        data={"file": (io.BytesIO(png), "chart.png")}, content_type="multipart/form-data")
    assert added.status_code == 201, added.get_json()
    file_url = added.get_json()["files"][0]["url"]
    # a draft's file: the author only
    assert login_as("student").get(file_url).status_code == 404
    assert login_as("teacher").get(file_url).status_code == 200
    client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/publish", headers=teacher)
    assert login_as("student").get(file_url).status_code == 200
    assert login_as("farteacher").get(file_url).status_code == 404


def test_a_material_becomes_a_lessons_homework_in_one_step(app, client, kb, api_token, login_as):
    from eschool.journal.models import Homework

    teacher = api_token("teacher")
    mid = _material(client, kb.school, teacher).get_json()["id"]
    client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/publish", headers=teacher)
    page = login_as("teacher").get(f"/knowledge_base/school/{kb.school}/materials/{mid}")
    html = page.get_data(as_text=True)
    assert "lesson_id" in html
    with app.app_context():
        from eschool.journal.models import Lesson

        lesson = Lesson.select().where((Lesson.class_group == kb.c5) & (Lesson.date <= kb.today)).order_by(
            Lesson.date.desc()).first()
        theirs = Lesson.select().where(Lesson.class_group == kb.c6).first()
    done = client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/assign",
                       json={"lesson_id": lesson.id}, headers=teacher)
    assert done.status_code == 201, done.get_json()
    with app.app_context():
        homework = Homework.get(Homework.lesson == lesson.id)
        assert "Дроби: теория" in homework.text and f"/materials/{mid}" in homework.links
    # another teacher's lesson: the journal's rules refuse
    if theirs is not None:
        refused = client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/assign",
                              json={"lesson_id": theirs.id}, headers=teacher)
        assert refused.status_code == 403
    # the parent sees it among the child's assigned materials
    child = login_as("parent").get(f"/knowledge_base/school/{kb.school}/child").get_data(as_text=True)
    assert "Дроби: теория" in child


def test_material_list_queries_stay_flat(app, client, kb, api_token, count_queries):
    teacher = api_token("teacher")
    student = api_token("student")

    def add(n):
        for i in range(n):
            mid = _material(client, kb.school, teacher, title=f"Материал {i:03d}").get_json()["id"]
            client.post(f"/api/v1/knowledge_base/schools/{kb.school}/materials/{mid}/publish", headers=teacher)

    def count():
        with app.app_context(), count_queries() as counted:
            assert client.get(f"/api/v1/knowledge_base/schools/{kb.school}/materials", headers=student).status_code == 200
        return counted.count

    add(2)
    client.get(f"/api/v1/knowledge_base/schools/{kb.school}/materials", headers=student)
    small = count()
    add(18)
    assert count() == small
