"""Smart textbooks: chapters, sections, practice tasks, each student's progress."""
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

    class Student(Base):
        class Meta:
            table_name = "student"

    class Question(Base):
        class Meta:
            table_name = "knowledge_base_question"

    class Textbook(Base):
        school = peewee.ForeignKeyField(School, on_delete="CASCADE")
        author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        subject = peewee.CharField(max_length=150)
        grade = peewee.SmallIntegerField(null=True)
        title = peewee.CharField(max_length=200)
        description = peewee.TextField(default="")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "knowledge_base_textbook"

    class Chapter(Base):
        textbook = peewee.ForeignKeyField(Textbook, on_delete="CASCADE")
        position = peewee.SmallIntegerField(default=0)
        title = peewee.CharField(max_length=200)

        class Meta:
            table_name = "knowledge_base_chapter"

    class Section(Base):
        chapter = peewee.ForeignKeyField(Chapter, on_delete="CASCADE")
        textbook = peewee.ForeignKeyField(Textbook, on_delete="CASCADE")
        position = peewee.SmallIntegerField(default=0)
        title = peewee.CharField(max_length=200)
        body = peewee.TextField(default="")

        class Meta:
            table_name = "knowledge_base_section"

    class SectionTask(Base):
        section = peewee.ForeignKeyField(Section, on_delete="CASCADE")
        question = peewee.ForeignKeyField(Question, on_delete="CASCADE")
        position = peewee.SmallIntegerField(default=0)

        class Meta:
            table_name = "knowledge_base_section_task"
            indexes = ((("section", "question"), True),)

    class Progress(Base):
        section = peewee.ForeignKeyField(Section, on_delete="CASCADE")
        textbook = peewee.ForeignKeyField(Textbook, on_delete="CASCADE")
        student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
        opened_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        last_seen_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        completed_at = peewee.DateTimeField(null=True)
        seconds = peewee.IntegerField(default=0)
        tasks_total = peewee.SmallIntegerField(default=0)
        tasks_correct = peewee.SmallIntegerField(default=0)
        answers = peewee.TextField(default="{}")

        class Meta:
            table_name = "knowledge_base_progress"
            indexes = ((("section", "student"), True), (("textbook", "student", "last_seen_at"), False))

    return [Textbook, Chapter, Section, SectionTask, Progress]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
