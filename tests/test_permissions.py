"""Every endpoint declares its permission, and the server refuses those who lack it."""
import pytest

from eschool.auth.permissions import AUTHENTICATED, PUBLIC, declared_permission
from eschool.structure import services as structure
from eschool.structure.models import Municipality
from tests.conftest import bearer, login


def test_every_endpoint_declares_a_known_permission(make_app, probe, regions_copy):
    from eschool.plugins.manager import installed_entry_points

    installed = installed_entry_points()
    named = regions_copy.path("kemerovo").read_text(encoding="utf-8")
    for code in installed:  # every installed plugin on, not only those the bundled profile names
        if f"[plugins.{code}]" not in named:
            regions_copy.append("kemerovo", f"[plugins.{code}]")
    app = make_app(extra_plugins=[("probe", probe)])
    assert set(installed) | {"probe"} <= set(app.extensions["eschool"].plugins.infos)
    registry = app.extensions["eschool"].permissions
    undeclared, unknown = [], []
    for rule in app.url_map.iter_rules():
        permission = declared_permission(app.view_functions[rule.endpoint])
        if permission is None:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
        elif permission not in (PUBLIC, AUTHENTICATED) and permission not in registry.permissions:
            unknown.append(f"{rule.rule}: {permission}")
    assert undeclared == [], "endpoints without a declared permission:\n" + "\n".join(undeclared)
    assert unknown == []
    assert any(r.rule.startswith("/vacancies") for r in app.url_map.iter_rules())
    assert any(r.rule.startswith("/probe") for r in app.url_map.iter_rules())


def test_the_walk_catches_an_undeclared_view(make_app):
    """The walk above can fail: a view added without require/public has no permission."""
    app = make_app()
    app.add_url_rule("/naked", "naked", lambda: "x")
    assert declared_permission(app.view_functions["naked"]) is None


@pytest.fixture
def two_schools(app, demo):
    from eschool.auth import services as auth

    with app.app_context():
        ext = app.extensions["eschool"]
        other = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №2", "Школа №2")
        user = auth.create_user("admin2", "Админ Второй", password="demo-2026", must_change_password=False)
        auth.grant_role(user, "school_admin", school=other, allowed_roles=ext.roles)
        muni_op = auth.create_user("belovo_op", "Оператор Белово", password="demo-2026", must_change_password=False)
        auth.grant_role(muni_op, "municipal_operator", municipality=other.municipality, allowed_roles=ext.roles)
        return {"demo": demo["school"].id, "other": other.id, "other_muni": other.municipality_id,
                "demo_muni": demo["school"].municipality_id}


@pytest.mark.parametrize("username, allowed", [
    ("admin", True), ("region", True), ("municipal", True), ("director", False), ("deputy", False),
    ("teacher", False), ("classteacher", False), ("secretary", False), ("parent", False), ("student", False),
    ("admin2", False), ("belovo_op", False),
])
def test_modules_page_and_api_for_a_school(client, two_schools, username, allowed):
    """plugins.manage: region and municipal operators and the school's own administrator."""
    school = two_schools["demo"]
    login(client, username)
    expected = 200 if allowed else 403
    assert client.get(f"/admin/plugins?school={school}").status_code == expected
    response = client.post("/admin/plugins", data={"scope_type": "school", "scope_id": school, "plugin": "vacancies",
                                                   "state": "off"})
    assert response.status_code == (302 if allowed else 403)
    headers = bearer(client, username)
    assert client.get(f"/api/v1/plugins?school={school}", headers=headers).status_code == expected
    put = client.put("/api/v1/plugins/vacancies/toggle", headers=headers,
                     json={"scope_type": "school", "scope_id": school, "state": "on"})
    assert put.status_code == expected


def test_a_refused_toggle_changes_nothing(app, client, two_schools):
    from eschool.plugins.models import PluginToggle

    login(client, "teacher")
    client.post("/admin/plugins", data={"scope_type": "school", "scope_id": two_schools["demo"],
                                        "plugin": "vacancies", "state": "off"})
    with app.app_context():
        assert PluginToggle.select().count() == 0


def test_anonymous_is_sent_to_login_and_the_api_says_401(client, two_schools):
    response = client.get("/admin/plugins")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get("/api/v1/plugins")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_plugin_permission_check_hook_can_veto(make_app, probe):
    from eschool.auth import services as auth
    from eschool_demo.demo import build_demo

    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        result = build_demo(log=lambda *_: None, school_year=False)
        vetoed = auth.create_user("vetoed", "Вето", password="demo-2026", must_change_password=False)
        auth.grant_role(vetoed, "director", school=result["school"], allowed_roles=app.extensions["eschool"].roles)
    client = app.test_client()
    school = result["school"].id
    login(client, "director")
    assert client.get(f"/probe/secret/{school}").status_code == 200
    client.post("/logout")
    login(client, "vetoed")
    assert client.get(f"/probe/secret/{school}").status_code == 403
    client.post("/logout")
    login(client, "teacher")
    assert client.get(f"/probe/secret/{school}").status_code == 403


def test_every_menu_entry_and_widget_names_a_real_endpoint_and_a_known_permission(make_app, probe):
    """The menu drops an entry whose URL cannot be built, so a misspelled endpoint would vanish silently."""
    from flask import g
    from flask_login import login_user

    from eschool.auth.models import User
    from eschool.plugins.services import scope_for_school
    from eschool.types import Scope
    from eschool_demo.demo import build_demo

    app = make_app(extra_plugins=[("probe", probe)])
    ext = app.extensions["eschool"]
    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
        users = list(User.select())
    scopes = [Scope(ext.region.code), Scope(ext.region.code, school.municipality_id, None)]
    seen, problems = set(), []
    for user in [None, *users]:
        with app.test_request_context("/"):
            if user is not None:
                login_user(user)
            for scope in [*scopes, scope_for_school(school)]:
                g.scope = scope
                for plugin, items in ext.plugins.call_each("eschool_menu_items", user=user, scope=scope).items():
                    for item in items:
                        seen.add(item.endpoint)
                        if item.endpoint not in app.view_functions:
                            problems.append(f"{plugin}: menu entry to unknown endpoint {item.endpoint}")
                        if item.permission and item.permission not in ext.permissions.permissions:
                            problems.append(f"{plugin}: menu entry {item.endpoint} needs unknown {item.permission}")
                for plugin, widgets in ext.plugins.call_each("eschool_dashboard_widgets", user=user,
                                                             scope=scope).items():
                    for widget in widgets:
                        if widget.permission and widget.permission not in ext.permissions.permissions:
                            problems.append(f"{plugin}: widget {widget.key} needs unknown {widget.permission}")
                        app.jinja_env.get_template(widget.template)  # the template exists
    assert problems == []
    assert {"web.dashboard", "plugins_admin.index", "probe.page", "vacancies.region_list"} <= seen
