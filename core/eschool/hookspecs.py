"""The plugin API: every hook a plugin may implement.

This module is a public contract. A hook's name, arguments and meaning change only with a
deprecation path, and ``docs/plugins.md`` documents each one (a test checks that they agree).

Three kinds of hooks:

* **Start-up hooks** are called once per application for every plugin the region allows,
  whatever a municipality or school has switched off: models, blueprints, permissions,
  settings, CLI commands, ``init_app``.
* **Request hooks** (menu entries, widgets, card sections, permission vetoes, reports) are called
  only for the plugins enabled where the request is (``eschool.plugins.manager.hooks_for``).
* **Event hooks** (``eschool_on_*``) are called after the outermost transaction commits (never for a
  change rolled back), again only for the plugins enabled in the scope of the change, each plugin on
  its own: a handler's exception is logged and ignored (``eschool.events``). Their return values are
  ignored.

All hooks are called with keyword arguments; an implementation may accept fewer arguments than
the spec names.
"""
from __future__ import annotations

from eschool import hookspec

# --------------------------------------------------------------------------- start-up


@hookspec
def eschool_plugin_info():
    """Describe the plugin.

    Called once at start-up. Return an :class:`eschool.types.PluginInfo` whose ``code`` equals the
    entry-point name. ``root`` (use ``PluginInfo.for_package(__name__, ...)``) is where the core
    finds the plugin's ``templates/<code>/``, ``static/``, ``translations/`` and ``migrations/``.
    """


@hookspec
def eschool_models():
    """Return the plugin's peewee model classes (subclasses of ``eschool.db.BaseModel``).

    Table names must start with ``<code>_``. Tables are created by the plugin's migrations
    (``migrations/0001_initial.py`` ...), applied by ``eschool db upgrade``; the list is used by
    the schema checks and by the test helpers.
    """


@hookspec
def eschool_blueprints(app):
    """Return a list of Flask blueprints (HTML pages and ``/api/v1`` endpoints).

    Every view must declare its permission with ``eschool.auth.permissions.require`` (or
    ``public``). The core adds a guard to each blueprint: where the plugin is switched off, every
    route answers 404.
    """


@hookspec
def eschool_permissions():
    """Return a list of :class:`eschool.types.Permission` named ``<code>.<action>``.

    ``default_roles`` lists role codes (``school_admin``, ``director``, ...) that hold it.
    """


@hookspec
def eschool_settings_schema():
    """Return a marshmallow ``Schema`` class for the plugin's settings, or ``None``.

    The region profile's ``[plugins.<code>.settings]`` table is loaded through it at start-up; an
    unknown key or a bad value stops start-up with the file and the key named. Use
    ``load_default`` for defaults.
    """


@hookspec
def eschool_cli_commands(cli):
    """Add click commands to the ``eschool`` command group ``cli``.

    Add one group named after the plugin (``@cli.group("vacancies")``). Called only for plugins
    the region allows.
    """


@hookspec
def eschool_init_app(app):
    """Last start-up step: template filters, context processors, extensions."""


# --------------------------------------------------------------------------- request time


@hookspec
def eschool_menu_items(user, scope):
    """Return a list of :class:`eschool.types.MenuItem` for this user in this scope.

    Called only for plugins enabled in ``scope``. The core drops entries whose ``permission``
    the user lacks and sorts by ``(section, order)``.
    """


@hookspec
def eschool_dashboard_widgets(user, scope):
    """Return a list of :class:`eschool.types.Widget` for the user's start page."""


@hookspec
def eschool_student_card_sections(student, user, scope):
    """Return a list of :class:`eschool.types.CardSection` for a student's card."""


@hookspec
def eschool_report_types(scope):
    """Return a list of :class:`eschool.types.ReportType` the plugin offers in ``scope``."""


@hookspec
def eschool_check_permission(user, permission, obj, scope):
    """Take part in a permission check: return ``False`` to deny, ``True`` to allow, ``None``.

    Any ``False`` denies; else any ``True`` allows; else the roles' defaults decide. The answer
    does not depend on plugin order.
    """


# --------------------------------------------------------------------------- events
#
# Every event is fired with ``eschool.plugins.services.fire_event`` where the change is made and delivered
# by ``eschool.events`` after the outermost commit (never for a rolled-back change), to each plugin on in
# ``scope`` separately: a handler's exception is logged and does not reach the user or the other plugins.
# ``actor`` is always the acting ``eschool.auth.models.User``, or ``None`` for a system action (the command
# line, an import run without a user). Rows of deleted records are passed as they were before the delete.


@hookspec
def eschool_on_mark_saved(mark, created, actor, scope):
    """A mark was created or changed (``created`` tells which). After commit."""


@hookspec
def eschool_on_mark_deleted(mark, actor, scope):
    """A mark was deleted (its cell emptied); ``mark`` is the row as it was. After commit."""


@hookspec
def eschool_on_absence_recorded(attendance, created, actor, scope):
    """An absence, illness, excuse or lateness was recorded or changed. After commit."""


@hookspec
def eschool_on_absence_deleted(attendance, actor, scope):
    """An absence, illness, excuse or lateness was taken back (the student was there); ``attendance`` is the
    row as it was. After commit."""


@hookspec
def eschool_on_absence_reported(notice, actor, scope):
    """A parent reported in advance that their child will be away (``notice`` is the journal's
    ``AbsenceNotice``: ``student``, ``starts_on``, ``ends_on``, ``reason``). After commit."""


@hookspec
def eschool_on_homework_set(homework, created, actor, scope):
    """Homework was set or changed for a lesson. After commit."""


@hookspec
def eschool_on_homework_deleted(homework, actor, scope):
    """A lesson's homework was taken away (with its files); ``homework`` is the row as it was. After commit."""


@hookspec
def eschool_on_lessons_created(class_group, lessons, actor, scope):
    """Lessons of a class were made: from the weekly timetable (``actor`` is then whoever opened the page
    that needed them) or added by hand. ``lessons`` is a list of ``Lesson`` rows. After commit."""


@hookspec
def eschool_on_timetable_changed(entry, change, actor, scope):
    """The weekly timetable changed: ``change`` is ``"added"``, ``"changed"`` (another subject, teacher,
    room or subgroup at the same place of the week: the week editor) or ``"removed"``, ``entry`` the
    ``TimetableEntry`` (as it is now; as it was, when removed). After commit."""


@hookspec
def eschool_on_substitution_made(substitution, created, actor, scope):
    """Another teacher (or room) was set for one lesson on a date, or such a substitution changed
    (``created`` tells which). After commit."""


@hookspec
def eschool_on_user_created(user, actor, scope):
    """An account was created (by an administrator, an import, the command line). ``scope`` is the region's:
    accounts belong to the region. After commit."""


@hookspec
def eschool_on_period_closed(period, actor, scope):
    """A study period (quarter, semester, year) was closed for a school. After commit."""


@hookspec
def eschool_on_year_closed(academic_year, actor, scope):
    """A school closed its academic year (promotion, graduation done). After commit. Not fired yet: see
    ``PENDING_CALLERS``."""


@hookspec
def eschool_on_student_moved(student, movement, actor, scope):
    """A movement-book entry was made: enrolment, transfer or leaving. After commit."""


# Specs in the contract whose caller has not landed yet: plugins may implement them now. Each entry says
# what will call it. tests/test_hookspec_callers.py checks that every other spec has a call site in the core
# and that no spec listed here has one (so an entry goes as soon as its caller lands).
PENDING_CALLERS = {
}


# --------------------------------------------------------------------------- data


@hookspec
def eschool_demo_data(school, rng, log):
    """Fill a demo school with believable rows for this plugin.

    Called by ``eschool demo`` for every plugin enabled at that school, in plugin-code order.
    ``rng`` is a seeded ``random.Random``; ``log(message)`` prints a line. Must build data through
    the plugin's services.
    """


# --------------------------------------------------------------------------- notifications and jobs


@hookspec
def eschool_notification_kinds():
    """Return a list of :class:`eschool.types.NotificationKind` the plugin sends with ``notify()``.

    Called once at start-up. The preferences page lists every kind that is not ``mandatory``.
    """


@hookspec
def eschool_notification_channels():
    """Return a list of delivery channels (SMS gateways, ...): objects with ``code``, ``label``,
    ``quiet``, ``address(user)`` and ``send(address, subject, body)``
    (``eschool.notifications.channels.Channel``). Called once at start-up.
    """


@hookspec
def eschool_periodic_tasks():
    """Return a list of ``(schedule, function)`` pairs the worker runs on schedule.

    ``schedule(local_datetime) -> bool`` is checked every minute with the region's local time
    (``huey.crontab(minute="0", hour="7")`` is such a function); ``function()`` takes no arguments and
    runs in the worker inside the app's context. Called once at start-up.
    """


# --------------------------------------------------------------------------- building blocks


@hookspec
def eschool_attachment_readable(attachment, user):
    """May ``user`` read ``attachment`` (an ``eschool.attachments.models.Attachment``)? Return ``True`` to allow.

    Asked only of the plugin named in ``attachment.owner`` (never of the others), and only where that
    plugin is on (the attachment's school). ``user`` may be anonymous (``user.is_authenticated`` is
    false). Anything but ``True``, or no answer, refuses: ``/files/<id>`` then answers 404.
    """


@hookspec(historic=True)
def eschool_addhooks(pluginmanager):
    """Publish hooks of the plugin's own, for other plugins to implement.

    Called once per plugin, when it is registered (a historic hook, as pytest's
    ``pytest_addhooks``), before any other hook is checked: call
    ``pluginmanager.add_hookspecs(module_or_class)`` with your specs, marked ``@hookspec`` and named
    ``<your code>_*``. Call them with ``registry.pm.hook.<name>(...)`` or, only for the plugins on
    where the request is, ``eschool.plugins.services.hooks_here(scope).<name>(...)``.
    """


@hookspec
def eschool_template_slot(slot, context, user, scope):
    """Fill a template slot: return a ``SlotFragment`` (or a list of them), or ``None`` to leave it.

    Called only for the plugins enabled in ``scope``, each time a page shows the slot ``slot``. The
    core's slots: ``start_page`` (context: nothing), ``student_card`` (``student``) and
    ``diary_day`` (``student``, ``date``); a plugin's own templates may have more. ``user`` is the
    current user (maybe anonymous or a device). Fragments are shown by ``order``; an exception is
    logged and the fragment left out.
    """
