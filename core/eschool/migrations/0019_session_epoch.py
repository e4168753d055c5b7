"""A session epoch per account (issue #11): logging out and every password change end all of the
account's sessions, a copied session cookie included.

A page session carries the account's epoch from the login; a session whose epoch is not the account's
is refused. Every account starts at 0; sessions made before this migration carry no epoch and end (their
users log in once more).
"""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("user_account", "session_epoch", IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user_account", "session_epoch"))
