"""Marshmallow's built-in error messages, made translatable.

marshmallow ships English messages ("Missing data for required field."). ``install()`` replaces the
common ones with lazy strings from our catalog, so a field error reads in the user's language in
the API and on the pages alike. Fields copy their class's messages when they are created, so
``install()`` runs when the ``eschool`` package is imported, before any schema class exists; ``as_text`` turns an error dict's lazy strings into plain text.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

_installed = False


def install() -> None:
    """Swap marshmallow's default messages for translatable ones (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    fields.Field.default_error_messages.update({
        "required": _l("This field is required."),
        "null": _l("This field may not be empty."),
        "validator_failed": _l("This value is not valid."),
    })
    fields.String.default_error_messages.update({"invalid": _l("Enter text.")})
    fields.Integer.default_error_messages.update({"invalid": _l("Enter a whole number.")})
    fields.Number.default_error_messages.update({"invalid": _l("Enter a number."),
                                                 "too_large": _l("This number is too large.")})
    fields.Boolean.default_error_messages.update({"invalid": _l("Enter yes or no.")})
    fields.Date.default_error_messages.update({"invalid": _l("Enter a date as YYYY-MM-DD.")})
    fields.DateTime.default_error_messages.update({"invalid": _l("Enter a date and time.")})
    fields.Email.default_error_messages.update({"invalid": _l("Enter a valid e-mail address.")})
    fields.List.default_error_messages.update({"invalid": _l("Enter a list.")})
    fields.Dict.default_error_messages.update({"invalid": _l("Enter an object.")})
    fields.Nested.default_error_messages.update({"type": _l("Enter an object.")})
    validate.Email.default_message = _l("Enter a valid e-mail address.")
    validate.Length.message_min = _l("Enter at least {min} characters.")
    validate.Length.message_max = _l("Enter at most {max} characters.")
    validate.Length.message_all = _l("Enter between {min} and {max} characters.")
    validate.Length.message_equal = _l("Enter exactly {equal} characters.")
    validate.Range.message_min = _l("Enter {min} or more.")
    validate.Range.message_max = _l("Enter {max} or less.")
    validate.Range.message_all = _l("Enter a value from {min} to {max}.")
    validate.Range.message_gte = _l("Enter {min} or more.")
    validate.Range.message_lte = _l("Enter {max} or less.")
    validate.Range.message_gt = _l("Enter more than {min}.")
    validate.Range.message_lt = _l("Enter less than {max}.")
    validate.OneOf.default_message = _l("Choose one of: {choices}.")
    validate.Regexp.default_message = _l("This value has the wrong format.")


def as_text(messages):
    """Errors as JSON-ready text: lazy strings rendered in the current language."""
    if isinstance(messages, dict):
        # A lazy message is not a str, so marshmallow keeps it bare instead of in a list.
        return {str(k): as_text(v) if isinstance(v, dict | list | tuple) else [str(v)]
                for k, v in messages.items()}
    if isinstance(messages, list | tuple):
        return [as_text(m) for m in messages]
    return str(messages)
