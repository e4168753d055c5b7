"""The vacancies plugin's hook implementations (the entry-point target ``eschool_vacancies.plugin``)."""
from __future__ import annotations

import click
from flask import url_for
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import MenuItem, Permission, PluginInfo, Widget, cli_app, hookimpl

CODE = "vacancies"
MANAGE = "vacancies.manage"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Vacancies"),
                                  description=_l("A school's job openings, public lists and archive"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_vacancies.models import Vacancy

    return [Vacancy]


@hookimpl
def eschool_blueprints(app):
    from eschool_vacancies.api import bp as api_bp
    from eschool_vacancies.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission(MANAGE, _l("Publish and close the school's vacancies"), ("school_admin", "director"))]


@hookimpl
def eschool_settings_schema():
    from eschool_vacancies.schemas import VacanciesSettingsSchema

    return VacanciesSettingsSchema


@hookimpl
def eschool_menu_items(user, scope):
    items = [MenuItem("vacancies.region_list", _l("Vacancies"), order=500, section="public", plugin=CODE)]
    if user is not None and scope.school_id is not None:
        items.append(MenuItem("vacancies.manage", _l("Vacancies of the school"), order=500, section="admin",
                              permission=MANAGE, url_kwargs={"school_id": scope.school_id}, plugin=CODE))
    return items


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if scope.school_id is None:
        return []
    from eschool_vacancies.services import counts_for_school

    school_id = scope.school_id
    return [Widget("vacancies", _l("Vacancies"), "vacancies/widget.html", permission=MANAGE, order=500, plugin=CODE,
                   context=lambda: {"counts": counts_for_school(school_id),
                                    "url": url_for("vacancies.manage", school_id=school_id)})]


@hookimpl
def eschool_cli_commands(cli):
    @cli.group(CODE)
    def vacancies():
        """Vacancies: list them and move expired ones to the archive."""

    @vacancies.command("close-expired")
    def close_expired():
        """Close open vacancies older than the profile's archive_after_days (reason: expired)."""
        from eschool_vacancies.services import archive_after_days
        from eschool_vacancies.services import close_expired as run

        cli_app()
        count = run()
        click.echo(f"Closed {count} expired vacancies (older than {archive_after_days()} days).")

    @vacancies.command("list")
    @click.option("--school", "school_id", type=int, default=None, help="Only this school (id).")
    @click.option("--archive", is_flag=True, help="Closed and expired vacancies instead of open ones.")
    def list_vacancies(school_id, archive):
        """Open (or archived) vacancies, newest first."""
        from eschool_vacancies import services

        cli_app()
        finder = services.archived_vacancies if archive else services.public_vacancies
        rows = services.annotate(list(finder(school_id=school_id)))
        for v in rows:
            click.echo(f"{v.id:>6}  {v.state:<8} {v.school.short_name[:30]:<30}  {v.title}")
        click.echo(f"{len(rows)} vacancies.")


DEMO_VACANCIES = [
    ("Учитель математики", "Математика", "full_time", 18, 38000, 52000, "open",
     "Уроки алгебры и геометрии в 7–9 классах, классное руководство по желанию. Полный социальный пакет, "
     "методическое сопровождение молодых специалистов.",
     "Высшее педагогическое образование; опыт работы приветствуется."),
    ("Учитель английского языка", "Английский язык", "part_time", 12, 22000, 30000, "open",
     "Уроки английского языка в начальной школе (2–4 классы), работа в группах по 12–15 человек.",
     "Высшее или среднее профессиональное педагогическое образование."),
    ("Педагог-психолог", "Психология", "full_time", 36, 35000, None, "draft",
     "Сопровождение учеников 1–11 классов, консультации родителей, участие в школьной службе примирения.",
     "Профильное образование, знание диагностических методик."),
    ("Учитель физической культуры", "Физическая культура", "full_time", 24, 36000, 45000, "filled",
     "Уроки физкультуры в 5–11 классах, подготовка команды к муниципальным соревнованиям.",
     "Профильное образование, справка об отсутствии судимости."),
]


@hookimpl
def eschool_demo_data(school, rng, log):
    """Four vacancies at the demo school: two open, a draft and a filled one in the archive."""
    from eschool_vacancies import services
    from eschool_vacancies.models import Vacancy

    if Vacancy.select().where(Vacancy.school == school).exists():
        return
    for title, subject, employment, hours, low, high, state, description, requirements in DEMO_VACANCIES:
        vacancy = services.create_vacancy(school, {
            "title": title, "subject": subject, "employment": employment, "weekly_hours": hours,
            "salary_from": low, "salary_to": high, "description": description, "requirements": requirements,
            "contact_name": "Отдел кадров", "contact_phone": school.phone or "+7 900 000-00-00",
            "contact_email": school.email}, publish=state != "draft")
        if state == "filled":
            services.close(vacancy, "filled")
    log(f"vacancies: {len(DEMO_VACANCIES)} vacancies at {school.short_name}")
