"""What a plugin may use of the core: the one module built-in and third-party plugins import from.

Everything here is a public contract, like the hooks in ``hookspecs.py``: a name is removed or its
meaning changed only with a deprecation path (docs/plugins.md, "What changed"). The rest of the core
is internal and may change in any release; the built-in plugins import nothing else (an import-linter
contract in the test suite enforces it, and the same check serves a third-party plugin: see
docs/plugins.md, "Checking your imports").

Sections: the hook markers and records, the database, the models, time in the region's zone, access,
the services a plugin needs (students a user acts for, a school's staff, the timetable of a day, a
class's attendance on a day, writing a mark under the journal's rules), plugin state and settings,
the JSON API helpers, errors.
"""
from __future__ import annotations

from eschool import __version__, hookimpl, hookspec
from eschool.api.docs import API_PREFIX, PageQuerySchema, doc, dump, load_json, load_query, paginate
from eschool.api.errors import ApiError
from eschool.attachments import services as attachments
from eschool.attachments.models import Attachment
from eschool.attachments.services import AttachmentError
from eschool.auth.models import RoleAssignment, User
from eschool.auth.permissions import has_permission, public, require, user_assignments
from eschool.auth.services import USERNAME as USERNAME_PATTERN
from eschool.auth.services import AccountError, check_password_strength, create_user, grant_role
from eschool.core_plugin import SCHOOL_STAFF
from eschool.db import BaseModel, db, utcnow
from eschool.diary.services import visible_students
from eschool.exports import (
    PdfUnavailable,
    Sheet,
    csv_bytes,
    csv_cell,
    csv_response,
    pdf_available,
    pdf_bytes,
    pdf_response,
    read_cell,
    safe_cell,
    write_csv,
    xlsx_bytes,
    xlsx_response,
)
from eschool.fields import Number, UtcDateTime
from eschool.jobs import enqueue
from eschool.journal.models import (
    ATTENDANCE_KINDS,
    NOTICE_REASONS,
    AbsenceNotice,
    Attendance,
    FinalMark,
    Homework,
    Lesson,
    Mark,
    WorkType,
)
from eschool.journal.services import (
    JournalForbidden,
    StaleEdit,
    absent_by_notice,
    attendance_current,
    check_keep,
    class_attendance,
    deadline,
    ensure_lessons,
    ensure_school_lessons,
    expected_absences,
    lesson_state,
    lessons_of,
    local_now,
    local_today,
    periods_of,
    readable_students,
    region_tz,
    set_attendance,
    set_homework,
    set_lesson,
    set_mark,
)
from eschool.journal.services import class_students as class_students_between
from eschool.notifications import audiences
from eschool.notifications.audiences import Audience, AudienceError, addressable, reachable
from eschool.notifications.audiences import query as audience_query
from eschool.notifications.audiences import resolve as resolve_audience
from eschool.notifications.services import NotificationError, notify, notify_each, send_to_address
from eschool.people.models import ClassMembership, Guardian, Student
from eschool.people.schemas import CardInSchema
from eschool.people.services import (
    class_students,
    current_membership,
    enrol,
    is_class_teacher,
    leave,
    link_guardian,
    notify_moved,
    transfer,
)
from eschool.people.standing import SchoolStanding, school_standing, user_school_ids
from eschool.people.tabular import ImportFileError, read_table
from eschool.people.uploads import UploadGone
from eschool.people.uploads import keep as keep_upload
from eschool.people.uploads import take as take_upload
from eschool.plugins.services import (
    enabled_plugins,
    fire_plugin_event,
    hooks_here,
    is_enabled,
    schools_with_plugin,
    scope_for_municipality,
    scope_for_school,
)
from eschool.plugins.settings import SettingsError, settings_for
from eschool.results.figures import weighted_average
from eschool.results.services import controls as controls_journal
from eschool.results.services import teaches
from eschool.richtext import render_markdown, sanitize_html
from eschool.school.api import refused, school_or_404
from eschool.school.models import (
    AcademicYear,
    ClassGroup,
    CurriculumItem,
    Period,
    Room,
    Subgroup,
    Subject,
    TeachingAssignment,
)
from eschool.school.schemas import CLASS_KINDS, LETTERS, PERIOD_KINDS
from eschool.school.services import (
    STAFF_ROLES,
    SchoolError,
    add_assignment,
    add_subject,
    class_of,
    create_class,
    create_year,
    current_year,
    set_curriculum_line,
    subgroup_of,
    subject_of,
    teacher_of,
)
from eschool.school.services import classes as school_classes
from eschool.school.services import staff as school_staff
from eschool.search import services as search
from eschool.structure.models import Municipality, School
from eschool.structure.services import StructureError, create_school, find_school, school_by_id
from eschool.timetable.models import LessonTime, Substitution, TimetableEntry
from eschool.timetable.services import day as timetable_of_day
from eschool.timetable.services import substitutions
from eschool.types import (
    REPORT_PARAMS,
    CardSection,
    MenuItem,
    NotificationKind,
    Panel,
    Permission,
    PluginInfo,
    Report,
    ReportChart,
    ReportColumn,
    ReportTable,
    ReportType,
    Scope,
    SlotFragment,
    Widget,
)
from eschool.validation import as_text
from eschool.web.errors import PageError


def cli_app():
    """In a plugin's CLI command: the application of the region in the environment, its context pushed
    (built once per process), so that models and services work as in a request."""
    from eschool.cli import make_app

    return make_app()


def cli_school(school_ref):
    """In a plugin's CLI command: the school its ``--school`` option names (id or short name), or the
    only school of the database when it is not given; a ``click.ClickException`` saying what to give
    otherwise."""
    from eschool.cli import one_school

    return one_school(school_ref)


__all__ = [
    # hooks and records
    "hookimpl", "hookspec", "__version__", "PluginInfo", "Permission", "MenuItem", "Panel", "Widget", "CardSection",
    "ReportType", "Scope", "Report", "ReportTable", "ReportColumn", "ReportChart", "REPORT_PARAMS",
    # database
    "BaseModel", "db", "utcnow",
    # models
    "User", "Municipality", "School", "AcademicYear", "Period", "Subject", "Room", "ClassGroup", "Subgroup",
    "TeachingAssignment", "CurriculumItem", "Student", "Guardian", "ClassMembership", "Lesson", "Mark", "Attendance", "Homework",
    "WorkType", "FinalMark", "LessonTime", "TimetableEntry", "Substitution", "ATTENDANCE_KINDS",
    "AbsenceNotice", "NOTICE_REASONS",
    # time in the region's zone
    "region_tz", "local_now", "local_today",
    # access
    "require", "public", "has_permission", "user_assignments", "SCHOOL_STAFF",
    # services
    "visible_students", "readable_students", "school_staff", "school_by_id", "current_year", "class_students",
    "current_membership", "is_class_teacher", "timetable_of_day", "substitutions", "class_attendance",
    "class_of", "subject_of", "subgroup_of", "teacher_of",
    "absent_by_notice", "expected_absences",
    # the journal's rules
    "set_mark", "set_attendance", "attendance_current", "periods_of", "ensure_lessons", "ensure_school_lessons", "deadline", "lesson_state",
    "class_students_between", "weighted_average", "set_lesson", "set_homework", "check_keep", "lessons_of", "teaches",
    "controls_journal",
    # who a user is at a school (roles, family classes, classes led and taught)
    "SchoolStanding", "school_standing", "user_school_ids",
    # reading a school's files (CSV or XLSX, under caps)
    "read_table", "ImportFileError",
    # a checked file kept between "check" and "import" (the importers' two steps)
    "keep_upload", "take_upload", "UploadGone",
    # plugin state
    "is_enabled", "enabled_plugins", "hooks_here", "schools_with_plugin", "scope_for_school",
    "scope_for_municipality", "fire_plugin_event",
    # JSON API
    "API_PREFIX", "school_or_404", "refused", "doc", "load_json", "load_query", "paginate", "dump", "PageQuerySchema", "as_text",
    # setting a school up and its people (importers)
    "RoleAssignment", "create_user", "grant_role", "check_password_strength", "USERNAME_PATTERN", "AccountError", "create_school", "create_year",
    "create_class", "add_subject", "add_assignment", "set_curriculum_line", "school_classes", "STAFF_ROLES",
    "CLASS_KINDS", "LETTERS", "PERIOD_KINDS", "enrol", "transfer", "leave", "link_guardian", "notify_moved",
    "CardInSchema", "find_school", "StructureError",
    # notifications and jobs
    "notify", "notify_each", "Audience", "AudienceError", "NotificationKind", "NotificationError", "enqueue", "audiences",
    "reachable", "resolve_audience", "audience_query", "addressable", "send_to_address",
    # building blocks
    "settings_for", "SettingsError", "render_markdown", "sanitize_html", "attachments", "Attachment",
    "AttachmentError", "search", "SlotFragment", "Number", "UtcDateTime",
    # downloads: XLSX (formulas disarmed) and PDF (offline, shipped Cyrillic fonts)
    "Sheet", "safe_cell", "xlsx_bytes", "xlsx_response", "pdf_bytes", "pdf_response", "pdf_available",
    "PdfUnavailable",
    # CSV files for other systems (the same formula rule, reversible)
    "csv_cell", "read_cell", "write_csv", "csv_bytes", "csv_response",
    # CLI
    "cli_app", "cli_school",
    # errors
    "ApiError", "PageError", "SchoolError", "JournalForbidden", "StaleEdit",
]
