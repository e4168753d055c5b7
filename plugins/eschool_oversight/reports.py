"""The journal's filling as a report of the school's reports registry (hook ``eschool_report_types``)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import Report, ReportChart, ReportColumn, ReportTable
from eschool_oversight import services


def filling(params, scope) -> Report:
    """Per teacher: lessons given, without a topic, without homework, filled late, overdue; per class and
    subject: its lessons and the students without a mark (the control page's two tables)."""
    school, start, end = params["school"], params["date_from"], params["date_to"]
    table = services.control(school, start, end)
    teachers = [[t["teacher"], t["given"], t["no_topic"], t["no_homework"], t["late"], t["overdue"]]
                for t in table["teachers"]]
    subjects = [[r["class"], r["subject"], ", ".join(r["teachers"]), r["lessons"], r["students"], r["without_marks"]]
                for r in table["subjects"]]
    totals = [_("Total"), *[sum(row[i] for row in teachers) for i in range(1, 6)]]
    chart = ReportChart(_("Overdue and late lessons"), [row[0] for row in teachers],
                        [(_("overdue"), [row[5] for row in teachers]), (_("filled late"), [row[4] for row in teachers])])
    return Report(_("Journal filling"), [
        ReportTable(_("Teachers"), [ReportColumn("teacher", _l("Teacher")),
                                    ReportColumn("given", _l("Lessons given"), "number"),
                                    ReportColumn("no_topic", _l("No topic"), "number"),
                                    ReportColumn("no_homework", _l("No homework"), "number"),
                                    ReportColumn("late", _l("Filled late"), "number"),
                                    ReportColumn("overdue", _l("Overdue"), "number")], teachers, totals),
        ReportTable(_("Classes and subjects"), [ReportColumn("class", _l("Class")), ReportColumn("subject", _l("Subject")),
                                                ReportColumn("teachers", _l("Teachers")),
                                                ReportColumn("lessons", _l("Lessons"), "number"),
                                                ReportColumn("students", _l("Students"), "number"),
                                                ReportColumn("without_marks", _l("Without a mark"), "number")], subjects)],
        caption=[school.short_name, f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"], chart=chart, landscape=True)
