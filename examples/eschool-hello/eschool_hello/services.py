"""The board's rules: what a greeting may say and how many are shown."""
from flask import current_app
from flask_babel import lazy_gettext as _l

from eschool_hello.models import Greeting


class GreetingError(ValueError):
    """A greeting the rules refuse; the message names what is wrong."""


def board_size() -> int:
    return current_app.extensions["eschool"].plugins.settings["hello"]["board_size"]


def board(school):
    """The newest greetings of a school, as many as the region's ``board_size``."""
    return list(Greeting.select().where(Greeting.school == school)
                .order_by(Greeting.created_at.desc(), Greeting.id.desc()).limit(board_size()))


def greet(school, text: str, author: str = "") -> Greeting:
    text = (text or "").strip()
    if not 2 <= len(text) <= 200:
        raise GreetingError(_l("A greeting has from 2 to 200 characters."))
    return Greeting.create(school=school, text=text, author=author)
