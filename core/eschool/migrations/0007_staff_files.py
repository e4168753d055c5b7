"""Staff personal files."""
from peewee import CharField, DateField, ForeignKeyField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class StaffFile(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        position = CharField(max_length=150)
        birth_date = DateField(null=True)
        phone = CharField(max_length=32, default="")
        address = CharField(max_length=300, default="")
        education = CharField(max_length=300, default="")
        hired_on = DateField(null=True)
        order_number = CharField(max_length=40, default="")

        class Meta:
            table_name = "staff_file"
            indexes = ((("school", "user"), True),)

    return [StaffFile]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
