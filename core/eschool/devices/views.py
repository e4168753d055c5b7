"""Devices: the school administrator's page (issue, list, revoke) and the one-time login link."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import public, require
from eschool.devices import services
from eschool.structure.services import school_by_id

MANAGE = "devices.manage"
bp = Blueprint("devices", __name__, url_prefix="/school/<int:school_id>/devices")
login_bp = Blueprint("device_login", __name__)


def _page(school, status=200, **extra):
    infos = current_app.extensions["eschool"].plugins.infos
    return render_template("devices/devices.html", school=school, devices=services.devices_of(school.id),
                           purposes=[(code, str(infos[code].name)) for code in services.purposes()],
                           names={code: str(info.name) for code, info in infos.items()},
                           errors=extra.pop("errors", {}), **extra), status


@bp.get("")
@require(MANAGE)
def index(school_id: int):
    school = school_by_id(school_id) or abort(404)
    return _page(school)


@bp.post("")
@require(MANAGE)
def issue(school_id: int):
    """Issue a token; the token and the login link are shown on this answer only."""
    school = school_by_id(school_id) or abort(404)
    try:
        token, link, row = services.issue(school, request.form.get("purpose", ""), request.form.get("name", ""),
                                          actor=current_user)
    except services.DeviceError as exc:
        return _page(school, 400, errors={exc.field: [str(exc.message)]}, entered=request.form)
    return _page(school, issued=row, token=token,
                 link=url_for("device_login.login", code=link, _external=True))


@bp.post("/<int:device_id>/revoke")
@require(MANAGE)
def revoke(school_id: int, device_id: int):
    if not services.revoke(school_id, device_id):
        abort(404)
    flash(_("The device is signed out and its token no longer works."), "success")
    return redirect(url_for("devices.index", school_id=school_id))


@login_bp.get("/device/login/<code>")
@public
def login(code: str):
    """The one-time login link: this browser becomes the device (until the token is revoked)."""
    row = services.redeem_link(code)
    if row is None:
        abort(404)
    session.clear()
    session[services.SESSION_KEY] = row.id
    g._login_user = services.DeviceUser(row)
    return render_template("devices/signed_in.html", device=row)


def load_device() -> None:
    """Before each request: ``Authorization: Device <token>`` or a device session makes ``current_user``
    the device (a revoked token: the session ends)."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "device ":
        row = services.device_for_token(header[7:].strip())
        if row is not None:
            g._login_user = services.DeviceUser(row)
        return
    if services.SESSION_KEY in session:
        row = services.device_by_id(session.get(services.SESSION_KEY))
        if row is None:
            session.pop(services.SESSION_KEY, None)
        else:
            g._login_user = services.DeviceUser(row)
