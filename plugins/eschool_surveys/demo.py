"""Demo surveys (published without sending invitations: a demo fills nobody's inbox): a school's anonymous parents' survey with answers, a named staff survey, a draft, and a
municipal survey of the municipality's parents."""
from __future__ import annotations

import datetime as dt

from eschool.plugin_api import User, local_today
from eschool_surveys import services
from eschool_surveys.models import Survey

PARENTS = [
    {"title": "Питание и режим дня", "questions": [
        {"kind": "single", "text": "Ваш ребёнок обедает в школьной столовой?",
         "options": ["Каждый день", "Иногда", "Никогда"]},
        {"kind": "scale5", "text": "Оцените качество школьного питания"},
        {"kind": "multiple", "text": "Что стоит улучшить?", "required": False,
         "options": ["Меню", "Порции", "Время обеда", "Чистоту зала"]}]},
    {"title": "Обучение", "questions": [
        {"kind": "matrix", "text": "Насколько вы довольны", "options": ["Не доволен", "Скорее доволен", "Доволен"],
         "rows": ["Преподаванием", "Домашними заданиями", "Информацией в дневнике"]},
        {"kind": "scale10", "text": "Порекомендуете ли вы школу знакомым?"},
        {"kind": "text", "text": "Ваши предложения школе", "required": False}]},
]
STAFF = [{"title": "", "questions": [
    {"kind": "single", "text": "В какой день удобнее методическое объединение?",
     "options": ["Вторник", "Среда", "Четверг"]},
    {"kind": "text", "text": "Темы, которые вы хотели бы обсудить", "required": False}]}]
TEXTS = ["Больше кружков после уроков", "Спасибо учителям!", "Хотелось бы больше фруктов в меню",
         "Домашних заданий многовато", "Всё устраивает"]


def _answers(survey, rng) -> dict:
    out = {}
    for part in services.structure(survey):
        for q in part["questions"]:
            if q.kind == "single":
                out[str(q.id)] = rng.randrange(len(q.option_list))
            elif q.kind == "multiple":
                out[str(q.id)] = rng.sample(range(len(q.option_list)), rng.randint(1, 2))
            elif q.kind in ("scale5", "scale10"):
                out[str(q.id)] = rng.randint(max(1, q.scale_max - 3), q.scale_max)
            elif q.kind == "matrix":
                out[str(q.id)] = {str(r): rng.randrange(len(q.option_list)) for r in range(len(q.row_list))}
            elif rng.random() < 0.5:
                out[str(q.id)] = rng.choice(TEXTS)
    return out


def _fill(survey, rng, share: float, limit: int) -> int:
    from eschool_surveys.models import Invitee

    done = 0
    for invitee in Invitee.select().where(Invitee.survey == survey).limit(limit * 3):
        if done >= limit or rng.random() > share:
            continue
        user = User.get_by_id(invitee.user_id)
        kids = services.children_for(user, survey)
        try:
            services.submit(survey, user, _answers(survey, rng), child_id=kids[0].id if kids else None)
            done += 1
        except services.SurveyError:
            continue
    return done


def build(school, rng, log) -> None:
    if Survey.select().where(Survey.school == school.id).exists():
        return
    today = local_today()
    owner = (school.id, None)
    parents = services.create_survey(owner, {
        "title": "Удовлетворённость родителей школой", "anonymous": True, "per_child": False,
        "description": "Анонимный опрос: ответы хранятся отдельно от имён.",
        "opens_on": today - dt.timedelta(days=5), "closes_on": today + dt.timedelta(days=10),
        "audience": [{"kind": "school", "school_id": school.id, "who": ["parents"]}], "sections": PARENTS})
    services.publish(parents, link=f"/surveys/{parents.id}/answer", invite_now=False)
    n = _fill(parents, rng, 0.7, 60)
    staff = services.create_survey(owner, {
        "title": "Методическая неделя", "anonymous": False, "opens_on": today - dt.timedelta(days=2),
        "closes_on": today + dt.timedelta(days=5),
        "audience": [{"kind": "school", "school_id": school.id, "who": ["staff"]}], "sections": STAFF})
    services.publish(staff, link=f"/surveys/{staff.id}/answer", invite_now=False)
    m = _fill(staff, rng, 0.6, 20)
    services.create_survey(owner, {
        "title": "Выбор профиля обучения (черновик)", "anonymous": False,
        "audience": [{"kind": "parallel", "grade": 9, "who": ["students", "parents"]}],
        "sections": [{"title": "", "questions": [
            {"kind": "single", "text": "Какой профиль вы выбираете?",
             "options": ["Технологический", "Естественно-научный", "Гуманитарный", "Универсальный"]}]}]})
    muni_id = school.municipality_id
    if not Survey.select().where((Survey.municipality == muni_id) & Survey.school.is_null()).exists():
        municipal = services.create_survey((None, muni_id), {
            "title": "Муниципальный опрос родителей об организации питания", "anonymous": True,
            "opens_on": today - dt.timedelta(days=3), "closes_on": today + dt.timedelta(days=20),
            "audience": [{"kind": "municipality", "municipality_id": muni_id, "who": ["parents"]}],
            "sections": PARENTS[:1]})
        services.publish(municipal, link=f"/surveys/{municipal.id}/answer", invite_now=False)
        _fill(municipal, rng, 0.5, 40)
    log(f"surveys: 3 surveys at {school.short_name} ({n} parents' and {m} staff answers), one municipal")
