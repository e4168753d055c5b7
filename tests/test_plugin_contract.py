"""What the core checks of a plugin at start-up, and how it orders what plugins contribute."""
import pytest
from flask import Blueprint
from peewee import CharField
from pluggy import PluginValidationError

from eschool import hookimpl
from eschool.db import BaseModel
from eschool.regions.services import ProfileError
from eschool.types import MenuItem, Permission, PluginInfo
from tests.conftest import login
from tests.probe_plugin import Probe


@pytest.fixture
def allowed(regions_copy):
    regions_copy.append("kemerovo", "[plugins.probe]")
    return regions_copy


class _Bare:
    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="probe", name="Probe")


def _start(make_app, plugin):
    return make_app(extra_plugins=[("probe", plugin)], migrate=False)


def test_a_misspelled_hook_stops_start_up(make_app, allowed):
    class Typo(_Bare):
        @hookimpl
        def eschool_menu_item(self, user, scope):
            return []

    with pytest.raises(PluginValidationError, match="eschool_menu_item"):
        _start(make_app, Typo())


def test_a_plugin_must_say_who_it_is(make_app, allowed):
    class Nameless:
        @hookimpl
        def eschool_menu_items(self, user, scope):
            return []

    with pytest.raises(ProfileError, match="'probe' does not implement eschool_plugin_info"):
        _start(make_app, Nameless())

    class Impostor:
        @hookimpl
        def eschool_plugin_info(self):
            return PluginInfo(code="vacancies", name="Impostor")

    with pytest.raises(ProfileError, match="PluginInfo.code is 'vacancies', expected 'probe'"):
        _start(make_app, Impostor())


def test_blueprints_tables_and_permissions_carry_the_plugins_code(make_app, allowed):
    class WrongBlueprint(_Bare):
        @hookimpl
        def eschool_blueprints(self, app):
            return [Blueprint("journal", __name__)]

    with pytest.raises(ProfileError, match="blueprint 'journal' must be named 'probe' or 'probe_...'"):
        _start(make_app, WrongBlueprint())

    class Stray(BaseModel):
        text = CharField()

        class Meta:
            table_name = "stray"

    class WrongTable(_Bare):
        @hookimpl
        def eschool_models(self):
            return [Stray]

    with pytest.raises(ProfileError, match="table 'stray' must start with 'probe_'"):
        _start(make_app, WrongTable())

    class WrongPermission(_Bare):
        @hookimpl
        def eschool_permissions(self):
            return [Permission("marks.edit", "Edit marks", ("subject_teacher",))]

    with pytest.raises(ValueError, match="permission 'marks.edit' must start with 'probe.'"):
        _start(make_app, WrongPermission())

    class UnknownRole(_Bare):
        @hookimpl
        def eschool_permissions(self):
            return [Permission("probe.see", "See", ("janitor",))]

    with pytest.raises(ValueError, match="janitor"):
        _start(make_app, UnknownRole())


def test_settings_for_a_plugin_without_a_settings_schema_are_refused(make_app, regions_copy):
    regions_copy.append("kemerovo", "[plugins.probe]\n[plugins.probe.settings]\ncolour = \"red\"")
    with pytest.raises(ProfileError, match="plugins.probe.settings: the plugin 'probe' has no settings"):
        _start(make_app, _Bare())


def test_a_required_plugin_the_profile_does_not_allow_stops_start_up(make_app, allowed):
    class Needy(_Bare):
        @hookimpl
        def eschool_plugin_info(self):
            return PluginInfo(code="probe", name="Probe", requires=("wiki",))

    with pytest.raises(ProfileError, match="'probe' requires the plugin 'wiki'"):
        _start(make_app, Needy())


def test_menu_entries_follow_their_order_not_the_plugins(make_app, allowed):
    from eschool_demo.demo import build_demo

    class Ordered(Probe):
        @hookimpl
        def eschool_menu_items(self, user, scope):
            # in the menu's first group (the start page's): entries of a group follow their order
            return [MenuItem("probe.page", "Zeta first", order=-5, url_kwargs={"school_id": 1}, plugin="probe",
                             group="home"),
                    MenuItem("probe.page", "Alpha last", order=10_000, url_kwargs={"school_id": 2}, plugin="probe",
                             group="home")]

    app = make_app(extra_plugins=[("probe", Ordered())])
    with app.app_context():
        build_demo(log=lambda *_: None, school_year=False)
    client = app.test_client()
    login(client, "admin")
    html = client.get("/dashboard").get_data(as_text=True)
    nav = html[html.index('<nav class="main-nav"'):]
    assert nav.index("Zeta first") < nav.index('href="/dashboard"') < nav.index("Alpha last")


def test_every_blueprint_comes_through_the_hooks(app):
    """The core registers its own blueprints through ``eschool_blueprints`` like any plugin: the app's
    blueprints are exactly what the hook answered (no hand-made list in app.py)."""
    from eschool.core_parts import CORE_PARTS, is_core

    registry = app.extensions["eschool"].plugins
    answered = registry.call_each("eschool_blueprints", app=app)
    contributed = {bp.name for blueprints in answered.values() for bp in blueprints}
    assert set(app.blueprints) == contributed
    core_parts = {name for name in answered if is_core(name)}
    assert {"core.journal", "core.diary", "core.people", "core.auth"} <= core_parts
    assert {name for name, _ in CORE_PARTS} <= set(registry.infos)
    assert all(registry.infos[name].required for name, _ in CORE_PARTS)
    import inspect

    from eschool import app as app_module

    assert "register_blueprint(" not in inspect.getsource(app_module).replace("app.register_blueprint(bp)", ""), \
        "app.py registers a blueprint by hand"


def test_the_core_parts_own_their_permissions_and_menus(app):
    permissions = app.extensions["eschool"].permissions
    assert permissions.owner["journal.keep"] == "core.journal"
    assert permissions.owner["plugins.manage"] == "core.plugins"
    assert permissions.owner["vacancies.manage"] == "vacancies"


def test_an_endpoint_the_openapi_document_cannot_describe_stops_start_up(make_app, allowed):
    """A plugin's wrong ``doc()`` is found at start-up, naming the plugin and the endpoint (it used to make
    /api/v1/openapi.json answer 500 for everybody, and only at its first request)."""
    from eschool.plugin_api import API_PREFIX, doc, public

    api = Blueprint("probe_api", __name__, url_prefix=f"{API_PREFIX}/probe")

    @api.get("/things")
    @public
    @doc(summary="Things", query=int, paginated=True)  # not a schema
    def things():
        return {}

    class BadDoc(_Bare):
        @hookimpl
        def eschool_blueprints(self, app):
            return [api]

    with pytest.raises(ProfileError, match=r"plugin 'probe': the API endpoint probe_api.things"):
        _start(make_app, BadDoc())
