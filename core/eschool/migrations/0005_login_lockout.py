"""Count wrong passwords per account and lock it for a while after too many."""
from peewee import DateTimeField, SmallIntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("user_account", "failed_logins", SmallIntegerField(default=0)),
        migrator.add_column("user_account", "locked_until", DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user_account", "locked_until"),
                     migrator.drop_column("user_account", "failed_logins"))
