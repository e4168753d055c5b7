"""Remember each user's chosen language on the account."""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.add_column("user_account", "locale", CharField(max_length=8, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user_account", "locale"))
