"""News: who publishes at each level, public pages and Atom feeds without login (drafts and class news
never public), pictures, refusals through HTTP, query counts."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from tests.comm_world import second_school

ATOM = "{http://www.w3.org/2005/Atom}"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b49444154789c63f8"
                    "0f040009fb03fdfb5e6b2b0000000049454e44ae426082")


@pytest.fixture
def two(app, world):  # kemerovo: news on by default
    return {"w": world, "o": second_school(app, world)}


def write(client, headers, publish=True, **data):
    body = {"title": "Новость", "body": "Текст новости", **data}
    return client.post("/api/v1/news/manage" + ("?publish=1" if publish else ""), json=body, headers=headers)


def test_each_level_has_its_publishers(client, two, api_token):
    w, o = two["w"], two["o"]
    assert write(client, api_token("classteacher"), level="class", class_id=w.c5).status_code == 201
    assert write(client, api_token("classteacher"), level="class", class_id=w.c6).status_code == 403
    assert write(client, api_token("classteacher"), level="school", school_id=w.school).status_code == 403
    assert write(client, api_token("director"), level="school", school_id=w.school).status_code == 201
    assert write(client, api_token("director"), level="school", school_id=o["school"]).status_code == 403
    assert write(client, api_token("municipal"), level="municipality",
                 municipality_id=w.municipality).status_code == 201
    assert write(client, api_token("municipal"), level="municipality",
                 municipality_id=o["municipality"]).status_code == 403
    assert write(client, api_token("municipal"), level="region").status_code == 403
    assert write(client, api_token("region"), level="region").status_code == 201
    for who in ("student", "parent", "teacher"):
        assert write(client, api_token(who), level="school", school_id=w.school).status_code == 403
    bad = write(client, api_token("director"), level="school", title="", school_id=None)
    assert bad.status_code == 400 and {"title", "school_id"} <= set(bad.get_json()["error"]["fields"])
    bad = write(client, api_token("director"), level="planet")
    assert bad.status_code == 400 and "level" in bad.get_json()["error"]["fields"]


def test_public_pages_and_feeds_show_only_published_public_news(client, two, api_token):
    w, o = two["w"], two["o"]
    write(client, api_token("director"), level="school", school_id=w.school, title="Школьная <b>&</b> новость",
          body="Текст с <script>alert(1)</script> и **жирным**")
    write(client, api_token("director"), publish=False, level="school", school_id=w.school, title="Черновик школы")
    write(client, api_token("classteacher"), level="class", class_id=w.c5, title="Новость 5А")
    write(client, api_token("municipal"), level="municipality", municipality_id=w.municipality, title="Городская")
    write(client, api_token("region"), level="region", title="Областная")
    write(client, api_token("admin2"), level="school", school_id=o["school"], title="Чужая школа")

    html = client.get(f"/news/school/{w.school}").get_data(as_text=True)
    assert "Школьная &lt;b&gt;&amp;&lt;/b&gt; новость" in html and "Городская" in html and "Областная" in html
    assert "Черновик" not in html and "Новость 5А" not in html and "Чужая школа" not in html
    assert "<script>alert" not in html
    code = client.get(f"/api/v1/news/schools/{w.school}").get_json()
    assert {i["title"] for i in code["items"]} == {"Школьная <b>&</b> новость", "Городская", "Областная"}
    from eschool.plugin_api import Municipality

    with client.application.app_context():
        muni_code = Municipality.get_by_id(w.municipality).code
    html = client.get(f"/news/m/{muni_code}").get_data(as_text=True)
    assert "Городская" in html and "Школьная" in html and "Чужая школа" not in html and "Черновик" not in html
    assert client.get("/news/m/atlantis").status_code == 404
    assert client.get("/news/school/99999").status_code == 404

    for url in (f"/news/school/{w.school}/feed.atom", f"/news/m/{muni_code}/feed.atom"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.data)  # well-formed
        assert root.tag == f"{ATOM}feed"
        for tag in ("title", "id", "updated"):
            assert root.find(f"{ATOM}{tag}") is not None
        entries = root.findall(f"{ATOM}entry")
        titles = {e.find(f"{ATOM}title").text for e in entries}
        assert "Школьная <b>&</b> новость" in titles and "Черновик школы" not in titles and "Новость 5А" not in titles
        for entry in entries:
            for tag in ("id", "title", "updated"):
                assert entry.find(f"{ATOM}{tag}").text
            assert entry.find(f"{ATOM}author/{ATOM}name").text
        content = next(e for e in entries if "Школьная" in e.find(f"{ATOM}title").text).find(f"{ATOM}content")
        assert content.get("type") == "html" and "<strong>жирным</strong>" in content.text
        assert "<script>" not in content.text
        assert b"<script>" not in response.data and b"<b>&</b>" not in response.data


def test_class_news_and_drafts_are_for_their_readers_only(client, two, api_token, login_as):
    w = two["w"]
    cls = write(client, api_token("classteacher"), level="class", class_id=w.c5, title="Новость 5А").get_json()
    draft = write(client, api_token("director"), publish=False, level="school", school_id=w.school,
                  title="Черновик").get_json()
    url = f"/api/v1/news/items/{cls['id']}"
    assert client.get(url).status_code == 404  # anonymous
    assert client.get(url, headers=api_token("parent")).status_code == 200
    assert client.get(url, headers=api_token("student")).status_code == 200
    assert client.get(url, headers=api_token("teacher")).status_code == 200
    assert client.get(url, headers=api_token("parent2")).status_code == 404
    assert client.get(f"/news/item/{cls['id']}").status_code == 404
    assert client.get(f"/api/v1/news/items/{draft['id']}").status_code == 404
    assert client.get(f"/api/v1/news/items/{draft['id']}", headers=api_token("parent")).status_code == 404
    assert client.get(f"/api/v1/news/items/{draft['id']}", headers=api_token("director")).status_code == 200
    assert client.get(f"/news/item/{draft['id']}").status_code == 404
    parent = login_as("parent")
    html = parent.get("/news/").get_data(as_text=True)
    assert "Новость 5А" in html and "Черновик" not in html
    assert "Новость 5А" not in login_as("parent2").get("/news/").get_data(as_text=True)
    # someone else's item cannot be changed
    assert client.patch(f"/api/v1/news/manage/{cls['id']}", json={"title": "Взлом"},
                        headers=api_token("admin2")).status_code == 404
    assert client.post(f"/api/v1/news/manage/{draft['id']}/publish", headers=api_token("ct2")).status_code == 404
    assert client.delete(f"/api/v1/news/manage/{cls['id']}", headers=api_token("parent")).status_code == 403
    assert parent.get("/news/manage").status_code in (302, 403)
    # publishing makes the draft public; taking it back hides it again
    assert client.post(f"/api/v1/news/manage/{draft['id']}/publish", headers=api_token("director")).status_code == 200
    assert client.get(f"/api/v1/news/items/{draft['id']}").status_code == 200
    assert client.post(f"/api/v1/news/manage/{draft['id']}/unpublish",
                       headers=api_token("director")).status_code == 200
    assert client.get(f"/api/v1/news/items/{draft['id']}").status_code == 404


def test_pages_with_a_picture(app, client, two, login_as):
    w = two["w"]
    director = login_as("director")
    assert director.get("/news/manage").status_code == 200
    assert director.get("/news/manage/new").status_code == 200
    bad = director.post("/news/manage/new", data={"title": "Картинка", "body": "Текст", "level": "school",
                                                   "school_id": str(w.school), "action": "publish",
                                                   "picture": (io.BytesIO(b"MZ..."), "virus.exe")},
                        content_type="multipart/form-data")
    assert bad.status_code == 400
    ok = director.post("/news/manage/new", data={"title": "С картинкой", "body": "Текст", "level": "school",
                                                  "school_id": str(w.school), "action": "publish",
                                                  "picture": (io.BytesIO(PNG), "photo.png")},
                       content_type="multipart/form-data")
    assert ok.status_code == 302
    from eschool_news.models import NewsItem

    with app.app_context():
        item = NewsItem.get(NewsItem.title == "С картинкой")
        assert NewsItem.select().count() == 1
    html = client.get(f"/news/school/{w.school}").get_data(as_text=True)
    assert f"/files/{item.picture_id}" in html
    picture = client.get(f"/files/{item.picture_id}")
    assert picture.status_code == 200 and picture.data == PNG
    assert director.get(f"/news/manage/{item.id}/edit").status_code == 200
    assert director.post(f"/news/manage/{item.id}/status", data={"action": "unpublish"}).status_code == 302
    assert client.get(f"/files/{item.picture_id}").status_code == 404  # a draft's picture is not public
    assert director.post(f"/news/manage/{item.id}/status", data={"action": "delete"}).status_code == 302
    with app.app_context():
        assert NewsItem.select().count() == 0


def test_switched_off_for_a_school_answers_404(client, two, api_token, toggle):
    w = two["w"]
    toggle("news", False, school=w.school)
    assert client.get(f"/news/school/{w.school}").status_code == 404
    assert client.get(f"/news/school/{w.school}/feed.atom").status_code == 404


def test_query_counts_do_not_grow_with_news(app, client, two, api_token, login_as, count_queries):
    from eschool.plugin_api import Municipality, User
    from eschool_news import services

    w = two["w"]
    with app.app_context():
        muni_code = Municipality.get_by_id(w.municipality).code
    parent = login_as("parent")

    def measure():
        counts = {}
        for name, call in (("school", lambda: client.get(f"/news/school/{w.school}")),
                           ("feed", lambda: client.get(f"/news/school/{w.school}/feed.atom")),
                           ("muni", lambda: client.get(f"/news/m/{muni_code}")),
                           ("muni_feed", lambda: client.get(f"/news/m/{muni_code}/feed.atom")),
                           ("mine", lambda: parent.get("/news/")),
                           ("api", lambda: client.get(f"/api/v1/news/schools/{w.school}"))):
            with app.app_context(), count_queries() as counted:
                assert call().status_code == 200
            counts[name] = counted.count
        return counts

    def add(n):
        with app.test_request_context():
            director = User.get_by_id(w.user_id("director"))
            teacher = User.get_by_id(w.user_id("classteacher"))
            region = User.get_by_id(w.user_id("region"))
            for i in range(n):
                for author, data in ((director, {"level": "school", "school_id": w.school}),
                                     (teacher, {"level": "class", "class_id": w.c5}),
                                     (region, {"level": "region"})):
                    services.create({"title": f"Новость {i}", "body": "т", **data},
                                    services.publisher_for(author, all_roles=True), author, publish=True)

    add(2)
    measure()
    few = measure()
    add(12)
    assert measure() == few


def test_a_picture_through_the_api(app, client, two, api_token):
    w = two["w"]
    item = write(client, api_token("director"), level="school", school_id=w.school).get_json()
    url = f"/api/v1/news/manage/{item['id']}/picture"
    bad = client.put(url, data={"file": (io.BytesIO(b"MZ"), "x.exe")}, headers=api_token("director"),
                     content_type="multipart/form-data")
    assert bad.status_code == 400 and "picture" in bad.get_json()["error"]["fields"]
    assert client.put(url, data={}, headers=api_token("director"),
                      content_type="multipart/form-data").status_code == 400
    assert client.put(url, data={"file": (io.BytesIO(PNG), "p.png")}, headers=api_token("parent"),
                      content_type="multipart/form-data").status_code == 403
    done = client.put(url, data={"file": (io.BytesIO(PNG), "p.png")}, headers=api_token("director"),
                      content_type="multipart/form-data")
    assert done.status_code == 200 and done.get_json()["picture_url"].startswith("/files/")
    assert client.get(done.get_json()["picture_url"]).data == PNG
