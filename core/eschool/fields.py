"""Marshmallow fields for the values the JSON API sends, so that what it sends is what its OpenAPI
document says (schemathesis checks both in tests/test_api_fuzz.py).

- :class:`Number`: a decimal (a mark's weight, hours per week, an average) read exactly as a ``Decimal``
  with its places, and sent as a JSON number, not a string. The document says ``type: number`` with
  numeric ``minimum``/``maximum``.
- :class:`UtcDateTime`: an instant. The database keeps instants in UTC without a time zone
  (``db.utcnow``); this sends them as RFC 3339 date-times with their offset (``...+00:00``), as
  ``format: date-time`` requires, so a client never reads UTC as its local time.
"""
from __future__ import annotations

import datetime as dt

from marshmallow import fields


class Number(fields.Decimal):
    """A decimal in, a JSON number out."""

    def __init__(self, places: int | None = None, **kwargs):
        kwargs.pop("as_string", None)
        super().__init__(places=places, as_string=False, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        number = super()._serialize(value, attr, obj, **kwargs)
        return None if number is None else float(number)


class UtcDateTime(fields.DateTime):
    """An instant stored in UTC without a time zone, sent with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)
