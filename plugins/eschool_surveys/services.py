"""The surveys' rules: building a questionnaire, its audience, answering, results and export (no Flask here)."""
from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    AcademicYear,
    Audience,
    ClassGroup,
    Municipality,
    School,
    Scope,
    User,
    current_membership,
    db,
    has_permission,
    local_today,
    notify,
    readable_students,
    resolve_audience,
    safe_cell,
    user_assignments,
    utcnow,
)
from eschool_surveys.models import KINDS, Answer, Invitee, Participation, Question, Response, Section, Survey

MANAGE = "surveys.manage"
RESULTS = "surveys.results"
ANSWER = "surveys.answer"
#: Below this many answers a group's results of an anonymous survey are not shown (a class, a school).
MIN_GROUP = 5
#: Free-text answers a results page lists per question (the export has them all).
TEXTS_ON_PAGE = 100
WHO = ("students", "parents", "teachers", "staff")
ROLES = ("student", "parent", "class_teacher", "subject_teacher", "school_admin", "director", "deputy_director",
         "secretary")

KIND_LABELS = {"single": _l("Single choice"), "multiple": _l("Multiple choice"), "scale5": _l("Scale 1-5"),
               "scale10": _l("Scale 1-10"), "text": _l("Free text"), "matrix": _l("Matrix")}
WHO_LABELS = {"students": _l("students"), "parents": _l("parents"), "teachers": _l("teachers"),
              "staff": _l("staff")}
STATE_LABELS = {"draft": _l("Draft"), "scheduled": _l("Scheduled"), "open": _l("Accepting answers"),
                "closed": _l("Answers closed")}


class SurveyError(ValueError):
    """Bad input: ``fields`` maps each field to its messages; nothing was changed."""

    def __init__(self, fields: dict, status: int = 400):
        super().__init__(str(fields))
        self.fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}
        self.status = status


# --------------------------------------------------------------------------- where a survey belongs


def scope_of(survey: Survey, region: str) -> Scope:
    if survey.school_id:
        school = School.get_by_id(survey.school_id)
        return Scope(region, school.municipality_id, school.id)
    return Scope(region, survey.municipality_id, None)


def may_manage(user, survey: Survey, region: str) -> bool:
    return has_permission(user, MANAGE, scope_of(survey, region))


def may_see_results(user, survey: Survey, region: str) -> bool:
    return has_permission(user, RESULTS, scope_of(survey, region))


def owner_name(survey: Survey) -> str:
    if survey.school_id:
        return survey.school.short_name
    if survey.municipality_id:
        return survey.municipality.name_ru
    return str(_("Region"))


def state(survey: Survey, today: dt.date | None = None) -> str:
    """``draft``, ``scheduled`` (published, not yet open), ``open`` or ``closed``."""
    today = today or local_today()
    if not survey.published:
        return "draft"
    if survey.closed or (survey.closes_on and today > survey.closes_on):
        return "closed"
    if survey.opens_on and today < survey.opens_on:
        return "scheduled"
    return "open"


def managed(school_id: int | None = None, municipality_id: int | None = None):
    """The surveys a school, a municipality or (neither) the region runs, newest first."""
    query = Survey.select()
    if school_id:
        query = query.where(Survey.school == school_id)
    elif municipality_id:
        query = query.where(Survey.municipality == municipality_id, Survey.school.is_null())
    else:
        query = query.where(Survey.school.is_null(), Survey.municipality.is_null())
    return query.order_by(Survey.id.desc())


def response_counts(survey_ids) -> dict[int, int]:
    if not survey_ids:
        return {}
    rows = (Response.select(Response.survey, peewee.fn.COUNT(Response.id).alias("n"))
            .where(Response.survey.in_(list(survey_ids))).group_by(Response.survey).tuples())
    return dict(rows)


# --------------------------------------------------------------------------- building


def _clean_list(values, field: str, errors: dict, at_least: int = 0) -> list[str]:
    if isinstance(values, str):
        values = values.splitlines()
    if not isinstance(values, list | tuple):
        errors[field] = [_("Give a list of lines.")]
        return []
    cleaned = [str(v).strip()[:200] for v in values if str(v).strip()]
    if len(cleaned) < at_least:
        errors[field] = [_("Give at least %(n)s lines.", n=at_least)]
    if len(cleaned) > 30:
        errors[field] = [_("At most 30 lines.")]
    return cleaned


def clean_question(data: dict) -> dict:
    """A question's fields checked (kind, text, options, rows); raises SurveyError naming the fields."""
    errors: dict = {}
    kind = data.get("kind")
    if kind not in KINDS:
        errors["kind"] = [_("Choose one of: %(kinds)s.", kinds=", ".join(KINDS))]
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = [_("Write the question.")]
    elif len(text) > 500:
        errors["text"] = [_("At most 500 characters.")]
    options = rows = []
    if kind in ("single", "multiple", "matrix"):
        options = _clean_list(data.get("options") or [], "options", errors, at_least=2)
    if kind == "matrix":
        rows = _clean_list(data.get("rows") or [], "rows", errors, at_least=1)
    if errors:
        raise SurveyError(errors)
    return {"kind": kind, "text": text, "required": bool(data.get("required", True)), "options": options,
            "rows": rows}


def clean_settings(data: dict, survey_level: str) -> dict:
    errors: dict = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the survey a title.")]
    elif len(title) > 200:
        errors["title"] = [_("At most 200 characters.")]
    description = str(data.get("description") or "").strip()[:5000]
    dates = {}
    for key in ("opens_on", "closes_on"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value) if value else None
            except ValueError:
                errors[key] = [_("Give a date as YYYY-MM-DD.")]
                value = None
        elif value is not None and not isinstance(value, dt.date):
            errors[key] = [_("Give a date as YYYY-MM-DD.")]
            value = None
        dates[key] = value
    if dates["opens_on"] and dates["closes_on"] and dates["closes_on"] < dates["opens_on"]:
        errors["closes_on"] = [_("The survey cannot close before it opens.")]
    if errors:
        raise SurveyError(errors)
    return {"title": title, "description": description, "anonymous": bool(data.get("anonymous", True)),
            "per_child": bool(data.get("per_child", False)), "reminders": bool(data.get("reminders", True)),
            **dates}


def _current_classes(school_ids):
    return (ClassGroup.select(ClassGroup.id, ClassGroup.grade, ClassGroup.name, ClassGroup.school)
            .join(AcademicYear).where(ClassGroup.school.in_(school_ids) & AcademicYear.is_current)
            .order_by(ClassGroup.grade, ClassGroup.name))


def owner_school_ids(survey_or_owner) -> list[int] | None:
    """The schools a survey may reach: its school, its municipality's, or None (the whole region)."""
    school_id, municipality_id = survey_or_owner
    if school_id:
        return [school_id]
    if municipality_id:
        return [s.id for s in School.select(School.id).where(School.municipality == municipality_id)]
    return None


def clean_audience(items, owner: tuple[int | None, int | None]) -> list[dict]:
    """The audience items checked against where the survey belongs; SurveyError names ``audience``."""
    if not isinstance(items, list | tuple) or not items:
        raise SurveyError({"audience": [_("Choose who is asked.")]})
    schools = owner_school_ids(owner)
    cleaned, problems = [], []
    for item in items[:50]:
        if not isinstance(item, dict):
            problems.append(_("Each audience item is an object."))
            continue
        kind = item.get("kind")
        who = [w for w in (item.get("who") or []) if w in WHO] if isinstance(item.get("who"), list) else []
        if kind == "role":
            if item.get("role") not in ROLES:
                problems.append(_("Unknown role."))
                continue
            cleaned.append({"kind": "role", "role": item["role"]})
            continue
        if not who:
            problems.append(_("Choose whom in the group: students, parents, teachers or staff."))
            continue
        if kind == "parallel":
            try:
                grade = int(item.get("grade"))
            except (TypeError, ValueError):
                grade = 0
            if not 1 <= grade <= 11:
                problems.append(_("A parallel is a grade from 1 to 11."))
                continue
            cleaned.append({"kind": "parallel", "grade": grade, "who": who})
        elif kind == "class":
            class_id = item.get("class_id")
            group = ClassGroup.get_or_none(ClassGroup.id == class_id) if isinstance(class_id, int) else None
            if group is None or (schools is not None and group.school_id not in schools):
                problems.append(_("No such class here."))
                continue
            cleaned.append({"kind": "class", "class_id": group.id, "who": who})
        elif kind == "school":
            school_id = item.get("school_id") or owner[0]
            if not isinstance(school_id, int) or (schools is not None and school_id not in schools) or \
                    School.get_or_none(School.id == school_id) is None:
                problems.append(_("No such school here."))
                continue
            cleaned.append({"kind": "school", "school_id": school_id, "who": who})
        elif kind == "municipality" and not owner[0]:
            muni_id = item.get("municipality_id") or owner[1]
            if not isinstance(muni_id, int) or (owner[1] and muni_id != owner[1]) or \
                    Municipality.get_or_none(Municipality.id == muni_id) is None:
                problems.append(_("No such municipality here."))
                continue
            cleaned.append({"kind": "municipality", "municipality_id": muni_id, "who": who})
        elif kind == "region" and not owner[0] and not owner[1]:
            cleaned.append({"kind": "region", "who": who})
        else:
            problems.append(_("This audience is not available for this survey."))
    if problems:
        raise SurveyError({"audience": problems})
    return cleaned


def to_audience(survey: Survey) -> Audience | None:
    owner = (survey.school_id, survey.municipality_id)
    schools = owner_school_ids(owner)
    parts: list[Audience] = []
    for item in survey.audience_items:
        kind = item["kind"]
        if kind == "role":
            if survey.school_id:
                parts.append(Audience.with_role(item["role"], school_id=survey.school_id))
            elif survey.municipality_id:
                parts.append(Audience.with_role(item["role"], municipality_id=survey.municipality_id))
            else:
                parts.append(Audience.with_role(item["role"]))
        elif kind == "parallel":
            query = (ClassGroup.select(ClassGroup.id).join(AcademicYear)
                     .where((ClassGroup.grade == item["grade"]) & AcademicYear.is_current))
            if schools is not None:
                query = query.where(ClassGroup.school.in_(schools))
            parts.extend(Audience.of_class(c.id, *_class_who(item["who"])) for c in query)
        elif kind == "class":
            parts.append(Audience.of_class(item["class_id"], *_class_who(item["who"])))
        elif kind == "school":
            parts.append(Audience.school(item["school_id"], *item["who"]))
        elif kind == "municipality":
            parts.append(Audience.municipality(item["municipality_id"], *item["who"]))
        elif kind == "region":
            parts.append(Audience.region(*item["who"]))
    if not parts:
        return None
    audience = parts[0]
    for part in parts[1:]:
        audience = audience | part
    return audience


def _class_who(who):
    return tuple(w if w != "staff" else "teachers" for w in who) or ("students",)


def describe_audience(survey: Survey) -> list[str]:
    """The audience in words, for pages."""
    class_names = {c.id: c.name for c in ClassGroup.select(ClassGroup.id, ClassGroup.name).where(
        ClassGroup.id.in_([i["class_id"] for i in survey.audience_items if i["kind"] == "class"] or [0]))}
    out = []
    for item in survey.audience_items:
        who = ", ".join(str(WHO_LABELS.get(w, w)) for w in item.get("who", []))
        if item["kind"] == "role":
            out.append(_("role: %(role)s", role=item["role"]))
        elif item["kind"] == "parallel":
            out.append(_("grade %(grade)s: %(who)s", grade=item["grade"], who=who))
        elif item["kind"] == "class":
            out.append(_("class %(name)s: %(who)s", name=class_names.get(item["class_id"], "?"), who=who))
        elif item["kind"] == "school":
            out.append(_("the school: %(who)s", who=who))
        elif item["kind"] == "municipality":
            out.append(_("the municipality's schools: %(who)s", who=who))
        else:
            out.append(_("the region's schools: %(who)s", who=who))
    return out


def create_survey(owner: tuple[int | None, int | None], data: dict, user=None) -> Survey:
    """A draft from the settings, the audience and (optionally) sections with their questions."""
    errors: dict = {}
    settings = audience = None
    try:
        settings = clean_settings(data, "school")
    except SurveyError as exc:
        errors.update(exc.fields)
    try:
        audience = clean_audience(data.get("audience"), owner)
    except SurveyError as exc:
        errors.update(exc.fields)
    sections = _clean_sections(data.get("sections") or [], errors)
    if errors:
        raise SurveyError(errors)
    with db.atomic():
        survey = Survey.create(school=owner[0], municipality=owner[1] if not owner[0] else
                               School.get_by_id(owner[0]).municipality_id, audience=json.dumps(audience),
                               created_by=user, **settings)
        _write_sections(survey, sections)
    return survey


def _clean_sections(sections, errors: dict) -> list[dict]:
    if not isinstance(sections, list):
        errors["sections"] = [_("Give a list of sections.")]
        return []
    out = []
    for s_index, section in enumerate(sections[:30]):
        if not isinstance(section, dict):
            errors[f"sections.{s_index}"] = [_("Each section is an object.")]
            continue
        questions = []
        for q_index, question in enumerate((section.get("questions") or [])[:100]):
            try:
                questions.append(clean_question(question if isinstance(question, dict) else {}))
            except SurveyError as exc:
                for field, messages in exc.fields.items():
                    errors[f"sections.{s_index}.questions.{q_index}.{field}"] = messages
        out.append({"title": str(section.get("title") or "").strip()[:200],
                    "description": str(section.get("description") or "").strip()[:2000], "questions": questions})
    return out


def _write_sections(survey: Survey, sections: list[dict]) -> None:
    position = 0
    for s_pos, section in enumerate(sections):
        row = Section.create(survey=survey, position=s_pos, title=section["title"] or "",
                             description=section["description"])
        for question in section["questions"]:
            position += 1
            Question.create(survey=survey, section=row, position=position, kind=question["kind"],
                            text=question["text"], required=question["required"],
                            options=json.dumps(question["options"], ensure_ascii=False),
                            rows=json.dumps(question["rows"], ensure_ascii=False))


def has_answers(survey: Survey) -> bool:
    return Participation.select().where(Participation.survey == survey).exists()


def _editable(survey: Survey) -> None:
    if has_answers(survey):
        raise SurveyError({"survey": [_("The survey has answers: its questions can no longer change. "
                                        "Copy it to make a new version.")]}, status=409)


def update_settings(survey: Survey, data: dict) -> Survey:
    errors: dict = {}
    settings = audience = None
    try:
        settings = clean_settings(data, survey.level)
    except SurveyError as exc:
        errors.update(exc.fields)
    if "audience" in data:
        try:
            audience = clean_audience(data.get("audience"), (survey.school_id, survey.municipality_id))
        except SurveyError as exc:
            errors.update(exc.fields)
    if errors:
        raise SurveyError(errors)
    if has_answers(survey) and settings["anonymous"] != survey.anonymous:
        raise SurveyError({"anonymous": [_("The survey has answers: anonymity can no longer change.")]}, status=409)
    for key, value in settings.items():
        setattr(survey, key, value)
    if audience is not None:
        survey.audience = json.dumps(audience)
    survey.save()
    if audience is not None and survey.published:
        refresh_invitees(survey)
    return survey


def replace_structure(survey: Survey, sections) -> Survey:
    _editable(survey)
    errors: dict = {}
    cleaned = _clean_sections(sections, errors)
    if errors:
        raise SurveyError(errors)
    with db.atomic():
        Question.delete().where(Question.survey == survey).execute()
        Section.delete().where(Section.survey == survey).execute()
        _write_sections(survey, cleaned)
    return survey


def structure(survey: Survey) -> list[dict]:
    """Sections in order, each with its questions (two queries)."""
    sections = list(Section.select().where(Section.survey == survey).order_by(Section.position, Section.id))
    questions = list(Question.select().where(Question.survey == survey).order_by(Question.position, Question.id))
    by_section = defaultdict(list)
    for q in questions:
        by_section[q.section_id].append(q)
    out = [{"section": s, "questions": by_section.pop(s.id, [])} for s in sections]
    loose = [q for qs in by_section.values() for q in qs]
    if loose:
        out.insert(0, {"section": None, "questions": loose})
    return out


def add_section(survey: Survey, title: str, description: str = "") -> Section:
    _editable(survey)
    title = (title or "").strip()
    if not title:
        raise SurveyError({"title": [_("Give the section a title.")]})
    last = Section.select(peewee.fn.MAX(Section.position)).where(Section.survey == survey).scalar() or 0
    return Section.create(survey=survey, position=last + 1, title=title[:200], description=(description or "")[:2000])


def delete_section(survey: Survey, section_id: int) -> None:
    _editable(survey)
    Section.delete().where((Section.id == section_id) & (Section.survey == survey)).execute()


def add_question(survey: Survey, data: dict, section_id: int | None = None) -> Question:
    _editable(survey)
    cleaned = clean_question(data)
    section = None
    if section_id:
        section = Section.get_or_none((Section.id == section_id) & (Section.survey == survey))
        if section is None:
            raise SurveyError({"section": [_("No such section in this survey.")]})
    last = Question.select(peewee.fn.MAX(Question.position)).where(Question.survey == survey).scalar() or 0
    return Question.create(survey=survey, section=section, position=last + 1, kind=cleaned["kind"],
                           text=cleaned["text"], required=cleaned["required"],
                           options=json.dumps(cleaned["options"], ensure_ascii=False),
                           rows=json.dumps(cleaned["rows"], ensure_ascii=False))


def update_question(survey: Survey, question_id: int, data: dict) -> Question:
    _editable(survey)
    question = Question.get_or_none((Question.id == question_id) & (Question.survey == survey))
    if question is None:
        raise SurveyError({"question": [_("No such question in this survey.")]}, status=404)
    cleaned = clean_question(data)
    question.kind, question.text, question.required = cleaned["kind"], cleaned["text"], cleaned["required"]
    question.options = json.dumps(cleaned["options"], ensure_ascii=False)
    question.rows = json.dumps(cleaned["rows"], ensure_ascii=False)
    question.save()
    return question


def delete_question(survey: Survey, question_id: int) -> None:
    _editable(survey)
    Question.delete().where((Question.id == question_id) & (Question.survey == survey)).execute()


def move_question(survey: Survey, question_id: int, step: int) -> None:
    """Swap a question with its neighbour (step -1: up, +1: down) in the survey's order."""
    questions = [q for part in structure(survey) for q in part["questions"]]
    index = next((i for i, q in enumerate(questions) if q.id == question_id), None)
    if index is None or not 0 <= index + step < len(questions):
        return
    a, b = questions[index], questions[index + step]
    with db.atomic():
        if a.section_id != b.section_id:
            a.section = b.section_id
        for pos, q in enumerate(questions):
            q.position = pos
        questions[index], questions[index + step] = b, a
        for pos, q in enumerate(questions):
            Question.update(position=pos, section=q.section_id).where(Question.id == q.id).execute()


def copy_survey(survey: Survey, user=None) -> Survey:
    """A new draft with the same settings, audience, sections and questions (no answers, no dates)."""
    parts = structure(survey)
    with db.atomic():
        new = Survey.create(school=survey.school_id, municipality=survey.municipality_id,
                            title=(_("Copy: %(title)s", title=survey.title))[:200], description=survey.description,
                            anonymous=survey.anonymous, per_child=survey.per_child, audience=survey.audience,
                            reminders=survey.reminders, created_by=user)
        section_map = {}
        for part in parts:
            s = part["section"]
            if s is not None:
                section_map[s.id] = Section.create(survey=new, position=s.position, title=s.title,
                                                   description=s.description)
            for q in part["questions"]:
                Question.create(survey=new, section=section_map.get(q.section_id), position=q.position, kind=q.kind,
                                text=q.text, required=q.required, options=q.options, rows=q.rows)
    return new


def delete_survey(survey: Survey) -> None:
    if survey.published and has_answers(survey):
        raise SurveyError({"survey": [_("A survey with answers is closed, not deleted.")]}, status=409)
    with db.atomic():
        Participation.delete().where(Participation.survey == survey).execute()
        survey.delete_instance(recursive=True)


# --------------------------------------------------------------------------- running


def refresh_invitees(survey: Survey) -> int:
    """Resolve the audience now and remember who it names (new people added; nobody removed)."""
    audience = to_audience(survey)
    ids = resolve_audience(audience) if audience is not None else set()
    known = {i for (i,) in Invitee.select(Invitee.user).where(Invitee.survey == survey).tuples()}
    new = sorted(ids - known)
    with db.atomic():
        for start in range(0, len(new), 500):
            Invitee.insert_many([{"survey": survey.id, "user": u} for u in new[start:start + 500]]).execute()
        survey.invited_count = len(known | ids)
        Survey.update(invited_count=survey.invited_count).where(Survey.id == survey.id).execute()
    return len(new)


def publish(survey: Survey, actor=None, link: str = "", invite_now: bool = True) -> Survey:
    errors = {}
    if not Question.select().where(Question.survey == survey).exists():
        errors["questions"] = [_("Add at least one question.")]
    if not survey.audience_items:
        errors["audience"] = [_("Choose who is asked.")]
    if survey.closes_on and survey.closes_on < local_today():
        errors["closes_on"] = [_("The closing date has passed.")]
    if errors:
        raise SurveyError(errors)
    survey.published, survey.closed = True, False
    survey.save()
    refresh_invitees(survey)
    if invite_now and state(survey) == "open":
        invite(survey, link)
    return survey


def invite(survey: Survey, link: str = "") -> int:
    ids = [i for (i,) in Invitee.select(Invitee.user).where(Invitee.survey == survey).tuples()]
    if not ids:
        return 0
    notify(Audience.users(*ids), "surveys.invitation", {"title": survey.title,
                                                        "closes_on": survey.closes_on.isoformat()
                                                        if survey.closes_on else ""}, link=link)
    return len(ids)


def close(survey: Survey) -> Survey:
    survey.closed = True
    survey.save()
    return survey


def not_answered(survey: Survey) -> list[int]:
    """Invitees who have not answered (for parents answering per child: no answer at all)."""
    answered = Participation.select(Participation.user).where(Participation.survey == survey)
    return [i for (i,) in Invitee.select(Invitee.user).where(
        (Invitee.survey == survey) & Invitee.user.not_in(answered)).tuples()]


def remind(survey: Survey, link: str = "") -> int:
    ids = not_answered(survey)
    if ids:
        notify(Audience.users(*ids), "surveys.reminder", {"title": survey.title, "closes_on":
                                                          survey.closes_on.isoformat() if survey.closes_on else ""},
               link=link)
    Survey.update(last_reminded_on=local_today()).where(Survey.id == survey.id).execute()
    return len(ids)


def remind_due(every_days: int = 3) -> int:
    """The periodic task: each open survey with reminders on, at most every ``every_days`` days,
    refreshes its invitees and reminds those who have not answered. Returns the people reminded."""
    today = local_today()
    total = 0
    for survey in Survey.select().where(Survey.published & ~Survey.closed & Survey.reminders):
        if state(survey, today) != "open":
            continue
        if survey.last_reminded_on and (today - survey.last_reminded_on).days < every_days:
            continue
        refresh_invitees(survey)
        total += remind(survey, link=f"/surveys/{survey.id}/answer")
    return total


def open_for(user) -> list[dict]:
    """The open surveys the user is asked, each with whether (and for which children) it is answered."""
    today = local_today()
    surveys = list(Survey.select().join(Invitee, on=(Invitee.survey == Survey.id)).where(
        (Invitee.user == user.id) & Survey.published & ~Survey.closed).order_by(Survey.id.desc()))
    surveys = [s for s in surveys if state(s, today) == "open"]
    done = defaultdict(set)
    if surveys:
        for survey_id, child in Participation.select(Participation.survey, Participation.child).where(
                (Participation.user == user.id) & Participation.survey.in_([s.id for s in surveys])).tuples():
            done[survey_id].add(child)
    out = []
    for s in surveys:
        targets = children_for(user, s)
        pending = [c for c in targets if c.id not in done[s.id]] if targets else ([] if done[s.id] else [None])
        out.append({"survey": s, "answered": not pending, "pending": pending})
    return out


def is_invited(user, survey: Survey) -> bool:
    return Invitee.select().where((Invitee.survey == survey) & (Invitee.user == user.id)).exists()


def children_for(user, survey: Survey) -> list:
    """The children a parent answers for (a survey answered per child), within the survey's schools."""
    if not survey.per_child or "parent" not in {a.role for a in user_assignments(user)}:
        return []
    schools = owner_school_ids((survey.school_id, survey.municipality_id))
    kids = [k for k in readable_students(user) if k.user_id != user.id]
    return [k for k in kids if schools is None or k.school_id in schools]


def _group_of(user, survey: Survey, child) -> tuple[int | None, int | None]:
    """The school and class a response is counted in (for filters), never who gave it."""
    schools = owner_school_ids((survey.school_id, survey.municipality_id))
    students = [child] if child is not None else [k for k in readable_students(user)]
    for student in students:
        if schools is not None and student.school_id not in schools:
            continue
        membership = current_membership(student)
        if membership is not None:
            return membership.class_group.school_id, membership.class_group_id
        return student.school_id, None
    for a in user_assignments(user):
        if a.school_id and (schools is None or a.school_id in schools):
            return a.school_id, None
    return None, None


def clean_answers(survey: Survey, answers) -> list[dict]:
    """The submitted answers checked against the questions: a list of answer rows, or SurveyError naming
    each question (``q<id>``)."""
    if not isinstance(answers, dict):
        raise SurveyError({"answers": [_("Send the answers as an object keyed by question id.")]})
    questions = list(Question.select().where(Question.survey == survey))
    rows, errors = [], {}
    for q in questions:
        value = answers.get(str(q.id), answers.get(q.id))
        field = f"q{q.id}"
        empty = value is None or value == "" or value == [] or value == {}
        if empty:
            if q.required:
                errors[field] = [_("Answer this question.")]
            continue
        try:
            rows.extend(_answer_rows(q, value))
        except (TypeError, ValueError):
            errors[field] = [_("This answer does not fit the question.")]
    if errors:
        raise SurveyError(errors)
    return rows


def _answer_rows(q: Question, value) -> list[dict]:
    n = len(q.option_list)
    if q.kind == "single":
        choice = int(value)
        if not 0 <= choice < n:
            raise ValueError
        return [{"question": q.id, "choice": choice}]
    if q.kind == "multiple":
        values = value if isinstance(value, list) else [value]
        choices = sorted({int(v) for v in values})
        if not choices or any(not 0 <= c < n for c in choices):
            raise ValueError
        return [{"question": q.id, "choice": c} for c in choices]
    if q.kind in ("scale5", "scale10"):
        choice = int(value)
        if not 1 <= choice <= q.scale_max:
            raise ValueError
        return [{"question": q.id, "choice": choice}]
    if q.kind == "text":
        if not isinstance(value, str):
            raise ValueError
        text = value.strip()[:5000]
        return [{"question": q.id, "text": text}] if text else []
    if q.kind == "matrix":
        if not isinstance(value, dict):
            raise ValueError
        out = []
        for row_key, col in value.items():
            row, choice = int(row_key), int(col)
            if not 0 <= row < len(q.row_list) or not 0 <= choice < n:
                raise ValueError
            out.append({"question": q.id, "row": row, "choice": choice})
        if q.required and len(out) < len(q.row_list):
            raise ValueError
        return out
    raise ValueError


def submit(survey: Survey, user, answers, child_id: int | None = None) -> Response:
    """Record one filled questionnaire. Anonymous: the participation and the response are written apart,
    with nothing that ties them (random ids, no times, no person on the response)."""
    if state(survey) != "open":
        raise SurveyError({"survey": [_("The survey is not open.")]}, status=409)
    if not is_invited(user, survey):
        raise SurveyError({"survey": [_("You are not asked in this survey.")]}, status=403)
    kids = children_for(user, survey)
    child = None
    if kids:
        child = next((k for k in kids if k.id == child_id), None)
        if child is None:
            raise SurveyError({"child_id": [_("Choose one of your children.")]})
    elif child_id:
        raise SurveyError({"child_id": [_("This survey is not answered per child.")]})
    rows = clean_answers(survey, answers)
    school_id, class_id = _group_of(user, survey, child)
    try:
        with db.atomic():
            participation = Participation.create(survey=survey, user=user.id, child=child.id if child else 0)
            response = Response.create(survey=survey, school_id=school_id, class_id=class_id)
            if rows:
                Answer.insert_many([{"response": response.id, "row": None, "choice": None, "text": None,
                                     "school_id": school_id, **r} for r in rows]).execute()
            if not survey.anonymous:
                Participation.update(response=response.id, submitted_at=utcnow()).where(
                    Participation.id == participation.id).execute()
    except peewee.IntegrityError:
        raise SurveyError({"survey": [_("You have already answered this survey.")]}, status=409) from None
    return response


# --------------------------------------------------------------------------- results


def _filtered(query, survey: Survey, school_id=None, class_id=None):
    query = query.where(Response.survey == survey)
    if school_id:
        query = query.where(Response.school_id == school_id)
    if class_id:
        query = query.where(Response.class_id == class_id)
    return query


def results(survey: Survey, school_id: int | None = None, class_id: int | None = None,
            texts_limit: int | None = TEXTS_ON_PAGE) -> dict:
    """Counts and percentages per question, free texts, the response rate; for an anonymous survey a
    filtered group of fewer than MIN_GROUP answers is not shown. Queries do not grow with the answers."""
    grouped = bool(school_id or class_id)
    total = _filtered(Response.select(), survey, school_id, class_id).count()
    parts = structure(survey)
    out = {"total": total, "invited": survey.invited_count, "grouped": grouped,
           "rate": round(100.0 * _participants(survey) / survey.invited_count, 1) if survey.invited_count else None,
           "hidden": survey.anonymous and grouped and total < MIN_GROUP, "sections": []}
    if out["hidden"]:
        return out
    questions = [q for p in parts for q in p["questions"]]
    counts = defaultdict(int)
    for question_id, row, choice, n in _grouped_counts(survey, [q.id for q in questions], school_id, class_id):
        counts[(question_id, row, choice)] += n
    respondents = _respondents(survey, questions, counts, school_id, class_id)
    texts = _texts(survey, [q for q in questions if q.kind == "text"], school_id, class_id, texts_limit)
    for part in parts:
        items = []
        for q in part["questions"]:
            items.append(_question_result(q, counts, respondents.get(q.id, 0), texts.get(q.id, [])))
        out["sections"].append({"section": part["section"], "questions": items})
    return out


def _grouped_counts(survey, question_ids, school_id=None, class_id=None):
    """(question, row, choice, count) of the chosen answers: over the answers' own index when the whole
    survey is asked for, joined to the responses for a school or a class."""
    query = Answer.select(Answer.question, Answer.row, Answer.choice, peewee.fn.COUNT(Answer.id)).where(
        Answer.question.in_(question_ids or [0]) & Answer.choice.is_null(False))
    if school_id or class_id:
        query = _filtered(query.join(Response), survey, school_id, class_id)
    return query.group_by(Answer.question, Answer.row, Answer.choice).tuples()


def _respondents(survey, questions, counts, school_id=None, class_id=None) -> dict[int, int]:
    """How many answered each question: summed from the counts where one answer is one response (single
    choice, scales, a matrix's fullest row); counted (one query) for multiple choice and free texts."""
    out = {}
    for q in questions:
        if q.kind in ("single", "scale5", "scale10"):
            out[q.id] = sum(n for (qid, _row, _choice), n in counts.items() if qid == q.id)
        elif q.kind == "matrix":
            rows = defaultdict(int)
            for (qid, row, _choice), n in counts.items():
                if qid == q.id:
                    rows[row] += n
            out[q.id] = max(rows.values(), default=0)
    counted = [q.id for q in questions if q.kind in ("multiple", "text")]
    if counted:
        query = Answer.select(Answer.question, peewee.fn.COUNT(peewee.fn.DISTINCT(Answer.response))).where(
            Answer.question.in_(counted))
        if school_id or class_id:
            query = _filtered(query.join(Response), survey, school_id, class_id)
        out.update(dict(query.group_by(Answer.question).tuples()))
    return out


def _participants(survey: Survey) -> int:
    return Participation.select(peewee.fn.COUNT(peewee.fn.DISTINCT(Participation.user))).where(
        Participation.survey == survey).scalar() or 0


def _texts(survey, questions, school_id, class_id, limit) -> dict[int, list[str]]:
    out = {}
    for q in questions:  # one query per free-text question, whatever the number of answers
        query = Answer.select(Answer.text).where((Answer.question == q.id) & Answer.text.is_null(False))
        if school_id or class_id:
            query = _filtered(query.join(Response), survey, school_id, class_id)
        query = query.order_by(Answer.text)
        if limit:
            query = query.limit(limit)
        out[q.id] = [t for (t,) in query.tuples()]
    return out


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def _question_result(q: Question, counts, respondents: int, texts: list[str]) -> dict:
    result = {"question": q, "respondents": respondents, "bars": [], "matrix": [], "texts": texts, "average": None}
    if q.kind in ("single", "multiple"):
        result["bars"] = [{"label": label, "count": counts[(q.id, None, i)],
                           "pct": _pct(counts[(q.id, None, i)], respondents)} for i, label in enumerate(q.option_list)]
    elif q.kind in ("scale5", "scale10"):
        values = range(1, q.scale_max + 1)
        result["bars"] = [{"label": str(v), "count": counts[(q.id, None, v)],
                           "pct": _pct(counts[(q.id, None, v)], respondents)} for v in values]
        n = sum(counts[(q.id, None, v)] for v in values)
        result["average"] = round(sum(v * counts[(q.id, None, v)] for v in values) / n, 2) if n else None
    elif q.kind == "matrix":
        for r, label in enumerate(q.row_list):
            cells = [counts[(q.id, r, c)] for c in range(len(q.option_list))]
            row_total = sum(cells)
            result["matrix"].append({"label": label, "cells": [{"count": n, "pct": _pct(n, row_total)} for n in cells]})
    return result


def by_school(survey: Survey) -> dict:
    """The municipality's (or region's) schools side by side: answers per school and, per choice and scale
    question, each option's share (or the average). Anonymous: schools under MIN_GROUP answers are hidden."""
    totals = dict(Response.select(Response.school_id, peewee.fn.COUNT(Response.id))
                  .where(Response.survey == survey).group_by(Response.school_id).tuples())
    school_ids = [s for s in totals if s]
    names = {s.id: s.short_name for s in School.select(School.id, School.short_name).where(
        School.id.in_(school_ids or [0]))}
    questions = [q for p in structure(survey) for q in p["questions"]
                 if q.kind in ("single", "multiple", "scale5", "scale10")]
    counts = defaultdict(int)
    respondents = defaultdict(int)
    for school_id, question_id, choice, n in (  # the answers' own index: no join with the responses
            Answer.select(Answer.school_id, Answer.question, Answer.choice, peewee.fn.COUNT(Answer.id))
            .where(Answer.question.in_([q.id for q in questions] or [0]) & Answer.choice.is_null(False))
            .group_by(Answer.question, Answer.school_id, Answer.choice).tuples()):
        counts[(school_id, question_id, choice)] += n
    for (school_id, question_id, _choice), n in list(counts.items()):
        respondents[(school_id, question_id)] += n  # one answer, one response: single choice and scales
    multiple = [q.id for q in questions if q.kind == "multiple"]
    if multiple:
        for key in [k for k in respondents if k[1] in multiple]:
            del respondents[key]
        for school_id, question_id, n in (
                Answer.select(Answer.school_id, Answer.question, peewee.fn.COUNT(peewee.fn.DISTINCT(Answer.response)))
                .where(Answer.question.in_(multiple)).group_by(Answer.question, Answer.school_id).tuples()):
            respondents[(school_id, question_id)] = n
    schools = sorted(school_ids, key=lambda s: names.get(s, ""))
    shown = [s for s in schools if not (survey.anonymous and totals[s] < MIN_GROUP)]
    table = []
    for q in questions:
        rows = []
        for s in shown:
            base = respondents[(s, q.id)]
            if q.kind in ("scale5", "scale10"):
                n = sum(counts[(s, q.id, v)] for v in range(1, q.scale_max + 1))
                avg = sum(v * counts[(s, q.id, v)] for v in range(1, q.scale_max + 1)) / n if n else None
                rows.append({"school": names.get(s, ""), "average": round(avg, 2) if avg is not None else None,
                             "cells": []})
            else:
                rows.append({"school": names.get(s, ""), "average": None,
                             "cells": [_pct(counts[(s, q.id, i)], base) for i in range(len(q.option_list))]})
        table.append({"question": q, "rows": rows})
    return {"schools": [{"id": s, "name": names.get(s, ""), "answers": totals[s],
                         "hidden": survey.anonymous and totals[s] < MIN_GROUP} for s in schools],
            "questions": table}


def filter_choices(survey: Survey) -> dict:
    """Schools and classes a results page may filter by (the survey's own schools and their classes)."""
    schools = owner_school_ids((survey.school_id, survey.municipality_id))
    school_query = School.select(School.id, School.short_name).order_by(School.short_name)
    if schools is not None:
        school_query = school_query.where(School.id.in_(schools))
    school_rows = list(school_query) if not survey.school_id else [survey.school]
    classes = list(_current_classes([s.id for s in school_rows])) if len(school_rows) <= 50 else []
    return {"schools": school_rows, "classes": classes}


def respondents(survey: Survey):
    """Named surveys only: who answered, when, with their response id (for the named export and list)."""
    if survey.anonymous:
        return []
    return list(Participation.select(Participation, User).join(User).where(
        (Participation.survey == survey) & Participation.response.is_null(False)).order_by(User.full_name))


# --------------------------------------------------------------------------- export


def export_xlsx(survey: Survey, school_id: int | None = None, class_id: int | None = None) -> bytes:
    import openpyxl

    data = results(survey, school_id, class_id, texts_limit=None)
    book = openpyxl.Workbook(write_only=True)  # streamed rows: thousands of free texts stay cheap
    sheet = book.create_sheet(str(_("Results"))[:31])
    sheet.append([safe_cell(survey.title)])
    sheet.append([str(_("Answers")), data["total"]])
    sheet.append([str(_("Asked")), data["invited"]])
    sheet.append([str(_("Response rate, %")), data["rate"]])
    if data["hidden"]:
        sheet.append([str(_("Fewer than %(n)s answers in this group: results are not shown.", n=MIN_GROUP))])
    texts = []
    for part in data["sections"]:
        for item in part["questions"]:
            q = item["question"]
            sheet.append([])
            sheet.append([safe_cell(q.text), str(KIND_LABELS[q.kind])])
            for bar in item["bars"]:
                sheet.append([safe_cell(bar["label"]), bar["count"], bar["pct"]])
            if item["average"] is not None:
                sheet.append([str(_("Mean")), item["average"]])
            if item["matrix"]:
                sheet.append([""] + [safe_cell(o) for o in q.option_list])
                for row in item["matrix"]:
                    sheet.append([safe_cell(row["label"])] + [c["count"] for c in row["cells"]])
            for text in item["texts"]:
                texts.append([safe_cell(q.text), safe_cell(text)])
    if texts:
        text_sheet = book.create_sheet(str(_("Free answers"))[:31])
        text_sheet.append([str(_("Question")), str(_("Answer"))])
        for row in texts:
            text_sheet.append(row)
    if not survey.anonymous and not (school_id or class_id):
        _named_sheet(book, survey)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _named_sheet(book, survey: Survey) -> None:
    people = respondents(survey)
    questions = [q for p in structure(survey) for q in p["questions"]]
    by_response = defaultdict(lambda: defaultdict(list))
    for response_id, question_id, row, choice, text in Answer.select(
            Answer.response, Answer.question, Answer.row, Answer.choice, Answer.text).join(Response).where(
            Response.survey == survey).tuples():
        by_response[response_id][question_id].append((row, choice, text))
    sheet = book.create_sheet(str(_("Respondents"))[:31])
    sheet.append([str(_("Name"))] + [safe_cell(q.text) for q in questions])
    for p in people:
        line = [safe_cell(p.user.full_name)]
        for q in questions:
            line.append(safe_cell(_render_answer(q, by_response[p.response_id][q.id])))
        sheet.append(line)


def _render_answer(q: Question, parts) -> str:
    options = q.option_list
    out = []
    for row, choice, text in parts:
        if text is not None:
            out.append(text)
        elif q.kind in ("single", "multiple"):
            out.append(options[choice] if 0 <= choice < len(options) else str(choice))
        elif q.kind == "matrix":
            rows = q.row_list
            out.append(f"{rows[row] if row is not None and row < len(rows) else row}: "
                       f"{options[choice] if choice < len(options) else choice}")
        else:
            out.append(str(choice))
    return "; ".join(out)
