"""Internal mail (issue 13): conversations through the audience rules, replies, read marks, the unread
counter, archive, search, attachments, the Samara rule on outside addresses, and that nobody
enumerates or writes to people outside their school (pages and API)."""
from __future__ import annotations

import io

import pytest

from eschool import jobs
from tests.messages_world import add_other_school, mail_text, smtp_server

API = "/api/v1/messages"


@pytest.fixture
def other(app, world):
    return add_other_school(app, world)


def _send(client, headers, **body):
    payload = {"subject": "Тема", "body": "Текст письма", **body}
    return client.post(f"{API}/conversations", json=payload, headers=headers)


def test_a_parent_writes_to_the_teacher_who_answers_with_read_marks_counter_archive_and_search(
        app, world, other, login_as):
    from eschool.notifications.models import Notification

    parent, teacher = login_as("parent"), login_as("teacher")
    page = parent.get("/messages/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Учитель Предметник" in html and "Классный Руководитель" in html  # the child's teachers
    assert "Учитель Чужой" not in html and "Родитель Чужой" not in html and "Другой Учитель" not in html
    sent = parent.post("/messages/new", data={"recipients": [str(world.user_id("teacher"))],
                                              "subject": "Контрольная по дробям",
                                              "body": "Можно ли переписать контрольную по дробям?"})
    assert sent.status_code == 302
    conversation_id = int(sent.headers["Location"].rstrip("/").split("/")[-1])
    assert "(1)" in teacher.get("/dashboard").get_data(as_text=True)  # the unread counter in the menu
    with app.app_context():
        assert jobs.run_pending(app) >= 1
        note = Notification.get(Notification.user == world.user_id("teacher"))
        assert note.kind == "messages.new" and "Контрольная по дробям" in note.title
    before = parent.get(f"/messages/{conversation_id}").get_data(as_text=True)
    read = teacher.get(f"/messages/{conversation_id}")
    assert read.status_code == 200 and "переписать контрольную" in read.get_data(as_text=True)
    after = parent.get(f"/messages/{conversation_id}").get_data(as_text=True)
    assert before != after  # the read mark appeared for the parent
    assert teacher.post(f"/messages/{conversation_id}/reply", data={"body": "Да, в четверг после уроков."}
                        ).status_code == 302
    from eschool.testing import bearer

    token = bearer(app.test_client(), "parent")
    assert app.test_client().get(f"{API}/unread", headers=token).get_json() == {"unread": 1}
    thread = app.test_client().get(f"{API}/conversations/{conversation_id}", headers=token).get_json()
    assert [m["body"] for m in thread["messages"]] == ["Можно ли переписать контрольную по дробям?",
                                                       "Да, в четверг после уроков."]
    assert thread["messages"][0]["read_by"] == 1 and thread["messages"][1]["read_by"] is None
    assert app.test_client().get(f"{API}/unread", headers=token).get_json() == {"unread": 0}
    found = app.test_client().get(f"{API}/search", query_string={"q": "контрольной"}, headers=token).get_json()
    assert {h["conversation_id"] for h in found} == {conversation_id}
    assert parent.get("/messages/?q=четверг").status_code == 200
    # the archive
    archived = app.test_client().put(f"{API}/conversations/{conversation_id}/archive", json={"archived": True},
                                     headers=token)
    assert archived.status_code == 200
    listed = app.test_client().get(f"{API}/conversations", headers=token).get_json()
    assert listed["total"] == 0
    assert app.test_client().get(f"{API}/conversations", query_string={"folder": "archive"},
                                 headers=token).get_json()["total"] == 1
    # an answer brings it back to the inbox
    assert teacher.post(f"/messages/{conversation_id}/reply", data={"body": "Жду."}).status_code == 302
    assert app.test_client().get(f"{API}/conversations", headers=token).get_json()["total"] == 1
    # someone else's mail is not found by search
    other_token = bearer(app.test_client(), "parent2")
    assert app.test_client().get(f"{API}/search", query_string={"q": "контрольной"},
                                 headers=other_token).get_json() == []


def test_nobody_enumerates_or_writes_outside_their_school(app, world, other, login_as, api_token):
    from eschool.testing import bearer

    teacher_id, parent_id = world.user_id("teacher"), world.user_id("parent")
    outsider = bearer(app.test_client(), "parent2")
    client = app.test_client()
    names = {p["full_name"] for p in client.get(f"{API}/recipients", headers=outsider).get_json()}
    assert "Учитель Предметник" not in names and "Родитель Первого" not in names
    for target in (teacher_id, parent_id):
        refused = _send(client, outsider, recipients=[target])
        assert refused.status_code == 403 and "recipients" in refused.get_json()["error"]["fields"]
    page = login_as("parent2").post("/messages/new", data={"recipients": [str(teacher_id)], "subject": "x",
                                                          "body": "y"})
    assert page.status_code == 403
    # a group of another school's class
    assert _send(client, api_token("teacher"), groups=[f"class:{other['class']}:parents"]).status_code == 403
    # a parent cannot write to another family either
    from eschool.plugin_api import Guardian  # noqa: F401
    assert _send(client, api_token("parent"), recipients=[other["parent2"]]).status_code == 403
    # someone else's conversation: 404 by page and API, for reading, answering, archiving
    made = _send(client, api_token("teacher"), recipients=[parent_id])
    assert made.status_code == 201, made.get_json()
    cid = made.get_json()["id"]
    assert client.get(f"{API}/conversations/{cid}", headers=outsider).status_code == 404
    assert client.post(f"{API}/conversations/{cid}/messages", json={"body": "влезу"},
                       headers=outsider).status_code == 404
    assert client.put(f"{API}/conversations/{cid}/archive", json={"archived": True},
                      headers=outsider).status_code == 404
    nosy = login_as("parent2")
    assert nosy.get(f"/messages/{cid}").status_code == 404
    assert nosy.post(f"/messages/{cid}/reply", data={"body": "влезу"}).status_code == 404
    # a colleague of the same school who is not in it does not read it either
    assert client.get(f"{API}/conversations/{cid}", headers=api_token("other")).status_code == 404
    # bad input: 400 naming the fields, nothing stored
    bad = client.post(f"{API}/conversations", json={"subject": "", "body": ""}, headers=api_token("teacher"))
    assert bad.status_code == 400 and {"subject", "body"} <= set(bad.get_json()["error"]["fields"])
    assert _send(client, api_token("teacher")).status_code == 400  # nobody chosen
    assert _send(client, api_token("teacher"), groups=["nonsense"]).status_code == 400
    assert _send(client, api_token("teacher"), recipients=[parent_id],
                 external=["someone@example.org"]).status_code == 400  # not in Kemerovo


def test_a_group_letter_keeps_each_familys_answer_private(app, world, login_as, api_token):
    from eschool.plugin_api import Guardian, create_user, grant_role, link_guardian

    with app.app_context():
        mother = create_user("mother2", "Мама Второго", password="demo-2026", must_change_password=False)
        grant_role(mother, "parent", allowed_roles=app.extensions["eschool"].roles, school=world.school)
        from eschool.plugin_api import Student

        link_guardian(Student.get_by_id(world.students[1]), {"user_id": mother.id, "relation": "mother",
                                                             "legal_representative": True})
        assert Guardian.select().count() == 2
    client = app.test_client()
    ct = api_token("classteacher")
    groups = {g["key"] for g in client.get(f"{API}/groups", headers=ct).get_json()}
    assert f"class:{world.c5}:parents" in groups
    made = _send(client, ct, subject="Собрание", body="Собрание в четверг", groups=[f"class:{world.c5}:parents"])
    assert made.status_code == 201 and made.get_json()["broadcast"] and made.get_json()["participants"] == 3
    cid = made.get_json()["id"]
    one, two = api_token("parent"), api_token("mother2")
    assert client.post(f"{API}/conversations/{cid}/messages", json={"body": "Приду"}, headers=one).status_code == 201
    assert client.post(f"{API}/conversations/{cid}/messages", json={"body": "Не смогу"},
                       headers=two).status_code == 201
    seen_one = [m["body"] for m in client.get(f"{API}/conversations/{cid}", headers=one).get_json()["messages"]]
    seen_two = [m["body"] for m in client.get(f"{API}/conversations/{cid}", headers=two).get_json()["messages"]]
    assert seen_one == ["Собрание в четверг", "Приду"] and seen_two == ["Собрание в четверг", "Не смогу"]
    sender = client.get(f"{API}/conversations/{cid}", headers=ct).get_json()
    assert [m["body"] for m in sender["messages"]] == ["Собрание в четверг", "Приду", "Не смогу"]
    # the sender answers one family only
    assert client.post(f"{API}/conversations/{cid}/messages", json={"body": "Хорошо", "to_user_id":
                       world.user_id("parent")}, headers=ct).status_code == 201
    assert "Хорошо" not in [m["body"] for m in client.get(f"{API}/conversations/{cid}", headers=two
                                                         ).get_json()["messages"]]
    assert client.get(f"{API}/unread", headers=one).get_json() == {"unread": 1}


def test_attachments_have_type_and_size_limits_and_only_readers_open_them(app, world, login_as, other):
    teacher = login_as("teacher")
    parent_id = world.user_id("parent")
    exe = teacher.post("/messages/new", data={"recipients": [str(parent_id)], "subject": "Файл", "body": "См.",
                                              "files": (io.BytesIO(b"MZ..."), "virus.exe")},
                       content_type="multipart/form-data")
    assert exe.status_code == 400 and "virus.exe" not in exe.get_data(as_text=True).split("<form")[0]
    big = teacher.post("/messages/new", data={"recipients": [str(parent_id)], "subject": "Файл", "body": "См.",
                                              "files": (io.BytesIO(b"x" * (11 * 1024 * 1024)), "big.pdf")},
                       content_type="multipart/form-data")
    assert big.status_code == 400
    from eschool_messages.models import Conversation

    with app.app_context():
        assert Conversation.select().count() == 0  # nothing stored
    ok = teacher.post("/messages/new", data={"recipients": [str(parent_id)], "subject": "Файл", "body": "См.",
                                             "files": (io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")},
                      content_type="multipart/form-data")
    assert ok.status_code == 302
    from eschool.plugin_api import Attachment

    with app.app_context():
        attachment = Attachment.get(Attachment.owner == "messages")
    assert login_as("parent").get(f"/files/{attachment.id}").status_code == 200
    assert login_as("parent2").get(f"/files/{attachment.id}").status_code == 404
    assert login_as("other").get(f"/files/{attachment.id}").status_code == 404


@pytest.fixture
def smtp():
    controller, box, port = smtp_server()
    yield box, port
    controller.stop()


def test_samara_mail_to_outside_addresses_is_outgoing_only(make_app, smtp):
    from eschool.testing import bearer
    from eschool.testing.world import build_world

    box, port = smtp
    app = make_app(region="samara", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    world = build_world(app)
    client = app.test_client()
    headers = bearer(client, "classteacher")
    made = _send(client, headers, subject="Справка", body="Справка для бабушки",
                 recipients=[world.user_id("parent")], external=["grandma@example.org"])
    assert made.status_code == 201, made.get_json()
    with app.app_context():
        jobs.run_pending(app)
    [mail] = box.to("grandma@example.org")
    text = mail_text(mail)
    assert "Справка для бабушки" in text and "Классный Руководитель" in text
    # nothing comes in from outside: there is no address or endpoint that takes mail into the portal,
    # and an outside address is never a participant
    thread = client.get(f"{API}/conversations/{made.get_json()['id']}", headers=headers).get_json()
    assert [p["full_name"] for p in thread["participants"]] and all(
        "@" not in p["full_name"] for p in thread["participants"])
    assert thread["messages"][0]["external"] == ["grandma@example.org"]
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/messages")
                and "inbound" in rule.rule]
    bad = _send(client, headers, recipients=[world.user_id("parent")], external=["not an address"])
    assert bad.status_code == 400 and "external" in bad.get_json()["error"]["fields"]


def test_query_counts_are_flat_in_messages_and_recipients(app, world, api_token, login_as, count_queries):
    from eschool.plugin_api import User
    from eschool_messages import services

    client = app.test_client()
    teacher = api_token("teacher")
    counts = {}
    with app.app_context():
        sender = User.get_by_id(world.user_id("teacher"))
        parent_id = world.user_id("parent")
    for size in (2, 20):
        with app.app_context():
            from eschool_messages.models import Conversation

            Conversation.delete().execute()
            for n in range(size):
                conversation = services.send(sender, world.school, f"Тема {n}", f"Текст {n}", [parent_id],
                                             group_keys=[f"class:{world.c5}:students"] if n % 2 else [])
            for n in range(size):
                services.reply(sender, conversation.id, f"Ещё {n}")
        pages = {}
        for url in (f"{API}/conversations", f"{API}/conversations/{conversation.id}", f"{API}/unread"):
            client.get(url, headers=teacher)
            with count_queries() as counted:
                assert client.get(url, headers=teacher).status_code == 200
            pages[url.replace(str(conversation.id), "ID")] = counted.count
        browser = login_as("teacher")
        for url in ("/messages/", f"/messages/{conversation.id}"):
            browser.get(url)
            with count_queries() as counted:
                assert browser.get(url).status_code == 200
            pages[url.replace(str(conversation.id), "ID")] = counted.count
        counts[size] = pages
    assert counts[2] == counts[20], counts


def test_off_for_a_school_answers_404(app, world, toggle, login_as, api_token):
    toggle("messages", False, school=world.school)
    assert login_as("parent").get("/messages/").status_code == 404
    assert app.test_client().get(f"{API}/unread", headers=api_token("parent")).status_code == 404


@pytest.mark.parametrize("region, mail, sms", [("kemerovo", True, False), ("samara", True, True),
                                               ("primorye", False, True)])
def test_each_regions_profile_switches_mail_alerts_and_sms_as_its_communication_list_says(
        make_app, region, mail, sms):
    from eschool.notifications.services import setup
    from eschool.testing import login

    app = make_app(region=region)
    ext = app.extensions["eschool"]
    communication = ext.region.rules.get("communication", [])
    assert ("mail" in communication) == mail and ("sms" in communication) == sms
    registered = set(ext.plugins.settings)
    assert ("messages" in registered) == mail and ("sms" in registered) == sms and "alerts" in registered
    with app.app_context():
        assert ("sms" in setup(app).channels) == sms
        if mail:
            outgoing = ext.plugins.settings["messages"]["outside_mail"]
            assert outgoing == ("outgoing" if region == "samara" else "none")
    from eschool.testing.world import build_world

    build_world(app)
    client = app.test_client()
    login(client, "parent")
    assert client.get("/messages/").status_code == (200 if mail else 404)
    assert client.get("/alerts/").status_code == 200


def test_files_over_the_api_only_on_ones_own_message(app, world, api_token, login_as):
    client = app.test_client()
    teacher = api_token("teacher")
    made = _send(client, teacher, recipients=[world.user_id("parent")])
    message_id = made.get_json()["message_id"]
    url = f"{API}/messages/{message_id}/files"
    ok = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4"), "plan.pdf")}, headers=teacher,
                     content_type="multipart/form-data")
    assert ok.status_code == 201 and ok.get_json()["name"] == "plan.pdf"
    bad = client.post(url, data={"file": (io.BytesIO(b"MZ"), "x.exe")}, headers=teacher,
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "file" in bad.get_json()["error"]["fields"]
    assert client.post(url, data={"file": (io.BytesIO(b"%PDF"), "y.pdf")}, headers=api_token("parent"),
                       content_type="multipart/form-data").status_code == 404
    thread = client.get(f"{API}/conversations/{made.get_json()['id']}", headers=api_token("parent")).get_json()
    [file] = thread["messages"][0]["files"]
    assert client.get(file["url"], headers=api_token("parent")).status_code == 200
    assert client.get(file["url"], headers=api_token("other")).status_code == 404
