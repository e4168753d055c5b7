"""The question bank, tests, the classes they open for and the attempts."""
import datetime

import peewee
from peewee import Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Core tables (and this plugin's earlier ones), referenced only.
    class School(Base):
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Lesson(Base):
        class Meta:
            table_name = "lesson"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class Student(Base):
        class Meta:
            table_name = "student"

    class Subject(Base):
        class Meta:
            table_name = "subject"

    class WorkType(Base):
        class Meta:
            table_name = "work_type"

    class Question(Base):
        school = peewee.ForeignKeyField(School, on_delete="CASCADE")
        author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        subject = peewee.ForeignKeyField(Subject, on_delete="CASCADE")
        topic = peewee.CharField(max_length=300, default="")
        kind = peewee.CharField(max_length=16)  # single, multiple, number, text, matching, ordering
        text = peewee.TextField()
        data = peewee.TextField(default="{}")  # JSON
        answer = peewee.TextField(default="{}")  # JSON
        points = peewee.SmallIntegerField(default=1)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "knowledge_base_question"
            indexes = ((("school", "subject", "topic"), False),)

    class Quiz(Base):
        school = peewee.ForeignKeyField(School, on_delete="CASCADE")
        author = peewee.ForeignKeyField(User, on_delete="CASCADE")
        subject = peewee.ForeignKeyField(Subject, on_delete="CASCADE")
        title = peewee.CharField(max_length=200)
        description = peewee.TextField(default="")
        mode = peewee.CharField(max_length=8, default="fixed")  # fixed, random
        draw_count = peewee.SmallIntegerField(null=True)
        time_limit = peewee.SmallIntegerField(default=20)  # minutes
        attempts_allowed = peewee.SmallIntegerField(default=1)
        opens_at = peewee.DateTimeField()  # UTC
        closes_at = peewee.DateTimeField()  # UTC
        work_type = peewee.ForeignKeyField(WorkType, null=True, on_delete="SET NULL")
        review = peewee.BooleanField(default=False)  # marks wait for the teacher's review
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "knowledge_base_quiz"

    class QuizQuestion(Base):
        quiz = peewee.ForeignKeyField(Quiz, on_delete="CASCADE")
        question = peewee.ForeignKeyField(Question, on_delete="CASCADE")
        position = peewee.SmallIntegerField(default=0)

        class Meta:
            table_name = "knowledge_base_quiz_question"
            indexes = ((("quiz", "question"), True),)

    class QuizClass(Base):
        quiz = peewee.ForeignKeyField(Quiz, on_delete="CASCADE")
        class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
        lesson = peewee.ForeignKeyField(Lesson, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "knowledge_base_quiz_class"
            indexes = ((("quiz", "class_group"), True), (("class_group",), False))

    class Attempt(Base):
        quiz = peewee.ForeignKeyField(Quiz, on_delete="CASCADE")
        student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
        class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
        user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        number = peewee.SmallIntegerField(default=1)
        questions = peewee.TextField(default="[]")  # JSON: the drawn question ids in order
        answers = peewee.TextField(default="{}")  # JSON: question id -> the answer given
        results = peewee.TextField(default="{}")  # JSON: question id -> correct (bool)
        status = peewee.CharField(max_length=12, default="open", index=True)  # open, submitted, expired
        started_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        deadline_at = peewee.DateTimeField()
        submitted_at = peewee.DateTimeField(null=True)
        score = peewee.SmallIntegerField(null=True)
        max_score = peewee.SmallIntegerField(null=True)
        percent = peewee.SmallIntegerField(null=True)
        mark_value = peewee.CharField(max_length=8, default="")
        mark_state = peewee.CharField(max_length=12, default="none")  # none, review, published, failed
        mark_error = peewee.CharField(max_length=500, default="")
        mark_id = peewee.IntegerField(null=True)

        class Meta:
            table_name = "knowledge_base_attempt"
            indexes = ((("quiz", "student", "number"), True), (("student", "status"), False))

    return [Question, Quiz, QuizQuestion, QuizClass, Attempt]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
