"""The announcement board's hook implementations (entry point ``eschool_announcements.plugin``)."""
from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    ClassGroup,
    MenuItem,
    NotificationKind,
    Permission,
    PluginInfo,
    RoleAssignment,
    User,
    Widget,
    current_year,
    hookimpl,
    local_today,
)

CODE = "announcements"
VIEW, POST, MODERATE = "announcements.view", "announcements.post", "announcements.moderate"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Announcements"),
                                  description=_l("The school's board: announcements to audiences with a display "
                                                 "period; students and parents read only"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_announcements.models import Announcement

    return [Announcement]


@hookimpl
def eschool_blueprints(app):
    from eschool_announcements.api import bp as api_bp
    from eschool_announcements.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(VIEW, _l("Read the announcement board"), (*SCHOOL_STAFF, "student", "parent")),
        Permission(POST, _l("Post announcements (to the audiences one may address)"), SCHOOL_STAFF),
        Permission(MODERATE, _l("Edit and delete anyone's announcements of the school"),
                   ("school_admin", "director", "deputy_director")),
    ]


@hookimpl
def eschool_notification_kinds():
    return [NotificationKind("announcements.new", _l("A new announcement on the board"),
                             _l("Announcement: %(title)s"), "announcements/notifications/new.txt",
                             channels=("email",), order=40)]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or scope.school_id is None:
        return []
    return [MenuItem("announcements.board", _l("Announcements"), order=150, permission=VIEW,
                     url_kwargs={"school_id": scope.school_id}, plugin=CODE, group="school")]


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None or scope.school_id is None:
        return []
    school_id = scope.school_id

    def context():
        from eschool_announcements import services

        reader = services.reader_at(user, school_id)
        items, total = services.addressed(school_id, reader)
        return {"items": items, "total": total, "label": services.audience_label,
                "url": url_for("announcements.board", school_id=school_id)}

    return [Widget("announcements", _l("Announcements"), "announcements/widget.html", context=context,
                   permission=VIEW, order=20, plugin=CODE)]


DEMO = [
    # (audience, author role, pinned, start offset, days shown, title, body)
    ("school", "director", True, -2, 20, "Родительские собрания по итогам четверти",
     "Уважаемые родители! Общешкольное родительское собрание пройдёт в **актовом зале** в четверг в 18:00.\n\n"
     "- 1–4 классы — кабинеты классных руководителей после общей части;\n- 5–11 классы — актовый зал.\n\n"
     "Просим взять с собой сменную обувь."),
    ("school", "deputy_director", False, -1, 10, "Школьный этап всероссийской олимпиады",
     "Расписание школьного этапа олимпиады размещено на стенде у учительской. Регистрация — у классных "
     "руководителей до пятницы."),
    ("parents", "director", False, -3, 14, "Горячее питание: заявления на льготу",
     "Заявления на льготное питание принимает социальный педагог (кабинет 104) с 9:00 до 16:00. "
     "Нужны справка о составе семьи и документ, подтверждающий льготу."),
    ("staff", "deputy_director", True, 0, 7, "Педагогический совет",
     "Педсовет «Итоги первой четверти» — в понедельник в 15:00, кабинет 201. Явка обязательна."),
    ("parallel", "deputy_director", False, -1, 12, "Экскурсия в краеведческий музей",
     "Для параллели запланирована экскурсия в краеведческий музей. Стоимость билета — 150 ₽, "
     "сбор у главного входа в 9:30."),
    ("class", "class_teacher", False, 0, 5, "Дежурство по классу",
     "На этой неделе дежурят ученики по списку на доске. Не забудьте полить цветы!"),
    ("school", "director", False, 5, 10, "День открытых дверей",
     "Приглашаем будущих первоклассников и их родителей на день открытых дверей."),
]


@hookimpl
def eschool_demo_data(school, rng, log):
    """A lived-in board: pinned and ordinary, school-wide, parents-only, staff-only, a parallel's and a
    class's announcements, one planned for next week."""
    from eschool_announcements import services
    from eschool_announcements.models import Announcement

    if Announcement.select().where(Announcement.school == school.id).exists():
        return
    year = current_year(school)
    classes = list(ClassGroup.select().where((ClassGroup.school == school.id)
                                             & (ClassGroup.academic_year == (year.id if year else 0)))
                   .order_by(ClassGroup.grade, ClassGroup.name))
    led = [c for c in classes if c.class_teacher_id]
    today = local_today()
    made = 0
    for audience, role, pinned, offset, days, title, body in DEMO:
        if role == "class_teacher":
            if not led:
                continue
            author = User.get_by_id(led[0].class_teacher_id)
        else:
            holder = (RoleAssignment.select().where((RoleAssignment.school == school.id)
                                                    & (RoleAssignment.role == role)).first()
                      or RoleAssignment.select().where((RoleAssignment.school == school.id)
                                                       & (RoleAssignment.role == "school_admin")).first())
            if holder is None:
                continue
            author = User.get_by_id(holder.user_id)
        reader = services.reader_at(author, school.id, all_roles=True)
        start = today + dt.timedelta(days=offset)
        data = {"title": title, "body": body, "audience": audience, "pinned": pinned,
                "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(days=days)).isoformat()}
        if audience == "parallel":
            if not classes:
                continue
            data["grade"] = classes[len(classes) // 2].grade
            data["title"] = f"{title}: {data['grade']}-е классы"
        if audience == "class":
            data["class_id"] = led[0].id
            data["title"] = f"{title} {led[0].name}"
        services.create(school, data, reader, author, notice=False)
        made += 1
    log(f"announcements: {made} announcements at {school.short_name}")
