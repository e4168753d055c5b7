"""The greetings board's tests use the core's testing kit (the ``eschool.testing`` pytest plugin, loaded
by itself wherever eschool is installed): an app with this plugin allowed, a school world, logins."""
import pytest

import eschool_hello.plugin


@pytest.fixture
def app(make_app):
    """Kemerovo with the plugin allowed (found through its entry point when installed, else registered)."""
    return make_app(extra_plugins=[("hello", eschool_hello.plugin)],
                    allow={"hello": "[plugins.hello.settings]\nboard_size = 3"})
