"""One error format for the API: ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eschool.web.errors import PageError


class ApiError(Exception):
    """An API refusal. ``current`` (a stale edit's 409) carries the value now stored, so a client can
    show it instead of silently overwriting it."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, current=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}
        self.current = current


def error_response(status: int, code: str, message: str, fields: dict | None = None, current=None):
    body = {"code": code, "message": message, "fields": fields or {}}
    if current is not None or code == "stale":
        body["current"] = current
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="eschool"'
    return response


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests"}


def _message_for(status: int) -> str:
    return {
        400: _("The request is not valid."),
        401: _("Log in first."),
        403: _("You do not have permission to do this here."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("Someone else changed this in the meantime."),
        413: _("The upload is too large."),
        429: _("Too many requests; try again later."),
    }.get(status, _("Something went wrong."))


def register_error_handlers(app) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.current)

    @app.errorhandler(PageError)
    def _page_error(exc: PageError):
        if request.path.startswith("/api/"):
            return error_response(exc.status, HTTP_CODES.get(exc.status, "error"), exc.message)
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        from eschool.ops.security import security_event

        security_event("csrf_rejected", reason=exc.description)
        message = _("The form expired or was sent from elsewhere. Reload the page and send it again.")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        # the exception's own headers travel on (a 405's Allow, a 401's WWW-Authenticate); its body does not
        headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
        if request.path.startswith("/api/"):
            response = error_response(status, HTTP_CODES.get(status, "error"), _message_for(status))
            response.headers.update(headers)
            return response
        return render_template("errors/error.html", status=status, message=_message_for(status)), status, headers
