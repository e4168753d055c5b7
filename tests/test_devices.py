"""Device tokens: a school administrator issues one for a school and a plugin; the device then reaches only
that plugin's display in that school, through a header or a one-time login link, until it is revoked."""
import re

import pytest
from flask import Blueprint

from eschool import hookimpl
from eschool.auth.permissions import require
from eschool.plugins.services import set_toggle
from eschool.structure import services as structure
from eschool.types import Permission, PluginInfo
from tests.conftest import login


class Screen:
    def __init__(self):
        self.bp = Blueprint("screen", __name__, url_prefix="/screen")

        @self.bp.get("/<int:school_id>")
        @require("screen.display")
        def display(school_id):
            return f"screen of {school_id}"

        @self.bp.get("/<int:school_id>/edit")
        @require("screen.manage")
        def edit(school_id):
            return "edit"

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="screen", name="Screen", version="1")

    @hookimpl
    def eschool_blueprints(self, app):
        return [self.bp]

    @hookimpl
    def eschool_permissions(self):
        return [Permission("screen.display", "Show the screen", ()),
                Permission("screen.manage", "Edit the screen", ("school_admin",))]


@pytest.fixture
def world(make_app, regions_copy, probe):
    regions_copy.append("kemerovo", "[plugins.screen]")
    from eschool_demo.demo import build_demo

    app = make_app(extra_plugins=[("screen", Screen()), ("probe", probe)])
    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
        sibling = structure.create_school(demo["school"].municipality, "Школа №5", "Школа №5")
    return {"app": app, "school": demo["school"], "sibling": sibling}


def _issue(world, purpose="screen", name="Холл, 1 этаж"):
    client = world["app"].test_client()
    login(client, "admin")
    answer = client.post(f"/school/{world['school'].id}/devices", data={"purpose": purpose, "name": name})
    html = answer.get_data(as_text=True)
    token = re.search(r'id="device-token">([^<]+)<', html)
    link = re.search(r'id="device-link">([^<]+)<', html)
    return answer, (token.group(1) if token else None), (link.group(1) if link else None), client


def device(token):
    return {"Authorization": f"Device {token}"}


def test_the_token_is_shown_once_and_stored_hashed(world):
    answer, token, link, admin = _issue(world)
    assert answer.status_code == 200 and token and link
    listing = admin.get(f"/school/{world['school'].id}/devices").get_data(as_text=True)
    assert "Холл, 1 этаж" in listing and token not in listing and link.rsplit("/", 1)[1] not in listing
    with world["app"].app_context():
        from eschool.devices.models import DeviceToken

        row = DeviceToken.get()
        assert token not in (row.token_hash, row.link_hash) and len(row.token_hash) == 64
        assert row.purpose == "screen" and row.school_id == world["school"].id


def test_a_device_reaches_its_display_and_nothing_else(world):
    _answer, token, _link, _admin = _issue(world)
    client = world["app"].test_client()
    school, sibling = world["school"].id, world["sibling"].id
    answer = client.get(f"/screen/{school}", headers=device(token))
    assert answer.status_code == 200 and answer.get_data(as_text=True) == f"screen of {school}"
    assert client.get(f"/screen/{sibling}", headers=device(token)).status_code == 403  # another school
    assert client.get(f"/screen/{school}/edit", headers=device(token)).status_code == 403  # another permission
    for path in ("/dashboard", f"/school/{school}/devices", f"/school/{school}/journal-settings", "/admin/plugins",
                 "/account/password"):
        assert client.get(path, headers=device(token)).status_code in (403, 404), path
    for path in ("/api/v1/me", f"/api/v1/schools/{school}/classes", "/api/v1/plugins"):
        assert client.get(path, headers=device(token)).status_code in (401, 403, 404), path
    assert client.get(f"/screen/{school}").status_code in (302, 401)  # no header: not signed in
    assert client.get(f"/screen/{school}", headers=device("forged")).status_code in (302, 401)


def test_the_login_link_works_once_and_revoking_ends_the_session(world):
    _answer, token, link, admin = _issue(world)
    screen = world["app"].test_client()
    path = "/" + link.split("/", 3)[3]
    assert screen.get(path).status_code == 200
    school = world["school"].id
    assert screen.get(f"/screen/{school}").status_code == 200  # the device session
    assert screen.get(f"/screen/{world['sibling'].id}").status_code == 403
    assert screen.get("/dashboard").status_code == 403
    assert world["app"].test_client().get(path).status_code == 404  # used up
    with world["app"].app_context():
        from eschool.devices.models import DeviceToken

        device_id = DeviceToken.get().id
    assert admin.post(f"/school/{school}/devices/{device_id}/revoke").status_code == 302
    assert screen.get(f"/screen/{school}").status_code == 302  # signed out: to the login page
    assert world["app"].test_client().get(f"/screen/{school}", headers=device(token)).status_code == 302


def test_the_display_is_gone_where_the_plugin_is_off(world):
    _answer, token, _link, _admin = _issue(world)
    with world["app"].app_context():
        set_toggle(world["app"].extensions["eschool"].plugins, "screen", "school", world["school"].id, False)
    assert world["app"].test_client().get(f"/screen/{world['school'].id}", headers=device(token)).status_code == 404


def test_who_issues_and_what_is_refused(world):
    answer, token, _link, _admin = _issue(world, purpose="probe")  # the probe has no display permission
    assert answer.status_code == 400 and token is None and 'class="field-error"' in answer.get_data(as_text=True)
    answer, token, _link, _admin = _issue(world, name="  ")
    assert answer.status_code == 400 and token is None
    teacher = world["app"].test_client()
    login(teacher, "teacher")
    refused = teacher.post(f"/school/{world['school'].id}/devices", data={"purpose": "screen", "name": "x"})
    assert refused.status_code == 403
    admin = world["app"].test_client()
    login(admin, "admin")  # the demo school's administrator only
    assert admin.post(f"/school/{world['sibling'].id}/devices",
                      data={"purpose": "screen", "name": "x"}).status_code == 403
    with world["app"].app_context():
        from eschool.devices.models import DeviceToken

        assert DeviceToken.select().count() == 0
