"""Subgroup members: the class teacher (or the school's administration) says who is in which subgroup;
a subgroup's journal then lists only its students and refuses marks for the others; a subgroup nobody
was put into is the whole class (schools that never said keep working)."""
import datetime as dt

import pytest

from tests.conftest import bearer, login
from tests.journal_world import build_world, enrol


@pytest.fixture
def groups(app, client, demo):
    """7В with two English subgroups (the first kept by 'teacher'), four students, a lesson of each today."""
    from eschool.auth.models import User
    from eschool.journal import services as journal
    from eschool.school import services as school_services
    from eschool.structure.models import School

    world = build_world(app, demo)
    with app.app_context():
        school = School.get_by_id(world["school"])
        teacher = User.get_by_id(world["teacher"])
        other = User.get_by_id(world["other"])
        classteacher = User.get(User.username == "classteacher")
        english = school_services.add_subject(school, {"name": "Английский язык", "short_name": "Англ"})
        group = school_services.create_class(school, {"academic_year_id": world["year"], "grade": 7, "letter": "В",
                                                      "kind": "regular", "name": "", "shift": 1,
                                                      "class_teacher_id": classteacher.id,
                                                      "subgroups": ["Англ. 1", "Англ. 2"]})
        first, second = sorted(group.subgroups, key=lambda s: s.name)
        school_services.add_assignment(school, {"teacher_id": teacher.id, "class_id": group.id,
                                                "subject_id": english.id, "subgroup_id": first.id})
        school_services.add_assignment(school, {"teacher_id": other.id, "class_id": group.id,
                                                "subject_id": english.id, "subgroup_id": second.id})
        kids = enrol(school, group, 4, world["today"] - dt.timedelta(days=100), start=30)
        lesson = journal.add_lesson(teacher, group, {"subject_id": english.id, "date": world["today"], "number": 4,
                                                     "subgroup_id": first.id})
        return {**world, "c7": group.id, "english": english.id, "first": first.id, "second": second.id,
                "kids": [k.id for k in kids], "lesson": lesson.id,
                "class_list": f"/school/{school.id}/classes/{group.id}/students",
                "save": f"/school/{school.id}/classes/{group.id}/subgroups"}


def _students(app, g, subgroup_id):
    from eschool.journal import services as journal
    from eschool.school.models import ClassGroup, Subgroup

    with app.app_context():
        group = ClassGroup.get_by_id(g["c7"])
        subgroup = Subgroup.get_by_id(subgroup_id) if subgroup_id else None
        return [s.id for s in journal.class_students(group, g["today"], g["today"], subgroup)]


def test_a_subgroup_without_members_is_the_whole_class(app, groups):
    everyone = _students(app, groups, None)
    assert sorted(everyone) == sorted(groups["kids"])
    assert _students(app, groups, groups["first"]) == everyone
    assert _students(app, groups, groups["second"]) == everyone


def test_the_class_teacher_puts_students_into_subgroups_and_the_journal_follows(app, client, groups):
    a, b, c, d = groups["kids"]
    login(client, "classteacher")
    page = client.get(groups["class_list"]).get_data(as_text=True)
    assert 'id="subgroups"' in page and "Англ. 1" in page
    saved = client.post(groups["save"], data={f"subgroup-{groups['first']}": [str(a), str(b)],
                                              f"subgroup-{groups['second']}": [str(c), str(d)]})
    assert saved.status_code == 302
    assert sorted(_students(app, groups, groups["first"])) == sorted([a, b])
    assert sorted(_students(app, groups, groups["second"])) == sorted([c, d])
    assert sorted(_students(app, groups, None)) == sorted(groups["kids"])  # the class itself: everybody
    page = client.get(groups["class_list"]).get_data(as_text=True)
    assert f'name="subgroup-{groups["first"]}" value="{a}" aria-label' in page and " checked" in page
    client.post("/logout")

    # the subgroup's teacher: the grid lists only the subgroup; a mark for a student outside it is refused
    login(client, "teacher")
    base = f"/school/{groups['school']}/journal"
    grid = client.get(f"{base}/class/{groups['c7']}/subject/{groups['english']}",
                      query_string={"subgroup": groups["first"]}).get_data(as_text=True)
    assert f'data-student="{a}"' in grid and f'data-student="{c}"' not in grid
    ok = client.post(f"{base}/lesson/{groups['lesson']}/mark", json={"student_id": a, "slot": 0, "value": "5"})
    assert ok.status_code == 200, ok.get_json()
    refused = client.post(f"{base}/lesson/{groups['lesson']}/mark", json={"student_id": c, "slot": 0, "value": "5"})
    assert refused.status_code == 400
    assert "subgroup" in refused.get_json()["error"]["message"] or "подгрупп" in refused.get_json()["error"]["message"]
    api = client.get(f"/api/v1/journal/lessons/{groups['lesson']}",
                     headers=bearer(client, "teacher"))
    assert sorted(row["id"] for row in api.get_json()["students"]) == sorted([a, b])

    # emptied again: the whole class
    client.post("/logout")
    login(client, "classteacher")
    client.post(groups["save"], data={f"subgroup-{groups['second']}": [str(c), str(d)]})
    assert sorted(_students(app, groups, groups["first"])) == sorted(groups["kids"])


def test_only_the_class_teacher_and_the_administration_set_subgroups(app, client, groups):
    a = groups["kids"][0]
    login(client, "teacher")  # a subject teacher of the class, not its class teacher
    assert client.post(groups["save"], data={f"subgroup-{groups['first']}": [str(a)]}).status_code == 403
    assert _students(app, groups, groups["first"]) == _students(app, groups, None)
    client.post("/logout")
    login(client, "admin")
    assert client.post(groups["save"], data={f"subgroup-{groups['first']}": [str(a)]}).status_code == 302
    assert _students(app, groups, groups["first"]) == [a]


def test_students_of_another_class_cannot_join_a_subgroup(app, groups):
    from eschool.people import services as people
    from eschool.school.models import ClassGroup
    from eschool.school.services import SchoolError
    from eschool.structure.models import School

    outsider = groups["students"][0]  # 5А
    with app.app_context():
        school = School.get_by_id(groups["school"])
        with pytest.raises(SchoolError):
            people.set_subgroup_members(school, ClassGroup.get_by_id(groups["c7"]), {groups["first"]: [outsider]})
        with pytest.raises(SchoolError):
            people.set_subgroup_members(school, ClassGroup.get_by_id(groups["c7"]), {groups["c5"] * 1000: []})


def test_the_class_list_with_subgroups_runs_the_same_number_of_queries_for_few_and_many(app, client, groups):
    from playhouse.test_utils import count_queries

    from eschool.school.models import ClassGroup
    from eschool.structure.models import School

    login(client, "classteacher")

    def count():
        with app.app_context(), count_queries() as counter:
            page = client.get(groups["class_list"])
            assert page.status_code == 200 and 'id="subgroups"' in page.get_data(as_text=True)
        return counter.count

    count()  # the first page after the login does its session checks differently
    few = count()
    with app.app_context():
        group = ClassGroup.get_by_id(groups["c7"])
        more = enrol(School.get_by_id(groups["school"]), group, 12, groups["today"] - dt.timedelta(days=10), start=5)
    client.post(groups["save"], data={f"subgroup-{groups['first']}": [str(k.id) for k in more[:6]],
                                      f"subgroup-{groups['second']}": [str(k.id) for k in more[6:]]})
    assert count() == few


def test_the_diary_shows_a_subgroups_lesson_only_to_its_members(app, client, groups):
    from eschool.auth.models import User
    from eschool.people import services as people
    from eschool.people.models import Student

    a, b, c, d = groups["kids"]
    with app.app_context():
        parent = User.get(User.username == "parent")
        for kid in (a, c):
            people.link_guardian(Student.get_by_id(kid), {"user_id": parent.id, "relation": "mother",
                                                          "legal_representative": True})
    headers = bearer(client, "parent")
    day = groups["today"].isoformat()

    def lesson_ids(student_id):
        body = client.get("/api/v1/diary", query_string={"student_id": student_id, "start": day, "end": day},
                          headers=headers).get_json()
        return [item["id"] for d_ in body["days"] for item in d_["lessons"]]

    assert groups["lesson"] in lesson_ids(a) and groups["lesson"] in lesson_ids(c)  # nobody put in: the class
    login(client, "classteacher")
    client.post(groups["save"], data={f"subgroup-{groups['first']}": [str(a), str(b)],
                                      f"subgroup-{groups['second']}": [str(c), str(d)]})
    assert groups["lesson"] in lesson_ids(a)
    assert groups["lesson"] not in lesson_ids(c)
