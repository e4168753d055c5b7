"""The core's umbrella plugin (named ``core``, always on): the core's name and version.

The capabilities register their own contributions from their ``plugin.py`` (see ``core_parts``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import __version__, hookimpl
from eschool.types import PluginInfo

#: Everyone who works in a school (the extra roles count only where the region has them).
SCHOOL_STAFF = ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher", "secretary",
                "hr_specialist", "medical_worker", "psychologist", "technical_staff")


@hookimpl
def eschool_plugin_info():
    return PluginInfo(code="core", name=_l("Core"), version=__version__, required=True)


@hookimpl
def eschool_attachment_readable(attachment, user):
    """The core's own files (owner ``core``): a parent's absence notice file (the journal decides)."""
    from eschool.journal.services import notice_file_readable

    return notice_file_readable(attachment, user)
