"""Audiences: who a message goes to, as a small value, and the one resolver every plugin uses.

An :class:`Audience` names people by their place in the school world ("the parents of 5А", "the staff
of the municipality's schools", "every region operator"), never by a query; it is a frozen value that
serialises to a dict (``to_dict`` / ``from_dict``), so it can be stored or queued. :func:`resolve`
turns it into user ids now; :func:`reachable` intersects that with what a sender may address.
"""
from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN

#: Who inside a place: the ``who`` of an audience.
WHO = ("students", "parents", "teachers", "staff", "operators")

#: Everyone who works in a school (the extra roles count only where the region has them).
STAFF_ROLES = ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher", "secretary",
               "hr_specialist", "medical_worker", "psychologist", "technical_staff")
#: The school's administration: parents and students may address it.
ADMINISTRATION_ROLES = ("school_admin", "director", "deputy_director")
KINDS = ("users", "role", "class", "school", "municipality", "region", "union")


class AudienceError(ValueError):
    """An audience that names nothing sensible (unknown kind, unknown ``who``)."""


@dataclass(frozen=True)
class Audience:
    """A serialisable description of recipients. Build one with the class methods:

    * ``Audience.users(1, 2, 3)``: these accounts;
    * ``Audience.with_role("deputy_director", school_id=7)``: holders of a role (in a school, a municipality, or
      anywhere in the region when neither is given);
    * ``Audience.of_class(12, "parents")``: a class's ``students``, ``parents`` and/or ``teachers``
      (its subject teachers and its class teacher);
    * ``Audience.school(7, "staff", "parents")``: a school's ``staff`` / ``students`` / ``parents`` /
      ``teachers``;
    * ``Audience.municipality(3, "staff")``: the same for every school of a municipality, plus
      ``operators`` (its municipal operators);
    * ``Audience.region("operators")``: the same for the whole region (``operators``: the region's and
      every municipality's operators);
    * ``a | b``: both.
    """

    kind: str
    id: int | None = None
    who: tuple[str, ...] = ()
    role: str = ""
    level: str = ""  # a role's place: "school" | "municipality" | "" (the region)
    ids: tuple[int, ...] = ()
    parts: tuple[Audience, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise AudienceError(f"unknown audience kind {self.kind!r}")
        unknown = [w for w in self.who if w not in WHO]
        if unknown:
            raise AudienceError(f"unknown audience member {unknown[0]!r}: expected one of {', '.join(WHO)}")

    @classmethod
    def users(cls, *ids: int) -> Audience:
        return cls("users", ids=tuple(sorted({int(i) for i in ids})))

    @classmethod
    def with_role(cls, role: str, school_id: int | None = None, municipality_id: int | None = None) -> Audience:
        if school_id is not None:
            return cls("role", id=school_id, role=role, level="school")
        if municipality_id is not None:
            return cls("role", id=municipality_id, role=role, level="municipality")
        return cls("role", role=role)

    @classmethod
    def of_class(cls, class_id: int, *who: str) -> Audience:
        return cls("class", id=class_id, who=who or ("students", "parents", "teachers"))

    @classmethod
    def school(cls, school_id: int, *who: str) -> Audience:
        return cls("school", id=school_id, who=who or ("staff",))

    @classmethod
    def municipality(cls, municipality_id: int, *who: str) -> Audience:
        return cls("municipality", id=municipality_id, who=who or ("staff", "operators"))

    @classmethod
    def region(cls, *who: str) -> Audience:
        return cls("region", who=who or ("staff", "operators"))

    def __or__(self, other: Audience) -> Audience:
        mine = self.parts if self.kind == "union" else (self,)
        theirs = other.parts if other.kind == "union" else (other,)
        return Audience("union", parts=mine + theirs)

    def to_dict(self) -> dict:
        out = {"kind": self.kind}
        if self.id is not None:
            out["id"] = self.id
        if self.who:
            out["who"] = list(self.who)
        if self.role:
            out["role"] = self.role
        if self.level:
            out["level"] = self.level
        if self.ids:
            out["ids"] = list(self.ids)
        if self.parts:
            out["parts"] = [p.to_dict() for p in self.parts]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Audience:
        try:
            return cls(data["kind"], id=data.get("id"), who=tuple(data.get("who", ())), role=data.get("role", ""),
                       level=data.get("level", ""),
                       ids=tuple(int(i) for i in data.get("ids", ())),
                       parts=tuple(cls.from_dict(p) for p in data.get("parts", ())))
        except (KeyError, TypeError) as exc:
            raise AudienceError(f"not an audience: {data!r}") from exc


# --------------------------------------------------------------------------- resolving
#
# An audience becomes one SQL statement: each part is a subquery of user ids and the parts are its UNION,
# so a whole region's parents are found without carrying 360,000 ids through Python or as parameters
# (SQLite refuses more than 32,766 of them in one statement).


def resolve(audience: Audience) -> set[int]:
    """The ids of the active accounts the audience names, now (one query)."""
    return {uid for (uid,) in query(audience).tuples()}


def query(audience: Audience):
    """The active accounts the audience names as a query of user ids, to filter or count in SQL
    (``User.id.in_(query(audience))``) instead of resolving to a set."""
    from eschool.auth.models import User

    return User.select(User.id).where(User.id.in_(_query(audience)) & User.is_active)


def _nobody():
    from eschool.auth.models import User

    return User.select(User.id).where(User.id < 0)


def _union(queries: list):
    queries = [q for q in queries if q is not None]
    if not queries:
        return _nobody()
    combined = queries[0]
    for q in queries[1:]:
        combined = combined | q
    return combined


def _query(a: Audience):
    from eschool.auth.models import RoleAssignment, User
    from eschool.structure.models import School

    if a.kind == "union":
        return _union([_query(p) for p in a.parts])
    if a.kind == "users":
        return User.select(User.id).where(User.id.in_(list(a.ids))) if a.ids else _nobody()
    if a.kind == "role":
        q = RoleAssignment.select(RoleAssignment.user).where(RoleAssignment.role == a.role)
        if a.level == "school":
            q = q.where(RoleAssignment.school == a.id)
        elif a.level == "municipality":
            schools = School.select(School.id).where(School.municipality == a.id)
            q = q.where((RoleAssignment.municipality == a.id) | RoleAssignment.school.in_(schools))
        return q
    if a.kind == "class":
        return _class_members([a.id], a.who)
    if a.kind == "school":
        return _school_members(School.select(School.id).where(School.id == a.id), a.who)
    if a.kind == "municipality":
        parts = [_school_members(School.select(School.id).where(School.municipality == a.id), a.who)]
        if "operators" in a.who:
            parts.append(RoleAssignment.select(RoleAssignment.user).where(
                (RoleAssignment.role == "municipal_operator") & (RoleAssignment.municipality == a.id)))
        return _union(parts)
    parts = [_school_members(School.select(School.id), a.who)]  # region
    if "operators" in a.who:
        parts.append(RoleAssignment.select(RoleAssignment.user).where(
            RoleAssignment.role.in_(("region_operator", "municipal_operator"))))
    return _union(parts)


def _current_students(where):
    """The students studying now in the classes ``where`` names (a condition on ClassMembership)."""
    from eschool.people.models import ClassMembership, Student

    return (Student.select(Student.id).join(ClassMembership)
            .where(where & ClassMembership.ends_on.is_null() & (Student.status == "studying")))


def _families(where, who):
    from eschool.people.models import ClassMembership, Guardian, Student

    parts = []
    if "students" in who:
        parts.append(Student.select(Student.user).join(ClassMembership).where(
            where & ClassMembership.ends_on.is_null() & (Student.status == "studying") & Student.user.is_null(False)))
    if "parents" in who:
        parts.append(Guardian.select(Guardian.user).where(Guardian.student.in_(_current_students(where))))
    return _union(parts) if parts else None


def _class_members(class_ids, who):
    from eschool.people.models import ClassMembership
    from eschool.school.models import ClassGroup, TeachingAssignment

    class_ids = [c for c in class_ids if c is not None]
    if not class_ids:
        return _nobody()
    parts = [_families(ClassMembership.class_group.in_(class_ids), who)]
    if "teachers" in who:
        parts.append(TeachingAssignment.select(TeachingAssignment.teacher)
                     .where(TeachingAssignment.class_group.in_(class_ids)))
        parts.append(ClassGroup.select(ClassGroup.class_teacher)
                     .where(ClassGroup.id.in_(class_ids) & ClassGroup.class_teacher.is_null(False)))
    return _union(parts)


def _school_members(schools, who):
    from eschool.auth.models import RoleAssignment
    from eschool.people.models import ClassMembership
    from eschool.school.models import ClassGroup, TeachingAssignment

    parts = []
    if "staff" in who:
        parts.append(RoleAssignment.select(RoleAssignment.user).where(
            RoleAssignment.school.in_(schools) & RoleAssignment.role.in_(STAFF_ROLES)))
    if "teachers" in who:
        parts.append(TeachingAssignment.select(TeachingAssignment.teacher)
                     .join(ClassGroup).where(ClassGroup.school.in_(schools)))
    if "students" in who or "parents" in who:
        classes = ClassGroup.select(ClassGroup.id).where(ClassGroup.school.in_(schools))
        parts.append(_families(ClassMembership.class_group.in_(classes), who))
    return _union(parts)


# --------------------------------------------------------------------------- who may address whom


def addressable(sender) -> Audience | None:
    """Everyone ``sender`` may address, as an audience; ``None``: the whole region.

    The rules follow DESIGN.md section 7 ("Roles and who sees what"): a person reaches the people
    their role already lets them see, and no one else.

    * a **region operator** addresses the whole region;
    * a **municipal operator** addresses the staff, students and parents of their municipality's
      schools, its other operators, and the region operators;
    * the **school administration** (school administrator, director, deputy director) and the
      **secretary** address everyone of their school (staff, students, parents) and their
      municipality's operators;
    * a **class teacher** addresses their class's students, parents and teachers;
    * a **subject teacher** addresses the students, parents and teachers of the classes they teach;
    * **every staff member** addresses their school's staff (colleagues);
    * a **parent** addresses their children's teachers (subject teachers and class teacher) and the
      school's administration; a **student** the same for themselves.

    Holding several roles, a person reaches the union of what each role reaches.
    """
    from eschool.auth.models import RoleAssignment
    from eschool.people.models import ClassMembership, Guardian, Student
    from eschool.school.models import ClassGroup, TeachingAssignment
    from eschool.structure.models import School

    parts: list[Audience] = []
    assignments = list(RoleAssignment.select().where(RoleAssignment.user == sender.id))
    for a in assignments:
        if a.role == "region_operator":
            return None
        if a.role == "municipal_operator" and a.municipality_id:
            parts += [Audience.municipality(a.municipality_id, "staff", "students", "parents", "operators"),
                      Audience.with_role("region_operator")]
        if a.school_id and a.role in STAFF_ROLES:
            parts.append(Audience.school(a.school_id, "staff"))
        if a.school_id and a.role in (*ADMINISTRATION_ROLES, "secretary"):
            school = School.get_by_id(a.school_id)
            parts += [Audience.school(a.school_id, "staff", "students", "parents"),
                      Audience.with_role("municipal_operator", municipality_id=school.municipality_id)]
        if a.role == "class_teacher":
            parts.append(Audience("class", id=a.class_group_id, who=("students", "parents", "teachers")))
        if a.role in ("student", "parent") and a.school_id:
            parts += [Audience.with_role(r, school_id=a.school_id) for r in ADMINISTRATION_ROLES]
    led = [c.id for c in ClassGroup.select(ClassGroup.id).where(ClassGroup.class_teacher == sender.id)]
    taught = [t.class_group_id for t in TeachingAssignment.select(TeachingAssignment.class_group)
              .where(TeachingAssignment.teacher == sender.id)]
    parts += [Audience.of_class(c, "students", "parents", "teachers") for c in sorted(set(led + taught))]
    own = [s.id for s in Student.select(Student.id).where(Student.user == sender.id)]
    children = [g.student_id for g in Guardian.select(Guardian.student).where(Guardian.user == sender.id)]
    if own or children:
        classes = {m.class_group_id for m in ClassMembership.select(ClassMembership.class_group)
                   .join(Student, JOIN.INNER).where(Student.id.in_(own + children) & ClassMembership.ends_on.is_null())}
        parts += [Audience.of_class(c, "teachers") for c in sorted(classes)]
    return Audience("union", parts=tuple(parts))


def reachable(sender, audience: Audience) -> set[int]:
    """The ids ``audience`` names that ``sender`` may address (``sender=None``: the system, no limit);
    one query besides working out what the sender may address."""
    from eschool.auth.models import User

    wanted = query(audience)
    if sender is not None:
        allowed = addressable(sender)
        if allowed is not None:
            wanted = wanted.where(User.id.in_(_query(allowed)))
    return {uid for (uid,) in wanted.tuples()}
