"""The school card: requisites, buildings (rooms now belong to one), the catchment area.

``room.building`` was free text; it becomes ``room.building_id``. Each distinct text of a school
becomes a ``building`` row (its address left empty) and its rooms point to it; rooms without a
building text keep none. ``down`` turns the buildings' names back into text.
"""
from peewee import CharField, ForeignKeyField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # a table of an earlier migration, referenced only
        class Meta:
            table_name = "school"

    class Building(Base):
        school = ForeignKeyField(School, backref="buildings", on_delete="CASCADE")
        name = CharField(max_length=150)
        address = CharField(max_length=500, default="")

        class Meta:
            table_name = "building"
            indexes = ((("school", "name"), True),)

    class CatchmentStreet(Base):
        school = ForeignKeyField(School, backref="catchment", on_delete="CASCADE")
        street = CharField(max_length=200)
        street_key = CharField(max_length=200, index=True)
        houses = CharField(max_length=1000)

        class Meta:
            table_name = "catchment_street"
            indexes = ((("school", "street_key"), True),)

    return Building, CatchmentStreet


CARD_COLUMNS = (("inn", 12), ("kpp", 9), ("ogrn", 15), ("okpo", 10), ("director_name", 255), ("website", 255))


def up(migrator, db):
    migrator.migrate(*[migrator.add_column("school", name, CharField(max_length=size, default=""))
                       for name, size in CARD_COLUMNS])
    building, catchment = _models(db)
    db.create_tables([building, catchment])
    migrator.migrate(migrator.add_column(
        "room", "building_id", ForeignKeyField(building, field=building.id, null=True, on_delete="SET NULL")))
    texts = db.execute_sql("SELECT DISTINCT school_id, building FROM room WHERE building <> '' "
                           "ORDER BY school_id, building").fetchall()
    for school_id, text in texts:
        row = building.create(school=school_id, name=text[:150])
        db.execute_sql("UPDATE room SET building_id = %s WHERE school_id = %s AND building = %s"
                       .replace("%s", db.param), (row.id, school_id, text))
    migrator.migrate(
        migrator.drop_index("room", "room_school_id_building_name"),
        migrator.drop_column("room", "building"),
        migrator.add_index("room", ("school_id", "building_id", "name"), unique=True),
    )


def down(migrator, db):
    building, catchment = _models(db)
    migrator.migrate(migrator.add_column("room", "building", CharField(max_length=150, default="")))
    for building_id, name in db.execute_sql("SELECT id, name FROM building").fetchall():
        db.execute_sql("UPDATE room SET building = %s WHERE building_id = %s".replace("%s", db.param),
                       (name, building_id))
    migrator.migrate(
        migrator.drop_index("room", "room_school_id_building_id_name"),
        migrator.drop_column("room", "building_id"),
        migrator.add_index("room", ("school_id", "building", "name"), unique=True),
    )
    db.drop_tables([catchment, building])
    migrator.migrate(*[migrator.drop_column("school", name) for name, _size in reversed(CARD_COLUMNS)])
