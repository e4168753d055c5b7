"""The roles of DESIGN.md section 7 and the scope levels each may be held at."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Role:
    code: str
    label: object
    levels: tuple[str, ...]
    #: Only in regions whose profile lists it in ``rules.extra_roles`` (Samara).
    extra: bool = False
    staff: bool = True


ROLES: dict[str, Role] = {r.code: r for r in (
    Role("region_operator", _l("Region operator"), ("region",)),
    Role("municipal_operator", _l("Municipal operator"), ("municipality",)),
    Role("school_admin", _l("School administrator"), ("school",)),
    Role("director", _l("Director"), ("school",)),
    Role("deputy_director", _l("Deputy director"), ("school",)),
    Role("class_teacher", _l("Class teacher"), ("class",)),
    Role("subject_teacher", _l("Subject teacher"), ("school",)),
    Role("secretary", _l("Secretary"), ("school",)),
    Role("hr_specialist", _l("HR specialist"), ("school",), extra=True),
    Role("medical_worker", _l("Medical worker"), ("school",), extra=True),
    Role("psychologist", _l("Psychologist / social pedagogue"), ("school",), extra=True),
    Role("technical_staff", _l("Technical staff"), ("school",), extra=True),
    Role("student", _l("Student"), ("class",), staff=False),
    Role("parent", _l("Parent"), ("school",), staff=False),
)}


def roles_for_region(region) -> dict[str, Role]:
    """Roles usable in this region: the base roles plus the profile's extra roles."""
    extra = set(region.rules.get("extra_roles", []))
    return {code: r for code, r in ROLES.items() if not r.extra or code in extra}
