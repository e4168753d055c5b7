"""Themes: every page wears the region's theme; templates load region -> theme -> plugin -> core."""
import shutil
from pathlib import Path

import pytest

from tests.conftest import login

ROOT = Path(__file__).parents[1]
THEMES = {"kemerovo": "kuzbass", "primorye": "primorye", "samara": "samara"}


def _pages_without_arguments(app) -> list[str]:
    skip = {"web.static", "api.openapi", "ops.health", "ops.version", "ops.metrics", "web.manifest"}  # JSON and text, not pages
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint not in skip
                  and not rule.rule.startswith("/api/"))


@pytest.mark.parametrize("region", sorted(THEMES))
def test_every_page_without_arguments_wears_the_regions_theme(make_app, region):
    from eschool_demo.demo import build_demo

    app = make_app(region=region)
    with app.app_context():
        build_demo(log=lambda *_: None, school_year=False)
    theme = THEMES[region]
    pages = _pages_without_arguments(app)
    assert {"/", "/login", "/dashboard", "/admin/plugins"} <= set(pages)
    visitor, admin = app.test_client(), app.test_client()
    assert visitor.get("/login").status_code == 200
    login(admin, "admin")
    for url in pages:
        for client in (visitor, admin):
            response = client.get(url, follow_redirects=True)
            # 403: a page of another role (the diary is the families'); 404: a module the region leaves off
            # (Kuzbass has no announcement board); the refusal wears the theme too
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            html = response.get_data(as_text=True)
            assert f'<body class="theme-{theme}' in html, url
            assert 'href="/static/css/theme.css"' in html and 'href="/static/css/eschool.css"' in html, url
    css = admin.get("/static/css/theme.css").get_data(as_text=True)
    assert css == (ROOT / "themes" / theme / "static" / "css" / "theme.css").read_text(encoding="utf-8")


@pytest.fixture
def themes_copy(tmp_path, monkeypatch):
    folder = tmp_path / "themes"
    shutil.copytree(ROOT / "themes", folder)
    monkeypatch.setenv("ESCHOOL_THEMES_DIR", str(folder))
    return folder


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_templates_load_region_then_theme_then_plugin_then_core(make_app, probe, regions_copy, themes_copy):
    from eschool_demo.demo import build_demo

    theme_widget = themes_copy / "kuzbass" / "templates" / "probe" / "widget.html"
    _write(theme_widget, '<div class="theme-made">{% include "probe:probe/widget.html" %}</div>')
    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        build_demo(log=lambda *_: None, school_year=False)
    client = app.test_client()
    login(client, "admin")
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<div class="theme-made"><p class="probe-widget">probe widget: 0 notes</p>' in html  # extends the plugin's

    region_widget = regions_copy.root / "kemerovo" / "templates" / "probe" / "widget.html"
    _write(region_widget, '<p class="region-made">{{ ctx.notes }}</p>')
    _write(regions_copy.root / "kemerovo" / "templates" / "base.html",
           '{% extends "core:base.html" %}{% block body_class %}region-made-page{% endblock %}')
    app = make_app(extra_plugins=[("probe", probe)], migrate=False)
    client = app.test_client()
    login(client, "admin")
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<p class="region-made">0</p>' in html and "theme-made" not in html
    assert 'class="theme-kuzbass region-made-page' in html


def test_templates_of_plugins_are_namespaced(make_app, probe):
    app = make_app(extra_plugins=[("probe", probe)])
    names = app.jinja_loader.list_templates()
    assert {"probe/widget.html", "probe:probe/widget.html", "vacancies:vacancies/list.html", "core:base.html"} <= set(
        names)
    for plugin in ("probe", "vacancies"):
        own = [n for n in names if n.startswith(f"{plugin}:")]
        assert own and all(n.startswith(f"{plugin}:{plugin}/") for n in own), own


def test_static_files_and_logo_from_the_region_first(make_app, regions_copy):
    _write(regions_copy.root / "kemerovo" / "static" / "css" / "theme.css", "/* the region's own */")
    _write(regions_copy.root / "kemerovo" / "static" / "img" / "coat.svg", "<svg/>")
    regions_copy.replace("kemerovo", 'logo = "img/logo.svg"', 'logo = "img/coat.svg"')
    client = make_app().test_client()  # migrated: the layout's menu reads the region's module toggles
    assert client.get("/static/css/theme.css").get_data(as_text=True) == "/* the region's own */"
    assert client.get("/static/img/logo.svg").status_code == 200  # the theme's, still there
    html = client.get("/login").get_data(as_text=True)
    assert 'src="/static/img/coat.svg"' in html
    assert client.get("/static/img/coat.svg").status_code == 200
    for escape in ("/static/../region.toml", "/static/%2e%2e/region.toml", "/static/css/../../region.toml"):
        assert client.get(escape).status_code == 404, escape


def test_a_theme_that_extends_a_missing_theme_stops_start_up(make_app, regions_copy, themes_copy):
    from eschool.regions.services import ProfileError

    (themes_copy / "kuzbass" / "theme.toml").write_text('name = "kuzbass"\nextends = "siberia"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="no theme 'siberia'"):
        make_app(migrate=False)


def test_themes_dir_is_a_search_path_and_regions_check_follows_extends_logo_and_names(make_app, regions_copy,
                                                                                        tmp_path, monkeypatch):
    """A theme of one's own in ESCHOOL_THEMES_DIR extends a bundled one; `regions check` is as strict as
    start-up and stricter: the whole chain, the logo file, a name in both languages; each line names the
    file and the key."""
    from click.testing import CliRunner

    from eschool import cli

    own = tmp_path / "own-themes"
    _write(own / "siberia" / "theme.toml", 'name = "siberia"\nextends = "kuzbass"\n')
    _write(own / "siberia" / "static" / "css" / "theme.css", "/* siberia */")
    monkeypatch.setenv("ESCHOOL_THEMES_DIR", f"{tmp_path / 'empty'}:{own}")
    regions_copy.replace("kemerovo", 'theme = "kuzbass"', 'theme = "siberia"')
    client = make_app(migrate=False).test_client()
    assert client.get("/static/css/theme.css").get_data(as_text=True) == "/* siberia */"
    assert client.get("/static/img/logo.svg").status_code == 200  # from kuzbass, the bundled parent
    runner = CliRunner()
    profile = str(regions_copy.path("kemerovo"))
    ok = runner.invoke(cli.main, ["regions", "check", profile])
    assert ok.exit_code == 0 and "OK (kemerovo" in ok.output, ok.output

    _write(own / "siberia" / "theme.toml", 'name = "siberia"\nextends = "taiga"\n')
    regions_copy.replace("kemerovo", 'logo = "img/logo.svg"', 'logo = "img/coat.svg"')
    regions_copy.replace("kemerovo", ', en = "Electronic School 2.0"', "")
    bad = runner.invoke(cli.main, ["regions", "check", profile])
    assert bad.exit_code == 1
    assert f"{own / 'siberia' / 'theme.toml'}: extends: no theme 'taiga' (available: default, kuzbass" in bad.output
    _write(own / "siberia" / "theme.toml", 'name = "siberia"\nextends = "kuzbass"\n')
    bad = runner.invoke(cli.main, ["regions", "check", profile])
    assert bad.exit_code == 1, bad.output
    assert f"{profile}: logo: no file 'img/coat.svg' in" in bad.output
    assert "names.portal: no English name" in bad.output

    _write(own / "siberia" / "theme.toml", 'name = "siberia"\nextends = ["kuzbass"]\n')
    from eschool.regions.services import ProfileError

    with pytest.raises(ProfileError, match=r"siberia/theme.toml: extends: expected the name of another theme"):
        make_app(migrate=False)
