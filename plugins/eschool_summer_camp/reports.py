"""The summer camp in the portal's reports registry: the camps of a municipality (places, queue, health
days) and a school's camp sessions, each as a page, XLSX and PDF from one definition."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import Report, ReportChart, ReportColumn, ReportTable, ReportType, local_today
from eschool_summer_camp import services

COLUMNS = (("school", _l("School"), "text"), ("session", _l("Session"), "text"), ("starts_on", _l("First day"), "date"),
           ("ends_on", _l("Last day"), "date"), ("capacity", _l("Places"), "number"),
           ("confirmed", _l("Confirmed"), "number"), ("waiting", _l("Waiting list"), "number"),
           ("submitted", _l("In the queue"), "number"), ("health_days", _l("Health days"), "number"))


class YearSchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "the calendar year of the sessions (default: this year)"})


def _report(camps: list[dict], year: int, caption: str) -> Report:
    columns = [ReportColumn(key, label, kind) for key, label, kind in COLUMNS]
    rows = [[c[key] for key, _label, _kind in COLUMNS] for c in camps]
    totals = [_("Total"), "", None, None, *[sum(c[k] for c in camps) for k in
                                             ("capacity", "confirmed", "waiting", "submitted", "health_days")]]
    chart = ReportChart(_("Confirmed children"), [f"{c['school']}: {c['session']}" for c in camps],
                        [(_("Places"), [c["capacity"] for c in camps]), (_("Confirmed"), [c["confirmed"] for c in camps])])
    return Report(_("Summer camps, %(year)s", year=year), [ReportTable(_("Sessions"), columns, rows, totals=totals)],
                  caption=[caption], chart=chart if camps else None, landscape=True)


def municipality_camps(params, scope) -> Report:
    year = params.get("year") or local_today().year
    municipality = params["municipality"]
    return _report(services.municipality_camps(municipality, year), year, str(municipality.name_ru))


def school_camps(params, scope) -> Report:
    year = params.get("year") or local_today().year
    school = params["school"]
    camps = [c for c in services.municipality_camps(school.municipality, year) if c["school_id"] == school.id]
    return _report(camps, year, school.short_name)


def report_types() -> list[ReportType]:
    return [
        ReportType("summer_camp.camps", _l("Summer camps of the municipality"), "summer_camp.report",
                   municipality_camps, params_schema=YearSchema, levels=("municipality",), order=80,
                   plugin="summer_camp", description=_l("Each school's sessions: places, confirmed, waiting, "
                                                        "health days")),
        ReportType("summer_camp.sessions", _l("Summer camp sessions"), "summer_camp.manage", school_camps,
                   params_schema=YearSchema, levels=("school",), order=80, plugin="summer_camp",
                   description=_l("The school's sessions: places, confirmed, waiting, health days")),
    ]
