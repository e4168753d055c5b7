"""Kiosk pages: the staff's editing pages and the kiosk's full-screen display (its shell and service worker)."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from eschool.plugin_api import (
    AttachmentError,
    PageError,
    as_text,
    attachments,
    has_permission,
    public,
    render_markdown,
    require,
    school_by_id,
)
from eschool_kiosk import services
from eschool_kiosk.schemas import PageInSchema, SectionInSchema

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk/school/<int:school_id>")


@bp.context_processor
def _helpers():
    return {"title_of": services.title_of}
EDIT, MANAGE = services.EDIT, services.MANAGE
STATIC = Path(__file__).parent / "static"
#: The display page's policy: the core's, plus pictures the script loads with the device token (blob:) and
#: the service worker.
SCREEN_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
              "worker-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
              "frame-ancestors 'self'")


def _school(school_id: int):
    return school_by_id(school_id) or abort(404)


def _section(school_id: int, section_id: int):
    section = services.section_of(school_id, section_id)
    if section is None:
        abort(404)
    if not services.may_edit(current_user, section):
        raise PageError(403, _("Your position does not allow you to edit this section."))
    return section


def _page(section, page_id: int):
    page = services.page_of(section, page_id)
    if page is None:
        abort(404)
    return page


# --------------------------------------------------------------------------- staff pages


@bp.get("/")
@require(EDIT)
def index(school_id: int):
    """The six sections, which ones the user edits, and (for the administrator) how to set up a kiosk."""
    school = _school(school_id)
    sections = services.ensure_sections(school)
    editable = services.editable_sections(current_user, sections)
    counts = services.page_counts([s.id for s in sections])
    return render_template("kiosk/index.html", school=school, sections=sections, editable=editable, counts=counts,
                           positions=services.staff_positions(), kinds=services.KINDS,
                           manage=services.may_manage(current_user, school_id),
                           devices=has_permission(current_user, "devices.manage"))


@bp.get("/sections/<int:section_id>")
@require(EDIT)
def section(school_id: int, section_id: int):
    school = _school(school_id)
    row = _section(school_id, section_id)
    return _section_page(school, row)


def _section_page(school, row, errors=None, status=200):
    return render_template("kiosk/section.html", school=school, section=row, pages=services.pages_of(row),
                           positions=services.staff_positions(), kinds=services.KINDS, errors=errors or {},
                           manage=services.may_manage(current_user, school.id)), status


@bp.post("/sections/<int:section_id>/settings")
@require(MANAGE)
def section_settings(school_id: int, section_id: int):
    school = _school(school_id)
    row = services.section_of(school_id, section_id) or abort(404)
    try:
        data = SectionInSchema().load({"title": request.form.get("title", ""),
                                       "editor_roles": request.form.getlist("editor_roles")})
        services.update_section(row, data)
    except ValidationError as exc:
        return _section_page(school, row, errors=as_text(exc.messages), status=400)
    except services.KioskError as exc:
        return _section_page(school, row, errors={exc.field: [str(exc.message)]}, status=400)
    flash(_("Saved."), "success")
    return redirect(url_for("kiosk.section", school_id=school_id, section_id=section_id))


def _page_form(school, section, page=None, errors=None, entered=None, status=200):
    pictures = services.pictures_of([page.id])[page.id] if page else []
    body = (entered or {}).get("body", page.body if page else "")
    return render_template("kiosk/page_form.html", school=school, section=section, page=page, pictures=pictures,
                           errors=errors or {}, entered=entered, preview=render_markdown(body),
                           picture_url=attachments.url), status


def _form_data() -> dict:
    return {"title": request.form.get("title", ""), "body": request.form.get("body", ""),
            "published": bool(request.form.get("published")), "slideshow": bool(request.form.get("slideshow"))}


@bp.route("/sections/<int:section_id>/pages/new", methods=["GET", "POST"])
@require(EDIT)
def new_page(school_id: int, section_id: int):
    school = _school(school_id)
    row = _section(school_id, section_id)
    if request.method == "POST":
        entered = _form_data()
        try:
            page = services.save_page(row, PageInSchema().load(entered), user=current_user)
        except ValidationError as exc:
            return _page_form(school, row, errors=as_text(exc.messages), entered=entered, status=400)
        flash(_("The page is saved."), "success")
        return redirect(url_for("kiosk.edit_page", school_id=school_id, section_id=section_id, page_id=page.id))
    return _page_form(school, row, entered={"published": True, "slideshow": row.kind == "announcements"})


@bp.route("/sections/<int:section_id>/pages/<int:page_id>", methods=["GET", "POST"])
@require(EDIT)
def edit_page(school_id: int, section_id: int, page_id: int):
    school = _school(school_id)
    row = _section(school_id, section_id)
    page = _page(row, page_id)
    if request.method == "POST":
        entered = _form_data()
        try:
            services.save_page(row, PageInSchema().load(entered), user=current_user, page=page)
        except ValidationError as exc:
            return _page_form(school, row, page, errors=as_text(exc.messages), entered=entered, status=400)
        flash(_("The page is saved."), "success")
        return redirect(url_for("kiosk.edit_page", school_id=school_id, section_id=section_id, page_id=page.id))
    return _page_form(school, row, page)


@bp.post("/sections/<int:section_id>/pages/<int:page_id>/delete")
@require(EDIT)
def delete_page(school_id: int, section_id: int, page_id: int):
    row = _section(school_id, section_id)
    services.delete_page(_page(row, page_id))
    flash(_("The page is deleted."), "success")
    return redirect(url_for("kiosk.section", school_id=school_id, section_id=section_id))


@bp.post("/sections/<int:section_id>/pages/<int:page_id>/pictures")
@require(EDIT)
def add_picture(school_id: int, section_id: int, page_id: int):
    school = _school(school_id)
    row = _section(school_id, section_id)
    page = _page(row, page_id)
    storage = request.files.get("file")
    try:
        if storage is None or not storage.filename:
            raise services.KioskError("file", _("Choose a picture."))
        services.add_picture(page, storage, user=current_user)
    except (AttachmentError, services.KioskError) as exc:
        return _page_form(school, row, page, errors={exc.field: [str(exc.message)]}, status=400)
    flash(_("The picture is added."), "success")
    return redirect(url_for("kiosk.edit_page", school_id=school_id, section_id=section_id, page_id=page_id))


@bp.post("/sections/<int:section_id>/pages/<int:page_id>/pictures/<int:attachment_id>/delete")
@require(EDIT)
def remove_picture(school_id: int, section_id: int, page_id: int, attachment_id: int):
    row = _section(school_id, section_id)
    if not services.remove_picture(_page(row, page_id), attachment_id):
        abort(404)
    flash(_("The picture is removed."), "success")
    return redirect(url_for("kiosk.edit_page", school_id=school_id, section_id=section_id, page_id=page_id))


# --------------------------------------------------------------------------- the kiosk's display


@bp.get("/screen")
@public
def screen(school_id: int):
    """The display's shell: no content of its own (everything comes from ``/api/v1/kiosk/.../screen`` with the
    device token, or the device session of the one-time link), so anyone may load it; a kiosk without a
    valid token shows only a notice. 404 where the kiosk is off for the school (the core's guard). It speaks
    the browser's language like every page, or the one its address names (``?lang=ru``)."""
    school = _school(school_id)
    lang = services.screen_locale(request.args.get("lang"))
    with force_locale(lang):
        html = render_template(
            "kiosk/screen.html", school_id=school.id, current_locale=lang,
            data_url=url_for("kiosk_api.screen", school_id=school.id, lang=lang),
            picture_base=url_for("kiosk_api.picture", school_id=school.id, attachment_id=0)[:-1],
            worker_url=url_for("kiosk.worker", school_id=school.id),
            idle=request.args.get("idle", type=int), slide=request.args.get("slide", type=int))
    answer = make_response(html)
    answer.headers["Content-Security-Policy"] = SCREEN_CSP
    answer.headers["Cache-Control"] = "no-cache"
    return answer


@bp.get("/sw.js")
@public
def worker(school_id: int):
    """The kiosk's service worker (the plugin's static file), served inside the display's path so that it
    may control the display (a worker controls only pages under its own folder)."""
    _school(school_id)
    answer = send_file(STATIC / "kiosk-sw.js", mimetype="text/javascript", max_age=0)
    answer.headers["Cache-Control"] = "no-cache"
    return answer
