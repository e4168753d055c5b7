"""Journal settings: the school's work types and weights, and the edit window, by page and API."""
from decimal import Decimal

import pytest

from tests.conftest import bearer, login


@pytest.fixture
def school_id(demo):
    return demo["school"].id


def test_defaults_with_the_regions_weights(make_app, regions_copy):
    regions_copy.replace("samara", "first_grade_marks = false",
                         "first_grade_marks = false\nwork_type_weights = { test = 3.0, oral = 0.5 }")
    app = make_app(region="samara")
    from eschool.journal import services
    from eschool_demo.demo import build_demo

    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
        with app.test_request_context("/"):
            types = {t.code: t.weight for t in services.work_types(school)}
    assert types["test"] == Decimal("3") and types["oral"] == Decimal("0.5") and types["lab"] == Decimal("1.5")


def test_a_region_profile_with_an_unknown_work_type_stops_start_up(make_app, regions_copy):
    from eschool.regions.services import ProfileError

    regions_copy.replace("samara", "first_grade_marks = false",
                         "first_grade_marks = false\nwork_type_weights = { essay = 3.0 }")
    with pytest.raises(ProfileError) as err:
        make_app(region="samara")
    assert "work_type_weights" in str(err.value)


def test_the_admin_changes_weights_and_the_window_on_the_page(app, client, school_id):
    from eschool.journal.models import WorkType
    from eschool.structure.models import School

    login(client, "admin")
    page = client.get(f"/school/{school_id}/journal-settings")
    assert page.status_code == 200 and "Контрольная работа" in page.get_data(as_text=True)
    with app.app_context():
        rows = list(WorkType.select())
        test = WorkType.get(WorkType.code == "test")
        oral = WorkType.get(WorkType.code == "oral")
    form = {f"weight-{t.id}": str(t.weight) for t in rows}
    form.update({f"active-{t.id}": "on" for t in rows})
    form.update({f"weight-{test.id}": "2.5", "journal_edit_days": "10", "new_code": "essay", "new_name": "Сочинение",
                 "new_weight": "2"})
    form.pop(f"active-{oral.id}")
    assert client.post(f"/school/{school_id}/journal-settings", data=form).status_code == 302
    with app.app_context():
        assert WorkType.get_by_id(test.id).weight == Decimal("2.5")
        assert not WorkType.get_by_id(oral.id).active
        assert WorkType.get(WorkType.code == "essay").name == "Сочинение"
        assert School.get_by_id(school_id).journal_edit_days == 10


def test_a_bad_weight_names_the_field_and_changes_nothing(app, client, school_id):
    from eschool.journal.models import WorkType
    from eschool.structure.models import School

    login(client, "admin")
    client.get(f"/school/{school_id}/journal-settings")
    with app.app_context():
        test = WorkType.get(WorkType.code == "test")
    response = client.post(f"/school/{school_id}/journal-settings",
                           data={f"weight-{test.id}": "много", "journal_edit_days": "5"})
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)
    with app.app_context():
        assert WorkType.get_by_id(test.id).weight == Decimal("2")
        assert School.get_by_id(school_id).journal_edit_days is None


def test_the_api(client, school_id):
    headers = bearer(client, "deputy")
    base = f"/api/v1/schools/{school_id}"
    state = client.get(f"{base}/journal-settings", headers=headers).get_json()
    assert state["effective_edit_days"] == 7 and len(state["work_types"]) == 7
    assert client.put(f"{base}/journal-settings", json={"journal_edit_days": 3},
                      headers=headers).get_json()["effective_edit_days"] == 3
    added = client.post(f"{base}/work-types", json={"code": "project", "name": "Проект", "weight": "3"},
                        headers=headers)
    assert added.status_code == 201
    again = client.post(f"{base}/work-types", json={"code": "project", "name": "Проект", "weight": "3"},
                        headers=headers)
    assert again.status_code == 400 and "code" in again.get_json()["error"]["fields"]
    changed = client.patch(f"{base}/work-types/{added.get_json()['id']}", json={"weight": "2.5"}, headers=headers)
    assert changed.get_json()["weight"] == 2.5  # a JSON number, as documented


@pytest.mark.parametrize("username", ["teacher", "classteacher", "parent", "student", "secretary", "municipal"])
def test_others_are_refused(client, school_id, username):
    login(client, username)
    assert client.get(f"/school/{school_id}/journal-settings").status_code == 403
    assert client.post(f"/school/{school_id}/journal-settings", data={"journal_edit_days": "99"}).status_code == 403
    headers = bearer(client, username)
    base = f"/api/v1/schools/{school_id}"
    assert client.get(f"{base}/journal-settings", headers=headers).status_code == 403
    assert client.put(f"{base}/journal-settings", json={"journal_edit_days": 99}, headers=headers).status_code == 403
    assert client.post(f"{base}/work-types", json={"code": "x", "name": "x", "weight": "1"},
                       headers=headers).status_code == 403
