"""News pages: public pages per school, municipality and region, Atom feeds, the reader's news and the
publishers' pages."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import Municipality, School, public, require, school_by_id
from eschool_news import services
from eschool_news.schemas import LEVEL_LABELS, STATUS_LABELS, NewsInSchema

bp = Blueprint("news", __name__, url_prefix="/news")
READ, PUBLISH = "news.read", "news.publish"
PAGE_SIZE = 15

def _posted() -> dict:
    """The form's fields the schema knows (the CSRF token and the button are not the record's)."""
    known = NewsInSchema().fields
    return {key: value for key, value in request.form.items() if key in known}


def _page(query):
    total = query.count()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return {"items": services.annotate(list(query.paginate(page, PAGE_SIZE))), "page": page, "pages": pages,
            "total": total}


def _list(heading, query, feed=None, **extra):
    return render_template("news/list.html", heading=heading, result=_page(query), feed=feed,
                           levels=LEVEL_LABELS, **extra)


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _municipality(code: str) -> Municipality:
    muni = services.municipality_by_code(code)
    if muni is None:
        abort(404)
    return muni


@bp.get("/")
@require(READ)
def index():
    """The news of the reader's schools and classes."""
    p = services.publisher_for(current_user)
    school_ids = sorted({a for a in p.staff_schools} | {s.id for s in _family_schools(p)})
    return _list(_("News"), services.for_reader(p, school_ids), may_publish=p.any)


def _family_schools(p):
    from eschool.plugin_api import ClassGroup

    if not p.family_classes:
        return []
    return list(School.select(School.id).join(ClassGroup, on=(ClassGroup.school == School.id))
                .where(ClassGroup.id.in_(sorted(p.family_classes))).distinct())


@bp.get("/region")
@public
def region():
    return _list(_("News of the region"), services.region_public())


@bp.get("/school/<int:school_id>")
@public
def school_page(school_id: int):
    school = _school(school_id)
    return _list(_("News: %(name)s", name=school.short_name), services.school_public(school),
                 feed=url_for("news.school_feed", school_id=school.id))


@bp.get("/m/<municipality_code>")
@public
def municipality_page(municipality_code: str):
    muni = _municipality(municipality_code)
    return _list(_("News: %(name)s", name=muni.name_ru), services.municipality_public(muni),
                 feed=url_for("news.municipality_feed", municipality_code=muni.code))


def _feed(title, query, page_url, feed_url):
    items = services.annotate(list(query.limit(services.FEED_SIZE)))
    base = request.url_root.rstrip("/")
    body = services.atom_feed(title, base + feed_url, base + page_url, items, base)
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/school/<int:school_id>/feed.atom")
@public
def school_feed(school_id: int):
    school = _school(school_id)
    return _feed(school.short_name, services.school_public(school), url_for("news.school_page", school_id=school.id),
                 url_for("news.school_feed", school_id=school.id))


@bp.get("/m/<municipality_code>/feed.atom")
@public
def municipality_feed(municipality_code: str):
    muni = _municipality(municipality_code)
    return _feed(muni.name_ru, services.municipality_public(muni),
                 url_for("news.municipality_page", municipality_code=muni.code),
                 url_for("news.municipality_feed", municipality_code=muni.code))


@bp.get("/item/<int:item_id>")
@public
def item(item_id: int):
    """One item: published school, municipality and region news for anyone; class news for the class;
    drafts for their editors. Anything else answers 404."""
    found = services.get(item_id)
    p = services.publisher_for(current_user)
    if found is None or not services.may_read(found, p):
        abort(404)
    services.annotate([found])
    return render_template("news/item.html", item=found, levels=LEVEL_LABELS, statuses=STATUS_LABELS,
                           editable=services.may_edit(found, p))


# --------------------------------------------------------------------------- publishing


@bp.get("/manage")
@require(PUBLISH)
def manage():
    p = services.publisher_for(current_user)
    items = services.annotate(list(services.editable(p).limit(200)))
    return render_template("news/manage.html", items=items, levels=LEVEL_LABELS, statuses=STATUS_LABELS)


def _choices(p):
    from eschool.plugin_api import ClassGroup

    return {
        "levels": [(lv, LEVEL_LABELS[lv]) for lv in p.levels()],
        "classes": list(ClassGroup.select(ClassGroup.id, ClassGroup.name).where(ClassGroup.id.in_(sorted(p.classes)))
                        .order_by(ClassGroup.grade, ClassGroup.name)) if p.classes else [],
        "schools": list(School.select(School.id, School.short_name).where(School.id.in_(sorted(p.schools)))
                        .order_by(School.short_name)) if p.schools else [],
        "municipalities": list(Municipality.select().where(Municipality.id.in_(sorted(p.municipalities)))
                               .order_by(Municipality.name_ru)) if p.municipalities else [],
    }


def _form(p, values, errors, item=None, status=200):
    return render_template("news/form.html", values=values, errors=errors, item=item, **_choices(p)), status


def _picture():
    upload = request.files.get("picture")
    return upload if upload is not None and upload.filename else None


@bp.route("/manage/new", methods=["GET", "POST"])
@require(PUBLISH)
def create():
    p = services.publisher_for(current_user)
    if not p.any:
        abort(403)
    if request.method == "POST":
        values = _posted()
        try:
            services.create(values, p, current_user, publish=request.form.get("action") == "publish",
                            picture=_picture())
        except services.NewsError as exc:
            flash(_("The news item was not saved: correct the marked fields."), "error")
            return _form(p, values, exc.fields, status=exc.status)
        flash(_("Published.") if request.form.get("action") == "publish" else _("Saved as a draft."), "success")
        return redirect(url_for("news.manage"))
    defaults = {"level": p.levels()[0]}
    for key, ids in (("class_id", p.classes), ("school_id", p.schools), ("municipality_id", p.municipalities)):
        if len(ids) == 1:  # the one place the user publishes for is chosen already
            defaults[key] = next(iter(ids))
    return _form(p, defaults, {})


def _editable(item_id: int):
    found = services.get(item_id)
    p = services.publisher_for(current_user)
    if found is None or not services.may_read(found, p):
        abort(404)
    if not services.may_edit(found, p):
        abort(403)
    return found, p


@bp.route("/manage/<int:item_id>/edit", methods=["GET", "POST"])
@require(PUBLISH)
def edit(item_id: int):
    found, p = _editable(item_id)
    if request.method == "POST":
        values = _posted()
        try:
            services.update(found, values, p, picture=_picture(), user=current_user)
        except services.NewsError as exc:
            flash(_("The news item was not saved: correct the marked fields."), "error")
            return _form(p, values, exc.fields, found, status=exc.status)
        flash(_("Saved."), "success")
        return redirect(url_for("news.manage"))
    services.annotate([found])
    values = {"title": found.title, "body": found.body, "level": found.level, "class_id": found.class_group_id,
              "school_id": found.school_id, "municipality_id": found.municipality_id}
    return _form(p, values, {}, found)


@bp.post("/manage/<int:item_id>/status")
@require(PUBLISH)
def change_status(item_id: int):
    found, _p = _editable(item_id)
    action = request.form.get("action", "")
    if action == "publish":
        services.publish(found)
        flash(_("Published."), "success")
    elif action == "unpublish":
        services.unpublish(found)
        flash(_("Taken back to drafts."), "success")
    elif action == "delete":
        services.delete(found)
        flash(_("The news item was deleted."), "success")
    else:
        flash(_("Unknown action."), "error")
    return redirect(url_for("news.manage"))
