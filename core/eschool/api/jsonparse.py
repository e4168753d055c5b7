"""The app's JSON provider: a body too deeply nested to parse is malformed JSON, not a server error.

Python's JSON decoder raises RecursionError (not ValueError) on arrays or objects nested a few thousand
deep. Flask's ``Request.get_json`` turns only ValueError into "not JSON" (``None`` with ``silent=True``,
else 400), so the provider's ``loads`` turns that RecursionError into a ValueError: every place that reads
a request's JSON, the unauthenticated token endpoint included, answers 400 in the API's error format.
"""
from __future__ import annotations

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    #: Cyrillic as UTF-8, not ``\uXXXX`` escapes: a Russian answer is a third of the size (the diary's week
    #: on a phone) and readable in a log.
    ensure_ascii = False

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply to parse") from exc
