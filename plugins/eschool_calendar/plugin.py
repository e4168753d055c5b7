"""The events calendar's hook implementations (entry point ``eschool_calendar.plugin``)."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    ClassGroup,
    MenuItem,
    Permission,
    PluginInfo,
    RoleAssignment,
    User,
    Widget,
    current_year,
    hookimpl,
    local_today,
)

CODE = "calendar"
VIEW, POST = "calendar.view", "calendar.post"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Events calendar"),
                                  description=_l("School and class events, month and week views, a private "
                                                 "iCalendar feed for phones"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_calendar.models import Event, FeedToken

    return [Event, FeedToken]


@hookimpl
def eschool_blueprints(app):
    from eschool_calendar.api import bp as api_bp
    from eschool_calendar.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(VIEW, _l("See the school's events calendar"), (*SCHOOL_STAFF, "student", "parent")),
        Permission(POST, _l("Add events (administration: the school's; class teacher: the class's)"),
                   ("school_admin", "director", "deputy_director", "class_teacher")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or scope.school_id is None:
        return []
    return [MenuItem("calendar.month", _l("Calendar"), order=170, permission=VIEW,
                     url_kwargs={"school_id": scope.school_id}, plugin=CODE, group="school")]


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None or scope.school_id is None:
        return []
    school_id = scope.school_id

    def context():
        from flask import url_for

        from eschool_calendar import services
        from eschool_calendar.reader import reader_for

        today = local_today()
        items = services.events(school_id, reader_for(user, school_id), today, today + dt.timedelta(days=13))
        return {"items": items[:5], "url": url_for("calendar.month", school_id=school_id)}

    return [Widget("calendar", _l("Coming events"), "calendar/widget.html", context=context, permission=VIEW,
                   order=25, plugin=CODE)]


@hookimpl
def eschool_demo_data(school, rng, log):
    """A month of believable events: a pedagogical council, parents' meetings, exams, an olympiad stage,
    a holiday and a class outing."""
    from eschool_calendar import services
    from eschool_calendar.models import Event
    from eschool_calendar.reader import reader_for

    if Event.select().where(Event.school == school.id).exists():
        return
    holder = (RoleAssignment.select().where((RoleAssignment.school == school.id)
                                            & RoleAssignment.role.in_(("deputy_director", "director", "school_admin")))
              .order_by(RoleAssignment.role.desc()).first())
    if holder is None:
        return
    deputy = User.get_by_id(holder.user_id)
    year = current_year(school)
    classes = list(ClassGroup.select().where((ClassGroup.school == school.id)
                                             & (ClassGroup.academic_year == (year.id if year else 0)))
                   .order_by(ClassGroup.grade, ClassGroup.name))
    led = next((c for c in classes if c.class_teacher_id), None)
    today = local_today()
    monday = today - dt.timedelta(days=today.weekday())

    def day(offset):
        return (monday + dt.timedelta(days=offset)).isoformat()

    plan = [
        (deputy, {"title": "Педагогический совет", "kind": "meeting", "audience": "staff", "starts_on": day(0),
                  "start_time": "15:00", "end_time": "16:30", "location": "Кабинет 201",
                  "description": "Итоги четверти; выдвижение учеников на муниципальный этап олимпиады."}),
        (deputy, {"title": "Общешкольное родительское собрание", "kind": "parents_meeting", "audience": "school",
                  "starts_on": day(3), "start_time": "18:00", "end_time": "19:30", "location": "Актовый зал"}),
        (deputy, {"title": "Школьный этап олимпиады по математике", "kind": "olympiad", "audience": "school",
                  "starts_on": day(8), "start_time": "09:00", "end_time": "12:00",
                  "description": "Для 5–11 классов; взять ручку, линейку, циркуль."}),
        (deputy, {"title": "Административная контрольная работа по русскому языку", "kind": "exam",
                  "audience": "school", "starts_on": day(10)}),
        (deputy, {"title": "День народного единства", "kind": "holiday", "audience": "school",
                  "starts_on": day(-3), "description": "Выходной день"}),
        (deputy, {"title": "Пробный ОГЭ по математике", "kind": "exam", "audience": "school", "starts_on": day(15),
                  "start_time": "10:00", "end_time": "13:55", "location": "Кабинеты 301–304"}),
        (deputy, {"title": "Совещание при директоре", "kind": "meeting", "audience": "staff", "starts_on": day(14),
                  "start_time": "14:30"}),
    ]
    if led is not None:
        teacher = User.get_by_id(led.class_teacher_id)
        plan += [
            (teacher, {"title": f"Родительское собрание {led.name}", "kind": "parents_meeting", "audience": "class",
                       "class_id": led.id, "starts_on": day(4), "start_time": "18:30", "location": "Кабинет 12"}),
            (teacher, {"title": f"Экскурсия {led.name} в планетарий", "kind": "event", "audience": "class",
                       "class_id": led.id, "starts_on": day(12), "start_time": "10:00", "end_time": "13:00"}),
        ]
    for author, data in plan:
        services.create(school, data, reader_for(author, school.id, all_roles=True), author)
    log(f"calendar: {len(plan)} events at {school.short_name}")
