"""The school card: requisites, buildings, and the catchment area (закреплённая территория).

The catchment area is a list of streets, each with the houses assigned to the school, written as a
person writes them: ``"1-15, 17, 19к2"``, ``"2-20 чёт"`` (even numbers only), ``"нечёт 1-31"``,
``"все"`` (the whole street). A range covers every house whose number lies in it, with any letter,
block (корпус) or building (строение) suffix; a single house covers exactly that house.

Inside one municipality a house is served by one school: a street line that would give a house to
a second school is refused, naming the school that already has it. ``schools_for_address`` answers
"which school serves this address".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from eschool.db import db
from eschool.school.models import Building, CatchmentStreet, Room
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality, School

CARD_FIELDS = ("name", "short_name", "address", "phone", "email", "inn", "kpp", "ogrn", "okpo", "director_name",
               "website")


# --------------------------------------------------------------------------- requisites


def _digits(value: str) -> list[int]:
    return [int(c) for c in value]


def inn_valid(value: str) -> bool:
    """ИНН of an organisation (10 digits) or a person (12 digits), with its check digits."""
    if not value.isdigit() or len(value) not in (10, 12):
        return False
    d = _digits(value)

    def check(weights):
        return sum(w * x for w, x in zip(weights, d, strict=False)) % 11 % 10

    if len(d) == 10:
        return check([2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9]
    return (check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
            and check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11])


def ogrn_valid(value: str) -> bool:
    """ОГРН (13 digits) or ОГРНИП (15 digits): the last digit is the rest of the number modulo 11 (13)."""
    if not value.isdigit() or len(value) not in (13, 15):
        return False
    modulus = 11 if len(value) == 13 else 13
    return int(value[:-1]) % modulus % 10 == int(value[-1])


def okpo_valid(value: str) -> bool:
    """ОКПО: 8 digits (an organisation) or 10 (a sole trader); the last is a check digit."""
    if not value.isdigit() or len(value) not in (8, 10):
        return False
    d = _digits(value)
    body = d[:-1]
    rest = sum((i % 10 + 1) * x for i, x in enumerate(body)) % 11
    if rest == 10:
        rest = sum(((i + 2) % 10 + 1) * x for i, x in enumerate(body)) % 11
        rest = 0 if rest == 10 else rest
    return rest == d[-1]


KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def update_card(school: School, data: dict) -> School:
    """Save the card's fields (already shaped by ``SchoolCardSchema``)."""
    for name in CARD_FIELDS:
        if name in data:
            setattr(school, name, data[name])
    school.save(only=[getattr(School, name) for name in CARD_FIELDS])
    return school


# --------------------------------------------------------------------------- buildings


def building_of(school: School, building_id, field_name="building_id") -> Building:
    row = Building.get_or_none(Building.id == building_id) if building_id is not None else None
    if row is None or row.school_id != school.id:
        raise SchoolError(field_name, _l("No such building at this school."))
    return row


def buildings(school: School) -> list[Building]:
    """The school's buildings by name, each with ``room_count`` (one query)."""
    from peewee import JOIN, fn

    return list(Building.select(Building, fn.COUNT(Room.id).alias("room_count"))
                .join(Room, JOIN.LEFT_OUTER, on=(Room.building == Building.id))
                .where(Building.school == school).group_by(Building.id).order_by(Building.name))


def add_building(school: School, data: dict) -> Building:
    name = data["name"].strip()
    if Building.select().where((Building.school == school) & (Building.name == name)).exists():
        raise SchoolError("name", _l("This building already exists."))
    return Building.create(school=school, name=name, address=data.get("address", "").strip())


def remove_building(school: School, building_id: int) -> None:
    """A building with rooms is kept: move or remove its rooms first."""
    row = building_of(school, building_id)
    rooms = Room.select().where(Room.building == row).count()
    if rooms:
        raise SchoolError(None, _l("The building %(name)s still has %(count)s rooms.", name=row.name, count=rooms),
                          conflict=True)
    row.delete_instance()


def building_for_text(school: School, text: str) -> Building | None:
    """The building named ``text`` (created if new); an empty text is no building."""
    text = (text or "").strip()
    if not text:
        return None
    row = Building.get_or_none((Building.school == school) & (Building.name == text))
    return row or Building.create(school=school, name=text[:150])


# --------------------------------------------------------------------------- streets

STREET_TYPES = {
    "улица": "ул", "ул": "ул", "проспект": "пр-кт", "просп": "пр-кт", "пр-кт": "пр-кт", "пр-т": "пр-кт",
    "переулок": "пер", "пер": "пер", "бульвар": "б-р", "бул": "б-р", "б-р": "б-р", "площадь": "пл", "пл": "пл",
    "шоссе": "ш", "ш": "ш", "набережная": "наб", "наб": "наб", "проезд": "проезд", "пр-д": "проезд",
    "микрорайон": "мкр", "мкр": "мкр", "мкрн": "мкр", "тупик": "туп", "туп": "туп", "аллея": "аллея",
    "квартал": "кв-л", "кв-л": "кв-л", "тракт": "тракт", "линия": "линия",
}


def street_key(street: str) -> str:
    """A street's name for comparing: lower case, ё as е, the kind of street abbreviated, words sorted.

    "улица Ленина", "Ленина ул." and "ул. ленина" give the same key.
    """
    text = (street or "").lower().replace("ё", "е")
    words = [w for w in re.split(r"[\s.,]+", text) if w]
    return " ".join(sorted(STREET_TYPES.get(w, w) for w in words))


def _name_only(key: str) -> str:
    """The key without the kind of street: "ленина" for "ленина ул"."""
    return " ".join(w for w in key.split() if w not in set(STREET_TYPES.values()))


# --------------------------------------------------------------------------- house numbers

_HOUSE = re.compile(r"^(\d{1,5})([а-яa-z]?)(?:/(\d{1,4}))?(?:к(\d{1,3}))?(?:с(\d{1,3}))?$")
_PARITY = {"чет": 0, "четн": 0, "четные": 0, "even": 0, "нечет": 1, "нечетн": 1, "нечетные": 1, "odd": 1}
_RANGE = re.compile(r"^(?:(?P<before>[а-яa-z]+)\s*)?(?P<lo>\d{1,5})\s*-\s*(?P<hi>\d{1,5})"
                    r"(?:\s*\(?(?P<after>[а-яa-z]+)\)?)?$")
_WHOLE = {"все", "вся", "вся улица", "все дома", "all", "*"}


def _clean(token: str) -> str:
    token = token.strip().lower().replace("ё", "е").replace("–", "-").replace("—", "-")
    token = re.sub(r"\s*(корпус|корп\.?|к\.)\s*", "к", token)
    token = re.sub(r"\s*(строение|стр\.?|с\.)\s*", "с", token)
    return re.sub(r"\s+", " ", token)


@dataclass(frozen=True)
class House:
    number: int
    text: str  # canonical: "19к2", "5а", "7/1"


def parse_house(text: str) -> House | None:
    """One house number ("19 корп. 2" -> 19к2), or None if it is not one."""
    token = _clean(text).replace(" ", "")
    match = _HOUSE.match(token)
    if match is None:
        return None
    number, letter, slash, block, building = match.groups()
    canonical = str(int(number)) + letter + (f"/{slash}" if slash else "") + (f"к{block}" if block else "") \
        + (f"с{building}" if building else "")
    return House(int(number), canonical)


@dataclass
class Houses:
    """The houses of one street line: all of them, ranges (with a parity), or single houses."""

    whole: bool = False
    ranges: list[tuple[int, int, int | None]] = field(default_factory=list)  # (from, to, parity 0/1/None)
    single: dict[str, House] = field(default_factory=dict)

    def text(self) -> str:
        if self.whole:
            return "все"
        parts = [f"{lo}-{hi}" + ({0: " чёт", 1: " нечёт"}.get(p, "")) for lo, hi, p in self.ranges]
        return ", ".join(parts + [h.text for h in self.single.values()])

    def covers(self, house: House) -> bool:
        return (self.whole or house.text in self.single
                or any(lo <= house.number <= hi and (p is None or house.number % 2 == p) for lo, hi, p in self.ranges))

    def overlap(self, other: Houses) -> str | None:
        """A house (or range) both lines hold, as text; None if they share none."""
        if self.whole or other.whole:
            return (other if self.whole else self).text() or "все"
        for house in self.single.values():
            if other.covers(house):
                return house.text
        for house in other.single.values():
            if self.covers(house):
                return house.text
        for lo, hi, p in self.ranges:
            for lo2, hi2, p2 in other.ranges:
                start, end = max(lo, lo2), min(hi, hi2)
                if start > end or (p is not None and p2 is not None and p != p2):
                    continue
                parity = p if p is not None else p2
                first = start if parity is None or start % 2 == parity else start + 1
                if first <= end:
                    return f"{start}-{end}" if start != end else str(start)
        return None


def _parity(word: str | None, token: str):
    if word is None:
        return None
    if word not in _PARITY:
        raise SchoolError("houses", _l("“%(part)s” is not a house number or a range like 1-15.", part=token))
    return _PARITY[word]


def parse_houses(text: str) -> Houses:
    """Check and read a list of houses: "1-15, 17, 19к2", "2-20 чёт", "все"; a wrong part is named."""
    result = Houses()
    cleaned = _clean(text or "")
    if cleaned in _WHOLE:
        result.whole = True
        return result
    tokens = [t.strip() for t in re.split(r"[,;]", cleaned) if t.strip()]
    if not tokens:
        raise SchoolError("houses", _l("List the houses, e.g. 1-15, 17, 19к2, or write “все” for the whole street."))
    for token in tokens:
        match = _RANGE.match(token)
        if match:
            lo, hi = int(match["lo"]), int(match["hi"])
            if match["before"] and match["after"]:
                raise SchoolError("houses", _l("“%(part)s” is not a house number or a range like 1-15.", part=token))
            parity = _parity(match["before"] or match["after"], token)
            if lo < 1 or hi <= lo:
                raise SchoolError("houses", _l("In “%(part)s” the range must go up: 1-15.", part=token))
            result.ranges.append((lo, hi, parity))
            continue
        house = parse_house(token)
        if house is None or house.number < 1:
            raise SchoolError("houses", _l("“%(part)s” is not a house number or a range like 1-15.", part=token))
        result.single[house.text] = house
    if len(result.text()) > 1000:
        raise SchoolError("houses", _l("The list of houses is too long: split the street into ranges."))
    return result


# --------------------------------------------------------------------------- the catchment area


def catchment(school: School) -> list[CatchmentStreet]:
    return list(CatchmentStreet.select().where(CatchmentStreet.school == school).order_by(CatchmentStreet.street_key))


def _municipality_lines(municipality_id: int, key: str):
    return (CatchmentStreet.select(CatchmentStreet, School).join(School)
            .where((School.municipality == municipality_id) & (CatchmentStreet.street_key == key)))


def _same_street(key: str, other: str) -> bool:
    """The same street: the same key, or the same name where one of the two leaves out the kind of street."""
    if key == other:
        return True
    return _name_only(key) == _name_only(other) and (key == _name_only(key) or other == _name_only(other))


def _lines_by_name(municipality_id: int, key: str):
    """Lines of the municipality whose street has the name of ``key`` (any kind of street)."""
    name = _name_only(key)
    longest = max(name.split(), key=len)
    candidates = (CatchmentStreet.select(CatchmentStreet, School).join(School)
                  .where((School.municipality == municipality_id) & CatchmentStreet.street_key.contains(longest)))
    return [line for line in candidates if _name_only(line.street_key) == name]


def set_street(school: School, data: dict) -> CatchmentStreet:
    """Assign a street's houses to the school (replacing its earlier line for that street).

    A house another school of the municipality already serves is refused (409) with that school named.
    """
    street = " ".join((data["street"] or "").split())
    key = street_key(street)
    if not _name_only(key):
        raise SchoolError("street", _l("Write the street's name."))
    houses = parse_houses(data["houses"])
    for other in _lines_by_name(school.municipality_id, key):
        if other.school_id == school.id or not _same_street(key, other.street_key):
            continue
        shared = houses.overlap(parse_houses(other.houses))
        if shared:
            raise SchoolError("houses", _l("%(street)s, %(houses)s is already assigned to %(school)s.",
                                           street=other.street, houses=shared, school=other.school.short_name),
                              conflict=True)
    with db.atomic():
        row = CatchmentStreet.get_or_none((CatchmentStreet.school == school) & (CatchmentStreet.street_key == key))
        if row is None:
            return CatchmentStreet.create(school=school, street=street, street_key=key, houses=houses.text())
        row.street, row.houses = street, houses.text()
        row.save()
        return row


def remove_street(school: School, line_id: int) -> None:
    row = CatchmentStreet.get_or_none((CatchmentStreet.id == line_id) & (CatchmentStreet.school == school))
    if row is None:
        raise SchoolError("line_id", _l("No such street in this school's catchment area."))
    row.delete_instance()


def schools_for_address(municipality: Municipality, street: str, house: str) -> list[CatchmentStreet]:
    """The catchment lines (with their schools) that cover the address in the municipality.

    The street is matched by its key; if none matches and the kind of street was left out or
    differs ("Ленина" for "ул. Ленина"), by the name alone. Usually one line, at most one per street.
    """
    number = parse_house(house)
    if number is None:
        raise SchoolError("house", _l("“%(part)s” is not a house number.", part=house))
    key = street_key(street)
    if not _name_only(key):
        raise SchoolError("street", _l("Write the street's name."))
    lines = list(_municipality_lines(municipality.id, key))
    if not lines:
        lines = _lines_by_name(municipality.id, key)
    return [line for line in lines if parse_houses(line.houses).covers(number)]
