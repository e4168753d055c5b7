"""Region profiles: switching regions changes name, theme, timezone, plugins; a broken profile stops start-up."""
import pytest
from click.testing import CliRunner

from eschool import cli
from eschool.regions.services import ProfileError

EXPECTED = {
    "kemerovo": ("Электронная школа 2.0", "kuzbass", "Asia/Novokuznetsk", 60),
    "primorye": ("Электронная школа Приморья", "primorye", "Asia/Vladivostok", 90),
    "samara": ("АСУ РСО", "samara", "Europe/Samara", 45),
}
#: Midnight UTC on 1 January 2026 read on the region's clocks.
LOCAL_MIDNIGHT_UTC = {"kemerovo": "07:00", "primorye": "10:00", "samara": "04:00"}
EXTRA_ROLES = {"medical_worker", "psychologist", "hr_specialist", "technical_staff"}


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_switching_the_region_changes_name_theme_timezone_and_plugins(make_app, region):
    portal, theme, timezone, archive_days = EXPECTED[region]
    app = make_app(region=region)
    html = app.test_client().get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert portal in html
    assert f'class="theme-{theme}' in html
    css = app.test_client().get("/static/css/theme.css").get_data(as_text=True)
    assert theme.capitalize() in css or theme in css
    with app.test_request_context("/"):
        from flask_babel import get_timezone

        assert str(get_timezone()) == timezone
    plugins = app.extensions["eschool"].plugins
    assert plugins.settings["vacancies"]["archive_after_days"] == archive_days
    roles = set(app.extensions["eschool"].roles)
    assert (EXTRA_ROLES <= roles) == (region == "samara") and (EXTRA_ROLES & roles == set()) == (region != "samara")
    assert app.extensions["eschool"].region.timezone == timezone
    with app.test_request_context("/"):
        import datetime as dt

        from flask_babel import format_datetime

        shown = format_datetime(dt.datetime(2026, 1, 1, 0, 0), "HH:mm")  # instants are stored in UTC
        assert shown == LOCAL_MIDNIGHT_UTC[region]
    english = app.test_client().get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert app.extensions["eschool"].region.name("portal", "en") in english


def test_themes_differ_between_regions(make_app):
    colours = {region: make_app(region=region).test_client().get("/static/css/theme.css").get_data(as_text=True)
               for region in EXPECTED}
    assert len(set(colours.values())) == 3


@pytest.mark.parametrize("old, new, key", [
    ('timezone = "Asia/Novokuznetsk"', 'timezone = "Asia/Atlantis"', "timezone"),
    ('password_reset = "email"', 'password_reset = "pigeon"', "rules.password_reset"),
    ("session_idle_minutes = 30", 'session_idle_minutes = "half an hour"', "rules.session_idle_minutes"),
    ('theme = "kuzbass"', 'theme = "kuzbass"\ncolour = "green"', "colour"),
    ("archive_after_days = 60", "archive_after_days = 1000", "plugins.vacancies.settings.archive_after_days"),
    ("archive_after_days = 60", "archive_after_days = 60\nshow_salaries = true",
     "plugins.vacancies.settings.show_salaries"),
    ('theme = "kuzbass"', 'theme = "kuzbas"', "theme"),
    ("session_idle_minutes = 30", 'session_idle_minutes = "30"', "rules.session_idle_minutes"),
    ("enabled = true", 'enabled = "yes"', "plugins.vacancies.enabled"),
    ("default = true", "default = true\nschools = [1]", "plugins.vacancies.schools"),
    ('municipalities = []', 'municipalities = ["atlantis"]', "plugins.vacancies.municipalities"),
    ('[names]', '[names]\nshort = "ЭШ"', "names.short"),
    ('code = "kemerovo"\nlocale', 'code = "samara"\nlocale', "code"),
])
def test_a_broken_profile_stops_start_up_naming_file_and_key(make_app, regions_copy, old, new, key):
    regions_copy.replace("kemerovo", old, new)
    with pytest.raises(ProfileError) as info:
        make_app(migrate=False)
    message = str(info.value)
    assert str(regions_copy.path("kemerovo")) in message
    assert f"{key}:" in message, message


def test_a_plugin_named_but_not_installed_stops_start_up(make_app, regions_copy):
    regions_copy.append("kemerovo", "[plugins.nutrition]\nmunicipalities = [\"kemerovo\"]")
    with pytest.raises(ProfileError) as info:
        make_app(migrate=False)
    assert "plugins.nutrition" in str(info.value) and "not installed" in str(info.value)


def test_an_unknown_region_lists_the_known_ones(make_app):
    with pytest.raises(ProfileError, match="available: kemerovo, primorye, samara"):
        make_app(region="atlantis", migrate=False)


def test_cli_regions_list_and_check(regions_copy):
    runner = CliRunner()
    listing = runner.invoke(cli.main, ["regions", "list"])
    assert listing.exit_code == 0
    for region, (portal, theme, timezone, _days) in EXPECTED.items():
        assert portal in listing.output
        assert region in listing.output and timezone in listing.output and f"theme {theme}" in listing.output
    ok = runner.invoke(cli.main, ["regions", "check", str(regions_copy.path("samara"))])
    assert ok.exit_code == 0 and "OK" in ok.output
    folder = runner.invoke(cli.main, ["regions", "check", str(regions_copy.path("primorye").parent)])
    assert folder.exit_code == 0 and "OK (primorye" in folder.output
    regions_copy.replace("samara", 'timezone = "Europe/Samara"', 'timezone = "Samara"')
    bad = runner.invoke(cli.main, ["regions", "check", str(regions_copy.path("samara"))])
    assert bad.exit_code == 1 and "timezone:" in bad.output and str(regions_copy.path("samara")) in bad.output
    regions_copy.append("primorye", "[plugins.wiki]")
    missing = runner.invoke(cli.main, ["regions", "check", str(regions_copy.path("primorye"))])
    assert missing.exit_code == 1 and "plugins.wiki" in missing.output and "not installed" in missing.output
    listed = runner.invoke(cli.main, ["regions", "list"])
    assert listed.exit_code == 0 and "samara" in listed.output and "INVALID" in listed.output
    nowhere = runner.invoke(cli.main, ["regions", "check", str(regions_copy.root / "nowhere.toml")])
    assert nowhere.exit_code == 1 and "file not found" in nowhere.output


def test_each_region_loads_only_the_plugins_its_profile_names(make_app, regions_copy):
    from tests.probe_plugin import Probe

    regions_copy.append("primorye", "[plugins.probe]")
    loaded = {}
    for region in sorted(EXPECTED):
        app = make_app(region=region, extra_plugins=[("probe", Probe())], migrate=False)
        ext = app.extensions["eschool"]
        rules = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules()}
        loaded[region] = ("probe" in ext.plugins.infos, "probe" in rules,
                          "probe" in [o.name for o in ext.migration_owners()], "probe.see" in ext.permissions.permissions)
    assert loaded == {"kemerovo": (False,) * 4, "primorye": (True,) * 4, "samara": (False,) * 4}
