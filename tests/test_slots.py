"""Template slots: the start page, the student card and the diary day, filled by the plugins on where the
page is, in their explicit order; a failing plugin is left out, the page still renders."""
import datetime as dt

import pytest
from markupsafe import escape

from eschool import hookimpl
from eschool.plugins.services import set_toggle
from eschool.types import PluginInfo, SlotFragment
from tests.conftest import login
from tests.journal_world import build_world


class Notes:
    def __init__(self, code, order, fail=False):
        self.code, self.order, self.fail, self.calls = code, order, fail, []

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code=self.code, name=self.code, version="1")

    @hookimpl
    def eschool_template_slot(self, slot, context, user, scope):
        self.calls.append((slot, scope.school_id))
        if self.fail:
            raise RuntimeError("a bug in the plugin")
        if slot == "diary_day":
            text = f"{self.code} day {context['date'].isoformat()} for {context['student'].id}"
        elif slot == "student_card":
            text = f"{self.code} card of {context['student'].id}"
        elif slot == "start_page":
            text = f"{self.code} start for {getattr(user, 'username', 'anonymous')}"
        else:
            return None
        return SlotFragment(f"<p class='note'>{escape(text)}</p>", order=self.order)


@pytest.fixture
def world(make_app, regions_copy):
    for code in ("alpha", "beta", "broken"):
        regions_copy.append("kemerovo", f"[plugins.{code}]")
    alpha, beta, broken = Notes("alpha", 20), Notes("beta", 10), Notes("broken", 5, fail=True)
    app = make_app(extra_plugins=[("alpha", alpha), ("beta", beta), ("broken", broken)])
    from eschool_demo.demo import build_demo

    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
    w = build_world(app, demo)
    return {"app": app, "world": w, "alpha": alpha, "beta": beta, "school": w["school"]}


def test_the_start_page_slot_in_order_without_the_failing_plugin(world, caplog):
    client = world["app"].test_client()
    login(client, "admin")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-slot="start_page" data-plugin="beta"' in html
    assert html.index("beta start for admin") < html.index("alpha start for admin")  # order 10 before 20
    assert 'data-plugin="broken"' not in html
    assert "plugin broken: eschool_template_slot('start_page') failed" in caplog.text


def test_the_student_card_slot(world):
    client = world["app"].test_client()
    login(client, "admin")
    student = world["world"]["students"][0]
    html = client.get(f"/school/{world['school']}/students/{student}").get_data(as_text=True)
    assert f"beta card of {student}" in html and f"alpha card of {student}" in html


def test_the_diary_day_slot_is_filled_per_request_not_cached(world):
    client = world["app"].test_client()
    login(client, "parent")
    today, student = world["world"]["today"], world["world"]["students"][0]
    html = client.get(f"/diary?date={today.isoformat()}").get_data(as_text=True)
    monday = today - dt.timedelta(days=today.weekday())
    assert f"alpha day {monday.isoformat()} for {student}" in html
    assert f"beta day {today.isoformat()} for {student}" in html
    assert "eschool-slot" not in html
    with world["app"].app_context():
        set_toggle(world["app"].extensions["eschool"].plugins, "alpha", "school", world["school"], False)
    again = client.get(f"/diary?date={today.isoformat()}").get_data(as_text=True)  # the days come from the cache
    assert "alpha day" not in again and f"beta day {today.isoformat()}" in again


def test_only_plugins_on_where_the_page_is_are_asked(world):
    with world["app"].app_context():
        set_toggle(world["app"].extensions["eschool"].plugins, "beta", "school", world["school"], False)
    world["beta"].calls.clear()
    client = world["app"].test_client()
    login(client, "admin")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "alpha start" in html and "beta start" not in html and world["beta"].calls == []


def test_the_slot_helper_in_any_template(world):
    from flask import render_template_string

    from eschool.types import Scope

    app = world["app"]
    with app.test_request_context():
        from flask import g

        g.scope = Scope(app.extensions["eschool"].region.code)
        out = render_template_string("{{ slot('start_page') }}|{{ slot('nobody_fills_this') }}")
    assert out.endswith("|") and "alpha start" in out


def test_without_implementers_a_slot_costs_no_query(make_app, regions_copy):
    from playhouse.test_utils import count_queries

    # the modules that fill slots (the olympiads, nutrition, the camp, the knowledge base): switched off in
    # the profile, so that nobody implements the slot hook
    for code in ("olympiads", "nutrition", "summer_camp", "knowledge_base"):
        profile = regions_copy.path("kemerovo").read_text(encoding="utf-8")
        if f"[plugins.{code}]\nenabled = true" in profile:
            regions_copy.replace("kemerovo", f"[plugins.{code}]\nenabled = true", f"[plugins.{code}]\nenabled = false")
        else:
            regions_copy.replace("kemerovo", f"[plugins.{code}]\n", f"[plugins.{code}]\nenabled = false\n")
    app = make_app()
    assert not app.extensions["eschool"].plugins.implementers("eschool_template_slot")

    from eschool.web.slots import fill_markers, render_slot

    # a slot no installed plugin fills (the built-in modules fill the start page and the diary day)
    with app.test_request_context(), count_queries() as counter:
        assert render_slot("nobody_fills_this") == ""
        assert fill_markers("<p><!--eschool-slot nobody_fills_this 2026-01-01--></p>", "nobody_fills_this",
                            lambda key: {"day": key}) == "<p></p>"
    assert counter.count == 0
