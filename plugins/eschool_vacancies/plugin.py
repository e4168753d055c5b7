"""The vacancies plugin's hook implementations (the entry-point target)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.types import PluginInfo

CODE = "vacancies"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Vacancies"),
                                  description=_l("A school's job openings, public lists and archive"),
                                  version="0.1.0")


@hookimpl
def eschool_settings_schema():
    from eschool_vacancies.schemas import VacanciesSettingsSchema

    return VacanciesSettingsSchema
