"""``eschool demo``: a region with its municipalities, a demo school, and an account for every role."""
from __future__ import annotations

import random

from flask import current_app

from eschool.auth import services as auth
from eschool.auth.models import User
from eschool.db import db
from eschool.structure import services as structure
from eschool.structure.models import School

DEMO_PASSWORD = "demo-2026"

# (username, full name, role, level)
DEMO_PEOPLE = [
    ("region", "Оператор Региона", "region_operator", "region"),
    ("municipal", "Оператор Муниципалитета", "municipal_operator", "municipality"),
    ("admin", "Администратор Школы", "school_admin", "school"),
    ("director", "Директор Школы", "director", "school"),
    ("deputy", "Заместитель Директора", "deputy_director", "school"),
    ("classteacher", "Классный Руководитель", "class_teacher", "class"),
    ("teacher", "Учитель Предметник", "subject_teacher", "school"),
    ("secretary", "Секретарь Школы", "secretary", "school"),
    ("hrspec", "Специалист Кадров", "hr_specialist", "school"),
    ("medic", "Медицинский Работник", "medical_worker", "school"),
    ("psychologist", "Педагог Психолог", "psychologist", "school"),
    ("technician", "Технический Сотрудник", "technical_staff", "school"),
    ("student", "Ученик Демонстрационный", "student", "class"),
    ("parent", "Родитель Демонстрационный", "parent", "school"),
]


def build_demo(log=print, seed: int = 2026) -> dict:
    """Idempotent: running it twice leaves one demo school and one set of accounts."""
    ext = current_app.extensions["eschool"]
    region = ext.region
    munis = structure.sync_municipalities(region)
    muni = munis[0]
    rng = random.Random(seed)
    with db.atomic():
        school = School.get_or_none(School.short_name == "Демо-школа №1")
        if school is None:
            school = structure.create_school(
                muni, "Муниципальное бюджетное общеобразовательное учреждение «Демонстрационная школа №1»",
                "Демо-школа №1", address="ул. Школьная, 1", phone="+7 900 000-00-01", email="school1@example.org")
        accounts = []
        for username, full_name, role, level in DEMO_PEOPLE:
            if role not in ext.roles:
                continue  # an extra role this region does not have
            user = User.get_or_none(User.username == username)
            if user is None:
                user = auth.create_user(username, full_name, password=DEMO_PASSWORD, must_change_password=False)
            kwargs = {"region": {}, "municipality": {"municipality": muni}, "school": {"school": school},
                      "class": {"school": school, "class_group_id": 1}}[level]
            auth.grant_role(user, role, allowed_roles=ext.roles, **kwargs)
            accounts.append((username, role))
    from eschool.plugins.services import enabled_plugins, scope_for_school

    enabled = enabled_plugins(scope_for_school(school))
    ext.plugins.call_each("eschool_demo_data", only=enabled, school=school, rng=rng, log=log)
    return {"school": school, "municipalities": munis, "accounts": accounts, "password": DEMO_PASSWORD}
