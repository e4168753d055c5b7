"""Core tables: municipalities, schools, accounts, roles, API tokens, plugin toggles."""
import datetime

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Municipality(Base):
        code = CharField(max_length=64, unique=True)
        name_ru = CharField(max_length=255)
        name_en = CharField(max_length=255, default="")

        class Meta:
            table_name = "municipality"

    class School(Base):
        municipality = ForeignKeyField(Municipality, on_delete="RESTRICT")
        name = CharField(max_length=500)
        short_name = CharField(max_length=200)
        address = CharField(max_length=500, default="")
        phone = CharField(max_length=64, default="")
        email = CharField(max_length=254, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "school"

    class User(Base):
        username = CharField(max_length=150, unique=True)
        email = CharField(max_length=254, null=True, unique=True)
        phone = CharField(max_length=32, null=True, unique=True)
        full_name = CharField(max_length=300)
        password_hash = CharField(max_length=255, default="")
        must_change_password = BooleanField(default=True)
        is_active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_login_at = DateTimeField(null=True)

        class Meta:
            table_name = "user_account"

    class RoleAssignment(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        role = CharField(max_length=64)
        municipality = ForeignKeyField(Municipality, null=True, on_delete="CASCADE")
        school = ForeignKeyField(School, null=True, on_delete="CASCADE")
        class_group_id = IntegerField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "role_assignment"
            indexes = ((("user", "role", "municipality", "school", "class_group_id"), True),)

    class ApiToken(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        name = CharField(max_length=100, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        expires_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

        class Meta:
            table_name = "api_token"

    class PluginToggle(Base):
        plugin = CharField(max_length=64)
        scope_type = CharField(max_length=16)
        scope_id = IntegerField()
        enabled = BooleanField()
        changed_at = DateTimeField(default=datetime.datetime.utcnow)
        changed_by = CharField(max_length=150, default="")

        class Meta:
            table_name = "plugin_toggle"
            indexes = ((("scope_type", "scope_id", "plugin"), True),)

    return [Municipality, School, User, RoleAssignment, ApiToken, PluginToggle]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
