"""Small frozen records that plugins return from hooks.

Each carries an explicit ``order``: the core sorts contributions by it, never by pluggy's
registration order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself (hook ``eschool_plugin_info``)."""

    code: str
    name: Any  # a lazy string: shown in the user's language
    description: Any = ""
    version: str = "0"
    requires: tuple[str, ...] = ()
    #: Required plugins cannot be switched off for a municipality or a school.
    required: bool = False
    #: The package folder; templates/, static/, translations/ and migrations/ are looked up in it.
    root: Path | None = None

    @classmethod
    def for_package(cls, module_name: str, **kwargs) -> PluginInfo:
        """Fill ``root`` from a module's package folder (pass ``__name__``)."""
        import importlib.util

        spec = importlib.util.find_spec(module_name.rsplit(".", 1)[0] if "." in module_name else module_name)
        root = Path(spec.origin).parent if spec and spec.origin else None
        return cls(root=root, **kwargs)

    def folder(self, name: str) -> Path | None:
        if self.root is None:
            return None
        path = self.root / name
        return path if path.is_dir() else None


@dataclass(frozen=True)
class Permission:
    """A named permission and the roles that hold it by default.

    Names are ``<owner>.<action>``: ``vacancies.manage``, ``plugins.manage``.
    """

    name: str
    label: Any
    default_roles: tuple[str, ...] = ()


#: The task groups of the menu (``MenuItem.group``), in the order the menu shows them; ``home`` entries stand
#: on their own at the menu's start (the start page, a class teacher's class, a family's diary).
MENU_GROUPS = ("home", "journal", "school", "people", "reports", "modules")


@dataclass(frozen=True)
class MenuItem:
    """An entry in the portal's navigation.

    ``section``: ``main`` and ``admin`` entries are for the logged-in (``admin`` ones are the school's or the
    operators' tools), ``public`` ones are shown to visitors too (the front page lists them). ``group``: the
    task the entry belongs to in the menu (one of ``MENU_GROUPS``); without one a plugin's entry goes to
    ``modules``.
    """

    endpoint: str
    label: Any
    order: int = 100
    section: str = "main"  # main | admin | public
    permission: str | None = None
    icon: str = ""
    url_kwargs: dict = field(default_factory=dict)
    plugin: str = ""
    group: str = ""


@dataclass(frozen=True)
class Panel:
    """A block of a page rendered from a plugin's template; ``context`` is called only when shown."""

    key: str
    title: Any
    template: str
    context: Callable[[], dict] = dict
    order: int = 100
    permission: str | None = None
    plugin: str = ""


@dataclass(frozen=True)
class Widget(Panel):
    """A widget on the user's start page (hook ``eschool_dashboard_widgets``); ``wide`` ones take a whole row
    on wide screens (a role's "today")."""

    wide: bool = False


@dataclass(frozen=True)
class CardSection(Panel):
    """A section of the student card (hook ``eschool_student_card_sections``)."""


#: The parameters a report may ask for; the reports page offers each as a field, the API as a query
#: argument, and the registry checks them before ``build`` sees them (see docs/plugins.md, "Reports").
REPORT_PARAMS = ("period", "class", "grade", "subject", "date_range")


@dataclass(frozen=True)
class ReportType:
    """A report (hook ``eschool_report_types``): the page, the XLSX and the PDF all come from one
    ``build(params, scope)`` returning a :class:`Report`.

    ``params``: which of ``REPORT_PARAMS`` the report asks for; ``required``: those it cannot do without.
    ``levels``: where it is offered (``school``, ``municipality``). ``class_teachers``: a class teacher
    without ``permission`` may open it for their own class (the class is then required).
    ``params_schema``: an optional marshmallow schema class for further query arguments of its own."""

    key: str
    title: Any
    permission: str
    build: Callable[..., Any]
    params_schema: Any = None
    order: int = 100
    plugin: str = ""
    params: tuple = ()
    required: tuple = ()
    levels: tuple = ("school",)
    class_teachers: bool = False
    description: Any = ""


@dataclass
class ReportColumn:
    """A column: its key, its heading, and how its values show (``text``, ``number``, ``percent``,
    ``mark``, ``date``)."""

    key: str
    label: Any
    kind: str = "text"


@dataclass
class ReportTable:
    """One table of a report (a sheet in the XLSX): rows are lists in the columns' order; ``totals``
    an optional last row."""

    title: Any
    columns: list
    rows: list
    totals: list | None = None


@dataclass
class ReportChart:
    """A bar chart drawn by the portal itself (SVG): one bar per label per series."""

    title: Any
    labels: list
    series: list  # [(label, [values...]), ...]
    unit: str = ""


@dataclass
class Report:
    """What ``ReportType.build`` returns: tables, an optional chart, the lines under the title that say
    what was asked (class, period), and whether it prints landscape."""

    title: Any
    tables: list
    caption: list = field(default_factory=list)
    chart: ReportChart | None = None
    landscape: bool = False
    notes: list = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """Where a request or an event happens: the region, and maybe a municipality and a school."""

    region: str
    municipality_id: int | None = None
    school_id: int | None = None

    @property
    def level(self) -> str:
        if self.school_id is not None:
            return "school"
        if self.municipality_id is not None:
            return "municipality"
        return "region"


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification (hook ``eschool_notification_kinds``); see docs/plugins.md, Notifications.

    ``code`` is ``<plugin>.<name>``; ``title`` a lazy string formatted with the context
    (``%(name)s``); ``template`` renders the body from the context (and ``user``); ``channels`` are the
    channels on by default (the inbox is always on); ``urgent`` ones ignore quiet hours; ``mandatory``
    ones cannot be switched off by the user (a password reset) and are not listed on the preferences page.
    """

    code: str
    label: Any
    title: Any
    template: str
    channels: tuple[str, ...] = ("email",)
    urgent: bool = False
    mandatory: bool = False
    order: int = 100


@dataclass(frozen=True)
class SlotFragment:
    """A rendered piece of HTML a plugin puts into a template slot (hook ``eschool_template_slot``).

    ``html`` is trusted as the plugin's own rendered HTML (``render_template(...)``); anything a user
    wrote must have been escaped by that template (autoescape does it) or passed through
    ``eschool.richtext``. Fragments are shown by ``order``, then plugin code.
    """

    html: str
    order: int = 100
    plugin: str = ""
