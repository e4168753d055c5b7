"""``db.insert_rows``: many rows in few statements, values stored exactly as peewee stores them, ids in order."""
import datetime as dt

import peewee
import pytest

TRICKY = ['plain', '', 'NULL', 'a "quoted" word', 'back\\slash', '{braces}', 'comma, and; semicolon', "it's",
          'new\nline\ttab', ' spaces around ', 'Ёжик — «ёлка»', '\\"', '"', '\\']
NOTHING_TO_ESCAPE = ['plain', '', 'NULL', '{braces}', 'a,b', "it's", ' x ', 'Ёжик']  # PostgreSQL's short way


@pytest.mark.parametrize("texts", [TRICKY, NOTHING_TO_ESCAPE])
def test_values_are_stored_as_peewee_stores_them(app, texts):
    from eschool.auth.models import User
    from eschool.db import db, insert_rows

    now = dt.datetime(2026, 9, 1, 8, 30, 15, 123456)
    rows = [{"username": f"user{i}", "full_name": text, "email": None if i % 2 else f"u{i}@example.org",
             "phone": None, "must_change_password": bool(i % 3), "created_at": now, "failed_logins": i}
            for i, text in enumerate(texts)]
    with app.app_context():
        with db.atomic():
            ids = insert_rows(User, rows, key=("username",))
        stored = {u.id: u for u in User.select().where(User.id.in_(ids))}
        assert [stored[i].username for i in ids] == [r["username"] for r in rows]
        for user_id, row in zip(ids, rows, strict=True):
            user = stored[user_id]
            assert (user.full_name, user.email, user.phone, user.must_change_password, user.created_at,
                    user.failed_logins) == (row["full_name"], row["email"], None, row["must_change_password"], now,
                                            row["failed_logins"])
            assert user.is_active is True and user.password_hash == "" and user.locale == ""  # the fields' defaults


def test_ids_follow_the_rows_across_statements(app, monkeypatch):
    """More rows than one statement takes; on SQLite also without RETURNING (before 3.35): the ids in order."""
    from eschool import db as dbmodule
    from eschool.auth.models import User
    from eschool.db import db, insert_rows, rows_per_insert

    with app.app_context():
        size = rows_per_insert(User)
        monkeypatch.setattr(dbmodule, "PG_ROWS_PER_INSERT", 7)
        columns = sum(1 for f in User._meta.sorted_fields if not f.primary_key)
        monkeypatch.setattr(dbmodule, "parameter_limit", lambda database: columns * 7)
        assert rows_per_insert(User) == 7 and size > 7
        ways = [("returning", "r")]
        if isinstance(db.obj, peewee.SqliteDatabase):
            ways.append(("rowid", "s"))
        for way, prefix in ways:
            if way == "rowid":
                monkeypatch.setattr(peewee, "__sqlite_version__", (3, 34, 0))
            names = [f"{prefix}{n:03d}" for n in range(40, 0, -1)]  # not in the order the database might return
            with db.atomic():
                ids = insert_rows(User, [{"username": n, "full_name": n} for n in names], key=("username",))
            assert len(set(ids)) == 40
            assert [User.get_by_id(i).username for i in ids] == names


def test_a_key_that_does_not_tell_rows_apart_is_refused(app):
    from eschool.db import db, insert_rows
    from eschool.people.models import AuditEntry

    rows = [{"record": "x", "record_id": 1, "field": "f", "new_value": "a"},
            {"record": "x", "record_id": 1, "field": "f", "new_value": "b"}]
    with app.app_context(), pytest.raises(ValueError, match="does not tell"), db.atomic():
        insert_rows(AuditEntry, rows, key=("record", "record_id"))
