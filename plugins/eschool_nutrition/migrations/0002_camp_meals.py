"""Camp meals move into nutrition: the summer camp's squads get nutrition's daily orders (cut-off, lock,
categories, prices, tabulation) instead of the camp's own headcount per squad and meal.

1. Every municipality with a meals setup gets the usual camp category («Летний лагерь с дневным
   пребыванием», code ``summer_camp``, paid by the budget, breakfast and lunch) with the usual prices,
   unless it has one.
2. The camp's headcounts (``summer_camp_meal_count``: a squad, a day, a meal kind, a number of portions,
   who saved it and when), where that table exists, become each squad's order of that day: the squad's
   confirmed children, those marked present that day first, then those not marked, then those marked
   absent or ill (by name within each), the first N of them ordered for a meal counted N, the others
   left out (reason ``absent`` for the absent and ill, ``manual`` otherwise); at the camp category's
   price of that day; confirmed by whoever saved the counts. Each counted meal is also written to the
   order's log as it was entered («Завтрак: 23», action ``migrated``, by its author at its time), so a
   count the children cannot hold (more portions than children) is kept word for word. A day that has an
   order already is left as it is. The camp's table is not touched: its rows stay.

Nutrition's history runs before the camp's (plugins run in code order), so on a database made before
this release the camp's table is there; on a new one it is not, and there is nothing to move.
"""
import datetime
from collections import defaultdict
from decimal import Decimal

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
)

CAMP = ("summer_camp", "Летний лагерь с дневным пребыванием", "budget", "breakfast,lunch")
KINDS = {"breakfast": ("Завтрак", 1), "lunch": ("Обед", 2), "snack": ("Полдник", 3)}
PRICES = {"breakfast": Decimal("95.00"), "lunch": Decimal("125.00"), "snack": Decimal("60.00")}


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Municipality(Base):
        class Meta:
            table_name = "municipality"

    class School(Base):
        municipality = ForeignKeyField(Municipality)

        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Student(Base):
        last_name = CharField()
        first_name = CharField()

        class Meta:
            table_name = "student"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class MealKind(Base):
        municipality = ForeignKeyField(Municipality)
        code = CharField(max_length=32)
        name = CharField(max_length=100)
        order = SmallIntegerField(default=0)

        class Meta:
            table_name = "nutrition_meal_kind"

    class Category(Base):
        municipality = ForeignKeyField(Municipality)
        code = CharField(max_length=32)
        name = CharField(max_length=200)
        payer = CharField(max_length=16, default="budget")
        meal_kinds = CharField(max_length=200, default="")
        grade_from = SmallIntegerField(null=True)
        grade_to = SmallIntegerField(null=True)
        order = SmallIntegerField(default=0)

        class Meta:
            table_name = "nutrition_category"

    class Price(Base):
        municipality = ForeignKeyField(Municipality)
        school = ForeignKeyField(School, null=True)
        category = ForeignKeyField(Category)
        meal_kind = ForeignKeyField(MealKind)
        valid_from = DateField()
        amount = DecimalField(max_digits=10, decimal_places=2)
        created_by = ForeignKeyField(User, null=True, backref="+")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "nutrition_price"

    class DailyOrder(Base):
        school = ForeignKeyField(School)
        class_group = ForeignKeyField(ClassGroup)
        date = DateField()
        confirmed_by = ForeignKeyField(User, null=True, backref="+")
        confirmed_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "nutrition_daily_order"

    class OrderLine(Base):
        order = ForeignKeyField(DailyOrder)
        student = ForeignKeyField(Student)
        meal_kind = ForeignKeyField(MealKind)
        category = ForeignKeyField(Category, null=True)
        payer = CharField(max_length=16, default="budget")
        price = DecimalField(max_digits=10, decimal_places=2, default=0)
        ordered = BooleanField(default=True)
        reason = CharField(max_length=16, default="")

        class Meta:
            table_name = "nutrition_order_line"

    class OrderLog(Base):
        order = ForeignKeyField(DailyOrder)
        user = ForeignKeyField(User, null=True, backref="+")
        at = DateTimeField(default=datetime.datetime.utcnow)
        student = ForeignKeyField(Student, null=True)
        action = CharField(max_length=32)
        detail = CharField(max_length=300, default="")

        class Meta:
            table_name = "nutrition_order_log"

    # the summer camp's tables, read only
    class CampSession(Base):
        school = ForeignKeyField(School)

        class Meta:
            table_name = "summer_camp_session"

    class Squad(Base):
        session = ForeignKeyField(CampSession)
        class_group = ForeignKeyField(ClassGroup)

        class Meta:
            table_name = "summer_camp_squad"

    class Application(Base):
        student = ForeignKeyField(Student)
        status = CharField()
        squad = ForeignKeyField(Squad, null=True)

        class Meta:
            table_name = "summer_camp_application"

    class DayMark(Base):
        application = ForeignKeyField(Application)
        date = DateField()
        mark = CharField()

        class Meta:
            table_name = "summer_camp_day_mark"

    class MealCount(Base):
        squad = ForeignKeyField(Squad)
        date = DateField()
        kind = CharField()
        count = IntegerField()
        updated_by = ForeignKeyField(User, null=True, backref="+")
        updated_at = DateTimeField()

        class Meta:
            table_name = "summer_camp_meal_count"

    return {m.__name__: m for m in (Municipality, School, User, Student, ClassGroup, MealKind, Category, Price,
                                    DailyOrder, OrderLine, OrderLog, CampSession, Squad, Application, DayMark,
                                    MealCount)}


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _camp_category(m, municipality_id: int, kinds: dict, start: datetime.date):
    """The municipality's camp category, made with its usual prices where missing."""
    found = m["Category"].get_or_none((m["Category"].municipality == municipality_id)
                                      & (m["Category"].code == CAMP[0]))
    if found is not None:
        return found
    order = m["Category"].select().where(m["Category"].municipality == municipality_id).count()
    found = m["Category"].create(municipality=municipality_id, code=CAMP[0], name=CAMP[1], payer=CAMP[2],
                                 meal_kinds=CAMP[3], order=order)
    for kind in kinds.values():
        m["Price"].create(municipality=municipality_id, category=found.id, meal_kind=kind.id, valid_from=start,
                          amount=PRICES.get(kind.code, Decimal("0.00")))
    return found


def _kinds(m, municipality_id: int, make: bool) -> dict:
    kinds = {k.code: k for k in m["MealKind"].select().where(m["MealKind"].municipality == municipality_id)}
    if make:
        for code, (name, order) in KINDS.items():
            if code not in kinds:
                kinds[code] = m["MealKind"].create(municipality=municipality_id, code=code, name=name, order=order)
    return kinds


def _price(m, municipality_id: int, school_id: int, category_id: int, kind_id: int, day) -> Decimal:
    """The price in force on ``day``: the municipality's, or the school's narrower one (as nutrition reads it)."""
    municipal = school = None
    for row in (m["Price"].select().where((m["Price"].municipality == municipality_id)
                                          & (m["Price"].category == category_id) & (m["Price"].meal_kind == kind_id)
                                          & (m["Price"].valid_from <= day))
                .order_by(m["Price"].valid_from, m["Price"].id)):
        if row.school_id is None:
            municipal = row
        elif row.school_id == school_id:
            school = row
    if municipal is None:
        return Decimal("0.00")
    if school is not None and _as_date(school.valid_from) >= _as_date(municipal.valid_from):
        return min(Decimal(str(school.amount)), Decimal(str(municipal.amount)))
    return Decimal(str(municipal.amount))


def up(migrator, db):
    m = _models(db)
    tables = set(db.get_tables())
    start = datetime.date(datetime.date.today().year - 1, 9, 1)
    with db.atomic():
        for municipality_id in {k.municipality_id for k in m["MealKind"].select(m["MealKind"].municipality)}:
            _camp_category(m, municipality_id, _kinds(m, municipality_id, make=False), start)
        if not {"summer_camp_meal_count", "summer_camp_squad", "summer_camp_application"} <= tables:
            return
        counts = defaultdict(list)
        for row in m["MealCount"].select().order_by(m["MealCount"].squad, m["MealCount"].date, m["MealCount"].id):
            counts[(row.squad_id, _as_date(row.date))].append(row)
        squads = {}
        for (squad_id, day), rows in counts.items():
            if squad_id not in squads:
                squad = m["Squad"].get_or_none(m["Squad"].id == squad_id)
                if squad is None:
                    continue
                school = m["School"].get_by_id(m["CampSession"].get_by_id(squad.session_id).school_id)
                kinds = _kinds(m, school.municipality_id, make=True)
                children = list(m["Application"].select(m["Application"], m["Student"]).join(m["Student"])
                                .where((m["Application"].squad == squad_id) & (m["Application"].status == "confirmed"))
                                .order_by(m["Student"].last_name, m["Student"].first_name, m["Student"].id))
                squads[squad_id] = (squad, school, kinds, children,
                                    _camp_category(m, school.municipality_id, kinds, start))
            squad, school, kinds, children, category = squads[squad_id]
            if m["DailyOrder"].select().where((m["DailyOrder"].class_group == squad.class_group_id)
                                              & (m["DailyOrder"].date == day)).exists():
                continue
            marks = {d.application_id: d.mark for d in m["DayMark"].select().where(
                m["DayMark"].application.in_([c.id for c in children] or [0]) & (m["DayMark"].date == day))}
            rank = {"present": 0, None: 1}
            ordered_children = sorted(children, key=lambda c: rank.get(marks.get(c.id), 2))
            last = max(rows, key=lambda r: (r.updated_at, r.id))
            order = m["DailyOrder"].create(school=school.id, class_group=squad.class_group_id, date=day,
                                           confirmed_by=last.updated_by_id, confirmed_at=last.updated_at,
                                           created_at=min(r.updated_at for r in rows))
            for row in rows:
                kind = kinds.get(row.kind)
                if kind is None:
                    continue
                price = _price(m, school.municipality_id, school.id, category.id, kind.id, day)
                for n, child in enumerate(ordered_children):
                    away = marks.get(child.id) in ("absent", "ill")
                    m["OrderLine"].create(order=order.id, student=child.student_id, meal_kind=kind.id,
                                          category=category.id, payer=category.payer, price=price,
                                          ordered=n < row.count, reason="" if n < row.count else
                                          ("absent" if away else "manual"))
                m["OrderLog"].create(order=order.id, user=row.updated_by_id, at=row.updated_at, action="migrated",
                                     detail=f"{kind.name}: {row.count}"[:300])


def down(migrator, db):
    """The squads' orders stay (the camp's counts were never removed: nothing to bring back)."""
