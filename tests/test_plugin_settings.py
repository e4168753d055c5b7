"""Plugin settings per scope: the region profile, a municipality's, a school's; the nearest wins; who may set what."""
import pytest
from marshmallow import Schema, fields, validate

from eschool import hookimpl
from eschool.plugins.services import scope_for_school
from eschool.plugins.settings import settings_for
from eschool.structure import services as structure
from eschool.structure.models import Municipality
from eschool.types import PluginInfo
from tests.conftest import bearer, login


class TilesSettings(Schema):
    size = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10), metadata={"label": "Tile size"})
    colour = fields.String(load_default="red", validate=validate.OneOf(["red", "green"], labels=["Red", "Green"]))
    show_clock = fields.Boolean(load_default=False)


class Tiles:
    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="tiles", name="Tiles", version="1")

    @hookimpl
    def eschool_settings_schema(self):
        return TilesSettings


@pytest.fixture
def world(make_app, regions_copy, probe):
    regions_copy.append("kemerovo", "[plugins.tiles]\n[plugins.tiles.settings]\nsize = 4")
    from eschool_demo.demo import build_demo

    app = make_app(extra_plugins=[("tiles", Tiles()), ("probe", probe)])
    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
        school = demo["school"]
        sibling = structure.create_school(school.municipality, "Школа №5", "Школа №5")
        far = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №7", "Школа №7")
    return {"app": app, "school": school, "sibling": sibling, "far": far, "muni": school.municipality_id,
            "far_muni": far.municipality_id}


def _effective(world, school):
    with world["app"].test_request_context():
        return settings_for("tiles", scope_for_school(school))


def _put(client, headers, scope_type, scope_id, values):
    return client.put("/api/v1/plugins/tiles/settings", headers=headers,
                      json={"scope_type": scope_type, "scope_id": scope_id, "values": values})


def test_the_nearest_level_wins_key_by_key(world):
    client = world["app"].test_client()
    region, admin = bearer(client, "region"), bearer(client, "admin")
    assert _effective(world, world["school"]) == {"size": 4, "colour": "red", "show_clock": False}
    assert _put(client, region, "municipality", world["muni"], {"size": 6, "colour": "green"}).status_code == 200
    answer = _put(client, admin, "school", world["school"].id, {"size": 8, "show_clock": "true"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["values"] == {"size": 8, "colour": "green", "show_clock": True}
    assert body["sources"] == {"size": "school", "colour": "municipality", "show_clock": "school"}
    assert body["overrides"] == {"size": 8, "show_clock": True}
    assert body["inherited"] == {"size": 6, "colour": "green", "show_clock": False}
    assert _effective(world, world["school"]) == {"size": 8, "colour": "green", "show_clock": True}
    assert _effective(world, world["sibling"]) == {"size": 6, "colour": "green", "show_clock": False}
    assert _effective(world, world["far"]) == {"size": 4, "colour": "red", "show_clock": False}
    # an empty / null value gives the key back to the level above
    assert _put(client, admin, "school", world["school"].id, {"size": None, "show_clock": ""}).status_code == 200
    assert _effective(world, world["school"]) == {"size": 6, "colour": "green", "show_clock": False}
    got = client.get(f"/api/v1/plugins/tiles/settings?school={world['school'].id}", headers=admin).get_json()
    assert got["overrides"] == {} and got["values"]["size"] == 6


@pytest.mark.parametrize(("user", "scope_type", "target", "status"), [
    ("admin", "school", "school", 200),
    ("admin", "school", "sibling", 403),
    ("admin", "municipality", "muni", 403),
    ("municipal", "municipality", "muni", 200),
    ("municipal", "school", "sibling", 200),
    ("municipal", "municipality", "far_muni", 403),
    ("municipal", "school", "far", 403),
    ("region", "municipality", "far_muni", 200),
    ("region", "school", "far", 200),
    ("teacher", "school", "school", 403),
    ("director", "school", "school", 403),
])
def test_who_may_set_which_level(world, user, scope_type, target, status):
    client = world["app"].test_client()
    target_id = world[target] if isinstance(world[target], int) else world[target].id
    answer = _put(client, bearer(client, user), scope_type, target_id, {"size": 7})
    assert answer.status_code == status, answer.get_json()
    with world["app"].test_request_context():
        from eschool.plugins.models import PluginSetting

        assert PluginSetting.select().count() == (1 if status == 200 else 0)
    page = client.get(f"/admin/plugins/tiles/settings?{scope_type}={target_id}") if login(client, user) else None
    assert page.status_code == status


def test_invalid_values_are_refused_with_the_field_named_and_nothing_saved(world):
    client = world["app"].test_client()
    admin = bearer(client, "admin")
    school_id = world["school"].id
    assert _put(client, admin, "school", school_id, {"size": 5}).status_code == 200
    for values, field in (({"size": 99}, "size"), ({"colour": "blue"}, "colour"), ({"size": "big"}, "size"),
                          ({"sizes": 2}, "sizes"), ({"show_clock": "perhaps"}, "show_clock")):
        answer = _put(client, admin, "school", school_id, {**values, "colour": values.get("colour", "green")})
        assert answer.status_code == 400, answer.get_json()
        assert field in answer.get_json()["error"]["fields"], answer.get_json()
        assert _effective(world, world["school"]) == {"size": 5, "colour": "red", "show_clock": False}


def test_the_modules_page_edits_with_a_generated_form_and_shows_field_errors(world):
    client = world["app"].test_client()
    login(client, "admin")
    school_id = world["school"].id
    modules = client.get(f"/admin/plugins?school={school_id}").get_data(as_text=True)
    assert f"/admin/plugins/tiles/settings?school={school_id}" in modules
    html = client.get(f"/admin/plugins/tiles/settings?school={school_id}").get_data(as_text=True)
    assert 'name="size"' in html and "Tile size" in html and 'name="colour"' in html and "Green" in html
    assert 'name="show_clock"' in html
    bad = client.post("/admin/plugins/tiles/settings",
                      data={"school": school_id, "size": "11", "colour": "green", "show_clock": ""})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert 'class="field-error"' in text and 'value="11"' in text
    assert _effective(world, world["school"])["colour"] == "red"  # nothing saved
    good = client.post("/admin/plugins/tiles/settings",
                       data={"school": school_id, "size": "2", "colour": "", "show_clock": "true"})
    assert good.status_code == 302
    assert _effective(world, world["school"]) == {"size": 2, "colour": "red", "show_clock": True}


def test_a_plugin_without_settings_has_no_settings_page(world):
    client = world["app"].test_client()
    login(client, "admin")
    assert client.get(f"/admin/plugins/probe/settings?school={world['school'].id}").status_code == 404
    answer = client.get(f"/api/v1/plugins/probe/settings?school={world['school'].id}",
                        headers=bearer(client, "admin"))
    assert answer.status_code == 404


def test_settings_are_read_once_per_request(world):
    with world["app"].test_request_context():
        scope = scope_for_school(world["school"])
        assert _count_queries(lambda: settings_for("tiles", scope)) == 1
        assert _count_queries(lambda: settings_for("tiles", scope)) == 0


def _count_queries(call):
    from playhouse.test_utils import count_queries

    with count_queries() as counter:
        call()
    return counter.count


def test_a_region_only_setting_is_shown_but_not_set_below(make_app):
    """The vacancies' archive time is the region's (its public lists span schools)."""
    from eschool_demo.demo import build_demo

    app = make_app()
    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
    client = app.test_client()
    answer = _put_plugin(client, bearer(client, "region"), "vacancies", "school", school.id, {"archive_after_days": 30})
    assert answer.status_code == 400 and "archive_after_days" in answer.get_json()["error"]["fields"]
    login(client, "admin")
    html = client.get(f"/admin/plugins/vacancies/settings?school={school.id}").get_data(as_text=True)
    assert "Days an open vacancy stays on the public list" in html or "Сколько дней" in html
    assert 'name="archive_after_days"' not in html


def _put_plugin(client, headers, code, scope_type, scope_id, values):
    return client.put(f"/api/v1/plugins/{code}/settings", headers=headers,
                      json={"scope_type": scope_type, "scope_id": scope_id, "values": values})
