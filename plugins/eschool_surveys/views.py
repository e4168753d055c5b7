"""Survey pages: my surveys, the builder (settings, audience, sections, questions), preview, answering,
results with SVG charts, the municipality's schools side by side, XLSX export."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import Municipality, has_permission, local_today, require, school_by_id
from eschool_surveys import services
from eschool_surveys.models import Survey

bp = Blueprint("surveys", __name__, url_prefix="/surveys", template_folder=None)
MANAGE, RESULTS, ANSWER = services.MANAGE, services.RESULTS, services.ANSWER


def _region() -> str:
    return current_app.extensions["eschool"].region.code


def _survey(survey_id: int, permission: str = MANAGE) -> Survey:
    """The survey if the user holds ``permission`` where it belongs; 404 otherwise (another school's)."""
    survey = Survey.get_or_none(Survey.id == survey_id)
    if survey is None or not has_permission(current_user, permission, services.scope_of(survey, _region())):
        abort(404)
    return survey


def _back(survey: Survey) -> str:
    if survey.school_id:
        return url_for("surveys.school_list", school_id=survey.school_id)
    if survey.municipality_id:
        return url_for("surveys.municipality_list", municipality_code=survey.municipality.code)
    return url_for("surveys.region_list")


def _labels() -> dict:
    return {"kinds": services.KIND_LABELS, "states": services.STATE_LABELS, "who": services.WHO_LABELS}


# --------------------------------------------------------------------------- answering


@bp.get("/")
@require(ANSWER)
def mine():
    items = services.open_for(current_user)
    return render_template("surveys/mine.html", items=items, may_manage=has_permission(current_user, MANAGE))


@bp.route("/<int:survey_id>/answer", methods=["GET", "POST"])
@require(ANSWER)
def answer(survey_id: int):
    survey = Survey.get_or_none(Survey.id == survey_id)
    if survey is None or not services.is_invited(current_user, survey) or services.state(survey) != "open":
        abort(404)
    kids = services.children_for(current_user, survey)
    errors, values = {}, {}
    if request.method == "POST":
        values = _form_answers(survey)
        child_id = request.form.get("child_id", type=int)
        try:
            services.submit(survey, current_user, values, child_id=child_id)
        except services.SurveyError as exc:
            errors = exc.fields
            if exc.status == 409 and "survey" in errors:
                flash(errors["survey"][0], "error")
                return redirect(url_for("surveys.mine"))
        else:
            flash(_("Thank you: your answers are saved."), "success")
            return redirect(url_for("surveys.mine"))
    return render_template("surveys/answer.html", survey=survey, parts=services.structure(survey), errors=errors,
                           values=values, kids=kids, preview=False, labels=_labels()), 400 if errors else 200


def _form_answers(survey) -> dict:
    out = {}
    for part in services.structure(survey):
        for q in part["questions"]:
            key = f"q{q.id}"
            if q.kind == "multiple":
                out[str(q.id)] = [v for v in request.form.getlist(key) if v.isdigit()]
            elif q.kind == "matrix":
                out[str(q.id)] = {str(r): request.form[f"{key}_r{r}"] for r in range(len(q.row_list))
                                  if request.form.get(f"{key}_r{r}", "").isdigit()}
            else:
                value = request.form.get(key, "")
                out[str(q.id)] = value if q.kind == "text" or value.isdigit() else ("" if value == "" else "x")
    return out


# --------------------------------------------------------------------------- lists and creating


@bp.get("/manage")
@require(MANAGE)
def manage_home():
    scope = g.scope
    if scope.school_id:
        return redirect(url_for("surveys.school_list", school_id=scope.school_id))
    if scope.municipality_id:
        muni = Municipality.get_by_id(scope.municipality_id)
        return redirect(url_for("surveys.municipality_list", municipality_code=muni.code))
    return redirect(url_for("surveys.region_list"))


def _listing(owner, title, create_url):
    school_id, municipality_id = owner
    surveys = list(services.managed(school_id, municipality_id).limit(200))
    counts = services.response_counts([s.id for s in surveys])
    return render_template("surveys/list.html", surveys=surveys, counts=counts, title=title, create_url=create_url,
                           today=local_today(), labels=_labels(), state=services.state)


@bp.get("/school/<int:school_id>/")
@require(MANAGE)
def school_list(school_id: int):
    school = school_by_id(school_id) or abort(404)
    return _listing((school.id, None), school.short_name, url_for("surveys.create_school", school_id=school.id))


@bp.get("/m/<municipality_code>/")
@require(MANAGE)
def municipality_list(municipality_code: str):
    muni = Municipality.get_or_none(Municipality.code == municipality_code) or abort(404)
    return _listing((None, muni.id), muni.name_ru, url_for("surveys.create_municipality",
                                                           municipality_code=muni.code))


@bp.get("/region/")
@require(MANAGE)
def region_list():
    if g.scope.school_id or g.scope.municipality_id:
        abort(403)
    return _listing((None, None), _("Region"), url_for("surveys.create_region"))


def _create(owner, cancel_url):
    data = {"title": "", "description": "", "anonymous": True, "per_child": False, "reminders": True,
            "opens_on": local_today().isoformat(), "closes_on": ""}
    errors = {}
    if request.method == "POST":
        data = _settings_form()
        data["audience"] = _audience_form(owner)
        try:
            survey = services.create_survey(owner, data, user=current_user)
        except services.SurveyError as exc:
            errors = exc.fields
        else:
            flash(_("The survey is created as a draft: add its questions."), "success")
            return redirect(url_for("surveys.edit", survey_id=survey.id))
    return render_template("surveys/settings.html", survey=None, data=data, errors=errors, cancel_url=cancel_url,
                           audience=_audience_choices(owner, []), labels=_labels()), 400 if errors else 200


@bp.route("/school/<int:school_id>/new", methods=["GET", "POST"])
@require(MANAGE)
def create_school(school_id: int):
    school = school_by_id(school_id) or abort(404)
    return _create((school.id, None), url_for("surveys.school_list", school_id=school.id))


@bp.route("/m/<municipality_code>/new", methods=["GET", "POST"])
@require(MANAGE)
def create_municipality(municipality_code: str):
    muni = Municipality.get_or_none(Municipality.code == municipality_code) or abort(404)
    return _create((None, muni.id), url_for("surveys.municipality_list", municipality_code=muni.code))


@bp.route("/region/new", methods=["GET", "POST"])
@require(MANAGE)
def create_region():
    if g.scope.school_id or g.scope.municipality_id:
        abort(403)
    return _create((None, None), url_for("surveys.region_list"))


def _settings_form() -> dict:
    f = request.form
    return {"title": f.get("title", ""), "description": f.get("description", ""),
            "anonymous": f.get("anonymous") == "1", "per_child": f.get("per_child") == "1",
            "reminders": f.get("reminders") == "1", "opens_on": f.get("opens_on", ""),
            "closes_on": f.get("closes_on", "")}


def _audience_form(owner) -> list[dict]:
    f = request.form
    items = [{"kind": "role", "role": r} for r in f.getlist("aud_role")]
    grades_who = f.getlist("aud_grade_who")
    items += [{"kind": "parallel", "grade": int(g_), "who": grades_who} for g_ in f.getlist("aud_grade")
              if g_.isdigit()]
    classes_who = f.getlist("aud_class_who")
    items += [{"kind": "class", "class_id": int(c), "who": classes_who} for c in f.getlist("aud_class") if c.isdigit()]
    whole_who = f.getlist("aud_whole_who")
    if whole_who:
        if owner[0]:
            items.append({"kind": "school", "school_id": owner[0], "who": whole_who})
        elif owner[1]:
            items.append({"kind": "municipality", "municipality_id": owner[1], "who": whole_who})
        else:
            items.append({"kind": "region", "who": whole_who})
    return items


def _audience_choices(owner, chosen: list[dict]) -> dict:
    schools = services.owner_school_ids(owner)
    classes = list(services._current_classes(schools)) if schools is not None and len(schools) == 1 else []
    return {"roles": services.ROLES, "grades": range(1, 12), "classes": classes,
            "chosen_roles": {i["role"] for i in chosen if i["kind"] == "role"},
            "chosen_grades": {i["grade"] for i in chosen if i["kind"] == "parallel"},
            "grade_who": next((i["who"] for i in chosen if i["kind"] == "parallel"), []),
            "chosen_classes": {i["class_id"] for i in chosen if i["kind"] == "class"},
            "class_who": next((i["who"] for i in chosen if i["kind"] == "class"), []),
            "whole_who": next((i["who"] for i in chosen if i["kind"] in ("school", "municipality", "region")), []),
            "level": "school" if owner[0] else "municipality" if owner[1] else "region"}


# --------------------------------------------------------------------------- the builder


@bp.route("/<int:survey_id>/settings", methods=["GET", "POST"])
@require(MANAGE)
def settings(survey_id: int):
    survey = _survey(survey_id)
    owner = (survey.school_id, survey.municipality_id)
    data = {"title": survey.title, "description": survey.description, "anonymous": survey.anonymous,
            "per_child": survey.per_child, "reminders": survey.reminders,
            "opens_on": survey.opens_on.isoformat() if survey.opens_on else "",
            "closes_on": survey.closes_on.isoformat() if survey.closes_on else ""}
    errors = {}
    chosen = survey.audience_items
    if request.method == "POST":
        data = _settings_form()
        data["audience"] = chosen = _audience_form(owner)
        try:
            services.update_settings(survey, data)
        except services.SurveyError as exc:
            errors = exc.fields
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("surveys.edit", survey_id=survey.id))
    return render_template("surveys/settings.html", survey=survey, data=data, errors=errors,
                           cancel_url=url_for("surveys.edit", survey_id=survey.id),
                           audience=_audience_choices(owner, chosen), labels=_labels()), 400 if errors else 200


@bp.get("/<int:survey_id>/")
@require(MANAGE)
def edit(survey_id: int, errors=None, status=200):
    survey = _survey(survey_id)
    return render_template("surveys/edit.html", survey=survey, parts=services.structure(survey),
                           state=services.state(survey), answered=services.has_answers(survey),
                           audience=services.describe_audience(survey), back=_back(survey), errors=errors or {},
                           owner=services.owner_name(survey), labels=_labels(),
                           may_results=has_permission(current_user, RESULTS, services.scope_of(survey, _region()))
                           ), status


def _question_form() -> dict:
    f = request.form
    return {"kind": f.get("kind", ""), "text": f.get("text", ""), "required": f.get("required") == "1",
            "options": f.get("options", ""), "rows": f.get("rows", "")}


@bp.post("/<int:survey_id>/questions")
@require(MANAGE)
def add_question(survey_id: int):
    survey = _survey(survey_id)
    try:
        services.add_question(survey, _question_form(), section_id=request.form.get("section_id", type=int))
    except services.SurveyError as exc:
        return edit(survey_id, errors=exc.fields, status=exc.status if exc.status != 404 else 400)
    return redirect(url_for("surveys.edit", survey_id=survey.id) + "#questions")


@bp.route("/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@require(MANAGE)
def edit_question(survey_id: int, question_id: int):
    survey = _survey(survey_id)
    from eschool_surveys.models import Question

    question = Question.get_or_none((Question.id == question_id) & (Question.survey == survey)) or abort(404)
    errors = {}
    data = {"kind": question.kind, "text": question.text, "required": question.required,
            "options": "\n".join(question.option_list), "rows": "\n".join(question.row_list)}
    if request.method == "POST":
        data = _question_form()
        try:
            services.update_question(survey, question.id, data)
        except services.SurveyError as exc:
            errors = exc.fields
        else:
            return redirect(url_for("surveys.edit", survey_id=survey.id) + "#questions")
    return render_template("surveys/question.html", survey=survey, question=question, data=data, errors=errors,
                           labels=_labels()), 400 if errors else 200


@bp.post("/<int:survey_id>/questions/<int:question_id>/<action>")
@require(MANAGE)
def question_action(survey_id: int, question_id: int, action: str):
    survey = _survey(survey_id)
    try:
        if action == "delete":
            services.delete_question(survey, question_id)
        elif action in ("up", "down"):
            services._editable(survey)
            services.move_question(survey, question_id, -1 if action == "up" else 1)
        else:
            abort(404)
    except services.SurveyError as exc:
        return edit(survey_id, errors=exc.fields, status=exc.status)
    return redirect(url_for("surveys.edit", survey_id=survey.id) + "#questions")


@bp.post("/<int:survey_id>/sections")
@require(MANAGE)
def add_section(survey_id: int):
    survey = _survey(survey_id)
    try:
        services.add_section(survey, request.form.get("title", ""), request.form.get("description", ""))
    except services.SurveyError as exc:
        return edit(survey_id, errors={f"section_{k}": v for k, v in exc.fields.items()}, status=exc.status)
    return redirect(url_for("surveys.edit", survey_id=survey.id) + "#questions")


@bp.post("/<int:survey_id>/sections/<int:section_id>/delete")
@require(MANAGE)
def delete_section(survey_id: int, section_id: int):
    survey = _survey(survey_id)
    try:
        services.delete_section(survey, section_id)
    except services.SurveyError as exc:
        return edit(survey_id, errors=exc.fields, status=exc.status)
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.post("/<int:survey_id>/<action>")
@require(MANAGE)
def survey_action(survey_id: int, action: str):
    survey = _survey(survey_id)
    link = url_for("surveys.answer", survey_id=survey.id)
    try:
        if action == "publish":
            services.publish(survey, actor=current_user, link=link)
            flash(_("The survey is published."), "success")
        elif action == "close":
            services.close(survey)
            flash(_("The survey is closed."), "success")
        elif action == "remind":
            n = services.remind(survey, link=link)
            flash(_("Reminded: %(n)s.", n=n), "success")
        elif action == "copy":
            new = services.copy_survey(survey, user=current_user)
            flash(_("A copy is made as a draft."), "success")
            return redirect(url_for("surveys.edit", survey_id=new.id))
        elif action == "delete":
            back = _back(survey)
            services.delete_survey(survey)
            flash(_("The survey is deleted."), "success")
            return redirect(back)
        else:
            abort(404)
    except services.SurveyError as exc:
        return edit(survey_id, errors=exc.fields, status=exc.status)
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.get("/<int:survey_id>/preview")
@require(MANAGE)
def preview(survey_id: int):
    survey = _survey(survey_id)
    return render_template("surveys/answer.html", survey=survey, parts=services.structure(survey), errors={},
                           values={}, kids=[], preview=True, labels=_labels())


# --------------------------------------------------------------------------- results


def _filters(survey):
    school_id = request.args.get("school", type=int)
    class_id = request.args.get("class", type=int)
    allowed = services.owner_school_ids((survey.school_id, survey.municipality_id))
    if school_id and allowed is not None and school_id not in allowed:
        abort(404)
    return school_id, class_id


@bp.get("/<int:survey_id>/results")
@require(RESULTS)
def results(survey_id: int):
    survey = _survey(survey_id, RESULTS)
    school_id, class_id = _filters(survey)
    data = services.results(survey, school_id, class_id)
    side = services.by_school(survey) if not survey.school_id and not (school_id or class_id) else None
    return render_template("surveys/results.html", survey=survey, data=data, side=side,
                           choices=services.filter_choices(survey), school_id=school_id, class_id=class_id,
                           min_group=services.MIN_GROUP, respondents=services.respondents(survey)[:500],
                           labels=_labels(), state=services.state(survey))


@bp.get("/<int:survey_id>/results.xlsx")
@require(RESULTS)
def export(survey_id: int):
    survey = _survey(survey_id, RESULTS)
    school_id, class_id = _filters(survey)
    data = services.export_xlsx(survey, school_id, class_id)
    return current_app.response_class(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                      headers={"Content-Disposition": f'attachment; filename="survey-{survey.id}.xlsx"'})
