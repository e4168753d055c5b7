"""The class journal: lessons given, marks, attendance, homework, lesson plans and final marks.

A lesson is one real lesson on a date (generated from the weekly timetable or added by hand) with
the teacher who actually gave it. Marks, attendance and homework hang on lessons. Every editable row
carries a ``version``: a save names the version it started from and is refused when somebody else
saved in between (two tabs never overwrite each other silently).
"""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow
from eschool.people.models import Student
from eschool.school.models import ClassGroup, Period, Subgroup, Subject
from eschool.structure.models import School
from eschool.timetable.models import TimetableEntry

#: Mark scales: five-point (default), pass/fail, and none (1st grade where the region says so).
SCALES = ("five_point", "pass_fail", "none")
#: Attendance kinds; only these exceptions are stored (present is the absence of a row).
ATTENDANCE_KINDS = ("absent", "ill", "excused", "late")
#: Why a parent says in advance that their child will be away.
NOTICE_REASONS = ("illness", "family", "other")
#: A notice's state: reported by the parent, confirmed by the class teacher (the absences are in the
#: journal), corrected (the teacher changed what the journal shows), withdrawn by the parent.
NOTICE_STATES = ("reported", "confirmed", "corrected", "withdrawn")


class WorkType(BaseModel):
    """A kind of work a mark is given for (тип работы), with its weight in the weighted average."""

    school = peewee.ForeignKeyField(School, backref="work_types", on_delete="CASCADE")
    code = peewee.CharField(max_length=32)  # oral, test, lab, ...
    name = peewee.CharField(max_length=100)
    weight = peewee.DecimalField(max_digits=4, decimal_places=2, default=1)
    order = peewee.SmallIntegerField(default=0)
    active = peewee.BooleanField(default=True)

    class Meta:
        table_name = "work_type"
        indexes = ((("school", "code"), True),)


class Lesson(BaseModel):
    """A lesson given on a date to a class (or subgroup), with its topic and the teacher who gave it."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, backref="lessons", on_delete="CASCADE")
    subgroup = peewee.ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
    subject = peewee.ForeignKeyField(Subject, on_delete="RESTRICT")
    date = peewee.DateField()  # a local date in the region's timezone
    number = peewee.SmallIntegerField(null=True)  # lesson number of the day, if known
    timetable_entry = peewee.ForeignKeyField(TimetableEntry, null=True, on_delete="SET NULL")
    teacher = peewee.ForeignKeyField(User, on_delete="RESTRICT")  # who actually gave it (substitutions)
    topic = peewee.CharField(max_length=500, default="")
    work_type = peewee.ForeignKeyField(WorkType, null=True, on_delete="SET NULL")  # default for its marks
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    filled_at = peewee.DateTimeField(null=True)  # first time the topic was entered (lateness)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "lesson"
        indexes = (
            (("class_group", "subject", "date"), False),
            (("teacher", "date"), False),
            (("school", "date"), False),
            (("class_group", "date"), False),  # 0015: a class's lessons in a week (the diary)
        )


class Mark(BaseModel):
    """A mark (отметка) of a student in a lesson; ``slot`` 0, 1, 2 ... allows several per lesson."""

    lesson = peewee.ForeignKeyField(Lesson, backref="marks", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, backref="marks", on_delete="CASCADE")
    slot = peewee.SmallIntegerField(default=0)
    value = peewee.CharField(max_length=8)  # "5".."1", "pass", "fail"
    numeric = peewee.SmallIntegerField(null=True)  # 5..1 for averages; None for pass/fail
    work_type = peewee.ForeignKeyField(WorkType, null=True, on_delete="SET NULL")
    weight = peewee.DecimalField(max_digits=4, decimal_places=2, default=1)  # the work type's at saving
    comment = peewee.CharField(max_length=500, default="")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "mark"
        indexes = ((("lesson", "student", "slot"), True), (("student", "lesson"), False))


class Attendance(BaseModel):
    """An exception to presence in a lesson: absent (н), ill (б), excused (у) or late."""

    lesson = peewee.ForeignKeyField(Lesson, backref="attendance", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, backref="attendance", on_delete="CASCADE")
    kind = peewee.CharField(max_length=8)
    reason = peewee.CharField(max_length=300, default="")
    minutes_late = peewee.SmallIntegerField(null=True)
    recorded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "attendance"
        indexes = ((("lesson", "student"), True), (("student", "lesson"), False))


class Homework(BaseModel):
    """Homework set in a lesson: text, links, time needed; for the whole class or chosen students."""

    # one per lesson (unique since migration 0018): a second save of a lesson's first homework is refused
    lesson = peewee.ForeignKeyField(Lesson, backref="homework", on_delete="CASCADE", unique=True)
    text = peewee.TextField(default="")
    links = peewee.TextField(default="")  # one URL per line
    minutes_needed = peewee.SmallIntegerField(null=True)
    due_on = peewee.DateField(null=True)  # by default the subject's next lesson
    for_all = peewee.BooleanField(default=True)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "homework"


class HomeworkStudent(BaseModel):
    """A student a homework is for, when it is not for the whole class."""

    homework = peewee.ForeignKeyField(Homework, backref="students", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")

    class Meta:
        table_name = "homework_student"
        indexes = ((("homework", "student"), True),)


class HomeworkFile(BaseModel):
    """A file attached to homework: stored outside the web root under a generated name."""

    homework = peewee.ForeignKeyField(Homework, backref="files", on_delete="CASCADE")
    stored_name = peewee.CharField(max_length=64, unique=True)
    original_name = peewee.CharField(max_length=255)
    content_type = peewee.CharField(max_length=100)
    size = peewee.IntegerField()
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "homework_file"


class FinalMark(BaseModel):
    """A final mark (итоговая отметка) of a student in a subject: per period, for the year, or an exam."""

    student = peewee.ForeignKeyField(Student, backref="final_marks", on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    subject = peewee.ForeignKeyField(Subject, on_delete="RESTRICT")
    kind = peewee.CharField(max_length=8)  # period | year | exam
    period = peewee.ForeignKeyField(Period, null=True, on_delete="CASCADE")
    value = peewee.CharField(max_length=8)  # "5".."2", "pass", "fail", "exempt"
    numeric = peewee.SmallIntegerField(null=True)
    set_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    set_at = peewee.DateTimeField(default=utcnow)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "final_mark"
        # the index holds ``period``, empty for the year and the exam: migration 0018 adds a partial unique
        # index (student, subject, class_group, kind) WHERE period_id IS NULL for those
        indexes = ((("student", "subject", "class_group", "kind", "period"), True),)


class AbsenceNotice(BaseModel):
    """A parent's notice, in advance, that their child will be away on some days (from the diary).

    The journal shows those days' lessons as an expected, excused absence until the class teacher
    confirms the notice (the absences are then recorded as ``ill`` or ``excused``) or corrects it.
    """

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, null=True, on_delete="SET NULL")  # the class when reported
    student = peewee.ForeignKeyField(Student, backref="absence_notices", on_delete="CASCADE")
    starts_on = peewee.DateField()  # local dates, both included
    ends_on = peewee.DateField()
    reason = peewee.CharField(max_length=16)  # NOTICE_REASONS
    note = peewee.TextField(default="")
    attachment_id = peewee.IntegerField(null=True)  # a core attachment (owner "core")
    reported_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    status = peewee.CharField(max_length=16, default="reported")  # NOTICE_STATES
    reviewed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    reviewed_at = peewee.DateTimeField(null=True)
    review_note = peewee.CharField(max_length=300, default="")

    class Meta:
        table_name = "absence_notice"
        indexes = ((("student", "starts_on"), False), (("class_group", "starts_on"), False),
                   (("school", "starts_on"), False))
