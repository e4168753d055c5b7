"""The olympiads' rules: the catalogue, registration (nomination, self-application, parents' consent, quotas),
results by hand or from the organiser's file, moving the qualified on, statistics and the portfolio."""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    AcademicYear,
    ClassGroup,
    ClassMembership,
    ImportFileError,
    School,
    Scope,
    Student,
    TeachingAssignment,
    current_membership,
    db,
    has_permission,
    local_today,
    read_table,
    readable_students,
    safe_cell,
    scope_for_school,
    utcnow,
)
from eschool_olympiads.models import STAGES, Olympiad, Registration

VIEW, NOMINATE, MANAGE, CONFIRM, STATS = ("olympiads.view", "olympiads.nominate", "olympiads.manage",
                                          "olympiads.confirm", "olympiads.stats")
STAGE_LABELS = {"school": _l("school stage"), "municipal": _l("municipal stage"), "regional": _l("regional stage"),
                "final": _l("final stage")}
RESULT_LABELS = {"winner": _l("winner"), "prize_winner": _l("prize-winner"), "participant": _l("participant"),
                 "": _l("no result yet")}
ORGANISER_LABELS = {"school": _l("school"), "municipality": _l("municipality"), "region": _l("region")}
DIMENSIONS = ("school", "subject", "grade", "year", "stage")
RESULT_WORDS = {"winner": "winner", "победитель": "winner", "prize_winner": "prize_winner",
                "prize-winner": "prize_winner", "призёр": "prize_winner", "призер": "prize_winner",
                "participant": "participant", "участник": "participant", "": "participant"}
HEADERS = {"id": "id", "registration": "id", "регистрация": "id", "номер регистрации": "id", "№": "id",
           "score": "score", "балл": "score", "баллы": "score", "result": "result", "status": "result",
           "статус": "result", "результат": "result"}


class OlympiadError(ValueError):
    """Bad input or a refused step: ``fields`` names what; ``status`` 400, 403, 404 or 409."""

    def __init__(self, fields: dict, status: int = 400):
        super().__init__(str(fields))
        self.fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}
        self.status = status


# --------------------------------------------------------------------------- where an olympiad belongs


def scope_of(olympiad: Olympiad, region: str) -> Scope:
    if olympiad.school_id:
        return Scope(region, School.get_by_id(olympiad.school_id).municipality_id, olympiad.school_id)
    return Scope(region, olympiad.municipality_id, None)


def confirm_scope(olympiad: Olympiad, region: str) -> Scope:
    """Who confirms moving the qualified on: the municipality of a school or municipal stage; the region above."""
    scope = scope_of(olympiad, region)
    if olympiad.stage in ("regional", "final") or scope.municipality_id is None:
        return Scope(region)
    return Scope(region, scope.municipality_id, None)


def visible(scope: Scope):
    """The catalogue seen from a scope: the region's olympiads, its municipality's, its school's."""
    query = Olympiad.select()
    region_level = Olympiad.school.is_null() & Olympiad.municipality.is_null()
    if scope.school_id:
        return query.where(region_level | (Olympiad.school == scope.school_id) |
                           (Olympiad.school.is_null() & (Olympiad.municipality == scope.municipality_id)))
    if scope.municipality_id:
        schools = School.select(School.id).where(School.municipality == scope.municipality_id)
        return query.where(region_level | (Olympiad.municipality == scope.municipality_id) |
                           Olympiad.school.in_(schools))
    return query


def reaches(olympiad: Olympiad, school: School) -> bool:
    """A school's students may take part: the olympiad is the school's, its municipality's or the region's."""
    if olympiad.school_id:
        return olympiad.school_id == school.id
    if olympiad.municipality_id:
        return olympiad.municipality_id == school.municipality_id
    return True


def catalogue(scope: Scope, year: int | None = None, stage: str | None = None, subject: str | None = None):
    query = visible(scope)
    if year:
        query = query.where(Olympiad.year == year)
    if stage:
        query = query.where(Olympiad.stage == stage)
    if subject:
        query = query.where(Olympiad.subject == subject)
    return query.order_by(Olympiad.starts_on.desc(nulls="LAST"), Olympiad.id.desc())


def school_year(today: dt.date | None = None) -> int:
    today = today or local_today()
    return today.year if today.month >= 9 else today.year - 1


# --------------------------------------------------------------------------- the catalogue


def clean(data: dict) -> dict:
    errors: dict = {}
    out = {}
    for key, limit in (("title", 200), ("subject", 100)):
        value = str(data.get(key) or "").strip()
        if not value:
            errors[key] = [_("Fill this in.")]
        elif len(value) > limit:
            errors[key] = [_("At most %(n)s characters.", n=limit)]
        out[key] = value
    out["series"] = str(data.get("series") or "").strip()[:100]
    out["place"] = str(data.get("place") or "").strip()[:300]
    out["description"] = str(data.get("description") or "").strip()[:5000]
    stage = data.get("stage") or "school"
    if stage not in STAGES:
        errors["stage"] = [_("Choose one of: %(values)s.", values=", ".join(STAGES))]
    out["stage"] = stage
    for key, low, high, default in (("grade_from", 1, 11, 1), ("grade_to", 1, 11, 11),
                                    ("year", 2000, 2100, school_year())):
        value = data.get(key)
        if value in (None, ""):
            value = default
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[key] = [_("Give a whole number.")]
            continue
        if not low <= value <= high:
            errors[key] = [_("Give a number from %(low)s to %(high)s.", low=low, high=high)]
        out[key] = value
    if "grade_from" in out and "grade_to" in out and out["grade_from"] > out["grade_to"]:
        errors["grade_to"] = [_("The last grade comes after the first.")]
    for key in ("starts_on", "ends_on"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value) if value else None
            except ValueError:
                errors[key] = [_("Give a date as YYYY-MM-DD.")]
                value = None
        out[key] = value if isinstance(value, dt.date) else None
    for key in ("quota",):
        value = data.get(key)
        if value in (None, ""):
            out[key] = None
            continue
        try:
            out[key] = int(value)
            if not 1 <= out[key] <= 10000:
                raise ValueError
        except (TypeError, ValueError):
            errors[key] = [_("Give a number from %(low)s to %(high)s.", low=1, high=10000)]
    for key in ("max_score", "passing_score"):
        value = data.get(key)
        if value in (None, ""):
            out[key] = None
            continue
        try:
            out[key] = float(str(value).replace(",", "."))
            if not 0 <= out[key] <= 10000:
                raise ValueError
        except (TypeError, ValueError):
            errors[key] = [_("Give a number from %(low)s to %(high)s.", low=0, high=10000)]
    out["self_apply"] = bool(data.get("self_apply"))
    next_id = data.get("next_stage_id")
    out["next_stage"] = None
    if next_id not in (None, "", 0):
        nxt = Olympiad.get_or_none(Olympiad.id == next_id) if isinstance(next_id, int) or str(next_id).isdigit() \
            else None
        if nxt is None or nxt.subject != out.get("subject") or \
                STAGES.index(nxt.stage) <= STAGES.index(out.get("stage", "school")):
            errors["next_stage_id"] = [_("The next stage is an olympiad of the same subject at a later stage.")]
        else:
            out["next_stage"] = nxt.id
    if errors:
        raise OlympiadError(errors)
    return out


def create(owner: tuple[int | None, int | None], data: dict) -> Olympiad:
    values = clean(data)
    school_id, municipality_id = owner
    if school_id:
        municipality_id = School.get_by_id(school_id).municipality_id
    return Olympiad.create(school=school_id, municipality=municipality_id, **values)


def update(olympiad: Olympiad, data: dict) -> Olympiad:
    values = clean(data)
    if values["next_stage"] == olympiad.id:
        raise OlympiadError({"next_stage_id": [_("The next stage is an olympiad of the same subject at a later "
                                                 "stage.")]})
    for key, value in values.items():
        setattr(olympiad, key, value)
    olympiad.save()
    return olympiad


# --------------------------------------------------------------------------- registration


def _grade_of(student: Student) -> int | None:
    membership = current_membership(student)
    return membership.class_group.grade if membership is not None else None


def _check_entry(olympiad: Olympiad, student: Student) -> int:
    school = School.get_by_id(student.school_id)
    if not reaches(olympiad, school):
        raise OlympiadError({"student_ids": [_("%(name)s: this olympiad is not for the student's school.",
                                                name=_name(student))]}, status=403)
    grade = _grade_of(student)
    if grade is None or not olympiad.grade_from <= grade <= olympiad.grade_to:
        raise OlympiadError({"student_ids": [_("%(name)s: the olympiad is for grades %(low)s-%(high)s.",
                                                name=_name(student), low=olympiad.grade_from,
                                                high=olympiad.grade_to)]})
    return grade


def _name(student: Student) -> str:
    return f"{student.last_name} {student.first_name}"


def quota_left(olympiad: Olympiad, school_id: int) -> int | None:
    if olympiad.quota is None:
        return None
    used = Registration.select().where((Registration.olympiad == olympiad) & (Registration.school == school_id)).count()
    return max(olympiad.quota - used, 0)


def nominate(olympiad: Olympiad, student_ids, user, region: str) -> list[Registration]:
    """A teacher enters students of a school they work in; all or none (grades, quota, duplicates checked)."""
    if not isinstance(student_ids, list | tuple) or not student_ids:
        raise OlympiadError({"student_ids": [_("Choose the students.")]})
    wanted = [int(i) for i in student_ids if str(i).isdigit()]
    students = sorted(Student.select().where(Student.id.in_(wanted)), key=lambda s: wanted.index(s.id))  # as asked
    if len(students) != len(set(student_ids)):
        raise OlympiadError({"student_ids": [_("No such student.")]}, status=404)
    for student in students:
        if not has_permission(user, NOMINATE, scope_for_school(School.get_by_id(student.school_id))):
            raise OlympiadError({"student_ids": [_("No such student.")]}, status=404)
    return _enter(olympiad, students, nominated_by=user)


def _enter(olympiad, students, nominated_by=None, self_applied=False) -> list[Registration]:
    grades = {s.id: _check_entry(olympiad, s) for s in students}
    taken = {r.student_id for r in Registration.select(Registration.student).where(
        (Registration.olympiad == olympiad) & Registration.student.in_([s.id for s in students]))}
    if taken:
        raise OlympiadError({"student_ids": [_("Already registered: %(names)s.", names=", ".join(
            _name(s) for s in students if s.id in taken))]}, status=409)
    by_school = defaultdict(int)
    for s in students:
        by_school[s.school_id] += 1
    for school_id, n in by_school.items():
        left = quota_left(olympiad, school_id)
        if left is not None and n > left:
            raise OlympiadError({"student_ids": [_("The school's quota is %(quota)s; %(left)s places are left.",
                                                    quota=olympiad.quota, left=left)]}, status=409)
    with db.atomic():
        return [Registration.create(olympiad=olympiad, student=s, school=s.school_id, grade=grades[s.id],
                                    nominated_by=nominated_by, self_applied=self_applied) for s in students]


def own_student(user) -> Student | None:
    return Student.get_or_none(Student.user == user.id) if user is not None else None


def apply(olympiad: Olympiad, user) -> Registration:
    """A student applies themselves, where the olympiad allows it."""
    student = own_student(user)
    if student is None:
        raise OlympiadError({"olympiad": [_("Only a student applies themselves.")]}, status=403)
    if not olympiad.self_apply:
        raise OlympiadError({"olympiad": [_("Students are entered by their teachers for this olympiad.")]},
                            status=403)
    return _enter(olympiad, [student], self_applied=True)[0]


def children_of(user) -> list[Student]:
    return [s for s in readable_students(user) if s.user_id != user.id]


def consent(registration: Registration, user) -> Registration:
    """A parent agrees (152-FZ) to the results being published: the registration becomes final."""
    if registration.student_id not in {s.id for s in children_of(user)}:
        raise OlympiadError({"registration": [_("Only the student's parent gives this consent.")]}, status=404)
    registration.consent_by, registration.consent_at = user.id, utcnow()
    registration.save()
    return registration


def withdraw(registration: Registration) -> None:
    if registration.score is not None:
        raise OlympiadError({"registration": [_("A registration with a result is kept.")]}, status=409)
    registration.delete_instance()


# --------------------------------------------------------------------------- results


def _clean_result(olympiad: Olympiad, score, result) -> tuple[float | None, str]:
    errors = {}
    value = None
    if score not in (None, ""):
        try:
            value = float(str(score).replace(",", "."))
            if value < 0 or (olympiad.max_score is not None and value > olympiad.max_score):
                raise ValueError
        except (TypeError, ValueError):
            errors["score"] = [_("Give a score from 0 to %(max)s.", max=olympiad.max_score or "…")]
    word = RESULT_WORDS.get(str(result or "").strip().lower())
    if word is None:
        errors["result"] = [_("Choose winner, prize-winner or participant.")]
    if errors:
        raise OlympiadError(errors)
    return value, word


def set_result(registration: Registration, score, result) -> Registration:
    if not registration.final:
        raise OlympiadError({"registration": [_("No parent's consent yet: the result cannot be recorded.")]},
                            status=409)
    registration.score, registration.result = _clean_result(registration.olympiad, score, result)
    registration.save()
    return registration


def import_results(olympiad: Olympiad, data: bytes, filename: str) -> tuple[int, list[tuple[int, str, str]]]:
    """The organiser's CSV/XLSX (columns: registration id, score, result): every line checked; when any line
    is wrong nothing is written and the errors are returned by line and column."""
    try:
        table = read_table(data, filename)
    except ImportFileError as exc:
        return 0, [(0, "file", str(exc))]
    header = [HEADERS.get(" ".join(str(h).lower().split())) for h in table[0]]
    if "id" not in header or "score" not in header:
        return 0, [(1, "header", _("The file needs the columns: registration, score (and result)."))]
    regs = {r.id: r for r in Registration.select().where(Registration.olympiad == olympiad)}
    errors, updates, seen = [], [], set()
    for line, row in enumerate(table[1:], start=2):
        cells = dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
        raw_id = str(cells.get("id") or "").strip()
        reg = regs.get(int(raw_id)) if raw_id.isdigit() else None
        if reg is None:
            errors.append((line, "registration", _("No registration %(id)s in this olympiad.", id=raw_id)))
            continue
        if reg.id in seen:
            errors.append((line, "registration", _("Registration %(id)s appears twice.", id=raw_id)))
            continue
        seen.add(reg.id)
        if not reg.final:
            errors.append((line, "registration", _("No parent's consent yet: the result cannot be recorded.")))
            continue
        try:
            score, result = _clean_result(olympiad, cells.get("score"), cells.get("result", ""))
        except OlympiadError as exc:
            errors.extend((line, field, messages[0]) for field, messages in exc.fields.items())
            continue
        updates.append((reg.id, score, result))
    if errors:
        return 0, errors
    with db.atomic():
        for reg_id, score, result in updates:
            Registration.update(score=score, result=result).where(Registration.id == reg_id).execute()
    return len(updates), []


def qualified(olympiad: Olympiad) -> list[Registration]:
    """Final registrations scoring at least the passing score (to the next stage)."""
    if olympiad.passing_score is None:
        return []
    return list(Registration.select(Registration, Student).join(Student).where(
        (Registration.olympiad == olympiad) & Registration.consent_at.is_null(False) &
        (Registration.score >= olympiad.passing_score)).order_by(Registration.score.desc()))


def promote(olympiad: Olympiad, user) -> int:
    """The municipality (or the region) confirms: the qualified are registered at the next stage, their
    parents' consent carried over. Returns how many were moved on."""
    if olympiad.next_stage_id is None:
        raise OlympiadError({"next_stage_id": [_("Name the next stage first.")]}, status=409)
    if olympiad.passing_score is None:
        raise OlympiadError({"passing_score": [_("Set the passing score first.")]}, status=409)
    nxt = olympiad.next_stage
    moved = 0
    with db.atomic():
        taken = {r.student_id for r in Registration.select(Registration.student).where(Registration.olympiad == nxt)}
        for reg in qualified(olympiad):
            if reg.student_id in taken:
                continue
            Registration.create(olympiad=nxt, student=reg.student_id, school=reg.school_id, grade=reg.grade,
                                nominated_by=reg.nominated_by_id, consent_by=reg.consent_by_id,
                                consent_at=reg.consent_at, promoted_from=reg.id)
            moved += 1
        olympiad.promoted_at, olympiad.promoted_by = utcnow(), user.id
        olympiad.save()
    return moved


def registrations(olympiad: Olympiad, school_ids: list[int] | None = None):
    """The olympiad's registrations with their students and schools (one query), by school and name."""
    query = (Registration.select(Registration, Student, School).join(Student).switch(Registration).join(School)
             .where(Registration.olympiad == olympiad))
    if school_ids is not None:
        query = query.where(Registration.school.in_(school_ids or [0]))
    return query.order_by(School.short_name, Student.last_name, Student.first_name)


def eligible_students(olympiad: Olympiad, school: School) -> list[Student]:
    """A school's current students in the olympiad's grades, not yet registered (one query)."""
    taken = Registration.select(Registration.student).where(Registration.olympiad == olympiad)
    return list(Student.select(Student, ClassGroup.name.alias("class_name"), ClassGroup.grade.alias("class_grade"))
                .join(ClassMembership).join(ClassGroup).join(AcademicYear)
                .where((Student.school == school.id) & ClassMembership.ends_on.is_null() & AcademicYear.is_current &
                       (ClassGroup.grade >= olympiad.grade_from) & (ClassGroup.grade <= olympiad.grade_to) &
                       (Student.status == "studying") & Student.id.not_in(taken))
                .order_by(ClassGroup.grade, ClassGroup.name, Student.last_name).objects())


# --------------------------------------------------------------------------- statistics and portfolio


def _school_ids(scope: Scope) -> list[int] | None:
    if scope.school_id:
        return [scope.school_id]
    if scope.municipality_id:
        return [s.id for s in School.select(School.id).where(School.municipality == scope.municipality_id)]
    return None


def statistics(scope: Scope, by: str = "school", year: int | None = None, stage: str | None = None,
               subject: str | None = None, grade: int | None = None, school_id: int | None = None) -> list[dict]:
    """Participants, winners, prize-winners and the average score per school, subject, grade, year or stage,
    within the scope, ranked (winners, then prize-winners, then participants). One query."""
    key = {"school": Registration.school, "subject": Olympiad.subject, "grade": Registration.grade,
           "year": Olympiad.year, "stage": Olympiad.stage}[by if by in DIMENSIONS else "school"]
    query = (Registration.select(key.alias("key"), peewee.fn.COUNT(Registration.id).alias("n"),
                                 peewee.fn.SUM(peewee.Case(None, [(Registration.result == "winner", 1)], 0)).alias("w"),
                                 peewee.fn.SUM(peewee.Case(None, [(Registration.result == "prize_winner", 1)], 0))
                                 .alias("p"), peewee.fn.AVG(Registration.score).alias("avg"))
             .join(Olympiad).where(Registration.consent_at.is_null(False)))
    schools = _school_ids(scope)
    if schools is not None:
        query = query.where(Registration.school.in_(schools or [0]))
    if school_id:
        query = query.where(Registration.school == school_id)
    if year:
        query = query.where(Olympiad.year == year)
    if stage:
        query = query.where(Olympiad.stage == stage)
    if subject:
        query = query.where(Olympiad.subject == subject)
    if grade:
        query = query.where(Registration.grade == grade)
    rows = list(query.group_by(key).tuples())
    names = {}
    if by == "school" and rows:
        names = {s.id: s.short_name for s in School.select(School.id, School.short_name).where(
            School.id.in_([r[0] for r in rows]))}
    out = []
    for k, n, w, p, avg in rows:
        label = names.get(k, str(k)) if by == "school" else str(STAGE_LABELS.get(k, k)) if by == "stage" else str(k)
        out.append({"key": k, "label": label, "participants": n, "winners": int(w or 0), "prize_winners": int(p or 0),
                    "average": round(float(avg), 1) if avg is not None else None})
    out.sort(key=lambda r: (-r["winners"], -r["prize_winners"], -r["participants"], r["label"]))
    for rank, row in enumerate(out, start=1):
        row["rank"] = rank
    return out


def subjects(scope: Scope) -> list[str]:
    return [s for (s,) in visible(scope).select(Olympiad.subject).distinct().order_by(Olympiad.subject).tuples()]


def teacher_results(user) -> list[Registration]:
    """Results of a teacher's students: those they entered and those of the classes they teach (one query)."""
    classes = TeachingAssignment.select(TeachingAssignment.class_group).where(TeachingAssignment.teacher == user.id)
    taught = ClassMembership.select(ClassMembership.student).where(
        ClassMembership.class_group.in_(classes) & ClassMembership.ends_on.is_null())
    return list(Registration.select(Registration, Olympiad, Student).join(Olympiad).switch(Registration).join(Student)
                .where((Registration.nominated_by == user.id) | Registration.student.in_(taught))
                .order_by(Olympiad.year.desc(), Olympiad.starts_on.desc(nulls="LAST"), Student.last_name).limit(500))


def portfolio(student_ids: list[int]) -> list[Registration]:
    """The students' olympiads, newest first (one query): registrations with their olympiads."""
    if not student_ids:
        return []
    return list(Registration.select(Registration, Olympiad).join(Olympiad)
                .where(Registration.student.in_(student_ids))
                .order_by(Olympiad.year.desc(), Olympiad.starts_on.desc(nulls="LAST"), Olympiad.id.desc()))


def open_for_student(student: Student, scope: Scope) -> list[Olympiad]:
    """Olympiads a student may apply to themselves now (grade fits, not started, not registered)."""
    grade = _grade_of(student)
    if grade is None:
        return []
    taken = Registration.select(Registration.olympiad).where(Registration.student == student.id)
    today = local_today()
    return list(visible(scope).where(Olympiad.self_apply & (Olympiad.grade_from <= grade) &
                                     (Olympiad.grade_to >= grade) & Olympiad.id.not_in(taken) &
                                     (Olympiad.starts_on.is_null() | (Olympiad.starts_on >= today)))
                .order_by(Olympiad.starts_on))


# --------------------------------------------------------------------------- export


def statistics_xlsx(rows: list[dict], by: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(_("Statistics"))[:31]
    sheet.append([str(_("Rank")), str(_("Group")), str(_("Participants")), str(_("Winners")),
                  str(_("Prize-winners")), str(_("Average score"))])
    for r in rows:
        sheet.append([r["rank"], safe_cell(r["label"]), r["participants"], r["winners"], r["prize_winners"],
                      r["average"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
