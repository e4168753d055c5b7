"""The rules of school meals. No Flask here: the pages and the API call these.

The daily order and the tabulation work on any list of class groups (a camp squad is a ``ClassGroup`` of
kind ``summer_camp``): ``ensure_orders(school, day, groups)``, ``order_sheet(order)``, ``set_line(...)``,
``kitchen_counts(school, day, groups)``, ``tabulation(school, groups, month)``. Every function reads in a
fixed number of queries whatever the number of pupils, classes or days.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from eschool.plugin_api import (
    Attendance,
    ClassGroup,
    ClassMembership,
    Guardian,
    ImportFileError,
    Lesson,
    Municipality,
    Period,
    School,
    SchoolError,
    Student,
    User,
    current_year,
    db,
    has_permission,
    hooks_here,
    local_now,
    local_today,
    read_table,
    safe_cell,
    scope_for_school,
    settings_for,
    user_assignments,
    utcnow,
)
from eschool_nutrition.models import (
    PAYERS,
    Category,
    DailyOrder,
    MealKind,
    MonthClose,
    Officer,
    OrderLine,
    OrderLog,
    Payment,
    Price,
    PupilCategory,
    StandingOrder,
)

CODE = "nutrition"
ORDER, OFFICER, KITCHEN, DISPLAY, MUNICIPAL, FAMILY, VIEW = (
    "nutrition.order", "nutrition.officer", "nutrition.kitchen", "nutrition.display", "nutrition.municipal",
    "nutrition.family", "nutrition.view")

DEFAULT_KINDS = (("breakfast", "Завтрак", 1), ("lunch", "Обед", 2), ("snack", "Полдник", 3))
#: (code, name, payer, meal kinds, grade from, grade to): the usual categories of a Kuzbass municipality.
DEFAULT_CATEGORIES = (
    ("grades_1_4", "Обучающиеся 1–4 классов (бесплатное горячее питание)", "budget", "breakfast", 1, 4),
    ("low_income", "Дети из малоимущих семей", "budget", "breakfast", None, None),
    ("large_family", "Дети из многодетных семей", "budget", "breakfast", None, None),
    ("ovz", "Обучающиеся с ОВЗ (двухразовое питание)", "budget", "breakfast,lunch", None, None),
    ("paid", "Питание за счёт родителей", "parents", "", None, None),
    ("summer_camp", "Летний лагерь с дневным пребыванием", "budget", "breakfast,lunch", None, None),
)
DEFAULT_PRICES = {"breakfast": Decimal("95.00"), "lunch": Decimal("125.00"), "snack": Decimal("60.00")}
PAID = "paid"
#: The category a summer camp's squads eat under unless the camp names another (its meal kinds: the menu).
CAMP = "summer_camp"
REASONS = ("absent", "notice", "manual")
#: The kinds of class groups whose pupils are their members (``ClassMembership``) and eat on school days;
#: the others (camp squads) are kept by the plugins that answer ``nutrition_meal_groups``.
CLASS_KINDS = ("regular", "extended_day", "home_schooling")


class NutritionError(SchoolError):
    """A rule refuses (names the field); ``status`` 403 when the user may not, 404 when not found."""

    def __init__(self, field, message, status: int = 400):
        super().__init__(field, message, conflict=status == 409)
        self.status = status


# --------------------------------------------------------------------------- settings and time


def settings(school: School) -> dict:
    return settings_for(CODE, scope_for_school(school))


def cutoff_of(school: School, day: dt.date, values: dict | None = None) -> dt.datetime:
    """The local instant the day's order locks (``cutoff`` setting, e.g. 08:30)."""
    hours, minutes = (int(x) for x in (values or settings(school))["cutoff"].split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes))


def is_locked(school: School, day: dt.date, values: dict | None = None, now: dt.datetime | None = None) -> bool:
    """After the cut-off (local time) the day's order is locked: only the meals officer changes it."""
    now = now or local_now().replace(tzinfo=None)
    return now >= cutoff_of(school, day, values)


def _as_date(value) -> dt.date:
    """A date from a raw row (SQLite gives text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_days(month: dt.date, school_week: int = 5) -> list[dt.date]:
    """The school days of a month (Monday to Friday, or to Saturday for a six-day week)."""
    first = month_start(month)
    last = calendar.monthrange(first.year, first.month)[1]
    return [d for d in (first + dt.timedelta(days=i) for i in range(last)) if d.weekday() < school_week]


def parse_month(text, default: dt.date | None = None) -> dt.date:
    if text in (None, ""):
        return month_start(default or local_today())
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise NutritionError("month", _l("Month: YYYY-MM."))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month_closed(school_id: int, day: dt.date) -> MonthClose | None:
    return MonthClose.get_or_none((MonthClose.school == school_id) & (MonthClose.month == month_start(day)))


# --------------------------------------------------------------------------- who

def is_officer(user, school: School) -> bool:
    """The school's meals officer: named on the setup page, or holding ``nutrition.officer`` by role."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return False
    return has_permission(user, OFFICER, scope_for_school(school)) or named_officer(user.id, school.id)


def named_officer(user_id: int, school_id: int) -> bool:
    return Officer.select().where((Officer.school == school_id) & (Officer.user == user_id)).exists()


def leads_class(user, group: ClassGroup) -> bool:
    """The class teacher of the group (named on it, or by a class-level role); a camp squad's leader is
    its class group's class teacher. No query: the group is at hand, the roles are the request's."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return False
    if group.class_teacher_id is not None and group.class_teacher_id == user.id:
        return True
    return any(a.role == "class_teacher" and a.class_group_id == group.id for a in user_assignments(user))


def may_keep_order(user, school: School, group: ClassGroup) -> bool:
    return is_officer(user, school) or leads_class(user, group)


def readable_groups(user, school: School, groups: list[ClassGroup], officer: bool | None = None) -> list[ClassGroup]:
    """The class groups whose orders and sheets the user reads: all for the officer and the leadership
    (``nutrition.view``), their own class (or squad) for a class teacher (or a squad's leader)."""
    scope = scope_for_school(school)
    if has_permission(user, VIEW, scope) or (is_officer(user, school) if officer is None else officer):
        return groups
    return [g for g in groups if leads_class(user, g)]


# --------------------------------------------------------------------------- setup


def ensure_setup(municipality: Municipality, valid_from: dt.date | None = None) -> None:
    """The municipality's usual meal kinds, categories (the camp's too) and prices: whatever of them is
    missing is made, so a municipality set up by an earlier version gets the categories added since
    (idempotent; two queries when nothing is missing)."""
    kinds = {k.code: k for k in MealKind.select().where(MealKind.municipality == municipality.id)}
    have = {c.code for c in Category.select(Category.code).where(Category.municipality == municipality.id)}
    new_kinds = [k for k in DEFAULT_KINDS if k[0] not in kinds]
    new_categories = [c for c in DEFAULT_CATEGORIES if c[0] not in have]
    if not new_kinds and not new_categories:
        return
    valid_from = valid_from or dt.date(local_today().year - 1, 9, 1)
    with db.atomic():
        for code, name, order in new_kinds:
            kinds[code], _made = MealKind.get_or_create(municipality=municipality.id, code=code,
                                                        defaults={"name": name, "order": order})
        start = len(have)
        for n, (code, name, payer, meal_kinds, g1, g2) in enumerate(new_categories):
            category, made = Category.get_or_create(
                municipality=municipality.id, code=code,
                defaults={"name": name, "payer": payer, "meal_kinds": meal_kinds, "grade_from": g1, "grade_to": g2,
                          "order": start + n})
            if made:
                for kind in kinds.values():
                    Price.create(municipality=municipality.id, category=category, meal_kind=kind,
                                 valid_from=valid_from, amount=DEFAULT_PRICES.get(kind.code, Decimal("0.00")))


def meal_kinds(municipality_id: int) -> list[MealKind]:
    return list(MealKind.select().where(MealKind.municipality == municipality_id).order_by(MealKind.order, MealKind.id))


def categories(municipality_id: int) -> list[Category]:
    return list(Category.select().where(Category.municipality == municipality_id).order_by(Category.order, Category.id))


def _money(value, field_name: str = "amount", allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except (InvalidOperation, ValueError):
        raise NutritionError(field_name, _l("Enter an amount in roubles, e.g. 95.50.")) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) >= Decimal("10000000") or \
            (amount < 0 and not allow_negative):
        raise NutritionError(field_name, _l("Enter an amount in roubles, e.g. 95.50."))
    return amount.quantize(Decimal("0.01"))


def _day(value, field_name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise NutritionError(field_name, _l("Enter a date.")) from None


def save_category(municipality: Municipality, data: dict, category_id: int | None = None) -> Category:
    """Add or change a category: ``code``, ``name``, ``payer`` (budget, parents), ``meal_kinds`` (codes),
    ``grade_from``/``grade_to`` for a right every pupil of those grades has."""
    code = str(data.get("code") or "").strip()
    if not re.fullmatch(r"[a-z0-9_]{1,32}", code):
        raise NutritionError("code", _l("Code: latin letters, digits and _ (at most 32)."))
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 200:
        raise NutritionError("name", _l("Name: 1 to 200 characters."))
    payer = data.get("payer") or "budget"
    if payer not in PAYERS:
        raise NutritionError("payer", _l("Payer: the budget or the parents."))
    known = {k.code for k in meal_kinds(municipality.id)}
    kinds = [c.strip() for c in (data.get("meal_kinds") or []) if c.strip()] \
        if isinstance(data.get("meal_kinds"), list) else \
        [c.strip() for c in str(data.get("meal_kinds") or "").split(",") if c.strip()]
    if any(c not in known for c in kinds):
        raise NutritionError("meal_kinds", _l("Meal kinds: choose from the municipality's meal kinds."))
    grades = []
    for key in ("grade_from", "grade_to"):
        value = data.get(key)
        if value in (None, ""):
            grades.append(None)
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 11:
            raise NutritionError(key, _l("A grade from 1 to 11."))
        grades.append(value)
    if (grades[0] is None) != (grades[1] is None) or grades[0] is not None and grades[0] > grades[1]:
        raise NutritionError("grade_to", _l("Give both grades, the first not above the last."))
    clash = Category.select().where((Category.municipality == municipality.id) & (Category.code == code))
    if category_id:
        clash = clash.where(Category.id != category_id)
    if clash.exists():
        raise NutritionError("code", _l("This code is taken."))
    values = {"code": code, "name": name, "payer": payer, "meal_kinds": ",".join(kinds),
              "grade_from": grades[0], "grade_to": grades[1]}
    if category_id:
        category = Category.get_or_none((Category.id == category_id) & (Category.municipality == municipality.id))
        if category is None:
            raise NutritionError("category_id", _l("Not found."), status=404)
        Category.update(**values).where(Category.id == category.id).execute()
        return Category.get_by_id(category.id)
    return Category.create(municipality=municipality.id, order=len(categories(municipality.id)), **values)


def price_rows(municipality_id: int, school_id: int | None, day: dt.date) -> dict:
    """(category id, meal kind id) -> the price in force on ``day``: the municipality's, or the school's
    narrower one (one query)."""
    found: dict = {}
    query = (Price.select(Price.category, Price.meal_kind, Price.school, Price.amount, Price.valid_from)
             .where((Price.municipality == municipality_id) & (Price.valid_from <= day)
                    & (Price.school.is_null() | (Price.school == school_id)))
             .order_by(Price.valid_from, Price.id))
    municipal, school = {}, {}
    for row in query:
        key = (row.category_id, row.meal_kind_id)
        (school if row.school_id else municipal)[key] = (row.valid_from, row.amount)
    for key, (_since, amount) in municipal.items():
        found[key] = amount
    for key, (since, amount) in school.items():
        if key in municipal and since >= municipal[key][0]:
            found[key] = min(amount, municipal[key][1])
    return found


def set_price(municipality: Municipality, data: dict, user=None, school: School | None = None) -> Price:
    """A price of a meal kind for a category from a date. The municipality sets prices; a school may only
    narrow one (at most the municipality's price in force on that date)."""
    category = Category.get_or_none((Category.id == data.get("category_id")) & (Category.municipality == municipality.id))
    if category is None:
        raise NutritionError("category_id", _l("Choose a category of the municipality."))
    kind = MealKind.get_or_none((MealKind.id == data.get("meal_kind_id")) & (MealKind.municipality == municipality.id))
    if kind is None:
        raise NutritionError("meal_kind_id", _l("Choose a meal kind of the municipality."))
    valid_from = _day(data.get("valid_from"), "valid_from")
    amount = _money(data.get("amount"))
    if school is not None:
        ceiling = price_rows(municipality.id, None, valid_from).get((category.id, kind.id))
        if ceiling is None:
            raise NutritionError("valid_from", _l("The municipality has no price for this meal on that date."))
        if amount > ceiling:
            raise NutritionError("amount", _l("A school only narrows the municipality's price: at most %(price)s.",
                                              price=ceiling))
    return Price.create(municipality=municipality.id, school=school.id if school else None, category=category,
                        meal_kind=kind, valid_from=valid_from, amount=amount,
                        created_by=user.id if user is not None and getattr(user, "id", None) else None)


def prices(municipality_id: int, school_id: int | None = None) -> list[Price]:
    query = Price.select(Price, Category, MealKind).join(Category).switch(Price).join(MealKind) \
        .where(Price.municipality == municipality_id)
    query = query.where(Price.school.is_null() | (Price.school == school_id)) if school_id else \
        query.where(Price.school.is_null())
    return list(query.order_by(Category.order, MealKind.order, Price.valid_from.desc()))


def set_pupil_category(school: School, data: dict, user=None) -> PupilCategory:
    """A pupil's category with its supporting document and validity dates."""
    student = Student.get_or_none((Student.id == data.get("student_id")) & (Student.school == school.id))
    if student is None:
        raise NutritionError("student_id", _l("Choose a pupil of the school."))
    category = Category.get_or_none((Category.id == data.get("category_id"))
                                    & (Category.municipality == school.municipality_id))
    if category is None:
        raise NutritionError("category_id", _l("Choose a category of the municipality."))
    document = str(data.get("document") or "").strip()
    if category.payer == "budget" and category.grade_from is None and not document:
        raise NutritionError("document", _l("A free category needs its supporting document."))
    if len(document) > 300:
        raise NutritionError("document", _l("At most 300 characters."))
    valid_from = _day(data.get("valid_from"), "valid_from")
    valid_to = _day(data["valid_to"], "valid_to") if data.get("valid_to") else None
    if valid_to is not None and valid_to < valid_from:
        raise NutritionError("valid_to", _l("The end comes after the start."))
    return PupilCategory.create(school=school.id, student=student, category=category, document=document,
                                valid_from=valid_from, valid_to=valid_to,
                                created_by=user.id if user is not None and getattr(user, "id", None) else None)


def pupil_categories(school: School) -> list[PupilCategory]:
    return list(PupilCategory.select(PupilCategory, Student, Category).join(Student).switch(PupilCategory)
                .join(Category).where(PupilCategory.school == school.id)
                .order_by(Student.last_name, Student.first_name, PupilCategory.valid_from.desc()))


def set_standing_order(school: School, student_id, kind_codes: list[str]) -> list[StandingOrder]:
    """The meals a pupil takes every school day (paid by parents beyond the category's right)."""
    student = Student.get_or_none((Student.id == student_id) & (Student.school == school.id))
    if student is None:
        raise NutritionError("student_id", _l("Choose a pupil of the school."))
    kinds = {k.code: k for k in meal_kinds(school.municipality_id)}
    if any(c not in kinds for c in kind_codes):
        raise NutritionError("meal_kinds", _l("Meal kinds: choose from the municipality's meal kinds."))
    with db.atomic():
        StandingOrder.delete().where(StandingOrder.student == student.id).execute()
        return [StandingOrder.create(school=school.id, student=student, meal_kind=kinds[c]) for c in kind_codes]


def set_officer(school: School, user_id, on: bool = True) -> None:
    """Name (or stop naming) a member of the school's staff its meals officer."""
    from eschool.plugin_api import school_staff

    if on:
        if int(user_id or 0) not in {u.id for u in school_staff(school)}:
            raise NutritionError("user_id", _l("Choose a member of the school's staff."))
        Officer.get_or_create(school=school.id, user=int(user_id))
    else:
        Officer.delete().where((Officer.school == school.id) & (Officer.user == user_id)).execute()


def officers(school: School) -> list[User]:
    return list(User.select().join(Officer, on=(Officer.user == User.id)).where(Officer.school == school.id)
                .order_by(User.full_name))


# --------------------------------------------------------------------------- a school's meals, read once


class Book:
    """What a school's meals pages read once per request and share: the municipality's meal kinds and
    categories, the plugin's settings, which months are signed off. Each is read on first use."""

    def __init__(self, school: School):
        self.school = school
        self._kinds: list | None = None
        self._categories: dict | None = None
        self._closed: dict = {}
        self._school: dict = {}  # day -> {class id: has school}

    @property
    def values(self) -> dict:
        return settings(self.school)  # cached for the request by the core

    @property
    def kinds(self) -> list[MealKind]:
        if self._kinds is None:
            self._kinds = meal_kinds(self.school.municipality_id)
        return self._kinds

    @property
    def categories(self) -> dict[int, Category]:
        if self._categories is None:
            self._categories = {c.id: c for c in categories(self.school.municipality_id)}
        return self._categories

    def category(self, code: str) -> Category | None:
        """The municipality's category with this code; a usual one missing (a municipality set up before
        it was added) is made first."""
        found = next((c for c in self.categories.values() if c.code == code), None)
        if found is None and code in {c[0] for c in DEFAULT_CATEGORIES}:
            ensure_setup(Municipality.get_by_id(self.school.municipality_id))
            self._kinds = self._categories = None
            found = next((c for c in self.categories.values() if c.code == code), None)
        return found

    def closed(self, day: dt.date) -> MonthClose | None:
        month = month_start(day)
        if month not in self._closed:
            self._closed[month] = month_closed(self.school.id, month)
        return self._closed[month]

    def locked(self, day: dt.date) -> bool:
        return is_locked(self.school, day, self.values)

    def with_school(self, day: dt.date, groups: list[ClassGroup]) -> set[int]:
        """The ids of the classes among ``groups`` that have school on ``day`` (``has_school_on``; a weekend
        of the school week has none), read once per day and group for the request."""
        known = self._school.setdefault(day, {})
        unknown = sorted({g.id for g in groups} - set(known))
        if unknown:
            found = set() if day.weekday() >= self.values["school_week"] else {gid for (gid,) in ClassGroup.select(
                ClassGroup.id).where(ClassGroup.id.in_(unknown) & has_school_on(day)).tuples()}
            known.update((gid, gid in found) for gid in unknown)
        return {g.id for g in groups if known[g.id]}

    def note_school(self, day: dt.date, groups: list[ClassGroup]) -> None:
        """``groups`` were read with ``has_school_on(day)``: they have school that day."""
        self._school.setdefault(day, {}).update((g.id, True) for g in groups)


# --------------------------------------------------------------------------- the plan: who eats what


@dataclass
class Plan:
    """What a set of pupils is entitled to on a day, read in a fixed number of queries."""

    kinds: dict  # meal kind id -> MealKind
    categories: dict  # id -> Category
    prices: dict  # (category id, kind id) -> Decimal
    of_student: dict = field(default_factory=dict)  # student id -> category of the day (or None)
    standing: dict = field(default_factory=dict)  # student id -> {kind ids}

    def meals(self, student_id: int, grade: int | None) -> list[tuple[MealKind, Category | None]]:
        """The pupil's meals of the day with the category each is counted under: the category's right
        (explicit, else by grade), then the standing order's other meals under the paid category."""
        category = self.of_student.get(student_id)
        if category is None and grade is not None:
            category = next((c for c in self.categories.values() if c.grade_from is not None
                             and c.grade_from <= grade <= c.grade_to), None)
        by_code = {k.code: k for k in self.kinds.values()}
        chosen = []
        if category is not None:
            chosen = [(by_code[c], category) for c in category.kind_codes if c in by_code]
        paid = next((c for c in self.categories.values() if c.code == PAID), None) or category
        have = {k.id for k, _c in chosen}
        for kind_id in sorted(self.standing.get(student_id, ()), key=lambda i: (self.kinds[i].order, i)):
            if kind_id not in have and kind_id in self.kinds:
                chosen.append((self.kinds[kind_id], paid if category is None or category.payer == "budget"
                               else category))
        return sorted(chosen, key=lambda kc: (kc[0].order, kc[0].id))

    def menu(self, category: Category | None) -> list[tuple[MealKind, Category]]:
        """A group's menu (a camp squad's): every meal of its category, for every member alike."""
        if category is None:
            return []
        by_code = {k.code: k for k in self.kinds.values()}
        return sorted(((by_code[c], category) for c in category.kind_codes if c in by_code),
                      key=lambda kc: (kc[0].order, kc[0].id))


def plan_for(school: School, student_ids, day: dt.date, book: Book | None = None) -> Plan:
    """The categories, standing orders and prices of these pupils on ``day`` (three queries, and the meal
    kinds and categories unless ``book`` has them)."""
    book = book or Book(school)
    kinds = {k.id: k for k in book.kinds}
    plan = Plan(kinds=kinds, categories=book.categories, prices=price_rows(school.municipality_id, school.id, day))
    ids = list(student_ids)
    if not ids:
        return plan
    cats = book.categories
    for row in (PupilCategory.select(PupilCategory.student, PupilCategory.category)
                .where(PupilCategory.student.in_(ids) & (PupilCategory.valid_from <= day)
                       & (PupilCategory.valid_to.is_null() | (PupilCategory.valid_to >= day)))
                .order_by(PupilCategory.valid_from, PupilCategory.id)):
        if row.category_id in cats:
            plan.of_student[row.student_id] = cats[row.category_id]
    for row in StandingOrder.select(StandingOrder.student, StandingOrder.meal_kind).where(StandingOrder.student.in_(ids)):
        plan.standing.setdefault(row.student_id, set()).add(row.meal_kind_id)
    return plan


def journal_absent(groups: list[ClassGroup], day: dt.date) -> dict[int, set[int]]:
    """Class id -> the pupils the journal shows absent (absent, ill or excused) in the class's first lesson
    of the day: they are not at school at meal time (one query: the day's lessons with their absences)."""
    ids = [g.id for g in groups]
    if not ids:
        return {}
    first: dict[int, tuple] = {}
    away_in: dict[int, set[int]] = defaultdict(set)
    for lesson_id, class_id, number, student_id in (
            Lesson.select(Lesson.id, Lesson.class_group, Lesson.number, Attendance.student)
            .join(Attendance, JOIN.LEFT_OUTER, on=((Attendance.lesson == Lesson.id) & (Attendance.kind != "late")))
            .where(Lesson.class_group.in_(ids) & (Lesson.date == day)).tuples()):
        key = (number if number is not None else 99, lesson_id)
        if class_id not in first or key < first[class_id]:
            first[class_id] = key
        if student_id is not None:
            away_in[lesson_id].add(student_id)
    return defaultdict(set, {class_id: set(away_in.get(key[1], ())) for class_id, key in first.items()})


def first_lesson_id(class_group_id: int, day: dt.date) -> int | None:
    lesson = (Lesson.select(Lesson.id).where((Lesson.class_group == class_group_id) & (Lesson.date == day))
              .order_by(Lesson.number.is_null(), Lesson.number, Lesson.id).first())
    return lesson.id if lesson else None


def members_on(groups: list[ClassGroup], day: dt.date) -> dict[int, list[Student]]:
    """Class id -> its pupils on ``day`` by name (one query)."""
    ids = [g.id for g in groups]
    found: dict[int, list[Student]] = defaultdict(list)
    if not ids:
        return found
    for row in (ClassMembership.select(ClassMembership.class_group, Student).join(Student)
                .where(ClassMembership.class_group.in_(ids) & (ClassMembership.starts_on <= day)
                       & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= day)))
                .order_by(Student.last_name, Student.first_name, Student.id)):
        found[row.class_group_id].append(row.student)
    return found


# --------------------------------------------------------------------------- other plugins' groups (camp squads)


@dataclass
class MealGroup:
    """A group another plugin keeps (a camp squad) as ``nutrition_meal_groups`` described it."""

    group: ClassGroup
    days: frozenset
    members: list
    away: dict  # date -> {student ids}
    category: str


def meal_groups(school: School, start: dt.date, end: dt.date | None = None) -> dict[int, MealGroup]:
    """Class id -> the groups besides the classes that eat at the school between two dates (the hook
    ``nutrition_meal_groups``, asked of the plugins on at the school)."""
    end = end or start
    found: dict[int, MealGroup] = {}
    for answer in hooks_here(scope_for_school(school)).nutrition_meal_groups(school=school, start=start, end=end):
        for item in answer or ():
            group = item["class_group"]
            days = frozenset(d for d in item.get("days") or () if start <= d <= end)
            if group.school_id != school.id or group.kind in CLASS_KINDS or not days:
                continue
            found[group.id] = MealGroup(group=group, days=days, members=list(item.get("members") or ()),
                                        away={d: set(v) for d, v in (item.get("away") or {}).items()},
                                        category=item.get("category") or CAMP)
    return found


def groups_of_day(school: School, day: dt.date, book: Book | None = None) -> tuple[list[ClassGroup], dict]:
    """The class groups that eat at the school on ``day`` (its classes that have school that day: not on
    a weekend of the school week, nor in their grade's holidays; then the other plugins' groups of that
    day, camp squads in the holidays included) and those groups' descriptions (``meal_groups``)."""
    book = book or Book(school)
    classes = order_groups(school, day=day) if day.weekday() < book.values["school_week"] else []
    book.note_school(day, classes)
    specs = meal_groups(school, day)
    return classes + sorted((s.group for s in specs.values()), key=lambda g: (g.name, g.id)), specs


# --------------------------------------------------------------------------- daily orders


def ensure_orders(school: School, day: dt.date, groups: list[ClassGroup], absent=None, *,
                  specs: dict | None = None, book: Book | None = None) -> dict[int, DailyOrder]:
    """The day's order of each class group, made where missing: a class's pupils prefilled from their
    categories and standing orders, a camp squad's (``specs``, else asked of ``nutrition_meal_groups``)
    with its category's menu; minus the pupils the journal shows absent in the first lesson, those the
    group's own attendance shows away, those with a parent's notice, and ``absent`` (class id -> more
    pupil ids to leave out). A closed month makes nothing, nor does a day a squad does not eat. A fixed
    number of queries whatever the classes and pupils; an order made here carries its lines and pupils
    (``order.made_lines``, ``order.made_members``), so the page need not read them back."""
    ids = [g.id for g in groups]
    book = book or Book(school)
    orders = {}
    if ids:
        month = month_start(day)
        query = (DailyOrder.select(DailyOrder, MonthClose.id.alias("closed_id"))
                 .join(MonthClose, JOIN.LEFT_OUTER, on=((MonthClose.school == DailyOrder.school)
                                                        & (MonthClose.month == month)))
                 .where(DailyOrder.class_group.in_(ids) & (DailyOrder.date == day)))
        for row in query.objects():
            orders[row.class_group_id] = row
            book._closed[month] = row.closed_id  # the sign-off read with the order (an id or None)
    missing = [g for g in groups if g.id not in orders]
    if not missing or book.closed(day):
        return orders
    classes = [g for g in missing if g.kind in CLASS_KINDS]
    if classes:  # no meals where the class has no school: a weekend, the holidays
        studying = book.with_school(day, classes)
        classes = [g for g in classes if g.id in studying]
    others = [g for g in missing if g.kind not in CLASS_KINDS]
    if others:
        specs = meal_groups(school, day) if specs is None else specs
        others = [g for g in others if g.id in specs and day in specs[g.id].days]
    missing = classes + others
    if not missing:
        return orders
    menus = {g.id: book.category(specs[g.id].category) for g in others}  # (a missing usual one is made first)
    members = members_on(classes, day) if classes else defaultdict(list)
    for group in others:
        members[group.id] = specs[group.id].members
    all_ids = list({s.id for students in members.values() for s in students})
    plan = plan_for(school, all_ids, day, book)
    away = journal_absent(classes, day) if classes else defaultdict(set)
    for group in others:
        away[group.id] = set(specs[group.id].away.get(day, ()))
    noticed = _noticed(all_ids, day)
    now = utcnow()
    with db.atomic():
        DailyOrder.insert_many([{"school": school.id, "class_group": g.id, "date": day, "created_at": now}
                                for g in missing]).on_conflict_ignore().execute()
        made = {o.class_group_id: o for o in DailyOrder.select().where(
            DailyOrder.class_group.in_([g.id for g in missing]) & (DailyOrder.date == day))}
        rows = []
        for group in missing:
            order = made[group.id]
            if order.created_at != now:
                continue  # made by a concurrent request a moment ago: its lines are its own
            extra = (absent or {}).get(group.id, set())
            menu = plan.menu(menus[group.id]) if group.id in menus else None
            own = []
            for student in members.get(group.id, ()):
                reason = "absent" if student.id in away.get(group.id, ()) or student.id in extra else \
                    "notice" if student.id in noticed else ""
                for kind, category in (menu if menu is not None else plan.meals(student.id, group.grade)):
                    own.append({"order": order.id, "student": student.id, "meal_kind": kind.id,
                                "category": category.id if category else None,
                                "payer": category.payer if category else "parents",
                                "price": plan.prices.get((category.id if category else None, kind.id), Decimal(0)),
                                "ordered": not reason, "reason": reason})
            order.made_lines = [OrderLine(**row) for row in own]
            order.made_members = list(members.get(group.id, ()))
            rows += own
        for start in range(0, len(rows), 500):
            OrderLine.insert_many(rows[start:start + 500]).on_conflict_ignore().execute()
    orders.update(made)
    return orders


def _noticed(student_ids, day: dt.date) -> set[int]:
    from eschool.plugin_api import absent_by_notice

    return absent_by_notice(student_ids, day)


def order_counts(order_ids) -> dict[int, int]:
    """Order id -> the meals ordered in it (one query)."""
    ids = list(order_ids)
    if not ids:
        return {}
    return {row["oid"]: row["n"] for row in OrderLine.select(OrderLine.order.alias("oid"), fn.COUNT(OrderLine.id).alias("n"))
            .where(OrderLine.order.in_(ids) & OrderLine.ordered).group_by(OrderLine.order).dicts()}


def has_school_on(day: dt.date):
    """A SQL condition on ``ClassGroup``: the class has school on ``day``, a day inside a study period of
    its grade (not the holidays between the quarters, nor a first grade's extra week), or its year has no
    study periods yet (a school not set up: every day counts). Weekends are the school week's business."""
    period = Period.alias()
    inside = period.select(period.id).where(
        (period.academic_year == ClassGroup.academic_year) & (period.grade_from <= ClassGroup.grade)
        & (period.grade_to >= ClassGroup.grade) & (period.starts_on <= day) & (period.ends_on >= day))
    unset = period.select(period.id).where(period.academic_year == ClassGroup.academic_year)
    return fn.EXISTS(inside) | ~fn.EXISTS(unset)


def study_days(groups: list[ClassGroup], days) -> set[dt.date]:
    """Of ``days``, those on which at least one of the classes ``groups`` has school (as ``has_school_on``
    says: inside a study period of its grade, or its year has none yet). One query."""
    periods: dict[int, list] = defaultdict(list)
    for year, start, end, low, high in Period.select(Period.academic_year, Period.starts_on, Period.ends_on,
                                                      Period.grade_from, Period.grade_to).where(
            Period.academic_year.in_(sorted({g.academic_year_id for g in groups}))).tuples():
        periods[year].append((_as_date(start), _as_date(end), low, high))
    return {day for day in days if any(
        not periods[g.academic_year_id] or any(a <= day <= b and low <= g.grade <= high
                                               for a, b, low, high in periods[g.academic_year_id])
        for g in groups)}


def order_groups(school: School, kinds=CLASS_KINDS, day: dt.date | None = None) -> list[ClassGroup]:
    """The school's class groups of its current year that eat at school by default (not camp squads:
    those come through ``nutrition_meal_groups``); with ``day``, those that have school that day."""
    year = current_year(school)
    if year is None:
        return []
    query = ClassGroup.select().where((ClassGroup.academic_year == year.id) & ClassGroup.kind.in_(kinds))
    if day is not None:
        query = query.where(has_school_on(day))
    return list(query.order_by(ClassGroup.grade, ClassGroup.name))


@dataclass
class Sheet:
    """One class's (or squad's) order of a day as the page shows it."""

    order: DailyOrder
    group: ClassGroup
    kinds: list
    students: list
    lines: dict  # (student id, kind id) -> OrderLine
    categories: dict
    locked: bool
    closed: bool
    log: list
    members: set = field(default_factory=set)  # the ids of the group's pupils on the day
    officer: bool = False  # the user is the school's meals officer (open_order)
    editable: bool = False  # the user may change the order now (open_order)
    book: Book | None = None
    category: str = ""  # a squad's category code (its menu), from ``nutrition_meal_groups``

    def counts(self) -> dict:
        out = {k.id: 0 for k in self.kinds}
        for line in self.lines.values():
            if line.ordered:
                out[line.meal_kind_id] = out.get(line.meal_kind_id, 0) + 1
        return out


def order_sheet(school: School, order: DailyOrder, group: ClassGroup | None = None, *, book: Book | None = None,
                spec: MealGroup | None = None) -> Sheet:
    """The order with its pupils, lines and log (four queries at most beside ``book``'s; a squad's
    pupils come from ``spec``)."""
    group = group or ClassGroup.get_by_id(order.class_group_id)
    book = book or Book(school)
    made = getattr(order, "made_lines", None)
    lines = {(line.student_id, line.meal_kind_id): line
             for line in (made if made is not None else OrderLine.select().where(OrderLine.order == order.id))}
    if getattr(order, "made_members", None) is not None:
        members = order.made_members
    elif group.kind in CLASS_KINDS:
        members = members_on([group], order.date).get(group.id, [])
    else:
        if spec is None:
            spec = meal_groups(school, order.date).get(group.id)
        members = spec.members if spec is not None else []
    member_ids = {s.id for s in members}
    others = {sid for sid, _k in lines} - member_ids
    students = list(members) + (list(Student.select().where(Student.id.in_(list(others)))) if others else [])
    students.sort(key=lambda s: (s.last_name, s.first_name, s.id))
    log = [] if made is not None else list(
        OrderLog.select(OrderLog, User).join(User, JOIN.LEFT_OUTER, on=(OrderLog.user == User.id))
        .where(OrderLog.order == order.id).order_by(OrderLog.at, OrderLog.id))
    return Sheet(order=order, group=group, kinds=book.kinds, students=students, lines=lines,
                 categories=book.categories, locked=book.locked(order.date), closed=book.closed(order.date) is not None,
                 log=log, members=member_ids, book=book, category=spec.category if spec is not None else "")


def open_order(user, school: School, group: ClassGroup, day: dt.date, officer: bool | None = None) -> Sheet | None:
    """A group's order of a day for its page and the API: made where missing, with its pupils, lines, log
    and what ``user`` may do (``editable``: the officer while the month is open, the class teacher or the
    squad's leader before the cut-off). ``None``: no order that day (a signed-off month, or a day the
    squad does not eat). A fixed number of queries whatever the group's size."""
    book = Book(school)
    specs = meal_groups(school, day) if group.kind not in CLASS_KINDS else None
    order = ensure_orders(school, day, [group], specs=specs, book=book).get(group.id)
    if order is None:
        return None
    sheet = order_sheet(school, order, group, book=book, spec=(specs or {}).get(group.id))
    sheet.officer = is_officer(user, school) if officer is None else officer
    sheet.editable = not sheet.closed and (sheet.officer or (not sheet.locked and leads_class(user, group)))
    return sheet


def _log(order: DailyOrder, user, action: str, student_id=None, detail: str = "") -> None:
    OrderLog.create(order=order.id, user=user.id if user is not None and getattr(user, "id", None) else None,
                    student=student_id, action=action, detail=str(detail)[:300])


def check_change(user, school: School, order: DailyOrder, group: ClassGroup | None = None, *,
                 book: Book | None = None, officer: bool | None = None) -> str:
    """May ``user`` change the order now? Returns ``"before"`` or ``"after"`` the cut-off; refuses
    otherwise (403 not theirs or locked for them, 409 the month signed off)."""
    group = group or ClassGroup.get_by_id(order.class_group_id)
    book = book or Book(school)
    if book.closed(order.date):
        raise NutritionError("date", _l("The month is signed off: its orders are read-only."), status=409)
    officer = is_officer(user, school) if officer is None else officer
    if not (officer or leads_class(user, group)):
        raise NutritionError(None, _l("Only the class teacher or the meals officer changes this order."), status=403)
    if book.locked(order.date):
        if not officer:
            raise NutritionError("date", _l("The cut-off has passed: only the meals officer changes the order now."),
                                 status=403)
        return "after"
    return "before"


def save_order(user, school: School, sheet: Sheet, changes: dict, confirm: bool = False) -> None:
    """Order or cancel pupils' meals (``changes``: ``{(student id, meal kind id): ordered}``) and, with
    ``confirm``, confirm the order: the class teacher (a squad's leader) before the cut-off, the meals
    officer any time; every change logged. A meal the pupil has no line for is added under their category
    (a squad's: its category). All or nothing, in a fixed number of queries whatever the changes."""
    order, group = sheet.order, sheet.group
    book = sheet.book or Book(school)
    when = check_change(user, school, order, group, book=book, officer=sheet.officer)
    kinds = {k.id: k for k in sheet.kinds}
    on, off, new, log = [], [], [], []
    for (student_id, kind_id), ordered in changes.items():
        if kind_id not in kinds:
            raise NutritionError("meal_kind_id", _l("Choose a meal kind of the municipality."))
        line = sheet.lines.get((student_id, kind_id))
        if line is None:
            if student_id not in sheet.members:
                raise NutritionError("student_id", _l("Choose a pupil of the class."))
            if not ordered:
                raise NutritionError("ordered", _l("This meal is not in the order."))
            new.append((student_id, kind_id))
        elif line.ordered == bool(ordered):
            continue
        else:
            (on if ordered else off).append(line)
        log.append((student_id, kind_id, ordered))
    rows = []
    if new:
        plan = plan_for(school, [sid for sid, _k in new], order.date, book)
        camp = book.category(sheet.category or CAMP) if group.kind not in CLASS_KINDS else None
        paid = next((c for c in plan.categories.values() if c.code == PAID), None)
        for student_id, kind_id in new:
            category = camp or dict((k.id, c) for k, c in plan.meals(student_id, group.grade)).get(kind_id) or paid
            rows.append({"order": order.id, "student": student_id, "meal_kind": kind_id,
                         "category": category.id if category else None,
                         "payer": category.payer if category else "parents",
                         "price": plan.prices.get((category.id if category else None, kind_id), Decimal(0)),
                         "ordered": True, "reason": ""})
    actor = user.id if user is not None and getattr(user, "id", None) else None
    late = "_late" if when == "after" else ""
    now = utcnow()
    entries = [{"order": order.id, "user": actor, "at": now, "student": sid,
                "action": ("ordered" if ordered else "cancelled") + late, "detail": kinds[kid].name[:300]}
               for sid, kid, ordered in log]
    with db.atomic():
        if on:
            OrderLine.update(ordered=True, reason="").where(OrderLine.id.in_([x.id for x in on])).execute()
        if off:
            OrderLine.update(ordered=False, reason="manual").where(OrderLine.id.in_([x.id for x in off])).execute()
        if rows:
            OrderLine.insert_many(rows).on_conflict_ignore().execute()
        if confirm:
            DailyOrder.update(confirmed_by=actor, confirmed_at=now).where(DailyOrder.id == order.id).execute()
            entries.append({"order": order.id, "user": actor, "at": now, "student": None,
                            "action": "confirmed" + late, "detail": ""})
        if entries:
            OrderLog.insert_many(entries).execute()


def set_line(user, school: School, order: DailyOrder, student_id, kind_id, ordered: bool) -> OrderLine:
    """Order or cancel one pupil's meal (``save_order`` with one change); returns the line."""
    try:
        student_id, kind_id = int(student_id), int(kind_id)
    except (TypeError, ValueError):
        raise NutritionError("student_id", _l("Choose a pupil and a meal.")) from None
    group = ClassGroup.get_by_id(order.class_group_id)
    sheet = order_sheet(school, order, group)
    sheet.officer = is_officer(user, school)
    save_order(user, school, sheet, {(student_id, kind_id): bool(ordered)})
    return OrderLine.get((OrderLine.order == order.id) & (OrderLine.student == student_id)
                         & (OrderLine.meal_kind == kind_id))


def confirm_order(user, school: School, order: DailyOrder) -> DailyOrder:
    """The class teacher confirms who eats today (before the cut-off; after it, the meals officer)."""
    group = ClassGroup.get_by_id(order.class_group_id)
    book = Book(school)
    officer = is_officer(user, school)
    check_change(user, school, order, group, book=book, officer=officer)
    sheet = Sheet(order=order, group=group, kinds=[], students=[], lines={}, categories={}, locked=False,
                  closed=False, log=[], officer=officer, book=book)
    save_order(user, school, sheet, {}, confirm=True)
    return DailyOrder.get_by_id(order.id)


def _drop_for_absence(order: DailyOrder, student_id: int, reason: str, actor, school: School) -> None:
    """The journal or a parent says the pupil is away: before the cut-off their meals leave the order;
    after it the order stays as it is and the news is logged."""
    if is_locked(school, order.date) or month_closed(school.id, order.date):
        if OrderLine.select().where((OrderLine.order == order.id) & (OrderLine.student == student_id)
                                    & OrderLine.ordered).exists():
            _log(order, actor, "absence_after_cutoff", student_id, reason)
        return
    changed = (OrderLine.update(ordered=False, reason=reason)
               .where((OrderLine.order == order.id) & (OrderLine.student == student_id) & OrderLine.ordered).execute())
    if changed:
        _log(order, actor, "absence", student_id, reason)


def on_absence_recorded(attendance, actor) -> None:
    """A first-lesson absence entered before the cut-off takes the pupil out of the day's order."""
    if attendance.kind == "late":
        return
    lesson = Lesson.get_or_none(Lesson.id == attendance.lesson_id)
    if lesson is None:
        return
    order = DailyOrder.get_or_none((DailyOrder.class_group == lesson.class_group_id) & (DailyOrder.date == lesson.date))
    if order is None or first_lesson_id(lesson.class_group_id, lesson.date) != lesson.id:
        return  # no order yet (it will be prefilled without the pupil), or not the first lesson
    _drop_for_absence(order, attendance.student_id, "absent", actor, School.get_by_id(order.school_id))


def _return_after_absence(order: DailyOrder, student_id: int, actor, school: School) -> None:
    if is_locked(school, order.date) or month_closed(school.id, order.date):
        return
    if (OrderLine.update(ordered=True, reason="").where((OrderLine.order == order.id)
                                                         & (OrderLine.student == student_id)
                                                         & (OrderLine.reason == "absent")).execute()):
        _log(order, actor, "returned", student_id, "")


def on_absence_deleted(attendance, actor) -> None:
    """The absence was taken back before the cut-off: the pupil's meals return to the order."""
    lesson = Lesson.get_or_none(Lesson.id == attendance.lesson_id)
    if lesson is None:
        return
    order = DailyOrder.get_or_none((DailyOrder.class_group == lesson.class_group_id) & (DailyOrder.date == lesson.date))
    if order is None:
        return
    _return_after_absence(order, attendance.student_id, actor, School.get_by_id(order.school_id))


def on_absence_reported(notice, actor) -> None:
    """A parent's notice: the pupil leaves the orders of those days made already (before their cut-off)."""
    school = School.get_by_id(notice.school_id)
    for order in DailyOrder.select().join(OrderLine).where(
            (OrderLine.student == notice.student_id) & (DailyOrder.date >= notice.starts_on)
            & (DailyOrder.date <= notice.ends_on)).distinct():
        _drop_for_absence(order, notice.student_id, "notice", actor, school)


def on_group_day_marked(class_group, day: dt.date, marks: dict, actor) -> None:
    """A group's own attendance (a camp squad's day, ``summer_camp_on_day_marked``): the children marked
    absent or ill leave the day's order before the cut-off, those marked present again come back; after
    the cut-off the order stays and the news is logged. With no order for the day yet, it is made now,
    from that attendance (as the first reader would make it)."""
    school = School.get_by_id(class_group.school_id)
    order = DailyOrder.get_or_none((DailyOrder.class_group == class_group.id) & (DailyOrder.date == day))
    if order is None:
        ensure_orders(school, day, [class_group])
        return
    for student_id, mark in marks.items():
        if mark in ("absent", "ill"):
            _drop_for_absence(order, int(student_id), "absent", actor, school)
        else:
            _return_after_absence(order, int(student_id), actor, school)


# --------------------------------------------------------------------------- the kitchen


def kitchen_counts(school: School, day: dt.date, groups: list[ClassGroup] | None = None) -> dict:
    """Meals per meal kind and category for a day, per class (and camp squad) and in total (the orders
    made where missing). ``{"kinds", "categories", "classes": [(group, {(kind id, category id): n})],
    "total"}``."""
    book = Book(school)
    specs = None
    if groups is None:
        groups, specs = groups_of_day(school, day, book)
    orders = ensure_orders(school, day, groups, specs=specs, book=book)
    by_order = {o.id: cid for cid, o in orders.items()}
    per_class: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    total: dict = defaultdict(int)
    if by_order:
        for row in (OrderLine.select(OrderLine.order.alias("oid"), OrderLine.meal_kind.alias("kid"),
                                     OrderLine.category.alias("cid"), fn.COUNT(OrderLine.id).alias("n"))
                    .where(OrderLine.order.in_(list(by_order)) & OrderLine.ordered)
                    .group_by(OrderLine.order, OrderLine.meal_kind, OrderLine.category).dicts()):
            key = (row["kid"], row["cid"])
            per_class[by_order[row["oid"]]][key] += row["n"]
            total[key] += row["n"]
    return {"day": day, "kinds": book.kinds, "categories": list(book.categories.values()),
            "classes": [(g, dict(per_class.get(g.id, {}))) for g in groups], "total": dict(total),
            "per_kind": {kid: sum(n for (k, _c), n in total.items() if k == kid) for kid, _c in total},
            "locked": book.locked(day)}


# --------------------------------------------------------------------------- the monthly tabulation sheet


@dataclass
class Tabulation:
    month: dt.date
    days: list
    kinds: list
    categories: dict
    rows: list  # [{"student", "group", "cells": {day: [kind codes]}, "meals": n, "amount": Decimal}]
    totals: dict  # {"meals", "amount", "by_day": {day: n}, "by_category": {id: {"meals", "amount"}}}
    closed: MonthClose | None


def sheet_groups(school: School, month: dt.date) -> list[ClassGroup]:
    """The groups a month's tabulation sheet covers: the school's classes, then every other group with an
    order in the month (camp squads), by name (two queries)."""
    month = month_start(month)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    others = list(ClassGroup.select().where(ClassGroup.id.in_(
        DailyOrder.select(DailyOrder.class_group).where((DailyOrder.school == school.id) & (DailyOrder.date >= month)
                                                        & (DailyOrder.date <= last)))
        & ClassGroup.kind.not_in(CLASS_KINDS)).order_by(ClassGroup.name, ClassGroup.id))
    return order_groups(school) + others


def tabulation(school: School, groups: list[ClassGroup], month: dt.date, category_id: int | None = None) -> Tabulation:
    """The табель учёта питания of class groups for a month: pupils down, days across (the school days for
    classes, the days with orders for camp squads), each cell the meals eaten; totals per pupil, per day
    and per category in meals and roubles; a class's holidays have no column. Six queries."""
    month = month_start(month)
    values = settings(school)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    kinds = meal_kinds(school.municipality_id)
    code = {k.id: k.code for k in kinds}
    cats = {c.id: c for c in categories(school.municipality_id)}
    ids = [g.id for g in groups]
    group_of = {g.id: g for g in groups}
    classes = [g for g in groups if g.kind in CLASS_KINDS]
    days = study_days(classes, month_days(month, values["school_week"])) if classes else set()
    rows: dict[tuple, dict] = {}
    by_day: dict = defaultdict(int)
    by_category: dict = defaultdict(lambda: {"meals": 0, "amount": Decimal(0)})
    total_meals, total_amount = 0, Decimal(0)
    if ids:
        for m in (ClassMembership.select(ClassMembership.class_group, Student).join(Student)
                  .where(ClassMembership.class_group.in_(ids) & (ClassMembership.starts_on <= last)
                         & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= month)))):
            if category_id is None:
                rows.setdefault((m.class_group_id, m.student.id), {"student": m.student, "group": group_of[m.class_group_id],
                                                                   "cells": {}, "meals": 0, "amount": Decimal(0)})
        students = {}
        query = (OrderLine.select(OrderLine.student.alias("sid"), OrderLine.meal_kind.alias("kid"),
                                  OrderLine.category.alias("cid"), OrderLine.price.alias("price"),
                                  DailyOrder.date.alias("day"), DailyOrder.class_group.alias("gid"))
                 .join(DailyOrder).where(DailyOrder.class_group.in_(ids) & (DailyOrder.date >= month)
                                         & (DailyOrder.date <= last) & OrderLine.ordered))
        if category_id is not None:
            query = query.where(OrderLine.category == category_id)
        lines = list(query.dicts())
        missing = {line["sid"] for line in lines} - {sid for _g, sid in rows}
        if missing:
            students = {s.id: s for s in Student.select().where(Student.id.in_(list(missing)))}
        for line in lines:
            day, price = _as_date(line["day"]), Decimal(str(line["price"]))
            days.add(day)
            key = (line["gid"], line["sid"])
            if key not in rows:
                rows[key] = {"student": students[line["sid"]], "group": group_of[line["gid"]],
                             "cells": {}, "meals": 0, "amount": Decimal(0)}
            row = rows[key]
            row["cells"].setdefault(day, []).append(code.get(line["kid"], "?"))
            row["meals"] += 1
            row["amount"] += price
            by_day[day] += 1
            by_category[line["cid"]]["meals"] += 1
            by_category[line["cid"]]["amount"] += price
            total_meals += 1
            total_amount += price
    ordered_rows = sorted(rows.values(), key=lambda r: (r["group"].kind not in CLASS_KINDS, r["group"].grade,
                                                         r["group"].name, r["student"].last_name,
                                                         r["student"].first_name, r["student"].id))
    order = {k.code: k.order for k in kinds}
    for row in ordered_rows:
        for day in row["cells"]:
            row["cells"][day].sort(key=lambda c: order.get(c, 99))
    return Tabulation(month=month, days=sorted(days), kinds=kinds, categories=cats, rows=ordered_rows,
                      totals={"meals": total_meals, "amount": total_amount, "by_day": dict(by_day),
                              "by_category": dict(by_category)},
                      closed=month_closed(school.id, month))


def close_month(user, school: School, month: dt.date) -> MonthClose:
    """The school signs the month off: its orders and tabulation become read-only."""
    month = month_start(month)
    if month > month_start(local_today()):
        raise NutritionError("month", _l("A month is signed off once it has begun."))
    existing = month_closed(school.id, month)
    if existing is not None:
        raise NutritionError("month", _l("The month is already signed off."), status=409)
    return MonthClose.create(school=school.id, month=month, closed_by=user.id)


def reopen_month(user, school: School, month: dt.date) -> None:
    MonthClose.delete().where((MonthClose.school == school.id) & (MonthClose.month == month_start(month))).execute()


# --------------------------------------------------------------------------- parents


def child_meals(student: Student, start: dt.date, end: dt.date) -> dict[dt.date, list[tuple]]:
    """Day -> [(meal kind name, price, payer)] the pupil ate (was ordered) between two dates (one query)."""
    found: dict = defaultdict(list)
    for line in (OrderLine.select(OrderLine.price.alias("price"), OrderLine.payer.alias("payer"),
                                  DailyOrder.date.alias("day"), MealKind.name.alias("name"))
                 .join(DailyOrder).switch(OrderLine).join(MealKind)
                 .where((OrderLine.student == student.id) & OrderLine.ordered & (DailyOrder.date >= start)
                        & (DailyOrder.date <= end)).order_by(DailyOrder.date, MealKind.order).dicts()):
        found[_as_date(line["day"])].append((line["name"], Decimal(str(line["price"])), line["payer"]))
    return found


def balances(student_ids) -> dict[int, Decimal]:
    """Student id -> payments minus the charges of the meals eaten that parents pay for (two queries)."""
    ids = list(student_ids)
    out = {sid: Decimal(0) for sid in ids}
    if not ids:
        return out
    for row in (Payment.select(Payment.student, fn.SUM(Payment.amount).alias("total"))
                .where(Payment.student.in_(ids)).group_by(Payment.student)):
        out[row.student_id] += Decimal(row.total or 0)
    for row in (OrderLine.select(OrderLine.student, fn.SUM(OrderLine.price).alias("total"))
                .join(DailyOrder)
                .where(OrderLine.student.in_(ids) & OrderLine.ordered & (OrderLine.payer == "parents")
                       & (DailyOrder.date <= local_today()))
                .group_by(OrderLine.student)):
        out[row.student_id] -= Decimal(row.total or 0)
    return {sid: value.quantize(Decimal("0.01")) for sid, value in out.items()}


def statement(student: Student, month: dt.date) -> dict:
    """A parent's monthly statement: each day's meals and charges, the month's payments, the balance."""
    month = month_start(month)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    meals = child_meals(student, month, last)
    charges = sum((price for day in meals.values() for _n, price, payer in day if payer == "parents"), Decimal(0))
    budget = sum((price for day in meals.values() for _n, price, payer in day if payer == "budget"), Decimal(0))
    payments = list(Payment.select().where((Payment.student == student.id) & (Payment.date >= month)
                                           & (Payment.date <= last)).order_by(Payment.date))
    school = School.get_by_id(student.school_id)
    return {"month": month, "meals": dict(meals), "charges": charges, "budget": budget, "payments": payments,
            "paid": sum((p.amount for p in payments), Decimal(0)), "balance": balances([student.id])[student.id],
            "prepayment": settings(school)["prepayment"], "count": sum(len(v) for v in meals.values())}


def add_payment(school: School, data: dict, user=None, source: str = "manual") -> Payment:
    student = Student.get_or_none((Student.id == data.get("student_id")) & (Student.school == school.id))
    if student is None:
        raise NutritionError("student_id", _l("Choose a pupil of the school."))
    amount = _money(data.get("amount"))
    if amount <= 0:
        raise NutritionError("amount", _l("Enter an amount in roubles, e.g. 95.50."))
    return Payment.create(school=school.id, student=student, date=_day(data.get("date") or local_today(), "date"),
                          amount=amount, source=source, reference=str(data.get("reference") or "")[:100],
                          created_by=user.id if user is not None and getattr(user, "id", None) else None)


REGISTER_HEADERS = {"date": ("дата", "date", "дата платежа"), "account": ("лицевой счет", "account", "лс", "ученик",
                                                                          "student", "student_id"),
                    "amount": ("сумма", "amount"), "reference": ("номер", "reference", "номер платежа", "документ")}


def import_register(school: School, data: bytes, filename: str, user=None) -> dict:
    """A bank register (CSV or XLSX): date; account (the pupil's id in the portal); amount; reference. Every
    line is checked first: any bad line is reported (``line N: field: message``) and nothing is stored.
    A reference already imported for the school is skipped."""
    try:
        table = read_table(data, filename)
    except ImportFileError as exc:
        raise NutritionError("file", exc.args[0] if exc.args else str(exc)) from exc
    head = [" ".join(str(c).lower().replace("ё", "е").split()) for c in table[0]]
    columns = {}
    for key, names in REGISTER_HEADERS.items():
        for i, title in enumerate(head):
            if title in names:
                columns[key] = i
    start = 1 if {"date", "account", "amount"} <= set(columns) else 0
    if start == 0:
        columns = {"date": 0, "account": 1, "amount": 2, "reference": 3}
    pupils = {s.id for s in Student.select(Student.id).where(Student.school == school.id)}
    seen = {p.reference for p in Payment.select(Payment.reference).where((Payment.school == school.id)
                                                                          & (Payment.source == "bank"))}
    errors, good, skipped = [], [], 0
    for n, row in enumerate(table[start:], start=start + 1):
        if not any(str(c).strip() for c in row):
            continue

        def cell(key, row=row):
            i = columns.get(key)
            return str(row[i]).strip() if i is not None and i < len(row) else ""

        raw_date = cell("date")
        try:
            day = dt.date.fromisoformat(raw_date) if "-" in raw_date else dt.datetime.strptime(raw_date, "%d.%m.%Y").date()
        except ValueError:
            errors.append(_l("line %(n)s: date: enter a date as 31.01.2026 or 2026-01-31.", n=n))
            continue
        try:
            account = int(cell("account"))
        except ValueError:
            account = None
        if account not in pupils:
            errors.append(_l("line %(n)s: account: no pupil of the school with this number.", n=n))
            continue
        try:
            amount = _money(cell("amount"))
            if amount <= 0:
                raise NutritionError("amount", "")
        except NutritionError:
            errors.append(_l("line %(n)s: amount: enter a positive amount in roubles.", n=n))
            continue
        reference = cell("reference")[:100]
        if reference and reference in seen:
            skipped += 1
            continue
        seen.add(reference)
        good.append({"school": school.id, "student": account, "date": day, "amount": amount, "source": "bank",
                     "reference": reference, "created_by": user.id if user is not None and getattr(user, "id", None)
                     else None, "created_at": utcnow()})
    if errors:
        return {"imported": 0, "skipped": skipped, "errors": [str(e) for e in errors]}
    with db.atomic():
        for i in range(0, len(good), 500):
            Payment.insert_many(good[i:i + 500]).execute()
    return {"imported": len(good), "skipped": skipped, "errors": []}


def low_balances(school: School) -> dict[int, Decimal]:
    """The school's pupils (with a paid meal or a payment) whose balance is below the threshold."""
    values = settings(school)
    if not values["prepayment"]:
        return {}
    ids = {r.student_id for r in Payment.select(Payment.student).where(Payment.school == school.id)} | \
          {r.student_id for r in OrderLine.select(OrderLine.student).join(DailyOrder)
           .where((DailyOrder.school == school.id) & (OrderLine.payer == "parents")).distinct()}
    threshold = Decimal(str(values["low_balance"]))
    return {sid: b for sid, b in balances(ids).items() if b < threshold}


def alert_low_balances(school: School) -> int:
    """Tell the parents of each pupil whose balance is below the threshold (notification ``nutrition.low_balance``)."""
    from eschool.plugin_api import Audience, notify

    low = low_balances(school)
    if not low:
        return 0
    parents: dict[int, list[int]] = defaultdict(list)
    for g in Guardian.select(Guardian.student, Guardian.user).where(Guardian.student.in_(list(low)) & Guardian.user.is_null(False)):
        parents[g.student_id].append(g.user_id)
    names = {s.id: s for s in Student.select().where(Student.id.in_(list(low)))}
    sent = 0
    for sid, balance in low.items():
        if parents.get(sid):
            notify(Audience.users(*parents[sid]), "nutrition.low_balance",
                   {"student": f"{names[sid].last_name} {names[sid].first_name}", "balance": str(balance),
                    "threshold": str(settings(school)["low_balance"])}, school_id=school.id)
            sent += 1
    return sent


# --------------------------------------------------------------------------- the municipality


def municipal_report(municipality: Municipality, month: dt.date, schools: list[School]) -> dict:
    """Across the municipality's schools (where nutrition is on): pupils fed per category and day, and the
    month's meals and cost per category and payer (two queries)."""
    month = month_start(month)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    ids = [s.id for s in schools]
    fed: dict = defaultdict(dict)
    costs: dict = {}
    if ids:
        base = (OrderLine.select().join(DailyOrder)
                .where(DailyOrder.school.in_(ids) & (DailyOrder.date >= month) & (DailyOrder.date <= last)
                       & OrderLine.ordered))
        for row in (base.select(OrderLine.category.alias("cid"), DailyOrder.date.alias("day"),
                                fn.COUNT(fn.DISTINCT(OrderLine.student)).alias("n"))
                    .group_by(OrderLine.category, DailyOrder.date).dicts()):
            fed[row["cid"]][_as_date(row["day"])] = row["n"]
        for row in (base.select(OrderLine.category.alias("cid"), OrderLine.payer.alias("payer"),
                                fn.COUNT(OrderLine.id).alias("meals"), fn.SUM(OrderLine.price).alias("amount"))
                    .group_by(OrderLine.category, OrderLine.payer).dicts()):
            entry = costs.setdefault(row["cid"], {"meals": 0, "amount": Decimal(0), "payer": row["payer"]})
            entry["meals"] += row["meals"]
            entry["amount"] += Decimal(str(row["amount"] or 0))
    days = sorted({d for per in fed.values() for d in per})
    return {"month": month, "days": days, "categories": categories(municipality.id), "fed": dict(fed),
            "costs": costs, "schools": schools}


# --------------------------------------------------------------------------- XLSX


def _cell(value):
    """Formula-looking text written as text (the portal's one rule: ``plugin_api.safe_cell``)."""
    return safe_cell(value)


def tabulation_xlsx(sheet: Tabulation, title: str, labels: dict) -> bytes:
    """The табель as a workbook: pupils down, days across (the meals' letters), totals in meals and roubles."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "Табель"[:31]
    ws.append([_cell(title)])
    ws.append([labels["pupil"], labels["class"]] + [d.strftime("%d.%m") for d in sheet.days]
              + [labels["meals"], labels["amount"]])
    for row in sheet.rows:
        ws.append([_cell(f"{row['student'].last_name} {row['student'].first_name}"), _cell(row["group"].name)]
                  + ["".join(c[:1].upper() for c in row["cells"].get(d, [])) or "" for d in sheet.days]
                  + [row["meals"], float(row["amount"])])
    ws.append([labels["total"], ""] + [sheet.totals["by_day"].get(d, 0) for d in sheet.days]
              + [sheet.totals["meals"], float(sheet.totals["amount"])])
    cats = book.create_sheet("Категории")
    cats.append([labels["category"], labels["meals"], labels["amount"]])
    for cid, total in sheet.totals["by_category"].items():
        cats.append([_cell(sheet.categories[cid].name if cid in sheet.categories else "—"), total["meals"],
                     float(total["amount"])])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def municipal_xlsx(report: dict, labels: dict) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "Питались"
    ws.append([labels["category"]] + [d.strftime("%d.%m") for d in report["days"]])
    for c in report["categories"]:
        ws.append([_cell(c.name)] + [report["fed"].get(c.id, {}).get(d, 0) for d in report["days"]])
    costs = book.create_sheet("Стоимость")
    costs.append([labels["category"], labels["payer"], labels["meals"], labels["amount"]])
    for c in report["categories"]:
        entry = report["costs"].get(c.id)
        if entry:
            costs.append([_cell(c.name), entry["payer"], entry["meals"], float(entry["amount"])])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
