"""One-time passwords in bulk after an import (issue 19): the accounts a OneRoster set from another system
made without a password get one, on printable slips grouped by class: from the administrator's accounts
page, from ``eschool users issue-logins``, and through the API for one class."""
from __future__ import annotations

import os
import re

import pytest

from tests.conftest import DEMO_PASSWORD, bearer, login
from tests.test_oneroster_foreign import foreign_set, invoke


def slips(html: str) -> dict[str, str]:
    """username -> password of every slip on a page."""
    return dict(re.findall(r"<code>([a-z0-9._@-]+)</code></dd>\s*<dt>[^<]+</dt><dd><code>([a-z0-9]+)</code>", html))


@pytest.fixture
def imported(app, demo, tmp_path):
    """School No. 77 imported from another system's files; an administrator and 5А's class teacher who can
    log in (the imported ones must change their passwords first)."""
    from eschool.auth.services import create_user, grant_role
    from eschool.school.models import ClassGroup
    from eschool_oneroster import services as oneroster

    roles = app.extensions["eschool"].roles
    with app.app_context():
        plan = oneroster.check_folder(foreign_set(tmp_path / "sis"), None, roles)
        assert plan.ok, plan.errors
        oneroster.run(plan, roles)
        school = plan.school
        a, b = (ClassGroup.get((ClassGroup.school == school) & (ClassGroup.name == n)) for n in ("5А", "5Б"))
        admin = create_user("admin77", "Администратор 77", password=DEMO_PASSWORD, must_change_password=False)
        grant_role(admin, "school_admin", school=school, allowed_roles=roles)
        teacher = create_user("klass77", "Классный 77", password=DEMO_PASSWORD, must_change_password=False)
        grant_role(teacher, "class_teacher", school=school, class_group_id=a.id, allowed_roles=roles)
        return {"school": school.id, "5А": a.id, "5Б": b.id}


def test_passwords_in_bulk_from_the_page_the_api_and_the_command(app, client, imported, monkeypatch, database_url,
                                                                 tmp_path):
    from eschool.auth.models import User
    from eschool.auth.passwords import verify_password
    from eschool.people.models import AuditEntry

    school = imported["school"]
    # the administrator prints 5Б's slips from the accounts page
    login(client, "admin77", DEMO_PASSWORD)
    page = client.get(f"/school/{school}/accounts/")
    assert "Логины списком" in page.get_data(as_text=True)
    response = client.post(f"/school/{school}/accounts/logins", data={"for": str(imported["5Б"])})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    got = slips(response.get_data(as_text=True))
    assert set(got) == {"zuev.ya", "belova.k"}
    # 5А's class teacher issues the class's logins through the API
    headers = bearer(app.test_client(), "klass77", DEMO_PASSWORD)
    answer = client.post(f"/api/v1/schools/{school}/classes/{imported['5А']}/logins", json={"who": "students"},
                         headers=headers)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    items = answer.get_json()["items"]
    # ivanov.ivan1's own password was too weak to keep: he gets one like the others
    assert sorted(i["username"] for i in items) == ["ivanov.ivan1", "ivanov.ivan2", "orlova.a"]
    got.update({i["username"]: i["password"] for i in items})
    again = client.post(f"/api/v1/schools/{school}/classes/{imported['5А']}/logins", json={}, headers=headers)
    assert again.get_json()["items"] == []  # the parent's password came with the file
    # the command prints what is left: the teacher whose password was too weak to keep
    out = tmp_path / "slips.html"
    app.extensions["eschool"].database.close()
    result = invoke(monkeypatch, database_url, tmp_path, "users", "issue-logins", "--school", str(school),
                    "--out", str(out), "--url", "https://school77.example/login")
    assert result.exit_code == 0, result.output
    assert "1 one-time passwords" in result.output and "Сотрудники: 1" in result.output
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    assert "https://school77.example/login" in text and "Сотрудники" in text
    got.update(slips(text))
    assert set(got) == {"zuev.ya", "belova.k", "ivanov.ivan1", "ivanov.ivan2", "orlova.a", "sidorova.nn"}
    refused = invoke(monkeypatch, database_url, tmp_path, "users", "issue-logins", "--school", str(school),
                     "--out", str(out))
    assert refused.exit_code != 0 and "exists" in refused.output
    nothing = invoke(monkeypatch, database_url, tmp_path, "users", "issue-logins", "--school", str(school),
                     "--class", "5а", "--out", str(tmp_path / "none.html"))
    assert "Everyone already has a login" in nothing.output and not (tmp_path / "none.html").exists()
    with app.app_context():
        for username, password in got.items():
            user = User.get(User.username == username)
            assert verify_password(user.password_hash, password) and user.must_change_password
        assert AuditEntry.select().where(AuditEntry.new_value == "one-time password set").count() >= 4


@pytest.mark.parametrize("who", ["teacher", "parent", "classteacher"])
def test_bulk_logins_are_refused_to_others(app, demo, login_as, api_token, who):
    """The accounts page's bulk form is the administration's; a class's logins through the API are its
    class teacher's (and the administration's): another class's teacher, a parent are refused."""
    from eschool.testing.world import build_world

    world = build_world(app, students=2, school_id=demo["school"].id)
    client = login_as(who)
    assert client.post(f"/school/{world.school}/accounts/logins", data={"for": "all"}).status_code == 403
    answer = client.post(f"/api/v1/schools/{world.school}/classes/{world.c6}/logins", json={},
                         headers=api_token(who))
    assert answer.status_code == 403
