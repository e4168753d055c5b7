"""One homework per lesson, one year or exam mark per student, class and subject: unique indexes (issue #11).

Parallel saves of a lesson's first homework (``PUT .../homework`` with ``version: null``) each found no
homework and each inserted one: a lesson could end up with several rows, all shown in the diary, all but
the first impossible to edit. Likewise two final marks for the year (or the exam) of one student: the
``final_mark`` unique index holds ``period_id``, which is empty for those, and empty values never
collide. Now the database refuses the second row and the services answer the loser with a conflict (409).

Rows already duplicated are merged before the indexes are made, so that nothing anybody entered
disappears without a trace:

* **homework**: the lesson keeps its first row (the lowest id: the one the journal and the API always
  showed and edited). The other rows' texts are appended to its text (each after a blank line, the same
  text only once), their links to its links (each link once), their files are moved to it, and its time
  needed and due date are filled from them where it had none. If any row was for the whole class the
  merged homework is for the whole class; otherwise it is for every student any of the rows was for.
  Its version goes up, so an edit started from the old row is refused as stale. The other rows go.
* **final marks for the year or the exam** (no period): the most recently set row stays (the teacher's
  last word); each other row is written to the audit log as removed by this migration (actor empty,
  old value kept) before it goes.

The merge is not undone by ``down``: it only drops the indexes (and puts back the plain index on
``homework.lesson_id``).
"""
import datetime

HOMEWORK_INDEX = "homework_lesson_id"
FINAL_MARK_INDEX = "final_mark_once_without_period"


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _rows(db, sql, params=()):
    cursor = db.execute_sql(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _merge_homework(db):
    p = db.param  # ? on SQLite, %s on PostgreSQL
    lessons = [row["lesson_id"] for row in _rows(
        db, "SELECT lesson_id FROM homework GROUP BY lesson_id HAVING COUNT(*) > 1 ORDER BY lesson_id")]
    for lesson_id in lessons:
        rows = _rows(db, f"SELECT * FROM homework WHERE lesson_id = {p} ORDER BY id", (lesson_id,))
        keep = rows[0]
        texts, links = [], []
        for row in rows:
            text = (row["text"] or "").strip()
            if text and text not in texts:
                texts.append(text)
            for link in (row["links"] or "").splitlines():
                if link.strip() and link.strip() not in links:
                    links.append(link.strip())
        minutes = next((r["minutes_needed"] for r in rows if r["minutes_needed"] is not None), None)
        due_on = next((r["due_on"] for r in rows if r["due_on"] is not None), None)
        for_all = any(r["for_all"] for r in rows)
        ids = [r["id"] for r in rows]
        marks = ", ".join([p] * len(ids))
        students = sorted({r["student_id"] for r in _rows(
            db, f"SELECT student_id FROM homework_student WHERE homework_id IN ({marks})", ids)})
        other_ids = ids[1:]
        other_marks = ", ".join([p] * len(other_ids))
        db.execute_sql(f"UPDATE homework_file SET homework_id = {p} WHERE homework_id IN ({other_marks})",
                       [keep["id"], *other_ids])
        db.execute_sql(f"DELETE FROM homework_student WHERE homework_id IN ({marks})", ids)
        if not for_all:
            for student_id in students:
                db.execute_sql(f"INSERT INTO homework_student (homework_id, student_id) VALUES ({p}, {p})",
                               (keep["id"], student_id))
        updated = max((r["updated_at"] for r in rows if r["updated_at"] is not None), default=None) or _now()
        db.execute_sql(
            f"UPDATE homework SET text = {p}, links = {p}, minutes_needed = {p}, due_on = {p}, for_all = {p}, "
            f"updated_at = {p}, version = version + 1 WHERE id = {p}",
            ("\n\n".join(texts), "\n".join(links), minutes, due_on, for_all, updated, keep["id"]))
        db.execute_sql(f"DELETE FROM homework WHERE id IN ({other_marks})", other_ids)


def _merge_final_marks(db):
    p = db.param  # ? on SQLite, %s on PostgreSQL
    groups = _rows(db, "SELECT student_id, subject_id, class_group_id, kind FROM final_mark WHERE period_id IS NULL "
                       "GROUP BY student_id, subject_id, class_group_id, kind HAVING COUNT(*) > 1")
    for group in groups:
        rows = _rows(db, f"SELECT f.*, c.school_id FROM final_mark f JOIN class_group c ON c.id = f.class_group_id "
                         f"WHERE f.student_id = {p} AND f.subject_id = {p} AND f.class_group_id = {p} AND f.kind = {p} "
                         f"AND f.period_id IS NULL",
                     (group["student_id"], group["subject_id"], group["class_group_id"], group["kind"]))
        # the latest first (SQLite gives the times as ISO text, PostgreSQL as datetimes: both sort as text)
        rows.sort(key=lambda r: (r["set_at"] is not None, str(r["set_at"] or ""), r["id"]), reverse=True)
        for row in rows[1:]:  # the first (latest) stays
            db.execute_sql(
                f"INSERT INTO audit_entry (school_id, actor_id, at, record, record_id, field, old_value, new_value) "
                f"VALUES ({p}, NULL, {p}, 'final_mark', {p}, {p}, {p}, NULL)",
                (row["school_id"], _now(), row["id"], f"subject {row['subject_id']}, {row['kind']}"[:64], row["value"]))
            db.execute_sql(f"DELETE FROM final_mark WHERE id = {p}", (row["id"],))


def up(migrator, db):
    _merge_homework(db)
    _merge_final_marks(db)
    migrator.migrate(
        migrator.drop_index("homework", HOMEWORK_INDEX),
        migrator.add_index("homework", ("lesson_id",), unique=True, name=HOMEWORK_INDEX),
        migrator.add_index("final_mark", ("student_id", "subject_id", "class_group_id", "kind"), unique=True,
                           where=_period_is_null(), name=FINAL_MARK_INDEX),
    )


def _period_is_null():
    from peewee import SQL

    return SQL("period_id IS NULL")


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("final_mark", FINAL_MARK_INDEX),
        migrator.drop_index("homework", HOMEWORK_INDEX),
        migrator.add_index("homework", ("lesson_id",), unique=False, name=HOMEWORK_INDEX),
    )
