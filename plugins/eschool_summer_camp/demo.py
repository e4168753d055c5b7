"""Demo data: the demo school's autumn-holiday session (kept: squads, attendance, plans; camp meals, which
nutrition makes from the marked days where they are kept) and its first summer session (applications in
every state)."""
from __future__ import annotations

import datetime as dt

from eschool.plugin_api import ClassGroup, ClassMembership, Guardian, Student, User, current_year, local_today
from eschool_summer_camp import services
from eschool_summer_camp.models import Application, CampSession

ACTIVITIES = [("09:00", "Зарядка и линейка", "Спортзал"), ("10:00", "Завтрак", "Столовая"),
              ("10:30", "Мастер-класс «Поделки из природного материала»", "Кабинет 12"),
              ("12:00", "Подвижные игры на свежем воздухе", "Школьный стадион"), ("13:00", "Обед", "Столовая"),
              ("14:00", "Минутка безопасности: правила дорожного движения", "Актовый зал"),
              ("15:00", "Полдник, итоги дня", "Столовая")]
OUTINGS = ["Экскурсия в краеведческий музей", "Кинотеатр: детский сеанс", "Квест «Тайны Кузбасса»",
           "Конкурс рисунков на асфальте", "Соревнования по пионерболу", "Библиотечный час"]


def _children(school, grades=(1, 2, 3, 4, 5)) -> list[Student]:
    year = current_year(school)
    if year is None:
        return []
    return list(Student.select().join(ClassMembership).join(ClassGroup)
                .where((ClassGroup.academic_year == year) & (ClassGroup.kind == "regular")
                       & ClassGroup.grade.in_(list(grades)) & ClassMembership.ends_on.is_null())
                .order_by(ClassGroup.grade, Student.last_name, Student.first_name))


def build(school, rng, log) -> None:
    if CampSession.select().where(CampSession.school == school.id).exists():
        return
    children = _children(school)
    if len(children) < 20 or current_year(school) is None:
        return  # the quick demo without a school year: nothing to place in a camp
    teachers = {u.username: u for u in User.select().where(User.username.in_(["teacher", "uchitel01", "uchitel02"]))}
    leaders = [teachers.get("teacher"), teachers.get("uchitel01"), teachers.get("uchitel02")]
    services.ensure_categories(school)
    # the parent's children first, so that 'parent' sees them in the camp
    family = {g.student_id for g in Guardian.select().join(User).where(User.username == "parent")}
    children.sort(key=lambda s: s.id not in family)
    today = local_today()

    autumn = services.create_session(school, {
        "name": "Осенняя смена", "starts_on": dt.date(2026, 10, 26), "ends_on": dt.date(2026, 10, 30),
        "capacity": 40, "applications_open": False, "head_id": None, "age_from": 6, "age_to": 12})
    squads = [services.create_squad(autumn, {"name": name, "leader_id": leader.id if leader else None, "grade": g})
              for name, leader, g in (("Солнышко", leaders[0], 1), ("Искорка", leaders[1], 3))]
    members = [c for c in children if c.id in family] + rng.sample([c for c in children if c.id not in family], 30)
    for child in members:
        app = services.enter_paper(autumn, None, {"student_id": child.id, "category": "", "note": ""}) \
            if autumn.ends_on >= today else _old_paper(autumn, child)
        services.decide(app, "confirm", None)
    days = [d for d in services.days_of(autumn) if d <= today]
    for squad in squads:
        rows = services.squad_members(squad)
        for day in days:
            marks = [{"application_id": a.id, "mark": rng.choices(["present", "absent", "ill"], [90, 5, 5])[0]}
                     for a in rows]
            if marks:  # where camp meals are kept, nutrition makes the squad's order of the day from them
                services.mark_day(squad, day, marks, squad.leader)
    for n, day in enumerate(services.days_of(autumn)):
        for time, title, place in ACTIVITIES:
            services.add_plan_item(autumn, {"date": day, "time": time, "title": title, "place": place}, None, True)
        for i, squad in enumerate(squads):
            services.add_plan_item(autumn, {"date": day, "time": "11:00", "title": OUTINGS[(n + i) % len(OUTINGS)],
                                            "place": "", "squad_id": squad.id}, None, True)

    summer = services.create_session(school, {
        "name": "1 смена", "starts_on": dt.date(2027, 6, 1), "ends_on": dt.date(2027, 6, 25), "capacity": 25,
        "applications_open": True, "head_id": None, "age_from": 6, "age_to": 15})
    summer_squads = [services.create_squad(summer, {"name": name, "leader_id": leader.id if leader else None,
                                                    "grade": g})
                     for name, leader, g in (("Звёздочки", leaders[0], 1), ("Непоседы", leaders[2], 2))]
    codes = ["svo", "large_family", "low_income", "", "", "", ""]
    queue = [c for c in children if c.id not in family][:30]
    for child in queue:
        services.enter_paper(summer, None, {"student_id": child.id, "category": rng.choice(codes),
                                            "contact_phone": "+7 900 000-00-00", "note": ""})
    rows = services.queue(summer)
    for app in rows[:18]:
        services.decide(app, "confirm", None)
    for app in rows[18:22]:
        services.decide(app, "waitlist", None)
    services.decide(rows[22], "reject", None, "Ребёнок не проживает на территории, закреплённой за школой")
    Application.update(status="withdrawn").where(Application.id == rows[23].id).execute()
    # the parent's children: one waits in the queue, one has a place
    for i, child in enumerate(c for c in children if c.id in family):
        app = services.enter_paper(summer, None, {"student_id": child.id, "category": "large_family", "note": ""})
        if i == 0:
            services.decide(app, "confirm", None, squad_id=summer_squads[0].id)
    for day in services.days_of(summer)[:5]:
        for time, title, place in ACTIVITIES:
            services.add_plan_item(summer, {"date": day, "time": time, "title": title, "place": place}, None, True)
    log(f"summer camp: 2 sessions at {school.short_name}, {len(members)} children in the autumn one, "
        f"{len(rows) + len(family)} applications to the summer one")


def _old_paper(session, child):
    """An application to a session already over (the demo's past): entered as the school did then."""
    return Application.create(session=session.id, student=child.id, source="paper",
                              applied_at=dt.datetime.combine(session.starts_on - dt.timedelta(days=14), dt.time(9)))
