"""Plugin toggles: the region profile, then municipality and school overrides; off means 404 and silence."""
import pytest

from eschool.plugins.services import (
    ToggleError,
    clear_toggle,
    fire_event,
    hooks_here,
    plugin_states,
    scope_for_school,
    set_toggle,
)
from eschool.structure import services as structure
from eschool.structure.models import Municipality
from eschool.types import Scope
from tests.conftest import login


@pytest.fixture
def world(make_app, probe):
    from eschool_demo.demo import build_demo

    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
        school = demo["school"]
        sibling = structure.create_school(school.municipality, "Школа №5", "Школа №5")
        far = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №7", "Школа №7")
    return {"app": app, "probe": probe, "school": school, "sibling": sibling, "far": far,
            "registry": app.extensions["eschool"].plugins}


def _state(world, school):
    with world["app"].app_context():
        return plugin_states(world["registry"], scope_for_school(school))["probe"]


def test_off_for_one_school_answers_404_there_only(world):
    client = world["app"].test_client()
    school, sibling = world["school"], world["sibling"]
    assert client.get(f"/probe/school/{school.id}").status_code == 200
    with world["app"].app_context():
        set_toggle(world["registry"], "probe", "school", school.id, False, actor="test")
    assert client.get(f"/probe/school/{school.id}").status_code == 404
    assert client.get(f"/probe/school/{sibling.id}").status_code == 200
    assert client.get(f"/probe/school/{world['far'].id}").status_code == 200


def test_menu_entries_and_event_handlers_are_not_called_where_off(world):
    app, probe, school = world["app"], world["probe"], world["school"]
    client = app.test_client()
    login(client, "admin")  # works at the demo school
    assert "Probe menu entry" in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        set_toggle(world["registry"], "probe", "school", school.id, False)
    probe.calls.clear()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Probe menu entry" not in html
    assert probe.called("menu") == [] and probe.called("widget") == []
    with app.test_request_context():
        fire_event("mark_saved", scope_for_school(school), mark="m1", created=True, actor=None)
        fire_event("mark_saved", scope_for_school(world["sibling"]), mark="m2", created=True, actor=None)
        assert probe.called("mark_saved") == ["m2"]
        answers = hooks_here(scope_for_school(school)).eschool_menu_items(user=None, scope=scope_for_school(school))
        assert all(item.plugin != "probe" for items in answers for item in items)


def test_precedence_school_over_municipality_over_profile(world):
    app, registry = world["app"], world["registry"]
    school, sibling = world["school"], world["sibling"]
    assert _state(world, school).source == "region" and _state(world, school).enabled
    with app.app_context():
        set_toggle(registry, "probe", "municipality", school.municipality_id, False)
    assert not _state(world, school).enabled and _state(world, school).source == "municipality"
    assert not _state(world, sibling).enabled
    with app.app_context():
        set_toggle(registry, "probe", "school", school.id, True)
    assert _state(world, school).enabled and _state(world, school).source == "school"
    assert not _state(world, sibling).enabled
    with app.app_context():
        clear_toggle("probe", "school", school.id)
        clear_toggle("probe", "municipality", school.municipality_id)
    assert _state(world, school).enabled and _state(world, school).source == "region"


def test_profile_limits_a_plugin_to_some_municipalities(make_app, probe, regions_copy):
    regions_copy.replace("kemerovo", "[plugins.probe]", '[plugins.probe]\nmunicipalities = ["belovo"]')
    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        kem = structure.create_school(Municipality.get_or_none(Municipality.code == "kemerovo")
                                      or _sync(app, "kemerovo"), "Школа К", "Школа К")
        bel = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа Б", "Школа Б")
        states = {s.id: plugin_states(app.extensions["eschool"].plugins, scope_for_school(s))["probe"] for s in (kem, bel)}
        assert states[kem.id].source == "not_in_municipality" and not states[kem.id].enabled
        assert states[bel.id].enabled
        with pytest.raises(ToggleError, match="только в: belovo"):
            set_toggle(app.extensions["eschool"].plugins, "probe", "school", kem.id, True)
    client = app.test_client()
    assert client.get(f"/probe/school/{kem.id}").status_code == 404
    assert client.get(f"/probe/school/{bel.id}").status_code == 200


def _sync(app, code):
    structure.sync_municipalities(app.extensions["eschool"].region)
    return Municipality.get(Municipality.code == code)


def test_default_off_in_the_profile_and_on_for_one_school(make_app, probe, regions_copy):
    regions_copy.replace("kemerovo", "[plugins.probe]", "[plugins.probe]\ndefault = false")
    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        structure.sync_municipalities(app.extensions["eschool"].region)
        muni = Municipality.get(Municipality.code == "kemerovo")
        one = structure.create_school(muni, "Школа 1", "Школа 1")
        two = structure.create_school(muni, "Школа 2", "Школа 2")
        set_toggle(app.extensions["eschool"].plugins, "probe", "school", one.id, True)
    client = app.test_client()
    assert client.get(f"/probe/school/{one.id}").status_code == 200
    assert client.get(f"/probe/school/{two.id}").status_code == 404


def test_toggle_errors_say_what_is_wrong(world):
    registry = world["app"].extensions["eschool"].plugins
    with world["app"].app_context():
        with pytest.raises(ToggleError, match="не модуль, разрешённый в регионе"):
            set_toggle(registry, "nosuch", "school", world["school"].id, False)
        with pytest.raises(ToggleError, match="нет школы с id 999"):
            set_toggle(registry, "probe", "school", 999, False)
        with pytest.raises(ToggleError, match="ожидается «municipality» или «school»"):
            set_toggle(registry, "probe", "class", 1, False)
        with pytest.raises(ToggleError, match="«core» — не модуль"):
            set_toggle(registry, "core", "school", world["school"].id, False)


def test_required_plugin_cannot_be_switched_off(make_app, regions_copy):
    from eschool.types import PluginInfo
    from tests.probe_plugin import Probe

    class Required(Probe):
        from eschool import hookimpl

        @hookimpl
        def eschool_plugin_info(self):
            return PluginInfo(code="probe", name="Probe", required=True)

    regions_copy.append("kemerovo", "[plugins.probe]")
    app = make_app(extra_plugins=[("probe", Required())])
    with app.app_context():
        structure.sync_municipalities(app.extensions["eschool"].region)
        school = structure.create_school(Municipality.get(Municipality.code == "kemerovo"), "Ш", "Ш")
        with pytest.raises(ToggleError, match="обязателен"):
            set_toggle(app.extensions["eschool"].plugins, "probe", "school", school.id, False)
        assert plugin_states(app.extensions["eschool"].plugins, Scope("kemerovo", school.municipality_id,
                                                                      school.id))["probe"].source == "required"


def test_the_plugins_rows_survive_switching_it_off_and_on(world):
    from tests.probe_plugin import ProbeNote

    app, school = world["app"], world["school"]
    client = app.test_client()
    with app.app_context():
        for text in ("first", "second"):
            ProbeNote.create(school_id=school.id, text=text)
        set_toggle(world["registry"], "probe", "school", school.id, False)
    assert client.get(f"/probe/school/{school.id}").status_code == 404
    with app.app_context():
        assert ProbeNote.select().where(ProbeNote.school_id == school.id).count() == 2
        set_toggle(world["registry"], "probe", "school", school.id, True)
    page = client.get(f"/probe/school/{school.id}")
    assert page.status_code == 200 and "2 notes" in page.get_data(as_text=True)


def test_the_dashboard_widget_shows_only_where_the_plugin_is_on(world):
    app, school = world["app"], world["school"]
    client = app.test_client()
    login(client, "admin")
    assert "probe widget: 0 notes" in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        set_toggle(world["registry"], "probe", "municipality", school.municipality_id, False)
    assert "probe widget" not in client.get("/dashboard").get_data(as_text=True)


def test_the_modules_page_switches_the_plugin_off_for_its_school_only(world):
    from eschool.plugins.models import PluginToggle

    app, school, sibling = world["app"], world["school"], world["sibling"]
    client = app.test_client()
    login(client, "admin")
    response = client.post("/admin/plugins", data={"scope_type": "school", "scope_id": school.id,
                                                   "plugin": "probe", "state": "off"})
    assert response.status_code == 302 and f"school={school.id}" in response.headers["Location"]
    assert client.get(f"/probe/school/{school.id}").status_code == 404
    assert client.get(f"/probe/school/{sibling.id}").status_code == 200
    assert _state(world, school).source == "school"
    with app.app_context():
        toggle = PluginToggle.get(PluginToggle.plugin == "probe")
        assert (toggle.scope_type, toggle.scope_id, toggle.enabled, toggle.changed_by) == (
            "school", school.id, False, "admin")
    client.post("/admin/plugins", data={"scope_type": "school", "scope_id": school.id, "plugin": "probe",
                                        "state": "default"})
    assert client.get(f"/probe/school/{school.id}").status_code == 200
    with app.app_context():
        assert PluginToggle.select().where(PluginToggle.plugin == "probe").count() == 0


def test_the_modules_page_refuses_another_schools_and_the_municipality(world):
    client = world["app"].test_client()
    login(client, "admin")  # the school administrator of the demo school only
    for scope_type, scope_id in (("school", world["sibling"].id), ("municipality", world["school"].municipality_id)):
        response = client.post("/admin/plugins", data={"scope_type": scope_type, "scope_id": scope_id,
                                                       "plugin": "probe", "state": "off"})
        assert response.status_code == 403, scope_type
    assert _state(world, world["sibling"]).enabled and _state(world, world["school"]).enabled


@pytest.mark.parametrize("form", [
    {"plugin": "probe", "state": "off"},
    {"scope_type": "class", "scope_id": "1", "plugin": "probe", "state": "off"},
    {"scope_type": "school", "scope_id": "first", "plugin": "probe", "state": "off"},
])
def test_the_modules_page_refuses_a_form_without_a_place(world, form):
    client = world["app"].test_client()
    login(client, "admin")
    assert client.post("/admin/plugins", data=form).status_code == 400
    assert _state(world, world["school"]).source == "region"


def test_the_modules_page_shows_a_toggle_error(world):
    client = world["app"].test_client()
    login(client, "admin")
    response = client.post("/admin/plugins", data={"scope_type": "school", "scope_id": world["school"].id,
                                                   "plugin": "nosuch", "state": "off"}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "«nosuch» — не модуль, разрешённый в регионе" in page and "plugin:" not in page


def test_the_api_toggles_and_answers_with_the_states_here(world):
    from tests.conftest import bearer

    app, school = world["app"], world["school"]
    client = app.test_client()
    headers = bearer(client, "admin")
    response = client.put("/api/v1/plugins/probe/toggle", headers=headers,
                          json={"scope_type": "school", "scope_id": school.id, "state": "off"})
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.get_json()}
    assert rows["probe"]["enabled"] is False and rows["probe"]["source"] == "school"
    assert rows["vacancies"]["enabled"] is True
    assert client.get(f"/probe/school/{school.id}").status_code == 404
    listed = client.get(f"/api/v1/plugins?school={school.id}", headers=headers).get_json()
    assert {row["code"]: row["enabled"] for row in listed}["probe"] is False
    unknown = client.put("/api/v1/plugins/nosuch/toggle", headers=headers,
                         json={"scope_type": "school", "scope_id": school.id, "state": "off"})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    bad = client.put("/api/v1/plugins/probe/toggle", headers=headers,
                     json={"scope_type": "school", "scope_id": school.id, "state": "maybe"})
    assert bad.status_code == 400 and list(bad.get_json()["error"]["fields"]) == ["state"]


def test_the_api_names_a_toggle_the_profile_forbids(make_app, probe, regions_copy):
    from eschool_demo.demo import build_demo
    from tests.conftest import bearer

    regions_copy.replace("kemerovo", "[plugins.probe]", '[plugins.probe]\nmunicipalities = ["belovo"]')
    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]  # in Kemerovo city
    client = app.test_client()
    response = client.put("/api/v1/plugins/probe/toggle", headers=bearer(client, "region"),
                          json={"scope_type": "school", "scope_id": school.id, "state": "on"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and "только в: belovo" in error["message"]
    assert error["fields"] == {"plugin": [error["message"]]}  # the field named, in the user's language


def test_a_municipality_outside_the_profiles_list_cannot_switch_it_on(make_app, probe, regions_copy):
    regions_copy.replace("kemerovo", "[plugins.probe]", '[plugins.probe]\nmunicipalities = ["belovo"]')
    app = make_app(extra_plugins=[("probe", probe)])
    registry = app.extensions["eschool"].plugins
    with app.app_context():
        structure.sync_municipalities(app.extensions["eschool"].region)
        kemerovo = Municipality.get(Municipality.code == "kemerovo")
        belovo = Municipality.get(Municipality.code == "belovo")
        with pytest.raises(ToggleError, match="только в: belovo"):
            set_toggle(registry, "probe", "municipality", kemerovo.id, True)
        set_toggle(registry, "probe", "municipality", kemerovo.id, False)  # off is always allowed
        set_toggle(registry, "probe", "municipality", belovo.id, False)
        school = structure.create_school(belovo, "Школа Б", "Школа Б")
        assert plugin_states(registry, scope_for_school(school))["probe"].source == "municipality"
        set_toggle(registry, "probe", "school", school.id, True)
        assert plugin_states(registry, scope_for_school(school))["probe"].enabled


def test_a_plugin_the_profile_does_not_name_is_not_loaded(make_app):
    """extra_plugins (like installed entry points) load only where the region profile names them."""
    from tests.probe_plugin import Probe

    app = make_app(extra_plugins=[("probe", Probe())])
    assert "probe" not in app.extensions["eschool"].plugins.infos
    assert not any(rule.rule.startswith("/probe") for rule in app.url_map.iter_rules())


class _Needy:
    """The probe, needing vacancies."""

    @staticmethod
    def make():
        from eschool import hookimpl
        from eschool.types import PluginInfo
        from tests.probe_plugin import Probe

        class Needy(Probe):
            @hookimpl
            def eschool_plugin_info(self):
                return PluginInfo(code="probe", name="Probe", requires=("vacancies",))

        return Needy()


def test_a_plugin_is_off_wherever_a_plugin_it_needs_is_off(make_app, regions_copy):
    regions_copy.append("kemerovo", "[plugins.probe]")
    app = make_app(extra_plugins=[("probe", _Needy.make())])
    registry = app.extensions["eschool"].plugins
    client = app.test_client()
    with app.app_context():
        structure.sync_municipalities(registry.region)
        school = structure.create_school(Municipality.get(Municipality.code == "kemerovo"), "Ш", "Ш")
        with pytest.raises(ToggleError, match="«vacancies» нужен модулям probe; сначала выключите их"):
            set_toggle(registry, "vacancies", "school", school.id, False)
        set_toggle(registry, "probe", "school", school.id, False)
        set_toggle(registry, "vacancies", "school", school.id, False)
        with pytest.raises(ToggleError, match="для «probe» сначала включите здесь: vacancies"):
            set_toggle(registry, "probe", "school", school.id, True)
        clear_toggle("probe", "school", school.id)  # back to the profile's default: on, but vacancies is off here
        state = plugin_states(registry, scope_for_school(school))["probe"]
        assert not state.enabled and state.source == "requires"
    assert client.get(f"/probe/school/{school.id}").status_code == 404
    admin = app.test_client()
    from eschool.auth import services as auth

    with app.app_context():
        user = auth.create_user("admin9", "Админ", password="demo-2026", must_change_password=False)
        auth.grant_role(user, "school_admin", school=school, allowed_roles=app.extensions["eschool"].roles)
    login(admin, "admin9")
    assert "<td>выключен модуль, без которого он не работает</td>" in admin.get(f"/admin/plugins?school={school.id}").get_data(as_text=True)


def test_a_plugin_whose_needed_plugin_is_off_by_default_is_off_too(make_app, regions_copy):
    regions_copy.replace("kemerovo", "enabled = true\ndefault = true", "enabled = true\ndefault = false")
    regions_copy.append("kemerovo", "[plugins.probe]")
    app = make_app(extra_plugins=[("probe", _Needy.make())])
    registry = app.extensions["eschool"].plugins
    with app.app_context():
        structure.sync_municipalities(registry.region)
        school = structure.create_school(Municipality.get(Municipality.code == "kemerovo"), "Ш", "Ш")
        states = plugin_states(registry, scope_for_school(school))
        assert not states["vacancies"].enabled and not states["probe"].enabled
        set_toggle(registry, "vacancies", "school", school.id, True)
        assert plugin_states(registry, scope_for_school(school))["probe"].enabled
