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
        result = build_demo(log=lambda *_: None, school_year=False)
        roles = app.extensions["eschool"].roles
        assert {role for _username, role in result["accounts"]} == set(roles)
        assert Municipality.select().count() == len(app.extensions["eschool"].region.data["municipalities"])
        build_demo(log=lambda *_: None, school_year=False)  # idempotent
        assert User.select().count() == len(roles)
        assert RoleAssignment.select().count() == len(roles)
    client = app.test_client()
    for username, _role in result["accounts"]:
        login(client, username)
        assert client.get("/dashboard").status_code == 200
        client.post("/logout")


def test_demo_school_year_has_a_timetable_without_clashes(make_app):
    from eschool.school.models import AcademicYear, ClassGroup, CurriculumItem, TeachingAssignment
    from eschool.timetable.models import TimetableEntry
    from eschool.timetable.services import clashes

    app = make_app()
    with app.app_context():
        lines = []
        build_demo(log=lines.append)
        build_demo(log=lines.append)  # idempotent
        assert AcademicYear.select().count() == 1
        assert ClassGroup.select().count() == 14
        entries = list(TimetableEntry.select())
        hours = sum(float(c.hours_per_week) for c in CurriculumItem.select())
        assert len(entries) >= hours - 2  # (nearly) every curriculum hour has its weekly lesson
        assert all(clashes(entry, ignore_id=entry.id) == [] for entry in entries)
        taught = {(a.class_group_id, a.subject_id, a.teacher_id) for a in TeachingAssignment.select()}
        assert all((e.class_group_id, e.subject_id, e.teacher_id) in taught for e in entries)
    assert any("weekly lessons" in line for line in lines)
