"""The forum: who reads and writes which board (school, municipality, region) through pages and the API,
moderation (hide, lock, move, bans, reports, the log), subscriptions and mentions, unread markers,
search within what one reads, edit history, reactions, files, and flat query counts."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from eschool.testing import PASSWORD


@pytest.fixture
def forum(app, world):
    """The kit's world, a second school in the same municipality, a school in another municipality, and
    boards at every level with a topic each."""
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality, School
    from eschool_forum import services
    from eschool_forum.models import Board

    ext = app.extensions["eschool"]
    with app.test_request_context("/"):
        school = School.get_by_id(world.school)
        muni = Municipality.get_by_id(world.municipality)
        other_muni = Municipality.select().where(Municipality.id != muni.id).first()
        school2 = structure.create_school(muni, "Школа № 2", "Школа 2")
        school3 = structure.create_school(other_muni, "Школа № 3", "Школа 3")
        people = {}
        for login, role, where in (("teacher2", "subject_teacher", school2), ("student2", "student", school2),
                                   ("teacher3", "subject_teacher", school3), ("admin2", "school_admin", school2),
                                   ("municipal3", "municipal_operator", other_muni)):
            user = auth.create_user(login, login.title(), password=PASSWORD, must_change_password=False)
            scope = {"municipality": where} if role == "municipal_operator" else {"school": where}
            auth.grant_role(user, role, allowed_roles=ext.roles, **scope)
            people[login] = user.id

        def board(level, title, audience="staff", school_id=None, municipality_id=None):
            return Board.create(level=level, title=title, audience=audience, school=school_id,
                                municipality=municipality_id)

        boards = {
            "staff": board("school", "Учительская", school_id=school.id),
            "all": board("school", "Школьная жизнь", "all", school_id=school.id),
            "other": board("school", "Учительская школы 2", school_id=school2.id),
            "muni": board("municipality", "МО математиков", municipality_id=muni.id),
            "muni3": board("municipality", "Другой район", municipality_id=other_muni.id),
            "region": board("region", "Техподдержка"),
        }
        from eschool.auth.models import User

        authors = {"staff": "teacher", "all": "teacher", "other": "teacher2", "muni": "teacher",
                   "muni3": "teacher3", "region": "admin"}
        topics = {}
        for key, b in boards.items():
            b = services.get_board(User.get(User.username == authors[key]), b.id) or Board.get_by_id(b.id)
            author = User.get(User.username == authors[key])
            topics[key] = services.create_topic(author, b, f"Тема {b.title}", f"Секретное слово {key}вектор").id
    return {"world": world, "boards": {k: b.id for k, b in boards.items()}, "topics": topics, "people": people,
            "school2": school2.id}


def test_smoke(forum, login_as):
    c = login_as("teacher")
    r = c.get("/forum/")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
