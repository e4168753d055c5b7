"""The school year and the timetable: years, periods, subjects, rooms, classes, curriculum,
teaching assignments, the bell schedule, the weekly timetable and substitutions."""
from peewee import (
    BooleanField,
    CharField,
    DateField,
    DecimalField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
    TimeField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # core tables made by 0001, referenced only
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class AcademicYear(Base):
        school = ForeignKeyField(School, backref="years", on_delete="CASCADE")
        name = CharField(max_length=20)  # "2026/2027"
        starts_on = DateField()
        ends_on = DateField()
        is_current = BooleanField(default=False)
        closed = BooleanField(default=False)

        class Meta:
            table_name = "academic_year"
            indexes = ((("school", "name"), True),)


    class Period(Base):
        academic_year = ForeignKeyField(AcademicYear, backref="periods", on_delete="CASCADE")
        kind = CharField(max_length=16)  # quarter | semester | trimester
        number = SmallIntegerField()
        starts_on = DateField()
        ends_on = DateField()
        grade_from = SmallIntegerField(default=1)
        grade_to = SmallIntegerField(default=11)
        closed = BooleanField(default=False)

        class Meta:
            table_name = "period"


    class Subject(Base):
        school = ForeignKeyField(School, backref="subjects", on_delete="CASCADE")
        name = CharField(max_length=150)
        short_name = CharField(max_length=30, default="")

        class Meta:
            table_name = "subject"
            indexes = ((("school", "name"), True),)


    class Room(Base):
        school = ForeignKeyField(School, backref="rooms", on_delete="CASCADE")
        name = CharField(max_length=60)  # "204", "Спортзал"
        building = CharField(max_length=150, default="")
        capacity = SmallIntegerField(null=True)

        class Meta:
            table_name = "room"
            indexes = ((("school", "building", "name"), True),)


    class ClassGroup(Base):
        school = ForeignKeyField(School, backref="class_groups", on_delete="CASCADE")
        academic_year = ForeignKeyField(AcademicYear, backref="class_groups", on_delete="CASCADE")
        kind = CharField(max_length=16, default="regular")
        grade = SmallIntegerField()
        letter = CharField(max_length=4, default="")
        name = CharField(max_length=40)
        shift = SmallIntegerField(default=1)
        class_teacher = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "class_group"
            indexes = ((("academic_year", "kind", "name"), True),)


    class Subgroup(Base):
        class_group = ForeignKeyField(ClassGroup, backref="subgroups", on_delete="CASCADE")
        name = CharField(max_length=60)

        class Meta:
            table_name = "subgroup"
            indexes = ((("class_group", "name"), True),)


    class CurriculumItem(Base):
        class_group = ForeignKeyField(ClassGroup, backref="curriculum", on_delete="CASCADE")
        subject = ForeignKeyField(Subject, on_delete="RESTRICT")
        hours_per_week = DecimalField(max_digits=4, decimal_places=1)

        class Meta:
            table_name = "curriculum_item"
            indexes = ((("class_group", "subject"), True),)


    class TeachingAssignment(Base):
        teacher = ForeignKeyField(User, backref="teaching", on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, backref="assignments", on_delete="CASCADE")
        subgroup = ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
        subject = ForeignKeyField(Subject, on_delete="RESTRICT")

        class Meta:
            table_name = "teaching_assignment"
            indexes = ((("teacher", "class_group", "subgroup", "subject"), True),)

    class LessonTime(Base):
        school = ForeignKeyField(School, backref="lesson_times", on_delete="CASCADE")
        shift = SmallIntegerField(default=1)
        number = SmallIntegerField()
        starts_at = TimeField()
        ends_at = TimeField()

        class Meta:
            table_name = "lesson_time"
            indexes = ((("school", "shift", "number"), True),)


    class TimetableEntry(Base):
        academic_year = ForeignKeyField(AcademicYear, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, backref="timetable", on_delete="CASCADE")
        subgroup = ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
        weekday = SmallIntegerField()
        number = SmallIntegerField()
        subject = ForeignKeyField(Subject, on_delete="RESTRICT")
        teacher = ForeignKeyField(User, on_delete="RESTRICT")
        room = ForeignKeyField(Room, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "timetable_entry"
            indexes = ((("academic_year", "weekday", "number"), False),)


    class Substitution(Base):
        entry = ForeignKeyField(TimetableEntry, backref="substitutions", on_delete="CASCADE")
        date = DateField()
        teacher = ForeignKeyField(User, on_delete="RESTRICT")
        room = ForeignKeyField(Room, null=True, on_delete="SET NULL")
        note = CharField(max_length=200, default="")

        class Meta:
            table_name = "substitution"
            indexes = ((("entry", "date"), True),)

    return [AcademicYear, Period, Subject, Room, ClassGroup, Subgroup, CurriculumItem, TeachingAssignment,
            LessonTime, TimetableEntry, Substitution]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
