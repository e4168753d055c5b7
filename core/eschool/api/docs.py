"""Describe API endpoints with marshmallow schemas and build the OpenAPI 3 document from them.

The ``doc`` decorator records the schemas on the view; ``openapi_document(app)`` walks
``app.url_map`` and turns every ``/api/v1`` rule into an operation, so plugin endpoints appear too.
"""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from eschool import __version__
from eschool.api.errors import ApiError
from eschool.auth.permissions import PUBLIC, declared_permission
from eschool.validation import as_text

API_PREFIX = "/api/v1"
DOC_ATTR = "_eschool_api_doc"


def doc(summary: str, request: type[Schema] | None = None, response: type[Schema] | None = None,
        query: type[Schema] | None = None, status: int = 200, many: bool = False, paginated: bool = False,
        tags: list[str] | None = None, description: str = "", errors: tuple[int, ...] = ()):
    """Record what an endpoint takes and returns (the single description for the OpenAPI document).

    The error statuses every route of its kind can answer are declared by :func:`openapi_document`
    (see :func:`error_statuses`); ``errors`` adds the ones only this route answers (``POST /auth/token``:
    401 and 429)."""

    def decorator(view):
        setattr(view, DOC_ATTR, {"summary": summary, "request": request, "response": response, "query": query,
                                 "status": status, "many": many, "paginated": paginated, "tags": tags or [],
                                 "description": description, "errors": tuple(errors)})
        return view

    return decorator


def load_json(schema: Schema, partial: bool = False) -> dict:
    """Load the request body through ``schema``; bad input is a 400 naming each field."""
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, "invalid_json", _("Send a JSON object in the request body."))
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields=as_text(exc.messages)) from exc


def load_query(schema: Schema) -> dict:
    try:
        # Several schemas may read one query string (filters, then paging): each takes its own keys.
        return schema.load(request.args.to_dict(), unknown=EXCLUDE)
    except ValidationError as exc:
        raise ApiError(400, "invalid", _("Some query parameters are not valid."),
                       fields=as_text(exc.messages)) from exc


#: The last page one may ask for: with ``size`` at most 500 its offset stays far inside 64 bits.
MAX_PAGE = 2**31 - 1


class PageQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def paginate(query, schema: Schema) -> dict:
    """Page/size pagination with the total: ``{items, total, page, size}``."""
    args = load_query(PageQuerySchema())
    total = query.count()
    items = list(query.paginate(args["page"], args["size"]))
    return {"items": schema.dump(items, many=True), "total": total, "page": args["page"], "size": args["size"]}


def dump(schema: Schema, obj, many: bool = False):
    return schema.dump(obj, many=many)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


ERROR_DESCRIPTIONS = {
    400: "Invalid input: `fields` names each wrong field",
    401: "Not logged in: no token, or a revoked, expired or wrong one",
    403: "Not allowed here (or the password must be changed first)",
    404: "Not found, not visible to you, or the plugin is off there",
    409: "Conflicts with the current state (a closed period, a past year, ...), or `stale`: changed in "
         "the meantime, `current` holds what is stored now",
    413: "The upload is too large",
    429: "Too many requests: wait `Retry-After` seconds",
    503: "Not available on this server (PDF output without WeasyPrint's Pango library): the message says what",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def error_statuses(meta: dict, method: str, has_path_params: bool, public: bool) -> list[int]:
    """The error statuses a route can answer, declared once here for all routes:

    - 400 when it reads input (a body, a query, paging) or writes: bad input is refused naming the field;
    - 401 and 403 unless it is public (no or a bad token; the role does not allow it here);
    - 404 when its path or its query names rows (ids, codes): missing, not visible, or the plugin is off;
    - 409 when it writes: the change contradicts the current state, or somebody saved in between;
    - 413 for every write (a body above the size limit), and whatever ``doc(errors=...)`` adds.
    """
    statuses = set(meta.get("errors", ()))
    if meta["request"] is not None or meta["query"] is not None or meta["paginated"] or method in WRITES:
        statuses.add(400)
    if not public:
        statuses |= {401, 403}
    if has_path_params or meta["query"] is not None:
        statuses.add(404)
    if method in WRITES and not public:
        statuses |= {409, 413}
    return sorted(statuses)


_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def _schema_name(schema) -> str:
    """The schema's component name: the class name without ``Schema``; a plugin's schemas are prefixed
    with its package's name in CamelCase (``eschool_forum.SearchQuerySchema`` -> ``ForumSearchQuery``),
    so two plugins (or a plugin and the core) never share a component."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    name = name[:-6] if name.endswith("Schema") and len(name) > 6 else name
    package = cls.__module__.split(".")[0]
    if package == "eschool" or package.startswith("marshmallow") or package.startswith("apispec"):
        return name
    prefix = "".join(part.capitalize() for part in package.removeprefix("eschool_").split("_") if part)
    return name if name.startswith(prefix) else prefix + name


def openapi_document(app=None, endpoints=None) -> dict:
    """The OpenAPI document of every ``/api/v1`` route that has a ``doc()`` (or only of ``endpoints``)."""
    app = app or current_app
    region = app.extensions["eschool"].region
    spec = APISpec(
        title=f"{region.name('portal', 'en')} API", version=__version__, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Electronic School JSON API. Authenticate with POST /api/v1/auth/token, then send "
                             "'Authorization: Bearer <token>'. Errors: {\"error\": {code, message, fields}}."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX) or endpoints is not None and rule.endpoint not in endpoints:
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, DOC_ATTR, None) or getattr(getattr(view, "__wrapped__", None), DOC_ATTR, None)
        if meta is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        params = [{"name": m.group("name"), "in": "path", "required": True,
                   "schema": {"type": "integer" if m.group("conv") == "int" else "string"}}
                  for m in _CONVERTER.finditer(rule.rule)]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = {"summary": meta["summary"], "operationId": f"{rule.endpoint}.{method.lower()}",
                  "tags": meta["tags"] or [rule.endpoint.split(".")[0]], "parameters": list(params),
                  "responses": {}}
            if meta["description"]:
                op["description"] = meta["description"]
            permission = declared_permission(view)
            op["x-permission"] = permission
            if permission != PUBLIC:
                op["security"] = [{"bearer": []}]
            if meta["query"] is not None:
                op["parameters"].append({"in": "query", "schema": meta["query"]})
            if meta["paginated"]:
                op["parameters"].append({"in": "query", "schema": PageQuerySchema})
            if meta["request"] is not None:
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": meta["request"]}}}
            if meta["response"] is not None:
                schema = meta["response"]
                if meta["paginated"]:
                    body = {"type": "object", "properties": {
                        "items": {"type": "array", "items": schema}, "total": {"type": "integer"},
                        "page": {"type": "integer"}, "size": {"type": "integer"}}}
                    content = {"application/json": {"schema": body}}
                elif meta["many"]:
                    content = {"application/json": {"schema": {"type": "array", "items": schema}}}
                else:
                    content = {"application/json": {"schema": schema}}
                op["responses"][str(meta["status"])] = {"description": "OK", "content": content}
            else:
                op["responses"][str(meta["status"])] = {"description": "OK"}
            for status in error_statuses(meta, method, bool(params), permission == PUBLIC):
                op["responses"][str(status)] = {"description": ERROR_DESCRIPTIONS[status],
                                                "content": {"application/json": {"schema": "Error"}}}
            paths.setdefault(path, {})[method.lower()] = op
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def check_plugin_endpoints(app) -> None:
    """Describe each plugin's API endpoints at start-up, one by one: a ``doc()`` that cannot be turned into
    the OpenAPI document (a query schema used with ``paginated=True`` that clashes, a schema that is not
    a marshmallow schema ...) stops start-up naming the plugin and the endpoint, instead of making
    ``/api/v1/openapi.json`` answer 500 for everybody at its first request. The core's own endpoints
    are described by the test suite."""
    owners = app.extensions["eschool"].blueprint_owners
    rules = [(rule, owners[rule.endpoint.split(".")[0]]) for rule in app.url_map.iter_rules()
             if rule.endpoint.split(".")[0] in owners and rule.rule.startswith(API_PREFIX)]
    try:  # all at once (every start-up); endpoint by endpoint only to name the one that fails
        openapi_document(app, endpoints={rule.endpoint for rule, _ in rules})
        return
    except Exception as exc:  # noqa: BLE001 - named below
        together = exc
    for rule, owner in rules:
        try:
            openapi_document(app, endpoints={rule.endpoint})
        except Exception as exc:  # noqa: BLE001 - whatever apispec or marshmallow raised, named for the author
            raise ApiDocError(f"plugin '{owner}': the API endpoint {rule.endpoint} ({rule.rule}) cannot be "
                              f"described in the OpenAPI document: {type(exc).__name__}: {exc}") from exc
    raise ApiDocError(f"the plugins' API endpoints cannot be described together in the OpenAPI document (each one "
                      f"alone can): {type(together).__name__}: {together}") from together


class ApiDocError(Exception):
    """A plugin's endpoint whose ``doc()`` cannot be described."""
