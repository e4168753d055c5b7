"""The class journal: work types, lesson plans, lessons, marks, attendance, homework, final marks;
the mark scale of a class's subject and a school's journal edit window."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    def ref(name):  # tables of earlier migrations, referenced only
        return type(name, (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    School, User, Student, ClassGroup = ref("school"), ref("user_account"), ref("student"), ref("class_group")
    Subgroup, Subject, Period, TimetableEntry = ref("subgroup"), ref("subject"), ref("period"), ref("timetable_entry")

    class WorkType(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        code = CharField(max_length=32)
        name = CharField(max_length=100)
        weight = DecimalField(max_digits=4, decimal_places=2, default=1)
        order = SmallIntegerField(default=0)
        active = BooleanField(default=True)

        class Meta:
            table_name = "work_type"
            indexes = ((("school", "code"), True),)

    class LessonPlan(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        subject = ForeignKeyField(Subject, on_delete="CASCADE")
        grade = SmallIntegerField()
        name = CharField(max_length=200)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_now)

        class Meta:
            table_name = "lesson_plan"

    class LessonPlanItem(Base):
        plan = ForeignKeyField(LessonPlan, on_delete="CASCADE")
        number = SmallIntegerField()
        topic = CharField(max_length=500)
        hours = SmallIntegerField(default=1)
        homework = TextField(default="")

        class Meta:
            table_name = "lesson_plan_item"
            indexes = ((("plan", "number"), True),)

    class Lesson(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")
        subgroup = ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
        subject = ForeignKeyField(Subject, on_delete="RESTRICT")
        date = DateField()
        number = SmallIntegerField(null=True)
        timetable_entry = ForeignKeyField(TimetableEntry, null=True, on_delete="SET NULL")
        teacher = ForeignKeyField(User, on_delete="RESTRICT")
        topic = CharField(max_length=500, default="")
        plan_item = ForeignKeyField(LessonPlanItem, null=True, on_delete="SET NULL")
        work_type = ForeignKeyField(WorkType, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)
        filled_at = DateTimeField(null=True)
        version = IntegerField(default=1)

        class Meta:
            table_name = "lesson"
            indexes = ((("class_group", "subject", "date"), False), (("teacher", "date"), False),
                       (("school", "date"), False))

    class Mark(Base):
        lesson = ForeignKeyField(Lesson, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        slot = SmallIntegerField(default=0)
        value = CharField(max_length=8)
        numeric = SmallIntegerField(null=True)
        work_type = ForeignKeyField(WorkType, null=True, on_delete="SET NULL")
        weight = DecimalField(max_digits=4, decimal_places=2, default=1)
        comment = CharField(max_length=500, default="")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)
        version = IntegerField(default=1)

        class Meta:
            table_name = "mark"
            indexes = ((("lesson", "student", "slot"), True), (("student", "lesson"), False))

    class Attendance(Base):
        lesson = ForeignKeyField(Lesson, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        kind = CharField(max_length=8)
        reason = CharField(max_length=300, default="")
        minutes_late = SmallIntegerField(null=True)
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)
        version = IntegerField(default=1)

        class Meta:
            table_name = "attendance"
            indexes = ((("lesson", "student"), True), (("student", "lesson"), False))

    class Homework(Base):
        lesson = ForeignKeyField(Lesson, on_delete="CASCADE")
        text = TextField(default="")
        links = TextField(default="")
        minutes_needed = SmallIntegerField(null=True)
        due_on = DateField(null=True)
        for_all = BooleanField(default=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_now)
        updated_at = DateTimeField(default=_now)
        version = IntegerField(default=1)

        class Meta:
            table_name = "homework"

    class HomeworkStudent(Base):
        homework = ForeignKeyField(Homework, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")

        class Meta:
            table_name = "homework_student"
            indexes = ((("homework", "student"), True),)

    class HomeworkFile(Base):
        homework = ForeignKeyField(Homework, on_delete="CASCADE")
        stored_name = CharField(max_length=64, unique=True)
        original_name = CharField(max_length=255)
        content_type = CharField(max_length=100)
        size = IntegerField()
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        uploaded_at = DateTimeField(default=_now)

        class Meta:
            table_name = "homework_file"

    class FinalMark(Base):
        student = ForeignKeyField(Student, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")
        subject = ForeignKeyField(Subject, on_delete="RESTRICT")
        kind = CharField(max_length=8)
        period = ForeignKeyField(Period, null=True, on_delete="CASCADE")
        value = CharField(max_length=8)
        numeric = SmallIntegerField(null=True)
        set_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        set_at = DateTimeField(default=_now)
        version = IntegerField(default=1)

        class Meta:
            table_name = "final_mark"
            indexes = ((("student", "subject", "class_group", "kind", "period"), True),)

    return [WorkType, LessonPlan, LessonPlanItem, Lesson, Mark, Attendance, Homework, HomeworkStudent,
            HomeworkFile, FinalMark]


def up(migrator, db):
    db.create_tables(_models(db))
    migrator.migrate(
        migrator.add_column("curriculum_item", "scale", CharField(max_length=16, default="five_point")),
        migrator.add_column("school", "journal_edit_days", SmallIntegerField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("school", "journal_edit_days"),
                     migrator.drop_column("curriculum_item", "scale"))
    db.drop_tables(list(reversed(_models(db))))
