"""The core's own contributions, registered like a plugin (named ``core``, always on)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import __version__, hookimpl
from eschool.types import MenuItem, Permission, PluginInfo


def core_models() -> list:
    from eschool.attachments.models import Attachment
    from eschool.auth.models import ApiToken, RoleAssignment, User
    from eschool.devices.models import DeviceToken
    from eschool.journal.models import (
        Attendance,
        FinalMark,
        Homework,
        HomeworkFile,
        HomeworkStudent,
        Lesson,
        LessonPlan,
        LessonPlanItem,
        Mark,
        WorkType,
    )
    from eschool.notifications.models import Delivery, Notification, NotificationPreference, QuietHours
    from eschool.people.models import (
        AuditEntry,
        ClassMembership,
        Consent,
        Guardian,
        Movement,
        OneRosterLink,
        StaffFile,
        Student,
        SubgroupMembership,
    )
    from eschool.plugins.models import PluginSetting, PluginToggle
    from eschool.school.models import (
        AcademicYear,
        Building,
        CatchmentStreet,
        ClassGroup,
        CurriculumItem,
        Period,
        Room,
        Subgroup,
        Subject,
        TeachingAssignment,
    )
    from eschool.search.models import SearchEntry
    from eschool.structure.models import Municipality, School
    from eschool.timetable.models import LessonTime, Substitution, TimetableEntry

    return [Municipality, School, User, RoleAssignment, ApiToken, PluginToggle, AcademicYear, Period, Subject, Room,
            ClassGroup, Subgroup, CurriculumItem, TeachingAssignment, LessonTime, TimetableEntry, Substitution,
            Student, Guardian, ClassMembership, Movement, Consent, AuditEntry, StaffFile,
            WorkType, LessonPlan, LessonPlanItem, Lesson, Mark, Attendance, Homework, HomeworkStudent, HomeworkFile,
            FinalMark,
            Building, CatchmentStreet, OneRosterLink, SubgroupMembership,
            Notification, Delivery, NotificationPreference, QuietHours,
            PluginSetting, Attachment, SearchEntry, DeviceToken]


@hookimpl
def eschool_plugin_info():
    return PluginInfo(code="core", name=_l("Core"), version=__version__, required=True)


#: Everyone who works in a school (the extra roles count only where the region has them).
SCHOOL_STAFF = ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher", "secretary",
                "hr_specialist", "medical_worker", "psychologist", "technical_staff")


@hookimpl
def eschool_permissions():
    return [
        Permission("plugins.manage", _l("Switch modules on and off"),
                   ("region_operator", "municipal_operator", "school_admin")),
        Permission("users.manage", _l("Issue staff logins"), ("region_operator", "school_admin")),
        Permission("school.view", _l("See the school's classes, subjects, rooms and timetable"), SCHOOL_STAFF),
        Permission("school.manage", _l("Set up the school year: years, classes, subjects, rooms, curriculum"),
                   ("school_admin", "deputy_director")),
        Permission("timetable.manage", _l("Make the timetable and substitutions"), ("school_admin", "deputy_director")),
        Permission("people.manage", _l("Enrol, transfer and record leaving students; edit every student's card"),
                   ("school_admin", "director", "secretary")),
        Permission("people.view_cards", _l("Read the school's student cards"),
                   ("deputy_director", "psychologist", "medical_worker")),
        Permission("people.audit", _l("Read the audit log of personal-data changes"), ("school_admin",)),
        Permission("people.staff_files", _l("Read and keep staff personal files"), ("school_admin", "hr_specialist")),
        Permission("journal.keep", _l("Keep the class journal of one's own lessons"),
                   ("subject_teacher", "class_teacher", "deputy_director", "director", "school_admin")),
        Permission("journal.control", _l("Oversee every class's journal, close and reopen periods"),
                   ("deputy_director", "director", "school_admin")),
        Permission("diary.view", _l("Read one's own or one's child's diary"), ("student", "parent")),
        Permission("results.rates", _l("See the pass and quality rates of the schools"),
                   ("region_operator", "municipal_operator")),
        Permission("devices.manage", _l("Issue and revoke device tokens for unattended screens"), ("school_admin",)),
        Permission("diary.print_class", _l("Print the weekly diary summaries of a class"),
                   ("class_teacher", "deputy_director", "director", "school_admin")),
        Permission("notifications.deliveries", _l("See and retry the notifications that could not be delivered"),
                   ("region_operator", "municipal_operator", "school_admin")),
    ]


@hookimpl
def eschool_notification_kinds():
    from eschool.types import NotificationKind

    return [
        NotificationKind("core.message", _l("Messages from the school"), _l("%(title)s"), "notifications/message.txt",
                         channels=("email",), order=10),
        NotificationKind("account.invitation", _l("An invitation to the electronic diary"),
                         _l("An invitation to the electronic diary"), "mail/invitation.txt", mandatory=True),
        NotificationKind("account.password_reset", _l("Resetting your password"), _l("Resetting your password"),
                         "mail/password_reset.txt", urgent=True, mandatory=True),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    from eschool.auth.permissions import user_assignments

    own_classes = [MenuItem("people.class_list", _l("My class"), order=10, plugin="core",
                            url_kwargs={"school_id": a.school_id, "class_id": a.class_group_id})
                   for a in user_assignments(user) if a.role == "class_teacher" and a.class_group_id
                   and a.school_id == scope.school_id][:1]
    own_classes += [MenuItem("oversight.class_marks", _l("My class: marks and attendance"), order=11, plugin="core",
                             url_kwargs={"school_id": a.school_id, "class_id": a.class_group_id})
                    for a in user_assignments(user) if a.role == "class_teacher" and a.class_group_id
                    and a.school_id == scope.school_id][:1]
    return [*own_classes,
        MenuItem("web.dashboard", _l("Start page"), order=0, plugin="core"),
        MenuItem("notifications.failed", _l("Undelivered notifications"), order=830, section="admin",
                 permission="notifications.deliveries", plugin="core"),
        MenuItem("diary.week", _l("Diary"), order=5, permission="diary.view", plugin="core"),
        MenuItem("plugins_admin.index", _l("Modules"), order=900, section="admin",
                 permission="plugins.manage", plugin="core"),
        *([MenuItem("timetable.week", _l("Timetable"), order=20, permission="school.view",
                    url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("diary.class_print_choice", _l("Diary printouts"), order=15, permission="diary.print_class",
                    plugin="core"),
           MenuItem("school_setup.section", _l("The school year"), order=800, section="admin",
                    permission="school.manage", url_kwargs={"school_id": scope.school_id, "key": "years"},
                    plugin="core"),
           MenuItem("people.movement_book", _l("Movement book"), order=810, section="admin",
                    permission="people.manage", url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("people.import_students", _l("Import students"), order=812, section="admin",
                    permission="people.manage", url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("people.staff", _l("Staff"), order=805, section="admin",
                    permission="users.manage", url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("devices.index", _l("Devices"), order=906, section="admin", permission="devices.manage",
                    url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("journal_settings.page", _l("Journal settings"), order=803, section="admin",
                    permission="school.manage", url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("oversight.control", _l("Journal control"), order=30, permission="journal.control",
                    url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("people.audit", _l("Audit log"), order=820, section="admin",
                    permission="people.audit", url_kwargs={"school_id": scope.school_id}, plugin="core"),
           MenuItem("journal.index", _l("Journal"), order=15, permission="journal.keep",
                    url_kwargs={"school_id": scope.school_id}, plugin="core"),
           ] if scope.school_id else []),
        *_results_menu(scope),
    ]


def _results_menu(scope) -> list:
    """Final marks and reports, lesson plans (a school); the rates per school (a municipality's operator)."""
    if scope.school_id:
        return [MenuItem("results.index", _l("Final marks and reports"), order=32, permission="journal.keep",
                         url_kwargs={"school_id": scope.school_id}, plugin="core"),
                MenuItem("lesson_plans.index", _l("Lesson plans"), order=34, permission="journal.keep",
                         url_kwargs={"school_id": scope.school_id}, plugin="core")]
    if scope.municipality_id:
        from eschool.structure.models import Municipality

        municipality = Municipality.get_or_none(Municipality.id == scope.municipality_id)
        if municipality is not None:
            return [MenuItem("results_area.school_rates", _l("Pass and quality rates"), order=40,
                             permission="results.rates", url_kwargs={"municipality_code": municipality.code},
                             plugin="core")]
    return []


@hookimpl
def eschool_init_app(app):
    """The core's building blocks: ``{{ text|markdown }}`` (safe rich text), ``/files/<id>`` (attachments)."""
    from eschool.attachments.views import api as attachments_api
    from eschool.attachments.views import bp as attachments_bp
    from eschool.devices.views import bp as devices_bp
    from eschool.devices.views import load_device
    from eschool.devices.views import login_bp as device_login_bp
    from eschool.richtext import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    from eschool.web.slots import marker, render_slot

    app.jinja_env.globals.update(slot=render_slot, slot_marker=marker)
    app.register_blueprint(attachments_bp)
    app.extensions["csrf"].exempt(attachments_api)
    app.register_blueprint(attachments_api)
    app.before_request(load_device)  # registered before the scope is resolved (app._request_lifecycle)
    app.register_blueprint(devices_bp)
    app.register_blueprint(device_login_bp)
