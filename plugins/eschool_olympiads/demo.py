"""Demo olympiads: ВсОШ school stages in three subjects with results, the municipal stage they lead to (the
qualified moved on), a regional stage, an olympiad students apply to themselves; some consents pending."""
from __future__ import annotations

import datetime as dt

from eschool.plugin_api import Guardian, db, local_today, utcnow
from eschool_olympiads import services
from eschool_olympiads.models import Olympiad, Registration

SUBJECTS = [("Математика", 50), ("Русский язык", 60), ("Биология", 40)]


def build(school, rng, log) -> None:
    if Olympiad.select().where(Olympiad.school == school.id).exists():
        return
    today = local_today()
    year = services.school_year(today)
    muni = school.municipality_id
    made = 0
    with db.atomic():
        for subject, max_score in SUBJECTS:
            municipal = Olympiad.get_or_none((Olympiad.municipality == muni) & Olympiad.school.is_null() &
                                             (Olympiad.subject == subject) & (Olympiad.stage == "municipal"))
            if municipal is None:
                municipal = services.create((None, muni), {
                    "title": f"ВсОШ по предмету «{subject}», муниципальный этап", "series": "ВсОШ",
                    "subject": subject, "stage": "municipal", "year": year, "grade_from": 7, "grade_to": 11,
                    "starts_on": today + dt.timedelta(days=rng.randint(5, 20)), "place": "Дворец творчества",
                    "max_score": max_score, "quota": 10})
            stage = services.create((school.id, None), {
                "title": f"ВсОШ по предмету «{subject}», школьный этап", "series": "ВсОШ", "subject": subject,
                "stage": "school", "year": year, "grade_from": 5, "grade_to": 11,
                "starts_on": today - dt.timedelta(days=rng.randint(3, 25)), "place": "Кабинет 21",
                "max_score": max_score, "passing_score": round(max_score * 0.6), "next_stage_id": municipal.id})
            students = services.eligible_students(stage, school)
            chosen = rng.sample(students, min(len(students), 12))
            for n, student in enumerate(chosen):
                reg = Registration.create(olympiad=stage, student=student, school=school.id,
                                          grade=student.class_grade)
                parent = Guardian.select().where(Guardian.student == student).first()
                if n < len(chosen) - 2:  # two consents still pending
                    reg.consent_by, reg.consent_at = (parent.user_id if parent else None), utcnow()
                    reg.score = round(rng.uniform(0.2, 1.0) * max_score, 1)
                    share = reg.score / max_score
                    reg.result = "winner" if share >= 0.85 else "prize_winner" if share >= 0.65 else "participant"
                reg.save()
                made += 1
            _promote_demo(stage)
        if not Olympiad.select().where(Olympiad.school.is_null() & Olympiad.municipality.is_null()).exists():
            services.create((None, None), {
                "title": "ВсОШ по математике, региональный этап", "series": "ВсОШ", "subject": "Математика",
                "stage": "regional", "year": year, "grade_from": 9, "grade_to": 11,
                "starts_on": today + dt.timedelta(days=60), "place": "Областной центр одарённых детей"})
        services.create((school.id, None), {
            "title": "Школьная олимпиада «Знатоки родного края»", "subject": "Краеведение", "stage": "school",
            "year": year, "grade_from": 5, "grade_to": 9, "self_apply": True,
            "starts_on": today + dt.timedelta(days=10), "place": "Актовый зал", "max_score": 30})
    log(f"olympiads: {made} registrations at {school.short_name}, municipal and regional stages")


def _promote_demo(stage) -> None:
    nxt = stage.next_stage
    for reg in services.qualified(stage):
        if not Registration.select().where((Registration.olympiad == nxt) &
                                           (Registration.student == reg.student_id)).exists():
            Registration.create(olympiad=nxt, student=reg.student_id, school=reg.school_id, grade=reg.grade,
                                consent_by=reg.consent_by_id, consent_at=reg.consent_at, promoted_from=reg.id)
    stage.promoted_at = utcnow()
    stage.save()
