"""Plugin settings per scope (issue #12): a plugin's settings overridden for a municipality or a school."""
import datetime as dt

from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def _models(db):
    class PluginSetting(Model):
        plugin = CharField(max_length=64)
        scope_type = CharField(max_length=16)
        scope_id = IntegerField()
        values = TextField(default="{}")
        changed_at = DateTimeField(default=dt.datetime.utcnow)
        changed_by = CharField(max_length=150, default="")

        class Meta:
            database = db
            table_name = "plugin_setting"
            indexes = ((("scope_type", "scope_id", "plugin"), True),)

    return [PluginSetting]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
