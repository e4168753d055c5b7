"""Demo data: a month (and a bit) of meals at the demo school, through the services."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from eschool.plugin_api import local_today
from eschool_nutrition import services
from eschool_nutrition.models import Category, DailyOrder, MealKind, OrderLine, Payment, PupilCategory


def fill(school, rng, log) -> None:
    if DailyOrder.select().where(DailyOrder.school == school.id).exists():
        return
    services.ensure_setup(school.municipality)
    groups = services.order_groups(school)
    if not groups:
        return
    today = local_today()
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the first of last month
    cats = {c.code: c for c in Category.select().where(Category.municipality == school.municipality_id)}
    kinds = {k.code: k for k in MealKind.select().where(MealKind.municipality == school.municipality_id)}
    members = services.members_on(groups, today)
    pupils = [(g, s) for g in groups for s in members.get(g.id, [])]
    rng.shuffle(pupils)
    special = {"low_income": 0.08, "large_family": 0.1, "ovz": 0.03}
    taken = 0
    for code, share in special.items():
        n = max(1, int(len(pupils) * share))
        for _group, student in pupils[taken:taken + n]:
            services.set_pupil_category(school, {
                "student_id": student.id, "category_id": cats[code].id, "valid_from": start,
                "valid_to": dt.date(start.year + 1, 5, 31),
                "document": {"low_income": "Справка УСЗН № %d", "large_family": "Удостоверение многодетной семьи № %d",
                             "ovz": "Заключение ПМПК № %d"}[code] % rng.randint(100, 999)})
        taken += n
    paid_pupils = []
    for group, student in pupils[taken:]:
        if group.grade >= 5 and rng.random() < 0.45:
            services.set_standing_order(school, student.id, ["lunch"] if rng.random() < 0.7 else ["breakfast", "lunch"])
            paid_pupils.append(student)
        elif group.grade <= 4 and rng.random() < 0.3:
            services.set_standing_order(school, student.id, ["snack"])
            paid_pupils.append(student)
    week = services.settings(school)["school_week"]
    day, days = start, 0
    while day <= today:
        orders = services.ensure_orders(school, day, groups) if day.weekday() < week else {}
        if orders:  # none in the holidays
            ids = [o.id for o in orders.values()]
            # a few pupils stay home each day (the journal's absences already left some out)
            lines = list(OrderLine.select(OrderLine.id).where(OrderLine.order.in_(ids) & OrderLine.ordered))
            away = [row.id for row in lines if rng.random() < 0.04]
            if away:
                OrderLine.update(ordered=False, reason="absent").where(OrderLine.id.in_(away)).execute()
            if day < today:
                DailyOrder.update(confirmed_at=dt.datetime.combine(day, dt.time(1, 15))).where(
                    DailyOrder.id.in_(ids)).execute()
            days += 1
        day += dt.timedelta(days=1)
    for student in paid_pupils:
        Payment.create(school=school.id, student=student, date=start + dt.timedelta(days=rng.randint(0, 5)),
                       amount=Decimal(rng.choice((1500, 2000, 2500, 3000))), source="bank",
                       reference=f"П{rng.randint(100000, 999999)}")
    if start < today.replace(day=1):
        from eschool_nutrition.models import MonthClose

        MonthClose.get_or_create(school=school.id, month=start)
    log(f"nutrition: {days} school days of meals for {len(groups)} classes at {school.short_name}, "
        f"{PupilCategory.select().where(PupilCategory.school == school.id).count()} pupils with a category, "
        f"{len(paid_pupils)} paying parents; {kinds and len(kinds)} meal kinds")
