"""School settings: the highest class letter, the average needed for a medal, the idle-session time."""
from peewee import CharField, DecimalField, SmallIntegerField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("school", "max_class_letter", CharField(max_length=1, default="Д")),
        migrator.add_column("school", "medal_average", DecimalField(max_digits=3, decimal_places=2, default=4.5)),
        migrator.add_column("school", "session_idle_minutes", SmallIntegerField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("school", "session_idle_minutes"),
                     migrator.drop_column("school", "medal_average"),
                     migrator.drop_column("school", "max_class_letter"))
