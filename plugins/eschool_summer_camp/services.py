"""The rules of the summer camp. Views and the API call only these functions (no Flask here).

A school's day camp (лагерь дневного пребывания) runs sessions (смены); each session has squads
(отряды), which are class groups of kind ``summer_camp`` with a leader. Parents apply for a place from
the portal, or the school enters a paper application; the queue is ordered by the priority category's
rank, then by the server's time of the application. The school confirms (within the session's
capacity: the session row is locked while places are counted), moves to the waiting list or rejects
with a reason; the parents are notified at each step.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    AcademicYear,
    Audience,
    ClassGroup,
    Guardian,
    Municipality,
    School,
    SchoolError,
    Sheet,
    Student,
    User,
    create_class,
    current_year,
    db,
    fire_plugin_event,
    is_enabled,
    local_today,
    notify,
    readable_students,
    schools_with_plugin,
    scope_for_school,
    settings_for,
    teacher_of,
    utcnow,
    xlsx_bytes,
)
from eschool_summer_camp.models import (
    DAY_MARKS,
    Application,
    CampSession,
    Category,
    DayMark,
    PlanItem,
    Squad,
)

CODE = "summer_camp"
NOTIFY_KIND = "summer_camp.application"
#: Which decisions an application in each state may take.
TRANSITIONS = {"confirm": ("submitted", "waitlisted"), "waitlist": ("submitted", "confirmed"),
               "reject": ("submitted", "waitlisted", "confirmed")}
WITHDRAWABLE = ("submitted", "waitlisted", "confirmed")
ACTIVE = ("submitted", "waitlisted", "confirmed")
#: Russia Day: a public holiday inside every summer's first session.
HOLIDAYS = {(6, 12)}
#: The priority categories a school starts with (it may rename, reorder, switch off and add its own).
DEFAULT_CATEGORIES = (
    ("svo", _l("Children of participants of the special military operation"), 1),
    ("orphan", _l("Orphans and children left without parental care"), 2),
    ("disabled", _l("Children with disabilities and special educational needs"), 3),
    ("low_income", _l("Children of low-income families"), 4),
    ("large_family", _l("Children of large families"), 5),
    ("hard_situation", _l("Children in a difficult life situation"), 6),
)


class CampError(ValueError):
    """A change the rules refuse: ``field`` names what to fix; ``status`` 400 (input), 403, 404 or 409 (state)."""

    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message, self.field, self.status = message, field, status


# --------------------------------------------------------------------------- settings and days


def settings(school: School) -> dict:
    return settings_for(CODE, scope_for_school(school))


def meals_allowed(school: School) -> bool:
    """Camp meals are kept here: the region lists the school's municipality, the school (or its
    municipality) has not switched them off, and the nutrition plugin, which keeps them, is on at the
    school."""
    values = settings(school)
    if not values.get("meals", True):
        return False
    allowed = values.get("meals_municipalities") or []
    if "*" not in allowed:
        code = Municipality.select(Municipality.code).where(Municipality.id == school.municipality_id).scalar()
        if code not in allowed:
            return False
    return is_enabled("nutrition", scope_for_school(school))


def camp_days(session: CampSession, saturday: bool = False) -> list[dt.date]:
    """The working days of a session: Monday to Friday (or Saturday), without public holidays."""
    last = 5 if saturday else 4
    days, day = [], session.starts_on
    while day <= session.ends_on:
        if day.weekday() <= last and (day.month, day.day) not in HOLIDAYS:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def days_of(session: CampSession) -> list[dt.date]:
    return camp_days(session, settings(session.school).get("saturday", False))


def _camp_day(session: CampSession, day: dt.date, field: str = "date") -> dt.date:
    if day not in days_of(session):
        raise CampError(_l("This is not a working day of the session."), field)
    return day


# --------------------------------------------------------------------------- categories


def ensure_categories(school: School) -> None:
    """Give a school the default priority categories the first time its camp needs them."""
    if Category.select().where(Category.school == school.id).exists():
        return
    Category.insert_many([{"school": school.id, "code": code, "name": str(name), "rank": rank, "active": True}
                          for code, name, rank in DEFAULT_CATEGORIES]).on_conflict_ignore().execute()


def categories(school: School, active_only: bool = False) -> list[Category]:
    ensure_categories(school)
    query = Category.select().where(Category.school == school.id)
    if active_only:
        query = query.where(Category.active == True)  # noqa: E712
    return list(query.order_by(Category.rank, Category.name))


def save_category(school: School, data: dict) -> Category:
    """Add a priority category or change one (found by its code)."""
    ensure_categories(school)
    row = Category.get_or_none((Category.school == school.id) & (Category.code == data["code"]))
    if row is None:
        return Category.create(school=school.id, **data)
    for key in ("name", "rank", "active"):
        setattr(row, key, data[key])
    row.save()
    return row


# --------------------------------------------------------------------------- sessions and squads


def _annotate_sessions(sessions: list[CampSession]) -> list[CampSession]:
    """Set ``confirmed_count`` and ``free_places`` (one query for all)."""
    ids = [s.id for s in sessions]
    counts = dict(Application.select(Application.session, peewee.fn.COUNT(Application.id))
                  .where(Application.session.in_(ids) & (Application.status == "confirmed"))
                  .group_by(Application.session).tuples()) if ids else {}
    for s in sessions:
        s.confirmed_count = counts.get(s.id, 0)
        s.free_places = max(s.capacity - s.confirmed_count, 0)
    return sessions


def sessions_of(school: School) -> list[CampSession]:
    return _annotate_sessions(list(CampSession.select().where(CampSession.school == school.id)
                                   .order_by(CampSession.starts_on.desc(), CampSession.id.desc())))


def open_sessions(school: School) -> list[CampSession]:
    """Sessions parents may apply to now: open and not over."""
    today = local_today()
    return [s for s in sessions_of(school) if s.applications_open and s.ends_on >= today]


def get_session(school_id: int, session_id: int) -> CampSession:
    row = CampSession.get_or_none((CampSession.id == session_id) & (CampSession.school == school_id))
    if row is None:
        raise CampError(_l("No such session at this school."), "session_id", 404)
    return row


def session_detail(session: CampSession) -> CampSession:
    _annotate_sessions([session])
    session.squad_list = squads_of(session)
    session.day_list = days_of(session)
    return session


def _head(school: School, head_id):
    if head_id is None:
        return None
    try:
        return teacher_of(school, head_id, "head_id")
    except SchoolError as exc:
        raise CampError(exc.message, "head_id") from exc


def create_session(school: School, data: dict) -> CampSession:
    head = _head(school, data.get("head_id"))
    fields = {k: v for k, v in data.items() if k != "head_id"}
    return CampSession.create(school=school.id, head=head, **fields)


def update_session(session: CampSession, data: dict) -> CampSession:
    if "head_id" in data:
        session.head = _head(session.school, data["head_id"])
    for key, value in data.items():
        if key != "head_id":
            setattr(session, key, value)
    if session.ends_on < session.starts_on:
        raise CampError(_l("The session ends before it starts."), "ends_on")
    confirmed = Application.select().where((Application.session == session.id)
                                           & (Application.status == "confirmed")).count()
    if session.capacity < confirmed:
        raise CampError(_l("%(n)s places are confirmed already: the capacity cannot be lower.", n=confirmed),
                        "capacity", 409)
    session.save()
    return session


def squads_of(session: CampSession) -> list[Squad]:
    """The session's squads with their leaders and ``member_count`` (two queries)."""
    rows = list(Squad.select(Squad, User).join(User, peewee.JOIN.LEFT_OUTER, on=(Squad.leader == User.id))
                .where(Squad.session == session.id).order_by(Squad.name))
    counts = dict(Application.select(Application.squad, peewee.fn.COUNT(Application.id))
                  .where((Application.session == session.id) & (Application.status == "confirmed"))
                  .group_by(Application.squad).tuples())
    for squad in rows:
        squad.member_count = counts.get(squad.id, 0)
    return rows


def _year_for(school: School, day: dt.date) -> AcademicYear:
    year = AcademicYear.get_or_none((AcademicYear.school == school.id) & (AcademicYear.starts_on <= day)
                                    & (AcademicYear.ends_on >= day)) or current_year(school)
    if year is None or year.closed:
        raise CampError(_l("No open academic year of the school covers the session: set one up first."),
                        "starts_on", 409)
    return year


def create_squad(session: CampSession, data: dict) -> Squad:
    """A squad: a class group of kind ``summer_camp`` (named after the squad and the session) and its leader."""
    school = session.school
    year = _year_for(school, session.starts_on)
    group_name = f"{data['name']} · {session.name}"[:40]
    try:
        with db.atomic():
            group = create_class(school, {"academic_year_id": year.id, "kind": "summer_camp", "grade": data["grade"],
                                          "letter": "", "name": group_name, "shift": 1,
                                          "class_teacher_id": data.get("leader_id"), "subgroups": []})
            return Squad.create(session=session.id, class_group=group, name=data["name"],
                                leader=data.get("leader_id"))
    except SchoolError as exc:
        field = {"class_teacher_id": "leader_id"}.get(exc.field, "name")
        raise CampError(exc.message, field, 409 if exc.conflict else 400) from exc


def get_squad(school_id: int, squad_id: int) -> Squad:
    row = (Squad.select(Squad, CampSession).join(CampSession)
           .where((Squad.id == squad_id) & (CampSession.school == school_id)).first())
    if row is None:
        raise CampError(_l("No such squad at this school."), "squad_id", 404)
    return row


def may_keep_squad(user, squad: Squad, manager: bool) -> bool:
    """A squad's attendance, plan and meals are kept by its leader and by the camp's administration."""
    return manager or (user is not None and squad.leader_id == getattr(user, "id", None))


def led_squads(user, school: School) -> list[Squad]:
    """The squads this user leads at the school, newest sessions first."""
    return list(Squad.select(Squad, CampSession).join(CampSession)
                .where((Squad.leader == user.id) & (CampSession.school == school.id))
                .order_by(CampSession.starts_on.desc(), Squad.name))


# --------------------------------------------------------------------------- applications


def _with_people(query):
    return (query.select(Application, Student, Category).join(Student).switch(Application)
            .join(Category, peewee.JOIN.LEFT_OUTER).switch(Application))


def _order(query):
    rank = peewee.fn.COALESCE(Category.rank, 1000)
    return query.order_by(rank, Application.applied_at, Application.id)


def queue(session: CampSession, status: str | None = None) -> list[Application]:
    """The session's applications in queue order (category rank, then server time), each with
    ``position``: its place among the waiting ones of its status (submitted or waitlisted)."""
    query = _with_people(Application.select()).where(Application.session == session.id)
    if status:
        query = query.where(Application.status == status)
    rows = list(_order(query))
    places: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.status in ("submitted", "waitlisted"):
            places[row.status] += 1
            row.position = places[row.status]
        else:
            row.position = None
    return rows


def get_application(school_id: int, application_id: int) -> Application:
    row = (_with_people(Application.select()).join(CampSession, on=(Application.session == CampSession.id))
           .where((Application.id == application_id) & (CampSession.school == school_id)).first())
    if row is None:
        raise CampError(_l("No such application at this school."), "application_id", 404)
    return row


def _category(school: School, code: str):
    if not code:
        return None
    ensure_categories(school)
    row = Category.get_or_none((Category.school == school.id) & (Category.code == code) & (Category.active == True))  # noqa: E712
    if row is None:
        raise CampError(_l("No such priority category at this school."), "category")
    return row


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _submit(session: CampSession, student: Student, data: dict, actor, source: str) -> Application:
    if session.ends_on < local_today():
        raise CampError(_l("The session is over."), "session_id", 409)
    if student.birth_date is None:  # imported without demographics: the card is to complete first
        raise CampError(_l("The student's card has no date of birth yet: the school completes it first."),
                        "student_id")
    age = _age_on(student.birth_date, session.starts_on)
    if not session.age_from <= age <= session.age_to:
        raise CampError(_l("The session takes children from %(a)s to %(b)s years old.", a=session.age_from,
                           b=session.age_to), "student_id")
    category = _category(session.school, data.get("category", ""))
    fields = {"status": "submitted", "category": category, "source": source, "applied_at": utcnow(),
              "applied_by": getattr(actor, "id", None), "contact_phone": data.get("contact_phone", ""),
              "note": data.get("note", ""), "squad": None, "reason": "", "decided_at": None, "decided_by": None}
    existing = Application.get_or_none((Application.session == session.id) & (Application.student == student.id))
    if existing is not None and existing.status != "withdrawn":
        raise CampError(_l("%(child)s already has an application to this session.", child=student.full_name),
                        "student_id", 409)
    try:
        with db.atomic():
            if existing is not None:  # withdrawn before: the same row joins the queue again, at the end
                for key, value in fields.items():
                    setattr(existing, key, value)
                existing.save()
                application = existing
            else:
                application = Application.create(session=session.id, student=student.id, **fields)
    except peewee.IntegrityError as exc:  # the same child sent twice at once: the index decides
        raise CampError(_l("%(child)s already has an application to this session.", child=student.full_name),
                        "student_id", 409) from exc
    application.student = student
    _notify(application, session)
    return application


def apply(session: CampSession, user, data: dict) -> Application:
    """A parent applies for a place for their child (one of their children at the camp's school)."""
    if not session.applications_open:
        raise CampError(_l("The session does not take applications now."), "session_id", 409)
    student = next((s for s in readable_students(user)
                    if s.id == data["student_id"] and s.school_id == session.school_id), None)
    if student is None:
        raise CampError(_l("Choose one of your children who study at this school."), "student_id")
    return _submit(session, student, data, user, "portal")


def enter_paper(session: CampSession, actor, data: dict) -> Application:
    """The school enters a paper application for one of its students."""
    student = Student.get_or_none((Student.id == data["student_id"]) & (Student.school == session.school_id)
                                  & (Student.status == "studying"))
    if student is None:
        raise CampError(_l("No such student at this school."), "student_id")
    return _submit(session, student, data, actor, "paper")


def _lock_session(session_id: int) -> CampSession:
    """Read the session row for update (PostgreSQL locks it; SQLite's write lock is taken by ``BEGIN IMMEDIATE``)."""
    query = CampSession.select().where(CampSession.id == session_id)
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        query = query.for_update()
    return query.get()


def _pick_squad(session: CampSession, squad_id) -> Squad | None:
    if squad_id is not None:
        squad = Squad.get_or_none((Squad.id == squad_id) & (Squad.session == session.id))
        if squad is None:
            raise CampError(_l("No such squad in this session."), "squad_id")
        return squad
    squads = squads_of(session)
    return min(squads, key=lambda s: (s.member_count, s.name)) if squads else None


def decide(application: Application, action: str, actor, reason: str = "", squad_id=None) -> Application:
    """Confirm (capacity permitting), move to the waiting list, or reject with a reason."""
    if application.status not in TRANSITIONS[action]:
        raise CampError(_l("This application cannot be changed so in its present state."), "action", 409)
    with db.atomic():
        session = _lock_session(application.session_id)
        current = Application.get_by_id(application.id)  # the state under the lock
        if current.status not in TRANSITIONS[action]:
            raise CampError(_l("This application cannot be changed so in its present state."), "action", 409)
        if action == "confirm":
            taken = Application.select().where((Application.session == session.id)
                                               & (Application.status == "confirmed")).count()
            if taken >= session.capacity:
                raise CampError(_l("The session is full (%(n)s places): move the application to the waiting "
                                   "list or raise the capacity.", n=session.capacity), "action", 409)
            application.squad = _pick_squad(session, squad_id)
        elif action == "reject":
            if not reason:
                raise CampError(_l("Give the reason for the refusal: the parents will read it."), "reason")
            application.squad = None
        else:
            application.squad = None
        application.status = {"confirm": "confirmed", "waitlist": "waitlisted", "reject": "rejected"}[action]
        application.reason = reason if action == "reject" else ""
        application.decided_at, application.decided_by = utcnow(), getattr(actor, "id", None)
        application.save()
    _notify(application, session)
    return application


def move_to_squad(application: Application, squad_id: int) -> Application:
    if application.status != "confirmed":
        raise CampError(_l("Only a confirmed child is placed in a squad."), "squad_id", 409)
    application.squad = _pick_squad(application.session, squad_id)
    application.save()
    return application


def withdraw(application: Application, user) -> Application:
    """A parent takes their application back."""
    if application.student_id not in {s.id for s in readable_students(user)}:
        raise CampError(_l("No such application at this school."), "application_id", 404)
    if application.status not in WITHDRAWABLE:
        raise CampError(_l("This application cannot be changed so in its present state."), "action", 409)
    application.status, application.squad = "withdrawn", None
    application.decided_at, application.decided_by = utcnow(), user.id
    application.save()
    _notify(application, application.session)
    return application


def family_applications(user, school: School) -> list[Application]:
    """The applications of the user's children at this school's camp (parents see only their own)."""
    ids = [s.id for s in readable_students(user) if s.school_id == school.id]
    if not ids:
        return []
    rows = list(_order(_with_people(Application.select())
                       .join(CampSession, on=(Application.session == CampSession.id)).select_extend(CampSession)
                       .where(Application.student.in_(ids) & (CampSession.school == school.id))))
    positions = {}
    for session in {r.session_id: r.session for r in rows if r.status in ("submitted", "waitlisted")}.values():
        for row in queue(session):
            positions[row.id] = row.position
    for row in rows:
        row.position = positions.get(row.id)
    return rows


def _notify(application: Application, session: CampSession) -> None:
    """Tell the child's parents (those with an account) what happened to the application."""
    users = [g.user_id for g in Guardian.select(Guardian.user).where(Guardian.student == application.student_id)]
    if not users:
        return
    squad = Squad.get_by_id(application.squad_id).name if application.squad_id else ""
    notify(Audience.users(*users), NOTIFY_KIND, {
        "child": application.student.full_name, "session": session.name,
        "starts_on": session.starts_on.strftime("%d.%m.%Y"), "ends_on": session.ends_on.strftime("%d.%m.%Y"),
        "status": application.status, "reason": application.reason, "squad": squad},
        actor=None, link=f"/summer_camp/school/{session.school_id}/my", school_id=session.school_id)


# --------------------------------------------------------------------------- attendance


def squad_members(squad: Squad) -> list[Application]:
    """The confirmed children of a squad, by name."""
    return list(Application.select(Application, Student).join(Student)
                .where((Application.squad == squad.id) & (Application.status == "confirmed"))
                .order_by(Student.last_name, Student.first_name))


def day_sheet(squad: Squad, day: dt.date) -> list[dict]:
    """The squad's children and their mark on the day (``None``: not marked yet). Two queries."""
    members = squad_members(squad)
    marks = dict(DayMark.select(DayMark.application, DayMark.mark)
                 .where(DayMark.application.in_([m.id for m in members]) & (DayMark.date == day)).tuples()) \
        if members else {}
    return [{"application_id": m.id, "student_id": m.student_id, "student": m.student.full_name,
             "mark": marks.get(m.id)} for m in members]


def mark_day(squad: Squad, day: dt.date, marks: list[dict], actor) -> list[dict]:
    """Save the marks of a day for children of this squad (a later save replaces an earlier one)."""
    _camp_day(squad.session, day)
    if day > local_today():
        raise CampError(_l("A day that has not come yet cannot be marked."), "date")
    members = {m.id for m in squad_members(squad)}
    errors = [i for i, m in enumerate(marks) if m["application_id"] not in members or m["mark"] not in DAY_MARKS]
    if errors:
        raise CampError(_l("This child is not in the squad."), f"marks.{errors[0]}.application_id")
    chosen = {m["application_id"]: m["mark"] for m in marks}
    children = {m.id: m.student_id for m in squad_members(squad)}
    now, actor_id = utcnow(), getattr(actor, "id", None)
    with db.atomic():
        DayMark.delete().where(DayMark.application.in_(list(chosen)) & (DayMark.date == day)).execute()
        DayMark.insert_many([{"application": a, "date": day, "mark": mark, "marked_by": actor_id, "marked_at": now}
                             for a, mark in chosen.items()]).execute()
        # after the commit, to whoever listens (nutrition: the children away leave the squad's meals order)
        fire_plugin_event("summer_camp_on_day_marked", scope_for_school(squad.session.school), actor,
                          class_group=ClassGroup.get_by_id(squad.class_group_id), day=day,
                          marks={children[a]: mark for a, mark in chosen.items()})
    return day_sheet(squad, day)


# --------------------------------------------------------------------------- the daily plan


def plan(session: CampSession, day: dt.date | None = None, squad_id: int | None = None) -> list[PlanItem]:
    """A day's activities (all days without ``day``): the whole camp's and, given a squad, that squad's."""
    query = PlanItem.select().where(PlanItem.session == session.id)
    if day is not None:
        query = query.where(PlanItem.date == day)
    if squad_id is not None:
        query = query.where(PlanItem.squad.is_null() | (PlanItem.squad == squad_id))
    return sorted(query, key=lambda item: (item.date, item.time or "99:99", item.id))  # untimed last


def add_plan_item(session: CampSession, data: dict, user, manager: bool) -> PlanItem:
    squad = None
    if data.get("squad_id") is not None:
        squad = Squad.get_or_none((Squad.id == data["squad_id"]) & (Squad.session == session.id))
        if squad is None:
            raise CampError(_l("No such squad in this session."), "squad_id")
    if not manager and (squad is None or squad.leader_id != user.id):
        raise CampError(_l("You plan only the days of your own squad."), "squad_id", 403)
    if not session.starts_on <= data["date"] <= session.ends_on:
        raise CampError(_l("The date is outside the session."), "date")
    return PlanItem.create(session=session.id, squad=squad, date=data["date"], time=data.get("time", ""),
                           title=data["title"], place=data.get("place", ""))


def get_plan_item(school_id: int, item_id: int) -> PlanItem:
    row = (PlanItem.select(PlanItem, CampSession).join(CampSession)
           .where((PlanItem.id == item_id) & (CampSession.school == school_id)).first())
    if row is None:
        raise CampError(_l("No such activity."), "item_id", 404)
    return row


def delete_plan_item(item: PlanItem, user, manager: bool) -> None:
    if not manager and (item.squad_id is None or Squad.get_by_id(item.squad_id).leader_id != user.id):
        raise CampError(_l("You plan only the days of your own squad."), "squad_id", 403)
    item.delete_instance()


def child_day(student_id: int, day: dt.date, sessions: list | None = None) -> dict | None:
    """For the diary: the child's camp on that day (session, squad, mark, activities), or ``None``.
    ``sessions``: the child's confirmed applications around the day (``camp_applications``), when the
    caller read them once for a week."""
    if sessions is None:
        sessions = camp_applications(student_id, day, day)
    app = next((a for a in sessions if a.session.starts_on <= day <= a.session.ends_on), None)
    if app is None:
        return None
    mark = DayMark.select(DayMark.mark).where((DayMark.application == app.id) & (DayMark.date == day)).scalar()
    squad = Squad.get_by_id(app.squad_id).name if app.squad_id else ""
    return {"session": app.session, "squad": squad, "mark": mark,
            "items": plan(app.session, day, app.squad_id)}


def camp_applications(student_id: int, start: dt.date, end: dt.date) -> list:
    """The child's confirmed applications whose session overlaps ``start``..``end``, with the session (one
    query: most weeks of the year the answer is none, and the diary's days ask nothing more)."""
    return list(Application.select(Application, CampSession).join(CampSession)
                .where((Application.student == student_id) & (Application.status == "confirmed")
                       & (CampSession.starts_on <= end) & (CampSession.ends_on >= start)))


# --------------------------------------------------------------------------- reports


def attendance_report(session: CampSession) -> dict:
    """Days × children of a session: each child's marks, present days ("health days": at the camp and
    not ill), ill and absent days; each day's count of children present. Three queries."""
    days = days_of(session)
    rows = list(Application.select(Application, Student).join(Student)
                .where((Application.session == session.id) & (Application.status == "confirmed"))
                .order_by(Student.last_name, Student.first_name))
    squads = {s.id: s.name for s in Squad.select(Squad.id, Squad.name).where(Squad.session == session.id)}
    marks = defaultdict(dict)
    for app_id, day, mark in (DayMark.select(DayMark.application, DayMark.date, DayMark.mark)
                              .join(Application).where(Application.session == session.id).tuples()):
        marks[app_id][day] = mark
    per_day = {d: 0 for d in days}
    children = []
    for row in rows:
        own = marks.get(row.id, {})
        for day, mark in own.items():
            if mark == "present" and day in per_day:
                per_day[day] += 1
        children.append({"application": row, "student": row.student.full_name, "birth_date": row.student.birth_date,
                         "squad": squads.get(row.squad_id, ""), "marks": own,
                         "present": sum(1 for m in own.values() if m == "present"),
                         "ill": sum(1 for m in own.values() if m == "ill"),
                         "absent": sum(1 for m in own.values() if m == "absent")})
    return {"session": session, "days": days, "children": children, "per_day": per_day,
            "health_days": sum(c["present"] for c in children)}


def municipality_camps(municipality: Municipality, year: int | None = None) -> list[dict]:
    """Every session of the municipality's schools (where the camp is on) in a calendar year, with its
    places, queue and health days. Four queries whatever the number of schools and children."""
    year = year or local_today().year
    schools = schools_with_plugin(CODE, School.select().where(School.municipality == municipality.id)
                                  .order_by(School.short_name))
    by_id = {s.id: s for s in schools}
    sessions = list(CampSession.select().where(CampSession.school.in_(list(by_id))
                                               & (CampSession.starts_on >= dt.date(year, 1, 1))
                                               & (CampSession.starts_on <= dt.date(year, 12, 31)))
                    .order_by(CampSession.school, CampSession.starts_on)) if by_id else []
    ids = [s.id for s in sessions]
    counts = defaultdict(int)
    for session_id, status, n in (Application.select(Application.session, Application.status,
                                                     peewee.fn.COUNT(Application.id))
                                  .where(Application.session.in_(ids)).group_by(Application.session,
                                                                               Application.status).tuples()):
        counts[(session_id, status)] = n
    health = dict(DayMark.select(Application.session, peewee.fn.COUNT(DayMark.id)).join(Application)
                  .where(Application.session.in_(ids) & (DayMark.mark == "present")
                         & (Application.status == "confirmed"))
                  .group_by(Application.session).tuples()) if ids else {}
    return [{"school_id": s.school_id, "school": by_id[s.school_id].short_name, "session_id": s.id,
             "session": s.name, "starts_on": s.starts_on, "ends_on": s.ends_on, "capacity": s.capacity,
             "confirmed": counts[(s.id, "confirmed")], "waiting": counts[(s.id, "waitlisted")],
             "submitted": counts[(s.id, "submitted")], "health_days": health.get(s.id, 0)} for s in sessions]


def _children_rows(where, info_of) -> list[dict]:
    """Confirmed children as plain rows (no model instances: a municipality's list is thousands)."""
    rows = (Application.select(Application.session, Student.last_name, Student.first_name, Student.middle_name,
                               Student.birth_date, Squad.name, Category.name)
            .join(Student).switch(Application).join(Category, peewee.JOIN.LEFT_OUTER).switch(Application)
            .join(Squad, peewee.JOIN.LEFT_OUTER)
            .where(where & (Application.status == "confirmed"))
            .order_by(Application.session, Student.last_name, Student.first_name, Student.id).tuples())
    result = []
    for session_id, last, first, middle, birth, squad, category in rows:
        info = info_of(session_id)
        result.append({"school": info["school"], "session": info["session"], "starts_on": info["starts_on"],
                       "ends_on": info["ends_on"], "student": " ".join(p for p in (last, first, middle) if p),
                       "birth_date": birth, "squad": squad or "", "category": category or ""})
    return result


def municipality_children(municipality: Municipality, year: int | None = None) -> list[dict]:
    """The list for the municipality: every confirmed child of its camps in a year (one query more)."""
    info = {c["session_id"]: c for c in municipality_camps(municipality, year)}
    if not info:
        return []
    return _children_rows(Application.session.in_(list(info)), info.__getitem__)


# --------------------------------------------------------------------------- camp meals (kept by nutrition)


def meal_groups(school: School, start: dt.date, end: dt.date) -> list[dict]:
    """What nutrition asks (``nutrition_meal_groups``): the squads of the school's sessions running between
    two dates, where camp meals are kept, each with its working days in the range, its confirmed children
    and those marked absent or ill each day. The meals, their order, cut-off, prices and tabulation are
    nutrition's. Four queries at most, whatever the squads, children and days."""
    sessions = {s.id: s for s in CampSession.select().where((CampSession.school == school.id)
                                                           & (CampSession.starts_on <= end)
                                                           & (CampSession.ends_on >= start))}
    if not sessions or not meals_allowed(school):
        return []
    squads = list(Squad.select(Squad, ClassGroup).join(ClassGroup).where(Squad.session.in_(list(sessions)))
                  .order_by(Squad.name, Squad.id))
    if not squads:
        return []
    members: dict[int, list] = defaultdict(list)
    squad_of: dict[int, int] = {}
    for app in (Application.select(Application.id, Application.squad, Student).join(Student)
                .where(Application.squad.in_([s.id for s in squads]) & (Application.status == "confirmed"))
                .order_by(Student.last_name, Student.first_name, Student.id)):
        members[app.squad_id].append(app.student)
        squad_of[app.id] = app.squad_id
    away: dict[int, dict] = defaultdict(lambda: defaultdict(set))
    if squad_of:
        for app_id, student_id, day in (DayMark.select(DayMark.application, Application.student, DayMark.date)
                                        .join(Application)
                                        .where(Application.squad.in_([s.id for s in squads])
                                               & (Application.status == "confirmed") & (DayMark.date >= start)
                                               & (DayMark.date <= end) & DayMark.mark.in_(["absent", "ill"]))
                                        .tuples()):
            away[squad_of.get(app_id)][day].add(student_id)
    saturday = settings(school).get("saturday", False)
    days = {sid: [d for d in camp_days(session, saturday) if start <= d <= end] for sid, session in sessions.items()}
    return [{"class_group": squad.class_group, "days": days[squad.session_id], "members": members.get(squad.id, []),
             "away": dict(away.get(squad.id, {})), "category": "summer_camp"} for squad in squads]


# --------------------------------------------------------------------------- XLSX




def workbook(sheets: list[tuple[str, list, list[list]]], caption: list | None = None) -> bytes:
    """An XLSX of ``(title, header, rows)`` sheets through the portal's export helper: a text cell starting
    with = + - @ is written as text, never as a formula."""
    return xlsx_bytes([Sheet(title=title, header=header, rows=rows, caption=list(caption or []))
                       for title, header, rows in sheets])


MARK_SIGNS = {"present": "+", "absent": "н", "ill": "б"}


def attendance_xlsx(session: CampSession) -> bytes:
    report = attendance_report(session)
    days = report["days"]
    header = [_("Child"), _("Squad"), *[d.strftime("%d.%m") for d in days], _("Present days"), _("Ill days"),
              _("Absent days")]
    rows = [[c["student"], c["squad"], *[MARK_SIGNS.get(c["marks"].get(d), "") for d in days], c["present"],
             c["ill"], c["absent"]] for c in report["children"]]
    rows.append([_("Present"), "", *[report["per_day"][d] for d in days], report["health_days"], "", ""])
    health = [[c["student"], c["squad"], c["birth_date"], c["present"]] for c in report["children"]]
    health.append([_("Total"), "", None, report["health_days"]])
    return workbook([(_("Attendance"), header, rows),
                     (_("Health days"), [_("Child"), _("Squad"), _("Date of birth"), _("Health days")], health)],
                    caption=[f"{session.school.short_name}: {session.name}, {session.starts_on:%d.%m.%Y} – "
                             f"{session.ends_on:%d.%m.%Y}"])


def children_rows(rows: list[dict]) -> list[list]:
    return [[r["school"], r["session"], r["starts_on"], r["ends_on"], r["student"], r["birth_date"], r["squad"],
             r["category"]] for r in rows]


CHILDREN_HEADER = (_l("School"), _l("Session"), _l("First day"), _l("Last day"), _l("Child"), _l("Date of birth"),
                   _l("Squad"), _l("Priority category"))


def children_xlsx(rows: list[dict]) -> bytes:
    return workbook([(_("Children"), [str(h) for h in CHILDREN_HEADER], children_rows(rows))])


def session_children(session: CampSession) -> list[dict]:
    """The session's confirmed children in the municipality list's shape."""
    info = {"school": session.school.short_name, "session": session.name, "starts_on": session.starts_on,
            "ends_on": session.ends_on}
    return _children_rows(Application.session == session.id, lambda _id: info)


def municipality_by_code(code: str) -> Municipality | None:
    return Municipality.get_or_none(Municipality.code == code)
