"""The JSON API base: ``/api/v1``, one error format, schemas, the OpenAPI document.

A plugin's API view looks like this::

    from eschool.api import doc, load_json, API_PREFIX
    from eschool.auth.permissions import require

    bp = Blueprint("vacancies_api", __name__, url_prefix=f"{API_PREFIX}/vacancies")

    @bp.post("")
    @require("vacancies.manage")
    @doc(summary="Create a vacancy", request=VacancyInSchema, response=VacancySchema, status=201)
    def create():
        data = load_json(VacancyInSchema())
        ...
"""
from eschool.api.docs import API_PREFIX, doc, dump, load_json, load_query, paginate
from eschool.api.errors import ApiError

__all__ = ["API_PREFIX", "ApiError", "doc", "dump", "load_json", "load_query", "paginate"]
