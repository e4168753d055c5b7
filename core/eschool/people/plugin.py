"""Students and their families, staff, the movement book, personal data and its audit log."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.people", _l("People"))


@hookimpl
def eschool_models():
    from eschool.people.models import (
        AuditEntry,
        ClassMembership,
        Consent,
        Guardian,
        Movement,
        StaffFile,
        Student,
        SubgroupMembership,
    )

    return [Student, Guardian, ClassMembership, Movement, Consent, AuditEntry, StaffFile, SubgroupMembership]


@hookimpl
def eschool_blueprints(app):
    from eschool.people.api import bp as api_bp
    from eschool.people.views import bp, invitations

    return [bp, invitations, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("people.manage", _l("Enrol, transfer and record leaving students; edit every student's card"),
                   ("school_admin", "director", "secretary")),
        Permission("people.view_cards", _l("Read the school's student cards"),
                   ("deputy_director", "psychologist", "medical_worker")),
        Permission("people.audit", _l("Read the audit log of personal-data changes"), ("school_admin",)),
        Permission("people.staff_files", _l("Read and keep staff personal files"), ("school_admin", "hr_specialist")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    from eschool.auth.permissions import user_assignments

    own_class = [MenuItem("people.class_list", _l("My class"), order=10, plugin="core",
                          url_kwargs={"school_id": a.school_id, "class_id": a.class_group_id}, group="home")
                 for a in user_assignments(user) if a.role == "class_teacher" and a.class_group_id
                 and a.school_id == scope.school_id][:1]
    school = {"school_id": scope.school_id}
    return [
        *own_class,
        MenuItem("people.movement_book", _l("Movement book"), order=810, section="admin",
                 permission="people.manage", url_kwargs=school, plugin="core", group="people"),
        MenuItem("people.import_students", _l("Import students"), order=812, section="admin",
                 permission="people.manage", url_kwargs=school, plugin="core", group="people"),
        MenuItem("people.to_complete", _l("Cards to complete"), order=811, section="admin",
                 permission="people.manage", url_kwargs=school, plugin="core", group="people"),
        MenuItem("people.staff", _l("Staff"), order=805, section="admin",
                 permission="users.manage", url_kwargs=school, plugin="core", group="people"),
        MenuItem("people.audit", _l("Audit log"), order=820, section="admin",
                 permission="people.audit", url_kwargs=school, plugin="core", group="people"),
    ]
