"""Journal stamps (issue #5): a counter per class moved by triggers on every journal change, so that the
diary and the grid can keep what they built until the class's journal changes (``journal/stamps.py``).
Every class starts at 0: nothing has been cached yet."""
from eschool.journal import stamps


def up(migrator, db):
    stamps.install(db)


def down(migrator, db):
    stamps.uninstall(db)
