"""Summer camp pages: the camp's sessions and queue (administration), squads' days (leaders), the
family's applications (parents) and the municipality's camps (operators)."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from eschool.plugin_api import (
    PageError,
    School,
    as_text,
    has_permission,
    local_today,
    pdf_response,
    readable_students,
    require,
    school_staff,
)
from eschool_summer_camp import services
from eschool_summer_camp.plugin import APPLY, LEAD, MANAGE, REPORT, VIEW
from eschool_summer_camp.schemas import (
    MARK_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    ApplyInSchema,
    CampDecisionInSchema,
    CategoryInSchema,
    PlanItemInSchema,
    SessionInSchema,
    SquadInSchema,
)

bp = Blueprint("summer_camp", __name__, url_prefix="/summer_camp", template_folder=None)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _labels() -> dict:
    return {"statuses": STATUS_LABELS, "marks": MARK_LABELS, "sources": SOURCE_LABELS}


def _school(school_id: int) -> School:
    school = School.get_or_none(School.id == school_id)
    if school is None:
        abort(404)
    return school


def _or_404(func, *args):
    try:
        return func(*args)
    except services.CampError:
        abort(404)


def _form(schema, partial=False) -> dict:
    """The form's fields through the schema (an empty box is 'not given'; fields it does not know are left out)."""
    data = {k: v for k, v in request.form.items() if k in schema.fields and v.strip() != ""}
    for key in ("applications_open", "active"):
        if key in schema.fields and request.method == "POST" and key not in data:
            data[key] = "false"
    return schema.load(data, partial=partial)


def _again(view, error, status: int, **kwargs):
    """Show the page again with the error and the status (nothing was changed)."""
    flash(error, "error")
    response = make_response(view(**kwargs))
    response.status_code = status
    return response


def _invalid(exc: ValidationError) -> str:
    return _("Not saved: %(errors)s", errors="; ".join(f"{k}: {' '.join(v)}" for k, v in as_text(exc.messages).items()))


def _refused(exc: services.CampError) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else str(exc.message)


def _fail(view, exc, **kwargs):
    if isinstance(exc, ValidationError):
        return _again(view, _invalid(exc), 400, **kwargs)
    if exc.status in (403, 404):
        abort(exc.status)
    return _again(view, _refused(exc), exc.status, **kwargs)


def _date_arg(default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return default


def _manager() -> bool:
    return has_permission(current_user, MANAGE)


# --------------------------------------------------------------------------- the camp (staff)


@bp.get("/school/<int:school_id>")
@require(VIEW)
def index(school_id: int):
    school = _school(school_id)
    manager = _manager()
    if not manager and has_permission(current_user, APPLY) and not services.led_squads(current_user, school):
        return redirect(url_for("summer_camp.family", school_id=school_id))
    return render_template("summer_camp/index.html", school=school, sessions=services.sessions_of(school),
                           manager=manager, squads=services.led_squads(current_user, school),
                           meals=services.meals_allowed(school), labels=_labels())


@bp.post("/school/<int:school_id>/sessions")
@require(MANAGE)
def session_create(school_id: int):
    school = _school(school_id)
    try:
        session = services.create_session(school, _form(SessionInSchema()))
    except (ValidationError, services.CampError) as exc:
        return _fail(index, exc, school_id=school_id)
    flash(_("The session was created."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=session.id))


@bp.get("/school/<int:school_id>/sessions/<int:session_id>")
@require(VIEW)
def session(school_id: int, session_id: int):
    school = _school(school_id)
    camp = services.session_detail(_or_404(services.get_session, school_id, session_id))
    manager = _manager()
    day = _date_arg(min(max(local_today(), camp.starts_on), camp.ends_on))
    return render_template("summer_camp/session.html", school=school, camp=camp, manager=manager,
                           queue=services.queue(camp) if manager else [], day=day,
                           plan=services.plan(camp, day), labels=_labels(),
                           categories=services.categories(school, active_only=True) if manager else [],
                           staff=[] if not manager else _teachers(school),
                           lead=has_permission(current_user, LEAD), user_id=current_user.id)


def _teachers(school):
    return school_staff(school)


@bp.post("/school/<int:school_id>/sessions/<int:session_id>")
@require(MANAGE)
def session_update(school_id: int, session_id: int):
    camp = _or_404(services.get_session, school_id, session_id)
    try:
        services.update_session(camp, _form(SessionInSchema(), partial=True))
    except (ValidationError, services.CampError) as exc:
        return _fail(session, exc, school_id=school_id, session_id=session_id)
    flash(_("Saved."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=session_id))


@bp.post("/school/<int:school_id>/sessions/<int:session_id>/squads")
@require(MANAGE)
def squad_create(school_id: int, session_id: int):
    camp = _or_404(services.get_session, school_id, session_id)
    try:
        services.create_squad(camp, _form(SquadInSchema()))
    except (ValidationError, services.CampError) as exc:
        return _fail(session, exc, school_id=school_id, session_id=session_id)
    flash(_("The squad was created."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=session_id))


@bp.post("/school/<int:school_id>/sessions/<int:session_id>/paper")
@require(MANAGE)
def paper(school_id: int, session_id: int):
    camp = _or_404(services.get_session, school_id, session_id)
    try:
        services.enter_paper(camp, current_user, _form(ApplyInSchema()))
    except (ValidationError, services.CampError) as exc:
        return _fail(session, exc, school_id=school_id, session_id=session_id)
    flash(_("The paper application joined the queue."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=session_id))


@bp.post("/school/<int:school_id>/applications/<int:application_id>/decision")
@require(MANAGE)
def decide(school_id: int, application_id: int):
    app = _or_404(services.get_application, school_id, application_id)
    try:
        data = _form(CampDecisionInSchema())
        services.decide(app, data["action"], current_user, data["reason"], data["squad_id"])
    except (ValidationError, services.CampError) as exc:
        return _fail(session, exc, school_id=school_id, session_id=app.session_id)
    flash(_("Saved; the parents are notified."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=app.session_id) + "#queue")


@bp.route("/school/<int:school_id>/categories", methods=["GET", "POST"])
@require(MANAGE)
def categories(school_id: int):
    school = _school(school_id)
    if request.method == "POST":
        try:
            services.save_category(school, _form(CategoryInSchema()))
        except ValidationError as exc:
            flash(_invalid(exc), "error")
            response = make_response(render_template("summer_camp/categories.html", school=school,
                                                     categories=services.categories(school)))
            response.status_code = 400
            return response
        flash(_("Saved."), "success")
        return redirect(url_for("summer_camp.categories", school_id=school_id))
    return render_template("summer_camp/categories.html", school=school, categories=services.categories(school))


# --------------------------------------------------------------------------- a squad's day (leaders)


def _own_squad(school_id: int, squad_id: int):
    squad = _or_404(services.get_squad, school_id, squad_id)
    if not services.may_keep_squad(current_user, squad, _manager()):
        raise PageError(403, _("You keep only your own squad."))
    return squad


@bp.get("/school/<int:school_id>/squads/<int:squad_id>/attendance")
@require(LEAD)
def attendance(school_id: int, squad_id: int):
    squad = _own_squad(school_id, squad_id)
    days = services.days_of(squad.session)
    today = local_today()
    past = [d for d in days if d <= today]
    day = _date_arg(past[-1] if past else days[0] if days else squad.session.starts_on)
    return render_template("summer_camp/attendance.html", school=_school(school_id), squad=squad, day=day,
                           days=days, rows=services.day_sheet(squad, day), labels=_labels(), today=today,
                           plan=services.plan(squad.session, day, squad.id))


@bp.post("/school/<int:school_id>/squads/<int:squad_id>/attendance")
@require(LEAD)
def attendance_save(school_id: int, squad_id: int):
    squad = _own_squad(school_id, squad_id)
    try:
        day = dt.date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        return _again(attendance, _("date: Enter a date."), 400, school_id=school_id, squad_id=squad_id)
    marks = [{"application_id": int(key[5:]), "mark": value} for key, value in request.form.items()
             if key.startswith("mark-") and key[5:].isdigit() and value]
    if not marks:
        flash(_("Nothing to save: choose a mark for some children."), "error")
        return redirect(url_for("summer_camp.attendance", school_id=school_id, squad_id=squad_id, date=day))
    try:
        services.mark_day(squad, day, marks, current_user)
    except services.CampError as exc:
        return _fail(attendance, exc, school_id=school_id, squad_id=squad_id)
    flash(_("Saved."), "success")
    return redirect(url_for("summer_camp.attendance", school_id=school_id, squad_id=squad_id, date=day))


@bp.post("/school/<int:school_id>/sessions/<int:session_id>/plan")
@require(LEAD)
def plan_add(school_id: int, session_id: int):
    camp = _or_404(services.get_session, school_id, session_id)
    try:
        item = services.add_plan_item(camp, _form(PlanItemInSchema()), current_user, _manager())
    except (ValidationError, services.CampError) as exc:
        return _fail(session, exc, school_id=school_id, session_id=session_id)
    flash(_("Added to the day's plan."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=session_id, date=item.date))


@bp.post("/school/<int:school_id>/plan/<int:item_id>/delete")
@require(LEAD)
def plan_delete(school_id: int, item_id: int):
    item = _or_404(services.get_plan_item, school_id, item_id)
    try:
        services.delete_plan_item(item, current_user, _manager())
    except services.CampError as exc:
        abort(exc.status)
    flash(_("Removed from the plan."), "success")
    return redirect(url_for("summer_camp.session", school_id=school_id, session_id=item.session_id, date=item.date))


# --------------------------------------------------------------------------- reports


@bp.get("/school/<int:school_id>/sessions/<int:session_id>/report")
@require(MANAGE)
def report(school_id: int, session_id: int):
    camp = _or_404(services.get_session, school_id, session_id)
    return render_template("summer_camp/report.html", school=_school(school_id), camp=camp,
                           report=services.attendance_report(camp), signs=services.MARK_SIGNS)


@bp.get("/school/<int:school_id>/sessions/<int:session_id>/report.pdf")
@require(MANAGE)
def report_pdf(school_id: int, session_id: int):
    camp = _or_404(services.get_session, school_id, session_id)
    html = render_template("summer_camp/print_report.html", school=_school(school_id), camp=camp,
                           report=services.attendance_report(camp), signs=services.MARK_SIGNS)
    return pdf_response(f"summer-camp-{camp.id}-report", html)


@bp.get("/school/<int:school_id>/sessions/<int:session_id>/<any(attendance, children):kind>.xlsx")
@require(MANAGE)
def report_xlsx(school_id: int, session_id: int, kind: str):
    camp = _or_404(services.get_session, school_id, session_id)
    if kind == "attendance":
        data = services.attendance_xlsx(camp)
    else:
        data = services.children_xlsx(services.session_children(camp))
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=summer-camp-{camp.id}-{kind}.xlsx"})


# --------------------------------------------------------------------------- families


@bp.get("/school/<int:school_id>/my")
@require(APPLY)
def family(school_id: int):
    school = _school(school_id)
    children = [s for s in readable_students(current_user) if s.school_id == school.id]
    return render_template("summer_camp/family.html", school=school, children=children,
                           applications=services.family_applications(current_user, school),
                           sessions=services.open_sessions(school), labels=_labels(),
                           categories=services.categories(school, active_only=True))


@bp.post("/school/<int:school_id>/my/apply")
@require(APPLY)
def family_apply(school_id: int):
    school = _school(school_id)
    try:
        session_id = int(request.form.get("session_id", ""))
    except ValueError:
        return _again(family, _("session_id: Choose a session."), 400, school_id=school_id)
    try:
        camp = services.get_session(school.id, session_id)
        services.apply(camp, current_user, _form(ApplyInSchema()))
    except (ValidationError, services.CampError) as exc:
        if isinstance(exc, services.CampError) and exc.status == 404:
            return _again(family, _refused(exc), 400, school_id=school_id)
        return _fail(family, exc, school_id=school_id)
    flash(_("The application is in the queue; you will be notified of the decision."), "success")
    return redirect(url_for("summer_camp.family", school_id=school_id))


@bp.post("/school/<int:school_id>/my/<int:application_id>/withdraw")
@require(APPLY)
def family_withdraw(school_id: int, application_id: int):
    app = _or_404(services.get_application, school_id, application_id)
    try:
        services.withdraw(app, current_user)
    except services.CampError as exc:
        return _fail(family, exc, school_id=school_id)
    flash(_("The application was withdrawn."), "success")
    return redirect(url_for("summer_camp.family", school_id=school_id))


# --------------------------------------------------------------------------- the municipality


@bp.get("/m")
@require(REPORT)
def municipality_home():
    from eschool.plugin_api import Municipality

    if g.scope.municipality_id is None:
        raise PageError(404, _("Choose a municipality first: this page belongs to a municipality."))
    muni = Municipality.get_by_id(g.scope.municipality_id)
    return redirect(url_for("summer_camp.municipality", municipality_code=muni.code))


def _municipality(code: str):
    muni = services.municipality_by_code(code)
    if muni is None:
        abort(404)
    return muni


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else local_today().year


@bp.get("/m/<municipality_code>")
@require(REPORT)
def municipality(municipality_code: str):
    muni = _municipality(municipality_code)
    year = _year()
    camps = services.municipality_camps(muni, year)
    return render_template("summer_camp/municipality.html", municipality=muni, camps=camps, year=year,
                           totals={k: sum(c[k] for c in camps) for k in ("capacity", "confirmed", "waiting",
                                                                         "submitted", "health_days")})


@bp.get("/m/<municipality_code>/children.xlsx")
@require(REPORT)
def municipality_xlsx(municipality_code: str):
    muni = _municipality(municipality_code)
    year = _year()
    data = services.children_xlsx(services.municipality_children(muni, year))
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=summer-camp-{muni.code}-{year}.xlsx"})
