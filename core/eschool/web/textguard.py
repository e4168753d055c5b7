"""No NUL character in any text a request brings: refused at the request's edge, naming the field.

PostgreSQL's text cannot hold the NUL character (code 0): the driver refuses such a string, so a NUL in a
login, a query value or a JSON field would surface as a server error wherever the text reaches a query.
One check before every view (and before the request's scope is looked up from the URL) covers the URL's
own values, the query string, form fields, uploaded files' names and JSON bodies, on both databases alike:

* under ``/api/`` the answer is 400 in the API's error format, ``fields`` naming each field
  (JSON paths nested as marshmallow names them: ``{"items": {"0": {"name": [...]}}}``);
* on a page, the error page (400) names the field.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

NUL = "\x00"


def _json_paths(payload) -> list[tuple]:
    """The paths (keys and list indexes) of every string holding a NUL, keys included; iterative, so a
    deeply nested body cannot exhaust the stack."""
    found, stack = [], [((), payload)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                found.append(path or ("_schema",))
        elif isinstance(value, dict):
            for key, item in value.items():
                if NUL in key:
                    found.append((*path, key.replace(NUL, "\\u0000")))
                else:
                    stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, str(index)), item) for index, item in enumerate(value))
    return sorted(found)


def _nested(paths: list[tuple], message: str) -> dict:
    fields: dict = {}
    for path in paths:
        node = fields
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = [message]
    return fields


def _offending() -> tuple[str, dict] | None:
    """(what was sent, {field: [message]}) for the first part of the request that holds a NUL."""
    message = _("Remove the NUL character (code 0) from this text.")
    path_names = [name for name, value in (request.view_args or {}).items() if isinstance(value, str) and NUL in value]
    if path_names:
        return "path", {name: [message] for name in path_names}
    names = sorted({key for key, value in request.args.items(multi=True) if NUL in key or NUL in value})
    if names:
        return "query", {name.replace(NUL, "\\u0000"): [message] for name in names}
    names = sorted({key for key, value in request.form.items(multi=True) if NUL in key or NUL in value}
                   | {key for key, upload in request.files.items(multi=True) if NUL in key or NUL in (upload.filename or "")})
    if names:
        return "form", {name.replace(NUL, "\\u0000"): [message] for name in names}
    if request.is_json:
        paths = _json_paths(request.get_json(silent=True))
        if paths:
            return "json", _nested(paths, message)
    return None


def register(app) -> None:
    @app.before_request
    def _refuse_nul():
        found = _offending()
        if found is None:
            return None
        where, fields = found
        if request.path.startswith("/api/"):
            from eschool.api.errors import ApiError

            summary = _("Some query parameters are not valid.") if where == "query" else _("Some fields are not valid.")
            raise ApiError(400, "invalid", summary, fields=fields)
        from eschool.web.errors import PageError

        raise PageError(400, _("The field “%(field)s” contains a NUL character (code 0): remove it and send the form "
                               "again.", field=", ".join(fields)))
