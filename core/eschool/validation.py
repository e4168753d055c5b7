"""Marshmallow's built-in error messages, made translatable.

marshmallow ships English messages ("Missing data for required field."). ``install()`` replaces the
common ones with :class:`LazyText` messages from our catalog, so a field error reads in the user's
language in the API and on the pages alike. Fields copy their class's messages when they are
created, so ``install()`` runs when the ``eschool`` package is imported, before any schema class
exists; ``as_text`` turns an error dict into plain text in the current language.
"""
from __future__ import annotations

from flask_babel import gettext
from marshmallow import Schema, fields, validate

_installed = False


class LazyText(str):
    """A message id that is translated (and formatted) only when it is shown.

    It is a ``str`` so marshmallow treats it as a message (it formats some messages at import
    time, long before a request says which language to use); ``str(message)`` translates.
    """

    def __new__(cls, msgid: str, **kwargs):
        obj = super().__new__(cls, msgid)
        obj.msgid, obj.kwargs = msgid, kwargs
        return obj

    def format(self, *_args, **kwargs):
        return LazyText(self.msgid, **{**self.kwargs, **kwargs})

    def __str__(self) -> str:
        try:
            text = gettext(self.msgid)
        except (RuntimeError, KeyError, AttributeError):  # no app: the English id
            text = self.msgid
        try:
            return text.format(**self.kwargs)
        except (KeyError, IndexError, ValueError):
            return text


N_ = LazyText  # the extraction keyword


def install() -> None:
    """Swap marshmallow's default messages for translatable ones (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    Schema._default_error_messages = {**Schema._default_error_messages,
                                      "type": N_("Send an object."), "unknown": N_("Unknown field.")}
    fields.Field.default_error_messages.update({
        "required": N_("This field is required."),
        "null": N_("This field may not be empty."),
        "validator_failed": N_("This value is not valid."),
    })
    fields.String.default_error_messages.update({"invalid": N_("Enter text.")})
    fields.Integer.default_error_messages.update({"invalid": N_("Enter a whole number.")})
    fields.Integer._format_num = _stored_integer
    fields.Number.default_error_messages.update({"invalid": N_("Enter a number."),
                                                 "too_large": N_("This number is too large.")})
    fields.Boolean.default_error_messages.update({"invalid": N_("Enter yes or no.")})
    fields.Date.default_error_messages.update({"invalid": N_("Enter a date as YYYY-MM-DD.")})
    fields.DateTime.default_error_messages.update({"invalid": N_("Enter a date and time.")})
    fields.Email.default_error_messages.update({"invalid": N_("Enter a valid e-mail address.")})
    fields.List.default_error_messages.update({"invalid": N_("Enter a list.")})
    fields.Dict.default_error_messages.update({"invalid": N_("Enter an object.")})
    fields.Nested.default_error_messages.update({"type": N_("Enter an object.")})
    validate.Email.default_message = N_("Enter a valid e-mail address.")
    validate.Length.message_min = N_("Enter at least {min} characters.")
    validate.Length.message_max = N_("Enter at most {max} characters.")
    validate.Length.message_all = N_("Enter between {min} and {max} characters.")
    validate.Length.message_equal = N_("Enter exactly {equal} characters.")
    validate.Range.message_min = N_("Enter {min} or more.")
    validate.Range.message_max = N_("Enter {max} or less.")
    validate.Range.message_all = N_("Enter a value from {min} to {max}.")
    validate.OneOf.default_message = N_("Choose one of: {choices}.")
    validate.Regexp.default_message = N_("This value has the wrong format.")


def _stored_integer(self, value) -> int:
    """Every Integer field takes only what the database can store (``db.integer_range``): a larger
    number (an id of 2**64, a page of 10**20) is this field's "too large" error, never a driver error.
    marshmallow turns the OverflowError into the field's ``too_large`` message."""
    from eschool.db import integer_range

    number = int(value)
    low, high = integer_range()
    if not low <= number <= high:
        raise OverflowError(f"{number} is outside {low}..{high}")
    return number


def as_text(messages):
    """Errors as JSON-ready text: each message rendered in the current language, always in lists."""
    if isinstance(messages, dict):
        return {str(k): as_text(v) if isinstance(v, dict | list | tuple) else [_text(v)]
                for k, v in messages.items()}
    if isinstance(messages, list | tuple):
        return [as_text(m) if isinstance(m, dict | list | tuple) else _text(m) for m in messages]
    return _text(messages)


def _text(message) -> str:
    return str.__str__(str(message)) if isinstance(message, str) else str(message)
