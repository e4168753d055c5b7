"""Performance at region scale (issue #5, ``bench/run``): an index for a class's lessons by date.

The diary (a student's week: the lessons of their classes between two dates), the grid's lesson
generation from the timetable and the homework due in a week all ask for ``lesson`` by class and date
range, across subjects; the (class_group, subject, date) index answers that only by reading every lesson
of the class in the year.
"""


def up(migrator, db):
    migrator.migrate(migrator.add_index("lesson", ("class_group_id", "date"), unique=False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("lesson", "lesson_class_group_id_date"))
