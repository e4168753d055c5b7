"""The rules about people: who may read or change a student's card, and the movement book.

Every change of personal data is written to the audit log (who, when, old value, new value).
Enrolment, transfer and leaving each make a movement-book entry with the date and the order number,
and keep the class membership history: nothing is overwritten.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from eschool.auth.models import RoleAssignment, User
from eschool.auth.permissions import has_permission, user_assignments
from eschool.db import db
from eschool.people.models import (
    AuditEntry,
    ClassMembership,
    Consent,
    Guardian,
    Movement,
    Student,
    SubgroupMembership,
)
from eschool.people.schemas import CARD_FIELDS
from eschool.plugins.services import scope_for_school
from eschool.school import services as school_services
from eschool.school.models import ClassGroup
from eschool.school.services import SchoolError
from eschool.structure.models import School

MANAGE, VIEW_CARDS, AUDIT = "people.manage", "people.view_cards", "people.audit"


# --------------------------------------------------------------------------- who may


def current_membership(student: Student) -> ClassMembership | None:
    return (ClassMembership.select(ClassMembership, ClassGroup).join(ClassGroup)
            .where((ClassMembership.student == student) & ClassMembership.ends_on.is_null()).first())


def is_class_teacher(user, class_group_id: int | ClassGroup | None) -> bool:
    """The user is the class teacher of this class (a class-level role, or named on the class). Given the
    class itself (a loaded ``ClassGroup``) rather than its id, no statement is needed."""
    if class_group_id is None or not getattr(user, "is_authenticated", False):
        return False
    loaded = class_group_id if isinstance(class_group_id, ClassGroup) else None
    class_group_id = loaded.id if loaded is not None else class_group_id
    if any(a.role == "class_teacher" and a.class_group_id == class_group_id for a in user_assignments(user)):
        return True
    if loaded is not None:
        return loaded.class_teacher_id == user.id
    return ClassGroup.select().where((ClassGroup.id == class_group_id) & (ClassGroup.class_teacher == user.id)).exists()


def classes_led(user, class_ids) -> set[int]:
    """Which of ``class_ids`` the user is the class teacher of (:func:`is_class_teacher` for many classes
    in one query, whatever their number)."""
    ids = set(class_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    led = {a.class_group_id for a in user_assignments(user) if a.role == "class_teacher"} & ids
    rest = ids - led
    if rest:
        led |= {row[0] for row in ClassGroup.select(ClassGroup.id).where(
            ClassGroup.id.in_(sorted(rest)) & (ClassGroup.class_teacher == user.id)).tuples()}
    return led


def card_access(user, student: Student) -> str | None:
    """``"edit"``, ``"read"`` or ``None``: the one rule for a student's card.

    The school's secretary, administrator and director change it; the class teacher of the
    student's class changes it too; the deputy director and the school's psychologist and medical
    worker read it; the student reads their own and a parent their child's. Nobody else: not a
    teacher of another class, not a parent of another family, not a municipal operator.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    scope = scope_for_school(student.school)
    if has_permission(user, MANAGE, scope):
        return "edit"
    membership = current_membership(student)
    if membership is not None and is_class_teacher(user, membership.class_group_id):
        return "edit"
    if has_permission(user, VIEW_CARDS, scope):
        return "read"
    acting_as = {a.role for a in user_assignments(user)}  # a teacher who is also a parent: only as parent
    if "student" in acting_as and student.user_id == user.id:
        return "read"
    if "parent" in acting_as and Guardian.select().where(
            (Guardian.student == student) & (Guardian.user == user.id)).exists():
        return "read"
    return None


def can_edit_class(user, school: School, class_group: ClassGroup) -> bool:
    return has_permission(user, MANAGE, scope_for_school(school)) or is_class_teacher(user, class_group.id)


def student_of(school: School, student_id: int) -> Student | None:
    return Student.get_or_none((Student.id == student_id) & (Student.school == school))


# --------------------------------------------------------------------------- the audit log


def _audit(school, actor, record: str, record_id: int, changes: dict[str, tuple]) -> None:
    # one INSERT of all the fields' rows (a card is five to ten of them; the import writes one per student)
    rows = [{"school": school, "actor": actor, "record": record, "record_id": record_id, "field": name,
             "old_value": None if old is None else str(old), "new_value": None if new is None else str(new)}
            for name, (old, new) in changes.items()]
    if rows:
        AuditEntry.insert_many(rows).execute()


def write_audit(school, actor, record: str, record_id: int, changes: dict[str, tuple]) -> None:
    """Write changes of any record (a card, a mark, attendance) to the audit log: who, when, old, new."""
    _audit(school, actor, record, record_id, changes)


def audit_log(school: School, record: str | None = None, record_id: int | None = None, limit: int = 200):
    """The school's audit entries, newest first, each with its actor (one query)."""
    from peewee import JOIN

    query = (AuditEntry.select(AuditEntry, User).join(User, JOIN.LEFT_OUTER, on=(AuditEntry.actor == User.id))
             .where(AuditEntry.school == school))
    if record:
        query = query.where(AuditEntry.record == record)
    if record_id is not None:
        query = query.where(AuditEntry.record_id == record_id)
    return list(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))


# --------------------------------------------------------------------------- the movement book


def _editable_class(school: School, class_id: int) -> ClassGroup:
    group = school_services.class_of(school, class_id)
    school_services.editable(group.academic_year)
    return group


def editable_classes(school: School, class_ids) -> dict[int, ClassGroup]:
    """``_editable_class`` of many classes at once (an import): the classes by id, with their years, in one
    query; the same errors for a class of another school or of a closed year."""
    from eschool.school.models import AcademicYear

    ids = sorted(set(class_ids))
    groups = {g.id: g for g in ClassGroup.select(ClassGroup, AcademicYear).join(AcademicYear)
              .where(ClassGroup.id.in_(ids) & (ClassGroup.school == school))} if ids else {}
    for class_id in ids:
        if class_id not in groups:
            raise SchoolError("class_id", _l("No such class at this school."))
        school_services.editable(groups[class_id].academic_year)
    return groups


def notify_moved(school: School, student: Student, movement: Movement, actor=None) -> None:
    """Fire ``eschool_on_student_moved`` for the plugins on at the school (call after commit)."""
    from eschool.plugins.services import fire_event

    fire_event("student_moved", scope_for_school(school), student=student, movement=movement, actor=actor)


def enrol(school: School, data: dict, actor=None, notify: bool = True) -> Student:
    """Enrol a student into a class: their card, their membership, the movement-book entry.

    ``notify=False`` leaves the event to the caller (an import fires it after its own transaction).
    """
    group = _editable_class(school, data["class_id"])
    card = {k: data[k] for k in CARD_FIELDS}
    with db.atomic():
        student = Student.create(school=school, **card)
        ClassMembership.create(student=student, class_group=group, starts_on=data["date"])
        movement = Movement.create(school=school, student=student, kind="enrolment", date=data["date"],
                                   order_number=data["order_number"], to_class=group,
                                   other_school=data.get("other_school", ""), recorded_by=actor)
        _audit(school, actor, "student", student.id, {k: (None, v) for k, v in card.items() if v not in ("", None)})
    student.last_movement = movement
    if notify:
        notify_moved(school, student, movement, actor)
    return student


def _close_membership(student: Student, date: dt.date) -> ClassMembership:
    membership = current_membership(student)
    if membership is None:
        raise SchoolError(None, _l("The student is not in a class now."), conflict=True)
    if date < membership.starts_on:
        raise SchoolError("date", _l("The date comes before the student joined %(name)s.",
                                     name=membership.class_group.name))
    membership.ends_on = date
    membership.save()
    return membership


def transfer(school: School, student: Student, data: dict, actor=None, notify: bool = True) -> Movement:
    """Move a student to another class of the school from ``date`` (``notify``: as for ``enrol``)."""
    group = _editable_class(school, data["class_id"])
    with db.atomic():
        old = _close_membership(student, data["date"])
        if old.class_group_id == group.id:
            raise SchoolError("class_id", _l("The student is already in this class."))
        ClassMembership.create(student=student, class_group=group, starts_on=data["date"])
        movement = Movement.create(school=school, student=student, kind="transfer", date=data["date"],
                                   order_number=data["order_number"], from_class=old.class_group, to_class=group,
                                   recorded_by=actor)
    if notify:
        notify_moved(school, student, movement, actor)
    return movement


def leave(school: School, student: Student, data: dict, actor=None, notify: bool = True) -> Movement:
    """The student leaves the school (to another school, or for another reason)."""
    with db.atomic():
        old = _close_membership(student, data["date"])
        _audit(school, actor, "student", student.id, {"status": (student.status, "left")})
        student.status = "left"
        student.save()
        movement = Movement.create(school=school, student=student, kind="leaving", date=data["date"],
                                   order_number=data["order_number"], from_class=old.class_group,
                                   other_school=data.get("other_school", ""), reason=data["reason"],
                                   recorded_by=actor)
    if notify:
        notify_moved(school, student, movement, actor)
    return movement


def movements(school: School, limit: int = 500) -> list[Movement]:
    return list(Movement.select(Movement, Student).join(Student).where(Movement.school == school)
                .order_by(Movement.date.desc(), Movement.id.desc()).limit(limit))


# --------------------------------------------------------------------------- cards


def update_card(student: Student, data: dict, actor=None) -> Student:
    """Change personal data; each changed field goes to the audit log with its old and new value."""
    changes = {k: (getattr(student, k), v) for k, v in data.items() if k in CARD_FIELDS and getattr(student, k) != v}
    if changes:
        with db.atomic():
            for name, (_old, new) in changes.items():
                setattr(student, name, new)
            student.save()
            _audit(student.school_id, actor, "student", student.id, changes)
    return student


def link_guardian(student: Student, data: dict, actor=None) -> Guardian:
    """Link a parent's account to a student; the account must hold the parent role at the school."""
    user = User.get_or_none(User.id == data["user_id"])
    is_parent = user is not None and RoleAssignment.select().where(
        (RoleAssignment.user == user) & (RoleAssignment.role == "parent")
        & (RoleAssignment.school == student.school_id)).exists()
    if not is_parent:
        raise SchoolError("user_id", _l("This account is not a parent's account at this school."))
    guardian, created = Guardian.get_or_create(student=student, user=user, defaults={
        "relation": data["relation"], "legal_representative": data["legal_representative"]})
    if created:
        _audit(student.school_id, actor, "guardian", guardian.id,
               {"student": (None, student.full_name), "user": (None, user.full_name), "relation": (None, data["relation"])})
    return guardian


def record_consent(student: Student, data: dict, actor=None) -> Consent:
    if data["given_on"] > dt.date.today():
        raise SchoolError("given_on", _l("The date of consent cannot be in the future."))
    consent = Consent.create(student=student, given_by=data["given_by"], given_on=data["given_on"], taken_by=actor)
    _audit(student.school_id, actor, "consent", consent.id,
           {"given_by": (None, data["given_by"]), "given_on": (None, data["given_on"])})
    return consent


def card(student: Student) -> Student:
    """The student with what the card shows: class, guardians, consents (a fixed number of queries)."""
    membership = current_membership(student)
    student.class_name = membership.class_group.name if membership else None
    student.class_id = membership.class_group_id if membership else None
    student.guardians = list(Guardian.select(Guardian, User).join(User).where(Guardian.student == student))
    student.consents = list(Consent.select().where(Consent.student == student).order_by(Consent.given_on.desc()))
    return student


def name_labels(students, short: bool = False) -> dict[int, str]:
    """How each student of one list is named so that two with the same name can be told apart (two
    "Орлов Глеб" in 5А after an import): the name (``short``: family and given name only, as the journal
    grid shows it); where it repeats in the list, followed by the birth date; where that repeats too (or
    is unknown), by a number, 1, 2, ... in the order of the list. No query."""
    from flask_babel import format_date
    from flask_babel import gettext as _

    def name(s) -> str:
        return f"{s.last_name} {s.first_name}" if short else s.full_name

    by_name: dict[str, list] = {}
    for s in students:
        by_name.setdefault(name(s).casefold(), []).append(s)
    labels = {}
    for group in by_name.values():
        if len(group) == 1:
            labels[group[0].id] = name(group[0])
            continue
        births = [s.birth_date for s in group]
        for number, s in enumerate(group, start=1):
            if s.birth_date is not None and births.count(s.birth_date) == 1:
                labels[s.id] = _("%(name)s (born %(date)s)", name=name(s), date=format_date(s.birth_date, "short"))
            else:
                labels[s.id] = _("%(name)s (no. %(number)s)", name=name(s), number=number)
    return labels


def cards_to_complete(school: School, class_group: ClassGroup | None = None) -> list[Student]:
    """The school's (or one class's) studying students whose card lacks a birth date or sex (imported from
    a file without demographics), by class and name; each carries ``class_name``. One query."""
    from peewee import JOIN

    query = (Student.select(Student, ClassGroup.name.alias("class_name"))
             .join(ClassMembership, JOIN.LEFT_OUTER, on=(ClassMembership.student == Student.id)
                   & ClassMembership.ends_on.is_null())
             .join(ClassGroup, JOIN.LEFT_OUTER, on=ClassMembership.class_group == ClassGroup.id)
             .where((Student.school == school) & (Student.status == "studying")
                    & (Student.birth_date.is_null() | Student.gender.not_in(["m", "f"]))))
    if class_group is not None:
        query = query.where(ClassGroup.id == class_group.id)
    rows = list(query.order_by(ClassGroup.grade, ClassGroup.name, Student.last_name, Student.first_name,
                               Student.id).objects())
    return rows


def class_students(class_group: ClassGroup, on: dt.date | None = None) -> list[Student]:
    """Students in the class on a date (today by default), by name."""
    on = on or dt.date.today()
    return list(Student.select().join(ClassMembership).where(
        (ClassMembership.class_group == class_group) & (ClassMembership.starts_on <= on)
        & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on > on)))
        .order_by(Student.last_name, Student.first_name))


# --------------------------------------------------------------------------- subgroup members


def subgroup_members(class_group: ClassGroup) -> dict[int, set[int]]:
    """Subgroup id -> the ids of its students, for every subgroup of the class (one query). A subgroup
    with no members is taught to the whole class."""
    from eschool.school.models import Subgroup

    members: dict[int, set[int]] = {s.id: set() for s in Subgroup.select(Subgroup.id)
                                    .where(Subgroup.class_group == class_group)}
    for subgroup_id, student_id in (SubgroupMembership.select(SubgroupMembership.subgroup, SubgroupMembership.student)
                                    .join(Subgroup).where(Subgroup.class_group == class_group).tuples()):
        members.setdefault(subgroup_id, set()).add(student_id)
    return members


def set_subgroup_members(school: School, class_group: ClassGroup, chosen: dict, actor=None) -> dict[int, set[int]]:
    """Put students into the class's subgroups: ``chosen`` maps each subgroup id to the ids of its students
    (all of them: a subgroup left out keeps its members, an empty list empties it). Only students who
    belong to the class; audited per subgroup (old and new member lists)."""
    from eschool.school.models import Subgroup

    subgroups = {s.id: s for s in Subgroup.select().where(Subgroup.class_group == class_group)}
    in_class = {row.student_id for row in ClassMembership.select(ClassMembership.student)
                .where(ClassMembership.class_group == class_group)}
    wanted: dict[int, set[int]] = {}
    for subgroup_id, student_ids in chosen.items():
        if int(subgroup_id) not in subgroups:
            raise SchoolError("subgroup_id", _l("No such subgroup in this class."))
        ids = {int(s) for s in student_ids}
        if ids - in_class:
            raise SchoolError("student_ids", _l("Only students of this class can be put into its subgroups."))
        wanted[int(subgroup_id)] = ids
    before = subgroup_members(class_group)
    with db.atomic():
        for subgroup_id, ids in wanted.items():
            old = before.get(subgroup_id, set())
            if ids == old:
                continue
            (SubgroupMembership.delete().where((SubgroupMembership.subgroup == subgroup_id)
                                               & SubgroupMembership.student.not_in(sorted(ids) or [0])).execute())
            new = sorted(ids - old)
            if new:
                SubgroupMembership.insert_many([{"subgroup": subgroup_id, "student": sid} for sid in new]).execute()
            _audit(school, actor, "subgroup", subgroup_id,
                   {"members": (",".join(map(str, sorted(old))), ",".join(map(str, sorted(ids))))})
    return subgroup_members(class_group)


# --------------------------------------------------------------------------- logins for families


def issue_student_login(student: Student, allowed_roles, actor=None) -> tuple[User, str]:
    """The student's own login (role ``student`` in their class); refused if they already have one."""
    from eschool.auth import services as auth

    if student.user_id is not None:
        raise SchoolError(None, _l("%(name)s already has a login.", name=student.full_name), conflict=True)
    membership = current_membership(student)
    if membership is None:
        raise SchoolError(None, _l("The student is not in a class now."), conflict=True)
    with db.atomic():
        user, password = auth.issue_account(student.full_name, "student", allowed_roles, school=student.school_id,
                                            class_group_id=membership.class_group_id)
        student.user = user
        student.save(only=[Student.user])
        _audit(student.school_id, actor, "student", student.id, {"login": (None, user.username)})
    return user, password


def issue_parent_login(student: Student, data: dict, allowed_roles, actor=None) -> tuple[User, str]:
    """A parent's login linked to the student (role ``parent`` at the school)."""
    from eschool.auth import services as auth

    with db.atomic():
        user, password = auth.issue_account(data["full_name"], "parent", allowed_roles, email=data.get("email"),
                                            school=student.school_id)
        link_guardian(student, {"user_id": user.id, "relation": data["relation"], "legal_representative": True},
                      actor=actor)
    return user, password


# --------------------------------------------------------------------------- invitations by e-mail

INVITE_SECONDS = 7 * 24 * 3600


def invitation_token(student: Student, email: str, relation: str, actor=None) -> str:
    from eschool.auth.services import dump_signed

    return dump_signed({"s": student.id, "e": email.lower(), "r": relation, "by": actor}, "invitation")


def read_invitation(token: str) -> tuple[Student, str, str]:
    """The student, e-mail and relation of a valid invitation; expired or used ones raise."""
    from eschool.auth.services import LinkInvalid, load_signed

    data = load_signed(token, "invitation", INVITE_SECONDS)
    student = Student.get_or_none(Student.id == data.get("s"))
    if student is None or User.select().where((User.email == data.get("e")) & (User.password_hash != "")).exists():
        raise LinkInvalid()  # the student is gone, or the invitation was accepted already
    return student, data["e"], data["r"]


def accept_invitation(token: str, username: str, full_name: str, password: str, allowed_roles) -> User:
    """The parent chooses a login and a password; the account is linked to the child at once."""
    from eschool.auth import services as auth

    student, email, relation = read_invitation(token)
    with db.atomic():
        user = User.get_or_none((User.email == email) & (User.password_hash == ""))
        if user is not None:  # an imported parent without a password yet takes their account over
            _claim_account(user, username, full_name, password)
        else:
            user = auth.create_user(username, full_name, password=password, email=email, must_change_password=False)
        auth.grant_role(user, "parent", school=student.school_id, allowed_roles=allowed_roles)
        link_guardian(student, {"user_id": user.id, "relation": relation, "legal_representative": True},
                      actor=user.id)
    return user


def _claim_account(user: User, username: str, full_name: str, password: str) -> None:
    """An account made by an import (no password yet) gets the login, name and password its owner chose."""
    from eschool.auth import services as auth

    username = (username or "").strip()
    if not auth.USERNAME.match(username):
        raise auth.AccountError("username", _l("3-150 Latin letters, digits or . _ @ -"))
    if User.select().where((User.username == username) & (User.id != user.id)).exists():
        raise auth.AccountError("username", _l("already taken"))
    if not (full_name or "").strip():
        raise auth.AccountError("full_name", _l("required"))
    user.username, user.full_name = username, full_name.strip()
    user.save(only=[User.username, User.full_name])
    auth.set_password(user, password, must_change=False)


# --------------------------------------------------------------------------- staff personal files

STAFF_FILES = "people.staff_files"


def staff_file(school: School, user_id: int):
    """The personal file of a person who works at the school (made empty on first use)."""
    from eschool.people.models import StaffFile

    user = school_services.teacher_of(school, user_id, "user_id")
    row = StaffFile.get_or_none((StaffFile.school == school) & (StaffFile.user == user))
    return user, row


def save_staff_file(school: School, user_id: int, data: dict, actor=None):
    """Create or change a staff personal file; every changed field is audited."""
    from eschool.people.models import StaffFile

    user, row = staff_file(school, user_id)
    with db.atomic():
        if row is None:
            row = StaffFile.create(school=school, user=user, **data)
            _audit(school, actor, "staff_file", row.id, {k: (None, v) for k, v in data.items() if v not in ("", None)})
        else:
            changes = {k: (getattr(row, k), v) for k, v in data.items() if getattr(row, k) != v}
            for name, (_old, new) in changes.items():
                setattr(row, name, new)
            row.save()
            _audit(school, actor, "staff_file", row.id, changes)
    return row


# --------------------------------------------------------------------------- a whole class's logins at once


def class_without_logins(class_group: ClassGroup, students: list[Student] | None = None) -> tuple[list, list]:
    """The class's students without a usable login (none, or an imported account with no password yet),
    and their parents whose account has no password yet (imported parents), each parent once:
    ``([student], [(parent user, [child names])])``. Two queries."""
    students = class_students(class_group) if students is None else students
    logins = [s.user_id for s in students if s.user_id is not None]
    passwordless = {u.id for u in User.select(User.id).where(User.id.in_(logins) & (User.password_hash == "")
                                                             & User.is_active)} if logins else set()
    bare = [s for s in students if s.user_id is None or s.user_id in passwordless]
    position = {s.id: n for n, s in enumerate(students)}
    parents: dict[int, list] = {}
    if position:
        links = (Guardian.select(Guardian, User).join(User)
                 .where(Guardian.student.in_(list(position)) & (User.password_hash == "") & User.is_active))
        for link in sorted(links, key=lambda g: position[g.student_id]):
            entry = parents.setdefault(link.user_id, [link.user, []])
            entry[1].append(students[position[link.student_id]].full_name)
    return bare, [tuple(p) for p in parents.values()]


def issue_class_logins(school: School, class_group: ClassGroup, who: set[str], allowed_roles,
                       actor=None) -> list[dict]:
    """Logins for every student of the class without one and/or every parent of theirs without a
    password, in one transaction: ``[{"kind": "student"|"parent", "user", "password", "children"}]``.
    The passwords are shown once (the slips) and must be changed at the first login."""
    from eschool.auth import services as auth

    students, parents = class_without_logins(class_group)
    issued = []
    with db.atomic():
        if "students" in who:
            for student in students:
                if student.user_id is None:
                    user, password = issue_student_login(student, allowed_roles, actor=actor)
                else:  # an imported account without a password: it gets one, its login stays
                    user, password = User.get_by_id(student.user_id), auth.generate_password()
                    auth.set_password(user, password, must_change=True)
                    _audit(school, actor, "student", student.id, {"password": ("", "one-time password set")})
                issued.append({"kind": "student", "user": user, "password": password, "children": []})
        if "parents" in who:
            for user, children in parents:
                password = auth.generate_password()
                auth.set_password(user, password, must_change=True)
                _audit(school, actor, "parent", user.id, {"login": (None, user.username)})
                issued.append({"kind": "parent", "user": user, "password": password, "children": children})
    return issued


def staff_list(school: School, role_codes) -> list[dict]:
    """Everyone holding one of ``role_codes`` at the school, by name, with their roles and the position
    from their personal file (two queries, whatever the size)."""
    from eschool.people.models import StaffFile

    people: dict[int, dict] = {}
    rows = (RoleAssignment.select(RoleAssignment, User).join(User)
            .where((RoleAssignment.school == school.id) & RoleAssignment.role.in_(list(role_codes)))
            .order_by(User.full_name, RoleAssignment.role))
    for row in rows:
        person = people.setdefault(row.user_id, {"user_id": row.user_id, "full_name": row.user.full_name,
                                                 "username": row.user.username, "email": row.user.email,
                                                 "is_active": row.user.is_active, "roles": [], "position": ""})
        if row.role not in person["roles"]:
            person["roles"].append(row.role)
    positions = {f.user_id: f.position for f in StaffFile.select(StaffFile.user, StaffFile.position)
                 .where((StaffFile.school == school) & StaffFile.user.in_(list(people)))} if people else {}
    for user_id, person in people.items():
        person["position"] = positions.get(user_id, "")
    return list(people.values())
