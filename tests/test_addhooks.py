"""eschool_addhooks: a plugin publishes hookspecs of its own; another plugin implements them."""
import pluggy
import pytest

from eschool import hookimpl, hookspec
from eschool.plugins.services import hooks_here, scope_for_school, set_toggle
from eschool.types import PluginInfo


class BoardSpecs:
    @hookspec
    def board_badges(self, user):
        """Badges to show beside a user's posts: a list of strings."""

    @hookspec(firstresult=True)
    def board_post_limit(self, school_id):
        """How many posts a day (the first answer wins)."""


class Board:
    """Publishes the two hooks above."""

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="board", name="Board", version="1")

    @hookimpl
    def eschool_addhooks(self, pluginmanager):
        pluginmanager.add_hookspecs(BoardSpecs)


class Medals:
    """Implements the board's hooks."""

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="medals", name="Medals", version="1")

    @hookimpl
    def board_badges(self, user):
        return [f"medal for {user}"]

    @hookimpl
    def board_post_limit(self):
        return 5


class Careless:
    """Implements a board hook with an argument the spec does not have."""

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="careless", name="Careless", version="1")

    @hookimpl
    def board_badges(self, user, colour):
        return []


class Optional:
    """Implements the board's hook only if the board is there."""

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="optional", name="Optional", version="1")

    @hookimpl(optionalhook=True)
    def board_badges(self, user):
        return ["optional"]


def _allow(regions_copy, *codes):
    for code in codes:
        regions_copy.append("kemerovo", f"[plugins.{code}]")


@pytest.mark.parametrize("order", ["publisher first", "implementer first"])
def test_a_plugin_implements_the_hooks_another_publishes(make_app, regions_copy, order):
    _allow(regions_copy, "board", "medals")
    plugins = [("board", Board()), ("medals", Medals())]
    app = make_app(extra_plugins=plugins if order == "publisher first" else plugins[::-1])
    hook = app.extensions["eschool"].plugins.pm.hook
    assert hook.board_badges(user="Аня") == [["medal for Аня"]]
    assert hook.board_post_limit(school_id=1) == 5


def test_published_hooks_reach_only_the_plugins_on_where_the_request_is(make_app, regions_copy):
    _allow(regions_copy, "board", "medals")
    app = make_app(extra_plugins=[("board", Board()), ("medals", Medals())])
    from eschool_demo.demo import build_demo

    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
        assert hooks_here(scope_for_school(school)).board_badges(user="Аня") == [["medal for Аня"]]
        set_toggle(app.extensions["eschool"].plugins, "medals", "school", school.id, False)
    with app.test_request_context():
        assert hooks_here(scope_for_school(school)).board_badges(user="Аня") == []


def test_a_wrong_implementation_of_a_published_hook_stops_start_up(make_app, regions_copy):
    _allow(regions_copy, "board", "careless")
    with pytest.raises(pluggy.PluginValidationError, match="colour"):
        make_app(extra_plugins=[("board", Board()), ("careless", Careless())], migrate=False)


def test_an_unpublished_hook_stops_start_up(make_app, regions_copy):
    _allow(regions_copy, "medals")
    with pytest.raises(pluggy.PluginValidationError, match="board_badges"):
        make_app(extra_plugins=[("medals", Medals())], migrate=False)  # the board is not there


def test_an_optional_implementation_waits_for_its_publisher(make_app, regions_copy):
    _allow(regions_copy, "optional")
    app = make_app(extra_plugins=[("optional", Optional())], migrate=False)
    assert "optional" in app.extensions["eschool"].plugins.infos
