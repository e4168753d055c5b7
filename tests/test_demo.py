"""``eschool demo`` builds every region: its municipalities, a demo school, an account per role."""
import pytest

from eschool.auth.models import RoleAssignment, User
from eschool.demo import build_demo
from eschool.structure.models import Municipality
from tests.conftest import login


@pytest.mark.parametrize("region", ["kemerovo", "primorye", "samara"])
def test_demo_builds_every_region_with_an_account_for_every_role(make_app, region):
    app = make_app(region=region)
    with app.app_context():
        result = build_demo(log=lambda *_: None)
        roles = app.extensions["eschool"].roles
        assert {role for _username, role in result["accounts"]} == set(roles)
        assert Municipality.select().count() == len(app.extensions["eschool"].region.data["municipalities"])
        build_demo(log=lambda *_: None)  # idempotent
        assert User.select().count() == len(roles)
        assert RoleAssignment.select().count() == len(roles)
    client = app.test_client()
    for username, _role in result["accounts"]:
        login(client, username)
        assert client.get("/dashboard").status_code == 200
        client.post("/logout")
