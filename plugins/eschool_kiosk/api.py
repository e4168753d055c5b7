"""The kiosk over ``/api/v1/kiosk``: the screen's data and pictures (device token), sections and pages (staff)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    AttachmentError,
    attachments,
    doc,
    load_json,
    load_query,
    refused,
    require,
    school_or_404,
)
from eschool_kiosk import services
from eschool_kiosk.schemas import (
    PageInSchema,
    PageOutSchema,
    PictureOutSchema,
    ScreenOutSchema,
    ScreenQuerySchema,
    SectionInSchema,
    SectionOutSchema,
)

bp = Blueprint("kiosk_api", __name__, url_prefix=f"{API_PREFIX}/kiosk")
TAGS = ["kiosk"]
DISPLAY, EDIT, MANAGE = "kiosk.display", services.EDIT, services.MANAGE


def picture_url(school_id: int):
    return lambda attachment_id: url_for("kiosk_api.picture", school_id=school_id, attachment_id=attachment_id)


# --------------------------------------------------------------------------- the screen (device token)


@bp.get("/school/<int:school_id>/screen")
@require(DISPLAY)
@doc(summary="Everything the kiosk shows: sections and pages, slideshow, today's timetable and substitutions "
             "(a device token of the school's kiosk)", response=ScreenOutSchema, query=ScreenQuerySchema, tags=TAGS)
def screen(school_id: int):
    school = school_or_404(school_id)
    args = load_query(ScreenQuerySchema())
    with force_locale(services.screen_locale(args["lang"])):
        data = ScreenOutSchema().dump(services.screen(school, picture_url(school_id)))
    # UTF-8 as it is (not \u escapes): a third of the size for Russian text, polled by every kiosk
    answer = current_app.response_class(current_app.json.dumps(data, ensure_ascii=False),
                                        mimetype="application/json")
    answer.headers["Cache-Control"] = "private, no-cache"
    return answer


@bp.get("/school/<int:school_id>/pictures/<int:attachment_id>")
@require(DISPLAY)
@doc(summary="A picture of a kiosk page (a device token of the school's kiosk)", tags=TAGS,
     description="The image itself (PNG, JPEG or GIF).")
def picture(school_id: int, attachment_id: int):
    school_or_404(school_id)
    row = services.picture_of(school_id, attachment_id)
    if row is None:
        raise ApiError(404, "not_found", _("Not found."))
    answer = send_file(attachments.open_file(row), mimetype=row.content_type, max_age=86400, conditional=True)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer


# --------------------------------------------------------------------------- sections and pages (staff)


def _section(school_id: int, section_id: int, edit: bool = True):
    school_or_404(school_id)
    section = services.section_of(school_id, section_id)
    if section is None:
        raise ApiError(404, "not_found", _("Not found."))
    if edit and not services.may_edit(current_user, section):
        raise ApiError(403, "forbidden", _("Your position does not allow you to edit this section."))
    return section


def _page_out(page, pictures):
    return {"id": page.id, "section_id": page.section_id, "title": page.title, "body": page.body,
            "published": page.published, "slideshow": page.slideshow, "position": page.position,
            "updated_at": page.updated_at,
            "pictures": [{"id": a.id, "url": attachments.url(a), "name": a.original_name} for a in pictures]}


@bp.get("/school/<int:school_id>/sections")
@require(EDIT)
@doc(summary="The school's six kiosk sections, with whether the caller may edit each", response=SectionOutSchema,
     many=True, tags=TAGS)
def sections(school_id: int):
    school = school_or_404(school_id)
    rows = services.ensure_sections(school)
    editable = services.editable_sections(current_user, rows)
    for s in rows:
        s.editable = s.id in editable
    return jsonify(SectionOutSchema().dump(rows, many=True))


@bp.patch("/school/<int:school_id>/sections/<int:section_id>")
@require(MANAGE)
@doc(summary="Rename a section or choose the positions that edit it (the school administrator)",
     request=SectionInSchema, response=SectionOutSchema, tags=TAGS)
def update_section(school_id: int, section_id: int):
    section = _section(school_id, section_id, edit=False)
    data = load_json(SectionInSchema(), partial=True)
    try:
        services.update_section(section, data)
    except services.KioskError as exc:
        raise refused(exc) from exc
    section.editable = True
    return jsonify(SectionOutSchema().dump(section))


@bp.get("/school/<int:school_id>/sections/<int:section_id>/pages")
@require(EDIT)
@doc(summary="A section's pages, drafts included (its editors)", response=PageOutSchema, many=True, tags=TAGS)
def pages(school_id: int, section_id: int):
    section = _section(school_id, section_id)
    rows = services.pages_of(section)
    pictures = services.pictures_of([p.id for p in rows])
    return jsonify(PageOutSchema().dump([_page_out(p, pictures[p.id]) for p in rows], many=True))


@bp.post("/school/<int:school_id>/sections/<int:section_id>/pages")
@require(EDIT)
@doc(summary="Add a page to a section (its editors)", request=PageInSchema, response=PageOutSchema, status=201,
     tags=TAGS)
def create_page(school_id: int, section_id: int):
    section = _section(school_id, section_id)
    page = services.save_page(section, load_json(PageInSchema()), user=current_user)
    return jsonify(PageOutSchema().dump(_page_out(page, []))), 201


def _page(school_id: int, section_id: int, page_id: int):
    section = _section(school_id, section_id)
    page = services.page_of(section, page_id)
    if page is None:
        raise ApiError(404, "not_found", _("Not found."))
    return section, page


@bp.patch("/school/<int:school_id>/sections/<int:section_id>/pages/<int:page_id>")
@require(EDIT)
@doc(summary="Change a page (its section's editors)", request=PageInSchema, response=PageOutSchema, tags=TAGS)
def update_page(school_id: int, section_id: int, page_id: int):
    section, page = _page(school_id, section_id, page_id)
    services.save_page(section, load_json(PageInSchema(), partial=True), user=current_user, page=page)
    return jsonify(PageOutSchema().dump(_page_out(page, services.pictures_of([page.id])[page.id])))


@bp.delete("/school/<int:school_id>/sections/<int:section_id>/pages/<int:page_id>")
@require(EDIT)
@doc(summary="Delete a page with its pictures (its section's editors)", status=204, tags=TAGS)
def delete_page(school_id: int, section_id: int, page_id: int):
    _section_row, page = _page(school_id, section_id, page_id)
    services.delete_page(page)
    return "", 204


@bp.post("/school/<int:school_id>/sections/<int:section_id>/pages/<int:page_id>/pictures")
@require(EDIT)
@doc(summary="Add a picture to a page (multipart field 'file': PNG, JPEG or GIF, at most 5 MB)",
     response=PictureOutSchema, status=201, tags=TAGS)
def add_picture(school_id: int, section_id: int, page_id: int):
    _section_row, page = _page(school_id, section_id, page_id)
    storage = request.files.get("file")
    if storage is None:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a picture.")]})
    try:
        row = services.add_picture(page, storage, user=current_user)
    except (AttachmentError, services.KioskError) as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={exc.field: [str(exc.message)]}) from exc
    return jsonify(PictureOutSchema().dump({"id": row.id, "url": attachments.url(row), "name": row.original_name})), 201


@bp.delete("/school/<int:school_id>/sections/<int:section_id>/pages/<int:page_id>/pictures/<int:attachment_id>")
@require(EDIT)
@doc(summary="Remove a picture from a page", status=204, tags=TAGS)
def remove_picture(school_id: int, section_id: int, page_id: int, attachment_id: int):
    _section_row, page = _page(school_id, section_id, page_id)
    if not services.remove_picture(page, attachment_id):
        raise ApiError(404, "not_found", _("Not found."))
    return "", 204
