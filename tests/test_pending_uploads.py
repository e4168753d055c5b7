"""Checked import files waiting for confirmation (people/uploads.py): kept per school, bound to the user
who checked them and the kind of import, found by their exact random token, deleted once confirmed and
refused and deleted after an hour."""
import datetime as dt
import io
import os
import re
import time
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import login

STAFF = [["Фамилия", "Имя", "Должность", "Роли"], ["Сидоров", "Илья", "секретарь учебной части", "secretary"],
         ["Лебедева", "Анна", "учитель", "subject_teacher"]]
STUDENTS = [["Фамилия", "Имя", "Дата рождения", "Пол", "Класс"], ["Орлова", "Мария", "04.03.2015", "ж", "5А"],
            ["Зуев", "Глеб", "2014-11-30", "м", "5А"]]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def schools(app, demo):
    """The demo school (its administrator ``admin``, secretary ``secretary``) with class 5А, and a second
    school with its own administrator ``admin2``."""
    from eschool.auth import services as auth
    from eschool.school import services
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        first = demo["school"]
        year = services.create_year(first, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                            "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        services.create_class(first, {"academic_year_id": year.id, "kind": "regular", "grade": 5, "letter": "А",
                                      "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
        other = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №2", "Школа №2")
        admin2 = auth.create_user("admin2", "Админ Второй", password="demo-2026", must_change_password=False)
        auth.grant_role(admin2, "school_admin", school=other, allowed_roles=app.extensions["eschool"].roles)
        return {"first": first.id, "other": other.id}


def store(app, school_id) -> Path:
    return Path(app.instance_path) / "pending-uploads" / str(school_id)


def kept_files(app) -> list[Path]:
    root = Path(app.instance_path)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx"))


def check_staff(client, school_id) -> str:
    response = client.post(f"/school/{school_id}/staff/import",
                           data={"file": (io.BytesIO(xlsx(STAFF)), "кадры.xlsx")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def check_students(client, school_id) -> str:
    response = client.post(f"/school/{school_id}/import", content_type="multipart/form-data",
                           data={"order_number": "45-у", "date": "2026-09-01",
                                 "file": (io.BytesIO(xlsx(STUDENTS)), "список.xlsx")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def confirm_students(client, school_id, token):
    return client.post(f"/school/{school_id}/import", data={"token": token, "order_number": "45-у",
                                                            "date": "2026-09-01"})


def staff_named(app, name: str) -> list[int]:
    """The schools where someone called ``name`` has a role."""
    from eschool.auth.models import RoleAssignment, User

    with app.app_context():
        return sorted({a.school_id for a in RoleAssignment.select().join(User).where(User.full_name == name)})


def count_students(app) -> int:
    from eschool.people.models import Student

    with app.app_context():
        return Student.select().count()


GONE = "The checked file is gone; upload it again."


@pytest.mark.parametrize("where", ["other", "first"])
def test_a_token_is_not_a_pattern(app, schools, where):
    """``token=*`` matched any kept file: school 2's administrator imported school 1's staff."""
    first, second = app.test_client(), app.test_client()
    login(first, "admin")
    token = check_staff(first, schools["first"])
    login(second, "admin2" if where == "other" else "admin")
    second.post("/language", data={"locale": "en"})
    for pattern in ("*", "?" * len(token), "../*", token[:10] + "*"):
        response = second.post(f"/school/{schools[where]}/staff/import", data={"token": pattern})
        assert response.status_code == 400, pattern
        assert GONE in response.get_data(as_text=True)
    assert staff_named(app, "Сидоров Илья") == []
    assert len(kept_files(app)) == 1  # school 1's file is still there ...
    done = first.post(f"/school/{schools['first']}/staff/import", data={"token": token})
    assert done.status_code == 200  # ... and its administrator still imports it
    assert staff_named(app, "Сидоров Илья") == [schools["first"]]


def test_another_schools_token_is_refused_and_left_alone(app, schools):
    first, second = app.test_client(), app.test_client()
    login(first, "admin")
    token = check_staff(first, schools["first"])
    login(second, "admin2")
    second.post("/language", data={"locale": "en"})
    response = second.post(f"/school/{schools['other']}/staff/import", data={"token": token})
    assert response.status_code == 400 and GONE in response.get_data(as_text=True)
    assert staff_named(app, "Сидоров Илья") == []
    assert [p.parent for p in kept_files(app)] == [store(app, schools["first"])]
    assert first.post(f"/school/{schools['first']}/staff/import", data={"token": token}).status_code == 200
    assert staff_named(app, "Сидоров Илья") == [schools["first"]]


def test_another_user_of_the_same_school_cannot_confirm_my_file(app, schools):
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "admin")
    token = check_students(mine, schools["first"])
    login(theirs, "secretary")  # may import students here too, but did not check this file
    theirs.post("/language", data={"locale": "en"})
    response = confirm_students(theirs, schools["first"], token)
    assert response.status_code == 400 and GONE in response.get_data(as_text=True)
    assert count_students(app) == 0
    assert confirm_students(mine, schools["first"], token).status_code == 302
    assert count_students(app) == 2


def test_the_file_is_kept_private_and_deleted_by_the_confirmation(app, client, schools):
    login(client, "admin")
    token = check_students(client, schools["first"])
    [path] = kept_files(app)
    assert path.parent == store(app, schools["first"]) and token in path.name
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert Path(app.instance_path).resolve() in path.resolve().parents  # the instance folder, not the web's
    assert confirm_students(client, schools["first"], token).status_code == 302
    assert kept_files(app) == [] and count_students(app) == 2
    client.post("/language", data={"locale": "en"})
    again = confirm_students(client, schools["first"], token)  # a second confirmation imports nothing twice
    assert again.status_code == 400 and GONE in again.get_data(as_text=True)
    assert count_students(app) == 2


def test_an_expired_file_is_refused_and_deleted(app, client, schools):
    login(client, "admin")
    client.post("/language", data={"locale": "en"})
    token = check_staff(client, schools["first"])
    [path] = kept_files(app)
    hour_and_a_bit_ago = time.time() - 3601
    os.utime(path, (hour_and_a_bit_ago, hour_and_a_bit_ago))
    response = client.post(f"/school/{schools['first']}/staff/import", data={"token": token})
    assert response.status_code == 400
    assert "waited more than an hour and was deleted; upload it again" in response.get_data(as_text=True)
    assert kept_files(app) == [] and staff_named(app, "Сидоров Илья") == []


def test_expired_files_of_every_school_are_swept_when_the_store_is_used(tmp_path):
    from eschool.people import uploads

    schools, tmp_path = {"first": 1, "other": 2}, tmp_path / "store"
    now = time.time()
    old = uploads.keep(schools["first"], 1, "staff", b"a;b\n", "x.csv", store=tmp_path, now=now - 3601)
    fresh = uploads.keep(schools["other"], 2, "students", b"a;b\n", "y.xlsx", store=tmp_path, now=now - 60)
    assert len(list(tmp_path.rglob("*.*"))) == 2
    with pytest.raises(uploads.UploadGone):  # using the store (here: a wrong token) sweeps it
        uploads.take(schools["other"], 2, "students", "0" * 64, store=tmp_path, now=now)
    assert [p.name for p in tmp_path.rglob("*.*")] == [f"students-2-{fresh}.xlsx"]
    with pytest.raises(uploads.UploadGone):
        uploads.take(schools["first"], 1, "staff", old, store=tmp_path, now=now)
    with pytest.raises(uploads.UploadGone):  # the right token, the wrong kind
        uploads.take(schools["other"], 2, "staff", fresh, store=tmp_path, now=now)
    assert uploads.sweep(tmp_path, now=now + 3600) == 1  # a periodic job's call
    assert list(tmp_path.rglob("*.*")) == []


def test_files_of_the_old_store_are_deleted(app, client, schools):
    """Versions before this one kept checked files, owned by nobody, in ``instance/imports``."""
    legacy = Path(app.instance_path) / "imports"
    legacy.mkdir(parents=True)
    (legacy / "staff-0123abcd.xlsx").write_bytes(xlsx(STAFF))
    login(client, "admin")
    check_staff(client, schools["first"])
    assert not legacy.exists()
