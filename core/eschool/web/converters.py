"""Integers taken from URLs and query strings, bounded to what the database stores.

``<int:...>`` in every route (core and plugins) is :func:`database_int_converter`'s converter: an id
beyond the database's integer range (``db.integer_range``) matches no route, so it answers 404 like any
other id that does not exist, instead of reaching the driver (SQLite: OverflowError; PostgreSQL:
integer out of range). ``request.args.get(name, type=stored_int)`` does the same for a query value:
one out of range counts as absent or malformed.
"""
from __future__ import annotations

import builtins

from flask import request
from werkzeug.routing import IntegerConverter

from eschool.db import integer_range


def database_int_converter(database) -> type[IntegerConverter]:
    """The ``int`` converter of an app on ``database``: werkzeug's, with its ``max`` at most the largest
    integer the database stores."""
    largest = integer_range(database)[1]

    class DatabaseIntConverter(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
            super().__init__(map, fixed_digits=fixed_digits, min=min,
                             max=largest if max is None else builtins.min(max, largest), signed=signed)
            if not signed and not fixed_digits:
                # Out of range must not even match the path: werkzeug notes the other methods of a path
                # before it converts, so a value refused in to_python made a 405 (Allow: the path's
                # other methods) of DELETE /journal/lessons/<huge>/attendance instead of a 404.
                self.regex = digits_up_to(self.max)

    return DatabaseIntConverter


def digits_up_to(largest: int) -> str:
    """A regular expression of the decimal numbers from 0 to ``largest`` (no sign, leading zeros allowed
    only below its number of digits): ``digits_up_to(255)`` is 0..99, 000..199, 200..249, 250..254 or 255."""
    text = str(largest)
    options = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            options.append(text[:i] + (f"[0-{int(digit) - 1}]" if digit != "1" else "0") + rf"\d{{{len(text) - i - 1}}}")
    options.append(text)
    return "(?:" + "|".join(options) + ")"


def stored_int(text: str) -> int:
    """``int(text)`` if the database can store it, else ValueError (``request.args.get(..., type=...)``
    then gives the default)."""
    number = int(text)
    low, high = integer_range()
    if not low <= number <= high:
        raise ValueError(f"{number} is outside {low}..{high}")
    return number


def query_number(name: str) -> int | None:
    """The query value ``name`` as a whole number from 0 the database can store, else None (absent,
    malformed, negative or too large: the page shows its default)."""
    value = request.args.get(name, "")
    if not value.isascii() or not value.isdigit():
        return None
    try:
        return stored_int(value)
    except ValueError:  # beyond the database's integers, or more digits than int() reads
        return None
