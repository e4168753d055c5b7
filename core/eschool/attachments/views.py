"""Serving an attachment: ``/files/<id>`` (pages, session) and ``/api/v1/files/<id>`` (bearer token).

Both are declared public because the owner plugin decides (``eschool_attachment_readable``, asked with
the user, who may be anonymous); a file the user may not read answers 404, as if it did not exist.
"""
from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api.docs import API_PREFIX, doc
from eschool.api.errors import ApiError
from eschool.attachments import services
from eschool.auth.permissions import public

bp = Blueprint("attachments", __name__)
api = Blueprint("attachments_api", __name__, url_prefix=API_PREFIX)


def _send(attachment_id: int, missing):
    row = services.get(attachment_id)
    if row is None or not services.readable(row, current_user):
        return missing()
    path = services.open_file(row)
    if not path.exists():
        return missing()
    inline = row.content_type in services.INLINE_TYPES
    response = send_file(path, mimetype=row.content_type, as_attachment=not inline,
                         download_name=row.original_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/files/<int:attachment_id>")
@public
def file(attachment_id: int):
    """An attachment, to those its owner plugin lets read it (404 to everyone else)."""
    return _send(attachment_id, lambda: abort(404))


def _api_missing():
    raise ApiError(404, "not_found", _("Not found."))


@api.get("/files/<int:attachment_id>")
@public
@doc(summary="Download an attachment (the plugin that owns it decides who may; 404 otherwise)", tags=["files"])
def api_file(attachment_id: int):
    return _send(attachment_id, _api_missing)
