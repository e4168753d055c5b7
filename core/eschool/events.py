"""Plugin events: queued while a transaction runs, delivered after the outermost commit.

The one place events go through (``eschool.plugins.services.fire_event`` hands them here):

* **Outside a transaction** (an autocommitted write) an event is delivered at once.
* **Inside a transaction** it waits in a queue of the thread (peewee keeps one connection per
  thread, so this is also the connection's queue) and is delivered when the *outermost* transaction
  commits; a rolled-back savepoint (a nested ``db.atomic()`` that failed) drops the events queued
  inside it, and a rollback of the whole transaction drops them all. An event is never delivered for
  a change that was not committed.
* **Each plugin separately**: a handler's exception is logged (logger ``eschool.events``, with the
  plugin and the event) and swallowed: the other plugins still get the event, and the change the user
  made stands (it is committed already).
* **Per application**: an event keeps the application it was fired in and the handlers of the plugins
  on in its scope there; delivery runs in that application's context.

The database classes of ``eschool.db`` (the proxy ``db`` and the databases ``open_database`` makes)
use :class:`EventfulTransaction` and :class:`EventfulSavepoint`, which tell this module when a
transaction begins, commits or rolls back. In a ``db.manual_commit()`` block (which the core never
uses) events are delivered at once.
"""
from __future__ import annotations

import logging
import threading
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, field

import peewee
from flask import current_app, g, has_app_context, has_request_context

log = logging.getLogger("eschool.events")

_local = threading.local()

#: ``actor`` left out by the caller: the user of the current request (None outside a request).
REQUEST_USER = object()


@dataclass
class Pending:
    """One event waiting for its commit: the app, the hook and the handlers to call."""

    app: object
    hook: str
    impls: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    database: object = None


def _queue() -> list[Pending]:
    queue = getattr(_local, "queue", None)
    if queue is None:
        queue = _local.queue = []
    return queue


def pending() -> list[Pending]:
    """The events of this thread waiting for a commit (a copy; for tests and diagnostics)."""
    return list(_queue())


# --------------------------------------------------------------------------- the transaction's side


def transaction_begins() -> None:
    """The outermost transaction begins: nothing left from an earlier one may ride on its commit."""
    _queue().clear()


def mark() -> int:
    """Where a savepoint begins in the queue."""
    return len(_queue())


def savepoint_rolled_back(position: int) -> None:
    """Drop the events queued since the savepoint began (the ones before it stay)."""
    del _queue()[position:]


def committed() -> None:
    """The transaction committed: deliver what it queued, in the order it was fired."""
    queue = _queue()
    todo, queue[:] = list(queue), []
    for item in todo:
        deliver(item)


def rolled_back() -> None:
    """The whole transaction rolled back: its events are never delivered."""
    _queue().clear()


class EventfulTransaction(peewee._transaction):
    """peewee's transaction telling the queue about its begin, commit and rollback."""

    def __enter__(self):
        if self.db.transaction_depth() == 0:
            transaction_begins()
        return super().__enter__()

    def commit(self, begin=True):
        super().commit(begin)
        committed()

    def rollback(self, begin=True):
        try:
            super().rollback(begin)
        finally:
            rolled_back()


class EventfulSavepoint(peewee._savepoint):
    """peewee's savepoint dropping the events queued inside it when it is rolled back."""

    def _begin(self):
        self._events_mark = mark()
        super()._begin()

    def rollback(self, begin=True):
        try:
            super().rollback(begin)
        finally:
            savepoint_rolled_back(getattr(self, "_events_mark", 0))


class EventfulDatabase:
    """Mixin for a peewee ``Database`` class: its transactions and savepoints keep the event queue."""

    def transaction(self, *args, **kwargs):
        return EventfulTransaction(self, *args, **kwargs)

    def savepoint(self):
        return EventfulSavepoint(self)


class EventfulProxy(EventfulDatabase, peewee.DatabaseProxy):
    """The ``eschool.db.db`` proxy: ``db.atomic()`` builds its transactions through these methods (no
    ``__slots__`` of its own: peewee's proxy checks attribute names against the nearest ``__slots__``)."""


_classes: dict[type, type] = {}


def eventful(database_class: type) -> type:
    """``database_class`` with :class:`EventfulDatabase` mixed in (one subclass per class)."""
    if issubclass(database_class, EventfulDatabase):
        return database_class
    if database_class not in _classes:
        _classes[database_class] = type(f"Eventful{database_class.__name__}", (EventfulDatabase, database_class), {})
    return _classes[database_class]


def in_tracked_transaction(database) -> bool:
    """True when a write now would be committed later by a transaction this module watches."""
    return isinstance(database.top_transaction(), EventfulTransaction)


# --------------------------------------------------------------------------- the plugins' side


def publish(app, hook: str, impls: list, kwargs: dict, database) -> None:
    """Queue ``hook(**kwargs)`` for ``impls`` until the commit, or deliver it now outside a transaction."""
    item = Pending(app, hook, impls, kwargs, database)
    if in_tracked_transaction(database):
        _queue().append(item)
    else:
        deliver(item)


def deliver(item: Pending) -> None:
    """Call each handler of the event in its app's context; a failing handler is logged, not raised."""
    here = has_app_context() and current_app._get_current_object() is item.app
    if here:
        _call_each(item)
    else:
        with item.app.app_context():
            _call_each(item)


def _call_each(item: Pending) -> None:
    for impl in item.impls:
        args = {name: item.kwargs[name] for name in impl.argnames if name in item.kwargs}
        # delivered inside a transaction (only after a commit by hand in mid-block, which the core never
        # does): a savepoint keeps a handler's failed statement from spoiling the caller's transaction
        guard = item.database.atomic() if item.database is not None and in_tracked_transaction(item.database) \
            else nullcontext()
        try:
            with guard:
                impl.function(**args)
        except Exception:  # a plugin's bug must not undo or fail the user's change
            log.exception("plugin '%s': its handler of %s failed; the other plugins still get the event",
                          impl.plugin_name, item.hook)


def actor_of(actor):
    """The ``actor`` an event handler receives: the acting :class:`~eschool.auth.models.User`, or None for
    a system action (the command line, an import run without a user).

    Accepts a User, a user id (older callers passed the id), None, or :data:`REQUEST_USER` (the logged-in
    user of the current request, None outside a request or for a visitor)."""
    from eschool.auth.models import User

    if actor is REQUEST_USER:
        if not has_request_context():
            return None
        from flask_login import current_user

        actor = current_user
    if hasattr(actor, "_get_current_object"):  # flask_login's current_user: the user behind it, never the proxy
        actor = actor._get_current_object()
        return actor if isinstance(actor, User) else None  # a visitor acts as nobody
    if actor is None or isinstance(actor, User):
        return actor
    if isinstance(actor, int) and not isinstance(actor, bool):
        known = g.setdefault("_event_actors", {}) if has_app_context() else {}  # an import: one user, many events
        if actor not in known:
            known[actor] = User.get_or_none(User.id == actor)
        return known[actor]
    raise TypeError(f"actor: expected a User, a user id or None, not {type(actor).__name__}")


# --------------------------------------------------------------------------- deprecations

#: Arguments whose meaning changed, with the replacement: a plugin implementing the hook with that argument
#: is warned at start-up (``DeprecationWarning``) for one release; see docs/plugins.md, "What changed".
CHANGED_ARGUMENTS = {
    ("eschool_on_student_moved", "actor"): (
        "`actor` is now the acting User (or None), no longer the user's id: use `actor.id` where the id was "
        "used. This warning goes in the next release."),
}


def warn_changed_arguments(pm) -> None:
    """Warn once per plugin implementing a hook argument listed in :data:`CHANGED_ARGUMENTS`."""
    for (hook, argument), advice in CHANGED_ARGUMENTS.items():
        caller = getattr(pm.hook, hook, None)
        for impl in caller.get_hookimpls() if caller is not None else ():
            if argument in impl.argnames and not impl.plugin_name.startswith("core"):
                warnings.warn(f"plugin '{impl.plugin_name}': {hook}: {advice}", DeprecationWarning, stacklevel=3)
