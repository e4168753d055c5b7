"""The administrator's account tools: find, one-time password, block, unblock, end sessions, take out.

Every refusal is the server's: a role without ``accounts.manage``, another school's administrator, an
account with roles elsewhere, one's own account, and in Samara anyone but the school administrator
setting a password."""
import re

import pytest

from eschool.testing import PASSWORD, build_world, login


def _uid(app, username):
    from eschool.auth.models import User

    with app.app_context():
        return User.get(User.username == username).id


def _second_school(app, world):
    """A second school of the same municipality with its own administrator (``admin2``) and a teacher
    (``shared``) who also teaches in the world's school."""
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality, School

    roles = app.extensions["eschool"].roles
    with app.app_context():
        other = structure.create_school(Municipality.get_by_id(world.municipality), "Вторая школа", "Школа 2")
        admin2 = auth.create_user("admin2", "Администратор Второй", password=PASSWORD, must_change_password=False)
        auth.grant_role(admin2, "school_admin", school=other, allowed_roles=roles)
        shared = auth.create_user("shared", "Учитель Двух Школ", password=PASSWORD, must_change_password=False)
        auth.grant_role(shared, "subject_teacher", school=School.get_by_id(world.school), allowed_roles=roles)
        auth.grant_role(shared, "subject_teacher", school=other, allowed_roles=roles)
        return other.id


def test_the_administrator_finds_accounts_by_name_role_and_who_never_logged_in(app, world, login_as):
    admin = login_as("admin")
    login_as("teacher")  # the teacher has logged in once
    page = admin.get(f"/school/{world.school}/accounts/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("Учитель Предметник", "Ученик Первый", "Родитель Первого", "Директор Школы"):
        assert name in html
    assert "Оператор Муниципалитета" not in html, "an operator holds no role in the school"
    found = admin.get(f"/school/{world.school}/accounts/?q=предметник").get_data(as_text=True)
    assert "Учитель Предметник" in found and "Директор Школы" not in found
    never = admin.get(f"/school/{world.school}/accounts/?state=never").get_data(as_text=True)
    assert "Учитель Предметник" not in never and "Директор Школы" in never
    parents = admin.get(f"/school/{world.school}/accounts/?role=parent").get_data(as_text=True)
    assert "Родитель Первого" in parents and "Учитель Предметник" not in parents


def test_a_one_time_password_is_shown_once_and_must_be_changed_at_the_first_login(app, world, login_as):
    admin = login_as("admin")
    teacher = login_as("teacher")
    slip = admin.post(f"/school/{world.school}/accounts/{world.user_id('teacher')}/password")
    assert slip.status_code == 200 and slip.headers["Cache-Control"] == "no-store"
    password = re.search(r"<dt>[^<]*</dt><dd><code>([a-z0-9]{10})</code></dd>\s*</dl>", slip.get_data(as_text=True))
    assert password, "the slip shows the new password"
    assert teacher.get(f"/school/{world.school}/journal").status_code in (302, 401), "the old session ended"
    fresh = app.test_client()
    assert fresh.post("/login", data={"login": "teacher", "password": PASSWORD}).status_code == 400  # refused
    landed = fresh.post("/login", data={"login": "teacher", "password": password.group(1)})
    assert landed.status_code == 302 and "/account/password" in landed.headers["Location"]
    with app.app_context():
        from eschool.people.models import AuditEntry

        entry = AuditEntry.get((AuditEntry.record == "account") & (AuditEntry.record_id == world.user_id("teacher")))
        assert password.group(1) not in (entry.new_value or "") + (entry.old_value or "")


def test_a_blocked_account_cannot_log_in_nor_use_its_token_until_unblocked(app, world, login_as, api_token):
    admin = login_as("admin")
    teacher = login_as("teacher")
    token = api_token("teacher")
    assert app.test_client().get("/api/v1/auth/tokens", headers=token).status_code == 200
    url = f"/school/{world.school}/accounts/{world.user_id('teacher')}"
    assert admin.post(f"{url}/block").status_code == 302
    assert teacher.get(f"/school/{world.school}/journal").status_code in (302, 401)
    assert app.test_client().get("/api/v1/auth/tokens", headers=token).status_code == 401
    refused = app.test_client().post("/login", data={"login": "teacher", "password": PASSWORD})
    assert refused.status_code == 400
    blocked = admin.get(f"/school/{world.school}/accounts/?state=blocked").get_data(as_text=True)
    assert "Учитель Предметник" in blocked
    assert admin.post(f"{url}/unblock").status_code == 302
    assert app.test_client().post("/login", data={"login": "teacher", "password": PASSWORD}).status_code == 302


def test_ending_sessions_logs_the_account_out_everywhere(app, world, login_as):
    admin = login_as("admin")
    phone, laptop = login_as("parent"), login_as("parent")
    assert admin.post(f"/school/{world.school}/accounts/{world.user_id('parent')}/end-sessions").status_code == 302
    for device in (phone, laptop):
        assert device.get("/diary").status_code in (302, 401)
    assert login_as("parent").get("/diary").status_code == 200


def test_taking_an_account_out_of_the_school_ends_its_roles_and_blocks_a_roleless_account(app, world, login_as):
    from eschool.auth.models import RoleAssignment, User

    admin = login_as("admin")
    assert admin.post(f"/school/{world.school}/accounts/{world.user_id('other')}/remove").status_code == 302
    with app.app_context():
        assert not RoleAssignment.select().where(RoleAssignment.user == world.user_id("other")).exists()
        assert not User.get_by_id(world.user_id("other")).is_active
    assert admin.post(f"/school/{world.school}/accounts/{world.user_id('other')}/block").status_code == 404


@pytest.mark.parametrize("who", ["teacher", "classteacher", "secretary", "deputy", "student", "parent", "municipal"])
def test_roles_without_the_permission_are_refused_by_pages_and_api(app, world, login_as, api_token, who):
    target = world.user_id("other")
    client = login_as(who)
    assert client.get(f"/school/{world.school}/accounts/").status_code == 403
    assert client.post(f"/school/{world.school}/accounts/{target}/block").status_code == 403
    headers = api_token(who)
    api = app.test_client()
    assert api.get(f"/api/v1/schools/{world.school}/accounts/", headers=headers).status_code == 403
    assert api.post(f"/api/v1/schools/{world.school}/accounts/{target}/password", headers=headers).status_code == 403
    with app.app_context():
        from eschool.auth.models import User

        assert User.get_by_id(target).is_active


def test_another_schools_administrator_sees_none_of_these_accounts(app, world):
    other = _second_school(app, world)
    admin2 = app.test_client()
    login(admin2, "admin2")
    assert admin2.get(f"/school/{world.school}/accounts/").status_code == 403
    assert admin2.post(f"/school/{world.school}/accounts/{world.user_id('teacher')}/block").status_code == 403
    assert admin2.post(f"/school/{other}/accounts/{world.user_id('teacher')}/block").status_code == 404
    listed = admin2.get(f"/school/{other}/accounts/").get_data(as_text=True)
    assert "Учитель Предметник" not in listed and "Учитель Двух Школ" in listed


def test_an_account_with_roles_in_another_school_is_left_to_the_municipality(app, world, login_as, api_token):
    _second_school(app, world)
    shared = _uid(app, "shared")
    admin = login_as("admin")
    answer = admin.post(f"/school/{world.school}/accounts/{shared}/block", follow_redirects=True)
    assert "roles outside this school" in answer.get_data(as_text=True) or "вне этой школы" in answer.get_data(as_text=True)
    api = app.test_client().post(f"/api/v1/schools/{world.school}/accounts/{shared}/block", headers=api_token("admin"))
    assert api.status_code == 403
    with app.app_context():
        from eschool.auth.models import User

        assert User.get_by_id(shared).is_active


def test_nobody_blocks_their_own_account_here(app, world, api_token):
    answer = app.test_client().post(f"/api/v1/schools/{world.school}/accounts/{world.user_id('admin')}/block",
                                    headers=api_token("admin"))
    assert answer.status_code == 403


def test_the_api_lists_pages_and_sets_passwords(app, world, api_token):
    headers = api_token("director")  # Kemerovo: the director may set passwords too
    api = app.test_client()
    page = api.get(f"/api/v1/schools/{world.school}/accounts/?q=учитель&size=2", headers=headers).get_json()
    assert page["total"] >= 2 and len(page["items"]) == 2 and page["size"] == 2
    assert {"subject_teacher"} <= {r for item in page["items"] for r in item["roles"]} | {"subject_teacher"}
    made = api.post(f"/api/v1/schools/{world.school}/accounts/{world.user_id('student')}/password", headers=headers)
    assert made.status_code == 200 and len(made.get_json()["password"]) == 10
    assert api.get(f"/api/v1/schools/{world.school}/accounts/?state=bogus", headers=headers).status_code == 400


def test_in_samara_only_the_school_administrator_sets_passwords(make_app):
    app = make_app(region="samara")
    world = build_world(app)
    api = app.test_client()
    target = world.user_id("student")
    director = api.post(f"/api/v1/schools/{world.school}/accounts/{target}/password",
                        headers=__import__("eschool.testing", fromlist=["bearer"]).bearer(app.test_client(), "director"))
    assert director.status_code == 403
    page = app.test_client()
    login(page, "director")
    assert "New password" not in page.get(f"/school/{world.school}/accounts/").get_data(as_text=True)
    assert page.post(f"/school/{world.school}/accounts/{target}/password").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.post(f"/school/{world.school}/accounts/{target}/password").status_code == 200


def test_the_list_costs_the_same_queries_for_few_and_many_accounts(app, world, login_as, count_queries):
    from eschool.auth import services as auth
    from eschool.structure.models import School

    admin = login_as("admin")
    url = f"/school/{world.school}/accounts/"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        school = School.get_by_id(world.school)
        for n in range(30):
            user = auth.create_user(f"extra{n}", f"Дополнительный Родитель {n}", password=PASSWORD)
            auth.grant_role(user, "parent", school=school, allowed_roles=app.extensions["eschool"].roles)
    with count_queries() as many:
        assert admin.get(url).status_code == 200
    assert many.count == few.count
