"""The knowledge base's tables: materials (the methodical "piggy bank"), the question bank and tests with
their attempts, smart textbooks with each student's progress."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, ClassGroup, Lesson, School, Student, Subject, User, WorkType, utcnow

LEVELS = ("school", "municipality", "region")


class Material(BaseModel):
    """A page of theory in safe Markdown, with files (core attachments, ``record_id`` = the material's id).

    ``level`` is how widely the author wants to share it; ``approved_level`` how widely it is shared now
    (a school-level material needs no review; a reviewer of the municipality or the region widens it).
    """

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    municipality_id = peewee.IntegerField(index=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    subject = peewee.CharField(max_length=150)
    grade = peewee.SmallIntegerField(null=True)
    topic = peewee.CharField(max_length=300, default="")
    title = peewee.CharField(max_length=200)
    body = peewee.TextField(default="")
    status = peewee.CharField(max_length=16, default="draft", index=True)  # draft, published
    level = peewee.CharField(max_length=16, default="school")
    approved_level = peewee.CharField(max_length=16, default="school", index=True)
    review_note = peewee.CharField(max_length=500, default="")
    reviewed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = peewee.DateTimeField(null=True)
    published_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "knowledge_base_material"

    @property
    def pending(self) -> bool:
        """Published at school level, waiting for a reviewer to share it wider."""
        return self.status == "published" and LEVELS.index(self.level) > LEVELS.index(self.approved_level)


class MaterialAssignment(BaseModel):
    """A material given as homework in a lesson (the lesson's homework names it and links to it)."""

    material = peewee.ForeignKeyField(Material, on_delete="CASCADE")
    lesson = peewee.ForeignKeyField(Lesson, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    assigned_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "knowledge_base_material_assignment"
        indexes = ((("material", "lesson"), True), (("class_group", "created_at"), False))


class Question(BaseModel):
    """A question of the bank. ``data`` is what a student sees (options, items); ``answer`` is the key,
    read only on the server (never dumped before the test closes)."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    subject = peewee.ForeignKeyField(Subject, on_delete="CASCADE")
    topic = peewee.CharField(max_length=300, default="")
    kind = peewee.CharField(max_length=16)  # single, multiple, number, text, matching, ordering
    text = peewee.TextField()
    data = peewee.TextField(default="{}")  # JSON
    answer = peewee.TextField(default="{}")  # JSON
    points = peewee.SmallIntegerField(default=1)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "knowledge_base_question"
        indexes = ((("school", "subject", "topic"), False),)


class Quiz(BaseModel):
    """A test: questions drawn (fixed, or at random per student), a time limit, attempts, a window."""

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
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "knowledge_base_quiz"


class QuizQuestion(BaseModel):
    quiz = peewee.ForeignKeyField(Quiz, on_delete="CASCADE")
    question = peewee.ForeignKeyField(Question, on_delete="CASCADE")
    position = peewee.SmallIntegerField(default=0)

    class Meta:
        table_name = "knowledge_base_quiz_question"
        indexes = ((("quiz", "question"), True),)


class QuizClass(BaseModel):
    """A class the test is open for; ``lesson`` is the lesson whose journal column gets the marks."""

    quiz = peewee.ForeignKeyField(Quiz, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    lesson = peewee.ForeignKeyField(Lesson, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "knowledge_base_quiz_class"
        indexes = ((("quiz", "class_group"), True), (("class_group",), False))


class Attempt(BaseModel):
    """One student's attempt; ``number`` counts from 1 and is unique per test and student, so a double
    start or a double submit can never make two rows or grade twice."""

    quiz = peewee.ForeignKeyField(Quiz, on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    number = peewee.SmallIntegerField(default=1)
    questions = peewee.TextField(default="[]")  # JSON: the drawn question ids in order
    answers = peewee.TextField(default="{}")  # JSON: question id -> the answer given
    results = peewee.TextField(default="{}")  # JSON: question id -> correct (bool)
    status = peewee.CharField(max_length=12, default="open", index=True)  # open, submitted, expired
    started_at = peewee.DateTimeField(default=utcnow)
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


class Textbook(BaseModel):
    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    subject = peewee.CharField(max_length=150)
    grade = peewee.SmallIntegerField(null=True)
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "knowledge_base_textbook"


class Chapter(BaseModel):
    textbook = peewee.ForeignKeyField(Textbook, on_delete="CASCADE")
    position = peewee.SmallIntegerField(default=0)
    title = peewee.CharField(max_length=200)

    class Meta:
        table_name = "knowledge_base_chapter"


class Section(BaseModel):
    """A section: Markdown with media (attachments with ``record_id`` = minus the section's id) and practice
    tasks (questions of the bank)."""

    chapter = peewee.ForeignKeyField(Chapter, on_delete="CASCADE")
    textbook = peewee.ForeignKeyField(Textbook, on_delete="CASCADE")
    position = peewee.SmallIntegerField(default=0)
    title = peewee.CharField(max_length=200)
    body = peewee.TextField(default="")

    class Meta:
        table_name = "knowledge_base_section"


class SectionTask(BaseModel):
    section = peewee.ForeignKeyField(Section, on_delete="CASCADE")
    question = peewee.ForeignKeyField(Question, on_delete="CASCADE")
    position = peewee.SmallIntegerField(default=0)

    class Meta:
        table_name = "knowledge_base_section_task"
        indexes = ((("section", "question"), True),)


class Progress(BaseModel):
    """A student's path through one section: opened, completed, the tasks' results and the time spent."""

    section = peewee.ForeignKeyField(Section, on_delete="CASCADE")
    textbook = peewee.ForeignKeyField(Textbook, on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    opened_at = peewee.DateTimeField(default=utcnow)
    last_seen_at = peewee.DateTimeField(default=utcnow)
    completed_at = peewee.DateTimeField(null=True)
    seconds = peewee.IntegerField(default=0)
    tasks_total = peewee.SmallIntegerField(default=0)
    tasks_correct = peewee.SmallIntegerField(default=0)
    answers = peewee.TextField(default="{}")

    class Meta:
        table_name = "knowledge_base_progress"
        indexes = ((("section", "student"), True), (("textbook", "student", "last_seen_at"), False))
