"""A second school (another municipality's) for the communication plugins' tests: its own administrator,
class teacher, class and a family, so that every refusal across schools can be tried."""
from __future__ import annotations

import datetime as dt

from eschool.testing.world import PASSWORD


def second_school(app, world) -> dict:
    from eschool.auth import services as auth
    from eschool.people import services as people
    from eschool.school import services as school_services
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    ext = app.extensions["eschool"]
    with app.app_context():
        muni = (Municipality.select().where(Municipality.id != world.municipality).order_by(Municipality.id).first())
        school = structure.create_school(muni, "Другая школа № 2", "Другая школа")
        users = {}
        for username, role in (("admin2", "school_admin"), ("ct2", "class_teacher"), ("parent2", "parent"),
                               ("muni2", "municipal_operator")):
            user = auth.create_user(username, f"Пользователь {username}", password=PASSWORD,
                                    must_change_password=False)
            scope = {"municipality": muni} if role == "municipal_operator" else {"school": school}
            auth.grant_role(user, role, allowed_roles=ext.roles, **scope)
            users[username] = user.id
        today = world.today
        year = school_services.create_year(school, {
            "name": "другой год", "starts_on": today - dt.timedelta(days=100), "ends_on": today + dt.timedelta(days=100),
            "is_current": True, "periods": [
                {"kind": "quarter", "number": 1, "starts_on": today - dt.timedelta(days=100),
                 "ends_on": today + dt.timedelta(days=100), "grade_from": 1, "grade_to": 11}]})
        group = school_services.create_class(school, {
            "academic_year_id": year.id, "grade": 7, "letter": "В", "kind": "regular", "name": "", "shift": 1,
            "class_teacher_id": users["ct2"], "subgroups": []})
        kid = people.enrol(school, {
            "last_name": "Чужой", "first_name": "Ученик", "middle_name": "", "birth_date": dt.date(2013, 3, 3),
            "gender": "m", "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
            "class_id": group.id, "date": today - dt.timedelta(days=100), "order_number": "1-у"}, notify=False)
        from eschool.auth.models import User

        people.link_guardian(kid, {"user_id": users["parent2"], "relation": "father", "legal_representative": True})
        return {"school": school.id, "municipality": muni.id, "muni_code": muni.code, "class": group.id,
                "users": users, "user": lambda name: User.get_by_id(users[name])}


def enrol_many(app, school, group, n: int) -> None:
    """``n`` more students in ``group``, each with a parent account (the recipients of a class notice)."""
    from eschool.auth import services as auth
    from eschool.people import services as people

    ext = app.extensions["eschool"]
    for i in range(n):
        kid = people.enrol(school, {
            "last_name": "Многодетный", "first_name": f"Ученик{i}", "middle_name": "", "birth_date": dt.date(2014, 1, 1),
            "gender": "f", "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
            "class_id": group.id, "date": group.academic_year.starts_on, "order_number": f"m{i}"}, notify=False)
        parent = auth.create_user(f"mparent{group.id}x{i}", f"Родитель {i}", password=PASSWORD,
                                  must_change_password=False)
        auth.grant_role(parent, "parent", school=school, allowed_roles=ext.roles)
        people.link_guardian(kid, {"user_id": parent.id, "relation": "mother", "legal_representative": True})
