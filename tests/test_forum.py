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
            topics[key] = services.create_topic(author, b, f"Тема {b.title}", f"Квадратура круга, раздел {key}.").id
    return {"world": world, "boards": {k: b.id for k, b in boards.items()}, "topics": topics, "people": people,
            "school2": school2.id}



B = "/api/v1/forum"


def _ids(items):
    return sorted(i["id"] for i in items)


def _user_id(app, login):
    from eschool.auth.models import User

    with app.app_context():
        return User.get(User.username == login).id


# --------------------------------------------------------------------------- who reads which board


READABLE = [
    ("teacher", {"staff", "all", "muni", "region"}),
    ("admin", {"staff", "all", "muni", "region"}),
    ("student", {"all"}),
    ("parent", {"all"}),
    ("teacher2", {"other", "muni", "region"}),
    ("student2", set()),
    ("teacher3", {"muni3", "region"}),
    ("municipal", {"muni", "region"}),
    ("municipal3", {"muni3", "region"}),
    ("region", {"muni", "muni3", "region"}),
]


def test_each_role_reads_and_finds_exactly_its_boards_through_the_api_and_the_page(app, forum, api_token, login_as):
    for who, readable in READABLE:
        _reads_exactly(app, forum, api_token, login_as, who, readable)
    for who, found in FOUND:  # search never returns what one does not read
        _finds_exactly(app, forum, api_token, login_as, who, found)


def _reads_exactly(app, forum, api_token, login_as, who, readable):
    boards = forum["boards"]
    listed = app.test_client().get(f"{B}/boards", headers=api_token(who))
    assert listed.status_code == 200
    assert _ids(listed.get_json()) == sorted(boards[k] for k in readable)
    client = login_as(who)
    index = client.get("/forum/").get_data(as_text=True)
    for key, board_id in boards.items():
        page = client.get(f"/forum/b/{board_id}")
        api = client.get(f"{B}/boards/{board_id}/topics", headers=api_token(who))
        topic = client.get(f"/forum/t/{forum['topics'][key]}")
        if key in readable:
            assert page.status_code == 200 and api.status_code == 200 and topic.status_code == 200, key
            assert f'href="/forum/b/{board_id}"' in index
        else:
            assert page.status_code == 404 and api.status_code == 404 and topic.status_code == 404, (who, key)
            assert f'href="/forum/b/{board_id}"' not in index


def test_nobody_writes_on_a_board_they_do_not_read_and_bad_input_saves_nothing(app, forum, api_token, login_as):
    _bad_input_is_refused_with_the_field_named_and_nothing_saved(app, forum, api_token)
    b, t = forum["boards"], forum["topics"]
    body = {"body": "Можно к вам?"}
    # another school's board, a student on the staff board, a teacher on another municipality's board
    for who, key in (("teacher", "other"), ("student", "staff"), ("parent", "staff"), ("teacher3", "muni"),
                     ("municipal", "staff"), ("student", "region")):
        headers = api_token(who)
        client = app.test_client()
        assert client.post(f"{B}/topics/{t[key]}/posts", json=body, headers=headers).status_code == 404, (who, key)
        assert client.post(f"{B}/boards/{b[key]}/topics", json={"title": "Вопрос", "body": "Текст"},
                           headers=headers).status_code == 404
        page = login_as(who)
        assert page.post(f"/forum/t/{t[key]}/reply", data={"body": "x"}).status_code == 404
        assert page.post(f"/forum/b/{b[key]}/new", data={"title": "Вопрос", "body": "x"}).status_code == 404
    # where they read, they write: a student and a parent on the school's open board
    for who in ("student", "parent"):
        answer = app.test_client().post(f"{B}/topics/{t['all']}/posts", json={"body": f"Пишет {who}"},
                                        headers=api_token(who))
        assert answer.status_code == 201, answer.get_json()
    page = login_as("student")
    created = page.post(f"/forum/b/{b['all']}/new", data={"title": "Когда каникулы?", "body": "Подскажите."})
    assert created.status_code == 302


def _bad_input_is_refused_with_the_field_named_and_nothing_saved(app, forum, api_token):
    from eschool_forum.models import Topic

    headers = api_token("teacher")
    client = app.test_client()
    answer = client.post(f"{B}/boards/{forum['boards']['staff']}/topics", json={"title": "x", "body": ""},
                         headers=headers)
    assert answer.status_code == 400 and {"title", "body"} <= set(answer.get_json()["error"]["fields"])
    answer = client.post(f"{B}/topics/{forum['topics']['staff']}/posts", json={"body": "   "}, headers=headers)
    assert answer.status_code == 400 and "body" in answer.get_json()["error"]["fields"]
    with app.app_context():
        assert Topic.select().count() == 6


# --------------------------------------------------------------------------- moderation


def test_a_banned_user_cannot_post_until_the_ban_ends_or_is_lifted(app, forum, api_token, login_as):
    b, t = forum["boards"], forum["topics"]
    director, teacher = api_token("director"), api_token("teacher")
    client = app.test_client()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    # neither a teacher nor a student bans; the director (forum.moderate in the school) does
    assert client.post(f"{B}/boards/{b['staff']}/bans", json={"login": "classteacher", "until": tomorrow,
                                                                "reason": "флуд"}, headers=teacher).status_code == 403
    refused = client.post(f"{B}/boards/{b['staff']}/bans", json={"login": "teacher", "until": "2001-01-01",
                                                                  "reason": "флуд"}, headers=director)
    assert refused.status_code == 400 and "until" in refused.get_json()["error"]["fields"]
    made = client.post(f"{B}/boards/{b['staff']}/bans", json={"login": "teacher", "until": tomorrow,
                                                               "reason": "Оскорбления"}, headers=director)
    assert made.status_code == 201, made.get_json()
    assert client.post(f"{B}/topics/{t['staff']}/posts", json={"body": "Ещё"}, headers=teacher).status_code == 403
    assert client.post(f"{B}/boards/{b['staff']}/topics", json={"title": "Новая", "body": "Текст"},
                       headers=teacher).status_code == 403
    page = login_as("teacher")
    assert page.post(f"/forum/t/{t['staff']}/reply", data={"body": "Ещё"}).status_code == 403
    assert page.get(f"/forum/b/{b['staff']}/new").status_code == 403
    assert "banned" in page.get(f"/forum/t/{t['staff']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # the ban is per board: the municipality's board still takes the teacher's posts
    assert client.post(f"{B}/topics/{t['muni']}/posts", json={"body": "Здесь можно"}, headers=teacher).status_code == 201
    listed = client.get(f"{B}/boards/{b['staff']}/bans", headers=director).get_json()
    assert [x["user"] for x in listed] == ["teacher"]
    assert client.delete(f"{B}/boards/{b['staff']}/bans/{made.get_json()['id']}", headers=director).status_code == 204
    assert client.post(f"{B}/topics/{t['staff']}/posts", json={"body": "Снова"}, headers=teacher).status_code == 201
    log = client.get(f"{B}/boards/{b['staff']}/log", headers=director).get_json()
    assert [e["action"] for e in log][:2] == ["unban", "ban"]
    assert client.get(f"{B}/boards/{b['staff']}/log", headers=teacher).status_code == 403
    _an_ended_ban_no_longer_holds(app, forum, api_token)


def _an_ended_ban_no_longer_holds(app, forum, api_token):
    from eschool_forum.models import Ban

    with app.app_context():
        Ban.create(board=forum["boards"]["staff"], user=_user_id(app, "teacher"),
                   until=dt.datetime.utcnow() - dt.timedelta(minutes=1), reason="прошло")
    answer = app.test_client().post(f"{B}/topics/{forum['topics']['staff']}/posts", json={"body": "Я вернулся"},
                                    headers=api_token("teacher"))
    assert answer.status_code == 201


def test_a_locked_topic_refuses_posts_but_its_moderators(app, forum, api_token, login_as):
    t = forum["topics"]["staff"]
    director = login_as("director")
    assert director.post(f"/forum/t/{t}/moderate", data={"action": "lock", "reason": "Вопрос решён"}).status_code == 302
    client = app.test_client()
    assert client.post(f"{B}/topics/{t}/posts", json={"body": "А я ещё"}, headers=api_token("teacher")).status_code == 403
    teacher = login_as("teacher")
    assert teacher.post(f"/forum/t/{t}/reply", data={"body": "А я ещё"}).status_code == 403
    assert teacher.post(f"/forum/t/{t}/moderate", data={"action": "unlock"}).status_code == 403
    assert client.post(f"{B}/topics/{t}/moderate", json={"action": "unlock"},
                       headers=api_token("teacher")).status_code == 403
    assert client.post(f"{B}/topics/{t}/posts", json={"body": "Итог"}, headers=api_token("director")).status_code == 201
    assert client.post(f"{B}/topics/{t}/moderate", json={"action": "unlock"},
                       headers=api_token("director")).status_code == 200
    assert client.post(f"{B}/topics/{t}/posts", json={"body": "Спасибо"},
                       headers=api_token("teacher")).status_code == 201


def test_a_hidden_post_is_shown_only_to_moderators_and_never_found(app, forum, api_token, login_as):
    t = forum["topics"]["all"]
    client = app.test_client()
    post = client.post(f"{B}/topics/{t}/posts", json={"body": "Грубость про палиндромы"},
                       headers=api_token("parent")).get_json()
    reported = client.post(f"{B}/posts/{post['id']}/report", json={"reason": "Грубость"}, headers=api_token("student"))
    assert reported.status_code == 201
    assert client.post(f"{B}/posts/{post['id']}/report", json={"reason": "Ещё раз"},
                       headers=api_token("student")).status_code == 409
    # the queue: the school's administration, not a teacher
    assert client.get(f"{B}/moderation/reports", headers=api_token("teacher")).get_json() == []
    queue = client.get(f"{B}/moderation/reports", headers=api_token("director")).get_json()
    assert [r["post_id"] for r in queue] == [post["id"]]
    assert login_as("director").get("/forum/moderation").status_code == 200
    assert login_as("teacher").get("/forum/moderation").status_code == 403
    resolved = client.post(f"{B}/moderation/reports/{queue[0]['id']}", json={"action": "hide", "reason": "Грубость"},
                           headers=api_token("director"))
    assert resolved.status_code == 200 and resolved.get_json()["resolution"] == "hidden"
    for who in ("student", "parent", "teacher", "classteacher"):
        page = login_as(who).get(f"/forum/t/{t}").get_data(as_text=True)
        assert "палиндромы" not in page, who
        listed = client.get(f"{B}/topics/{t}/posts", headers=api_token(who)).get_json()["items"]
        assert post["id"] not in [p["id"] for p in listed]
        assert client.get(f"{B}/posts/{post['id']}", headers=api_token(who)).status_code == 404
        assert client.get(f"{B}/search?q=палиндромы", headers=api_token(who)).get_json() == []
    seen = login_as("director").get(f"/forum/t/{t}").get_data(as_text=True)
    assert "палиндромы" in seen and "Грубость" in seen
    assert client.get(f"{B}/posts/{post['id']}", headers=api_token("director")).get_json()["hidden"] is True
    assert client.get(f"{B}/search?q=палиндромы", headers=api_token("director")).get_json() == []
    log = client.get(f"{B}/moderation/log", headers=api_token("director")).get_json()
    assert log[0]["action"] == "hide" and log[0]["reason"] == "Грубость" and log[0]["post_id"] == post["id"]
    assert client.post(f"{B}/posts/{post['id']}/unhide", json={}, headers=api_token("director")).status_code == 200
    assert "палиндромы" in login_as("student").get(f"/forum/t/{t}").get_data(as_text=True)
    assert len(client.get(f"{B}/search?q=палиндромы", headers=api_token("student")).get_json()) == 1


def test_moving_a_topic_pins_and_the_log(app, forum, api_token, login_as):
    b, t = forum["boards"], forum["topics"]
    director = api_token("director")
    client = app.test_client()
    assert client.get(f"{B}/topics/{t['staff']}", headers=api_token("student")).status_code == 404
    # a move to a board the moderator does not moderate is refused
    refused = client.post(f"{B}/topics/{t['staff']}/moderate", json={"action": "move", "board_id": b["other"]},
                          headers=director)
    assert refused.status_code == 400 and "board_id" in refused.get_json()["error"]["fields"]
    moved = client.post(f"{B}/topics/{t['staff']}/moderate",
                        json={"action": "move", "board_id": b["all"], "reason": "Для всех"}, headers=director)
    assert moved.status_code == 200 and moved.get_json()["board_id"] == b["all"]
    assert client.get(f"{B}/topics/{t['staff']}", headers=api_token("student")).status_code == 200
    assert client.post(f"{B}/topics/{t['staff']}/moderate", json={"action": "pin"}, headers=director).status_code == 200
    topics = client.get(f"{B}/boards/{b['all']}/topics", headers=api_token("student")).get_json()["items"]
    assert topics[0]["id"] == t["staff"] and topics[0]["pinned"] is True
    boards = {x["id"]: x for x in client.get(f"{B}/boards", headers=director).get_json()}
    assert boards[b["staff"]]["topic_count"] == 0 and boards[b["all"]]["topic_count"] == 2
    actions = [e["action"] for e in client.get(f"{B}/moderation/log", headers=director).get_json()]
    assert actions[:3] == ["pin", "move", "move"]
    html = login_as("director").get(f"/forum/b/{b['staff']}/moderation").get_data(as_text=True)
    assert "Для всех" in html
    assert login_as("teacher").get(f"/forum/b/{b['staff']}/moderation").status_code == 403


def test_appointed_moderators_must_read_the_board(app, forum, api_token):
    b, t = forum["boards"], forum["topics"]
    client = app.test_client()
    admin = api_token("admin")
    for stranger in ("student", "teacher2", "nobody"):
        refused = client.patch(f"{B}/boards/{b['staff']}", json={"moderators": [stranger]}, headers=admin)
        assert refused.status_code == 400 and "moderators" in refused.get_json()["error"]["fields"], stranger
    assert client.patch(f"{B}/boards/{b['staff']}", json={"moderators": ["teacher"]},
                        headers=api_token("teacher")).status_code == 403
    assert client.patch(f"{B}/boards/{b['staff']}", json={"moderators": ["classteacher"]}, headers=admin).status_code == 200
    post = client.post(f"{B}/topics/{t['staff']}/posts", json={"body": "Лишнее"}, headers=api_token("teacher")).get_json()
    assert client.post(f"{B}/posts/{post['id']}/hide", json={"reason": "Не по теме"},
                       headers=api_token("classteacher")).status_code == 200
    # appointed to the staff room only: not a moderator of the open board
    other = client.post(f"{B}/topics/{t['all']}/posts", json={"body": "Тоже"}, headers=api_token("teacher")).get_json()
    assert client.post(f"{B}/posts/{other['id']}/hide", json={"reason": "x"},
                       headers=api_token("classteacher")).status_code == 403


# --------------------------------------------------------------------------- boards


def test_boards_are_created_where_one_manages_them(app, forum, api_token, login_as, world):
    client = app.test_client()
    made = client.post(f"{B}/boards", json={"level": "school", "school_id": world.school, "title": "Родительский клуб",
                                           "audience": "all"}, headers=api_token("admin"))
    assert made.status_code == 201
    assert made.get_json()["id"] in _ids(client.get(f"{B}/boards", headers=api_token("parent")).get_json())
    for who, body in (("teacher", {"level": "school", "school_id": world.school, "title": "Своя доска"}),
                      ("admin", {"level": "school", "school_id": forum["school2"], "title": "Чужая доска"}),
                      ("municipal", {"level": "school", "school_id": world.school, "title": "Сверху"}),
                      ("municipal", {"level": "region", "title": "Весь регион"}),
                      ("municipal3", {"level": "municipality", "municipality_id": world.municipality, "title": "Соседи"})):
        assert client.post(f"{B}/boards", json=body, headers=api_token(who)).status_code == 403, who
    bad = client.post(f"{B}/boards", json={"level": "municipality", "municipality_id": world.municipality,
                                           "title": "Для учеников", "audience": "all"}, headers=api_token("municipal"))
    assert bad.status_code == 400 and "audience" in bad.get_json()["error"]["fields"]
    refused = client.post(f"{B}/boards", json={"level": "school", "school_id": world.school, "title": "С чужим",
                                               "moderators": ["teacher2"]}, headers=api_token("admin"))
    assert refused.status_code == 400 and "moderators" in refused.get_json()["error"]["fields"]
    with app.app_context():
        from eschool_forum.models import Board

        assert not Board.select().where(Board.title == "С чужим").exists()
    for body in ({"level": "municipality", "title": "Без района"}, {"level": "school", "title": "Без школы"},
                 {"level": "municipality", "municipality_id": 9999, "title": "Нет такого"}):
        missing = client.post(f"{B}/boards", json=body, headers=api_token("region"))
        assert missing.status_code == 400 and set(missing.get_json()["error"]["fields"]) == {f"{body['level']}_id"}
    ok = client.post(f"{B}/boards", json={"level": "municipality", "municipality_id": world.municipality,
                                          "title": "МО учителей физики", "subject": "Физика"}, headers=api_token("municipal"))
    assert ok.status_code == 201
    assert client.post(f"{B}/boards", json={"level": "region", "title": "Вопросы интегратору"},
                       headers=api_token("region")).status_code == 201
    page = login_as("admin")
    assert page.get("/forum/boards/new").status_code == 200
    assert login_as("teacher").get("/forum/boards/new").status_code == 403
    assert login_as("student").get("/forum/boards/new").status_code == 403
    answer = page.post("/forum/boards/new", data={"level": "school", "school_id": str(world.school), "title": "x",
                                                  "audience": "staff", "position": "1"})
    assert answer.status_code == 400
    answer = page.post("/forum/boards/new", data={"level": "school", "school_id": str(world.school),
                                                  "title": "Кружки", "audience": "all", "position": "5",
                                                  "moderators": "teacher"})
    assert answer.status_code == 302
    assert login_as("teacher").get(f"/forum/b/{forum['boards']['staff']}/edit").status_code == 403


# --------------------------------------------------------------------------- posts


def test_edit_history_reactions_quotes_and_safe_markdown(app, forum, api_token, login_as):
    _markdown_is_safe(app, forum, api_token, login_as)
    t = forum["topics"]["staff"]
    client = app.test_client()
    teacher = api_token("teacher")
    post = client.post(f"{B}/topics/{t}/posts", json={"body": "Первый вариант"}, headers=teacher).get_json()
    edited = client.patch(f"{B}/posts/{post['id']}", json={"body": "Второй вариант"}, headers=teacher)
    assert edited.status_code == 200 and edited.get_json()["edit_count"] == 1
    assert client.patch(f"{B}/posts/{post['id']}", json={"body": "Чужая правка"},
                        headers=api_token("classteacher")).status_code == 403
    assert [r["body"] for r in client.get(f"{B}/posts/{post['id']}/history", headers=teacher).get_json()] == [
        "Первый вариант"]
    assert client.get(f"{B}/posts/{post['id']}/history", headers=api_token("classteacher")).status_code == 403
    assert client.patch(f"{B}/posts/{post['id']}", json={"body": "Правка модератора"},
                        headers=api_token("director")).status_code == 200
    assert login_as("director").get(f"/forum/p/{post['id']}/history").status_code == 200
    on = client.post(f"{B}/posts/{post['id']}/reactions", json={"kind": "like"}, headers=api_token("classteacher"))
    assert on.get_json() == {"kind": "like", "on": True, "reactions": {"like": 1, "thanks": 0, "agree": 0, "idea": 0}}
    off = client.post(f"{B}/posts/{post['id']}/reactions", json={"kind": "like"}, headers=api_token("classteacher"))
    assert off.get_json()["on"] is False and off.get_json()["reactions"]["like"] == 0
    assert client.post(f"{B}/posts/{post['id']}/reactions", json={"kind": "poop"}, headers=teacher).status_code == 400
    page = login_as("classteacher")
    assert page.post(f"/forum/p/{post['id']}/react", data={"kind": "thanks"}).status_code == 302
    quoted = page.get(f"/forum/t/{t}?quote={post['id']}").get_data(as_text=True)
    assert "&gt; @teacher:" in quoted and "&gt; Правка модератора" in quoted


def _markdown_is_safe(app, forum, api_token, login_as):
    t = forum["topics"]["staff"]
    app.test_client().post(f"{B}/topics/{t}/posts", json={"body": "**жирно** <script>alert(1)</script> "
                                                                  "[x](javascript:alert(1))"},
                           headers=api_token("teacher"))
    html = login_as("classteacher").get(f"/forum/t/{t}").get_data(as_text=True)
    assert "<strong>жирно</strong>" in html and "<script>alert(1)" not in html and 'href="javascript:' not in html


def test_files_are_read_only_by_those_who_read_the_post(app, forum, login_as):
    page = login_as("teacher")
    answer = page.post(f"/forum/b/{forum['boards']['staff']}/new", content_type="multipart/form-data",
                       data={"title": "План на неделю", "body": "Во вложении.",
                             "files": (io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")})
    assert answer.status_code == 302
    from eschool.attachments.models import Attachment

    with app.app_context():
        file_id = Attachment.get(Attachment.owner == "forum").id
    assert f"/files/{file_id}" in page.get(answer.headers["Location"]).get_data(as_text=True)
    assert login_as("classteacher").get(f"/files/{file_id}").status_code == 200
    for who in ("student", "teacher2", "municipal"):
        assert login_as(who).get(f"/files/{file_id}").status_code == 404, who
    bad = page.post(f"/forum/b/{forum['boards']['staff']}/new", content_type="multipart/form-data",
                    data={"title": "Вирус", "body": "Вот", "files": (io.BytesIO(b"MZ"), "run.exe")})
    assert bad.status_code == 400


# --------------------------------------------------------------------------- subscriptions, mentions, unread


def _inbox(app, login):
    from eschool.notifications.models import Notification

    with app.app_context():
        return [(n.kind, n.link) for n in Notification.select().where(Notification.user == _user_id(app, login))
                .order_by(Notification.id)]


def test_subscribers_and_mentioned_readers_are_notified_and_no_one_else(app, forum, api_token):
    b, t = forum["boards"], forum["topics"]
    client = app.test_client()
    assert client.put(f"{B}/topics/{t['staff']}/subscription", headers=api_token("classteacher")).get_json() == {
        "subscribed": True}
    assert client.put(f"{B}/boards/{b['staff']}/subscription", headers=api_token("director")).status_code == 200
    assert client.put(f"{B}/boards/{b['staff']}/subscription", headers=api_token("student")).status_code == 404
    client.post(f"{B}/topics/{t['staff']}/posts", json={"body": "Коллеги, @secretary и @student, посмотрите."},
                headers=api_token("teacher"))
    assert [k for k, _ in _inbox(app, "classteacher")] == ["forum.reply"]
    assert [k for k, _ in _inbox(app, "secretary")] == ["forum.mention"]
    assert _inbox(app, "student") == []  # cannot read the staff room: not told
    assert _inbox(app, "teacher") == []  # not told of one's own post
    assert _inbox(app, "director") == []  # follows new topics, not replies
    client.post(f"{B}/boards/{b['staff']}/topics", json={"title": "Новая тема", "body": "Текст"},
                headers=api_token("teacher"))
    assert [k for k, _ in _inbox(app, "director")] == ["forum.topic"]
    assert client.delete(f"{B}/topics/{t['staff']}/subscription", headers=api_token("classteacher")).get_json() == {
        "subscribed": False}
    client.post(f"{B}/topics/{t['staff']}/posts", json={"body": "Ещё"}, headers=api_token("teacher"))
    assert len(_inbox(app, "classteacher")) == 1
    # the author of a topic follows it: a reply tells them
    client.post(f"{B}/topics/{t['muni']}/posts", json={"body": "Ответ"}, headers=api_token("teacher2"))
    assert [k for k, _ in _inbox(app, "teacher")] == ["forum.reply"]


def test_unread_markers_follow_what_each_reader_was_shown(app, forum, api_token, login_as):
    b, t = forum["boards"], forum["topics"]
    client = app.test_client()

    def unread(who):
        items = client.get(f"{B}/boards/{b['staff']}/topics", headers=api_token(who)).get_json()["items"]
        return {i["id"]: i["unread"] for i in items}[t["staff"]]

    assert unread("teacher") is False and unread("director") is True
    assert 'class="badge on"' in login_as("director").get(f"/forum/b/{b['staff']}").get_data(as_text=True)
    client.get(f"{B}/topics/{t['staff']}/posts", headers=api_token("director"))
    assert unread("director") is False
    client.post(f"{B}/topics/{t['staff']}/posts", json={"body": "Новое"}, headers=api_token("teacher"))
    assert unread("director") is True and unread("teacher") is False
    login_as("director").get(f"/forum/t/{t['staff']}")
    assert unread("director") is False


def test_a_long_topic_is_paged_and_unread_jumps_to_the_right_page(app, forum, api_token, login_as):
    from eschool.auth.models import User
    from eschool_forum import services

    t = forum["topics"]["staff"]
    with app.test_request_context("/"):
        teacher = User.get(User.username == "teacher")
        topic = services.Topic.get_by_id(t)
        for n in range(2, 46):
            services.add_post(teacher, services.Topic.get_by_id(t), f"Сообщение номер {n}")
        director = User.get(User.username == "director")
        services.mark_read_upto(director, topic, 30)
    page = login_as("director")
    jump = page.get(f"/forum/t/{t}?unread=1")
    assert jump.status_code == 302 and jump.headers["Location"].endswith(f"/forum/t/{t}?page=2")
    html = page.get(f"/forum/t/{t}?page=3").get_data(as_text=True)
    assert "Сообщение номер 45" in html and "Сообщение номер 40" not in html and "Сообщение номер 41" in html
    api = app.test_client().get(f"{B}/topics/{t}/posts?page=2&size=20", headers=api_token("teacher")).get_json()
    assert api["total"] == 45 and [p["number"] for p in api["items"]] == list(range(21, 41))
    assert page.get(f"/forum/p/{api['items'][0]['id']}").headers["Location"].endswith(f"?page=2#post-{api['items'][0]['id']}")


# --------------------------------------------------------------------------- search


FOUND = [
    ("teacher", {"staff", "all", "muni", "region"}),
    ("student", {"all"}),
    ("teacher2", {"other", "muni", "region"}),
    ("municipal3", {"muni3", "region"}),
    ("region", {"muni", "muni3", "region"}),
]


def _finds_exactly(app, forum, api_token, login_as, who, found):
    hits = app.test_client().get(f"{B}/search?q=квадратуры", headers=api_token(who)).get_json()
    assert sorted(h["board_id"] for h in hits) == sorted(forum["boards"][k] for k in found)
    html = login_as(who).get("/forum/search?q=квадратура").get_data(as_text=True)
    for key in forum["topics"]:
        assert (f"раздел {key}." in html) == (key in found), (who, key)


# --------------------------------------------------------------------------- pages, switches, counts


def test_every_page_renders_for_a_moderator_in_both_languages(app, forum, login_as, world):
    b, t = forum["boards"], forum["topics"]
    page = login_as("director")
    urls = ["/forum/", f"/forum/b/{b['staff']}", f"/forum/t/{t['staff']}", f"/forum/b/{b['staff']}/new",
            "/forum/moderation", f"/forum/b/{b['staff']}/moderation", "/forum/search?q=круг",
            f"/forum/b/{b['staff']}/edit", "/forum/boards/new", "/dashboard"]
    for lang in ("ru", "en"):
        for url in urls:
            answer = page.get(url, headers={"Accept-Language": lang})
            assert answer.status_code == 200, (url, answer.status_code)
    assert "Forum" in page.get("/forum/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_forum_switched_off_for_a_school_answers_404(app, forum, login_as, toggle, world):
    toggle("forum", False, school=world.school)
    assert login_as("teacher").get("/forum/").status_code == 404
    assert login_as("teacher2").get("/forum/").status_code == 200


def _topic_with(app, forum, key, n):
    """A topic of ``n`` posts by different authors, with reactions and a file (what a page has to show)."""
    from eschool.auth.models import User
    from eschool_forum import services

    authors = ["teacher", "classteacher", "director", "deputy", "secretary"]
    with app.test_request_context("/"):
        users = [User.get(User.username == a) for a in authors]
        board = services.get_board(users[0], forum["boards"]["staff"])
        topic = services.create_topic(users[0], board, f"Тема на {n}", "Начало")
        for i in range(n - 1):
            post = services.add_post(users[i % len(users)], services.Topic.get_by_id(topic.id), f"Ответ {i}")
            services.react(users[(i + 1) % len(users)], services.get_post(users[0], post.id), "like")
        return topic.id


def test_query_counts_are_flat_in_posts(app, forum, login_as, api_token, count_queries):
    small, large = _topic_with(app, forum, "small", 2), _topic_with(app, forum, "large", 40)
    page = login_as("director")
    headers = api_token("director")
    counts = {}
    for topic_id in (small, large):
        page.get(f"/forum/t/{topic_id}")  # the first visits move the read marker
        page.get(f"{B}/topics/{topic_id}/posts?size=50", headers=headers)
        with count_queries() as counted:
            assert page.get(f"/forum/t/{topic_id}").status_code == 200
        with count_queries() as api_counted:
            assert page.get(f"{B}/topics/{topic_id}/posts?size=50", headers=headers).status_code == 200
        counts[topic_id] = (counted.count, api_counted.count)
    assert counts[small] == counts[large], counts


def test_query_counts_are_flat_in_topics(app, forum, login_as, api_token, count_queries):
    from eschool.auth.models import User
    from eschool_forum import services
    from eschool_forum.models import Board

    with app.test_request_context("/"):
        users = [User.get(User.username == a) for a in ("teacher", "classteacher", "director")]
        two = Board.create(level="school", school=forum["world"].school, title="Две темы")
        forty = Board.create(level="school", school=forum["world"].school, title="Сорок тем")
        for board, n in ((two, 2), (forty, 40)):
            board = services.get_board(users[0], board.id)
            for i in range(n):
                topic = services.create_topic(users[i % 3], board, f"Тема {i}", "Текст")
                services.add_post(users[(i + 1) % 3], topic, "Ответ")
    page = login_as("director")
    counts = {}
    for board_id in (two.id, forty.id):
        page.get(f"/forum/b/{board_id}")
        with count_queries() as counted:
            assert page.get(f"/forum/b/{board_id}").status_code == 200
        with count_queries() as api_counted:
            assert page.get(f"{B}/boards/{board_id}/topics?size=50", headers=api_token("director")).status_code == 200
        counts[board_id] = (counted.count, api_counted.count)
    with count_queries() as index_counted:
        page.get("/forum/")
    assert counts[two.id] == counts[forty.id], counts
    assert index_counted.count < 25


def test_the_catalogs_are_complete():
    from pathlib import Path

    from eschool.testing import check_catalogs

    assert check_catalogs(Path(__file__).parents[1] / "plugins" / "eschool_forum") == []
