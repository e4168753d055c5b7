"""The greetings board, tested as its author would: through HTTP, per role, switched off, its catalogs."""
from pathlib import Path

from eschool.testing import check_catalogs


def test_staff_post_and_anyone_reads(app, world, login_as):
    teacher = login_as("teacher")
    answer = teacher.post(f"/hello/school/{world.school}", data={"text": "С добрым утром!"})
    assert answer.status_code == 302
    assert "С добрым утром!" in app.test_client().get(f"/hello/school/{world.school}").get_data(as_text=True)


def test_parents_and_students_cannot_post(app, world, login_as):
    for role in ("parent", "student"):
        refused = login_as(role).post(f"/hello/school/{world.school}", data={"text": "Можно?"})
        assert refused.status_code == 403
    assert "Можно?" not in app.test_client().get(f"/hello/school/{world.school}").get_data(as_text=True)


def test_an_empty_greeting_is_refused_and_nothing_is_saved(app, world, login_as):
    from eschool_hello.models import Greeting

    login_as("teacher").post(f"/hello/school/{world.school}", data={"text": "   "})
    with app.app_context():
        assert Greeting.select().count() == 0


def test_the_board_keeps_the_newest_as_the_profile_says(app, world, login_as):
    teacher = login_as("teacher")
    for n in range(5):
        teacher.post(f"/hello/school/{world.school}", data={"text": f"Привет номер {n}"})
    page = app.test_client().get(f"/hello/school/{world.school}").get_data(as_text=True)
    assert "Привет номер 4" in page and "Привет номер 1" not in page  # board_size = 3 in the profile


def test_switched_off_for_the_school_the_board_is_gone(app, world, toggle):
    toggle("hello", False, school=world.school)
    assert app.test_client().get(f"/hello/school/{world.school}").status_code == 404
    toggle("hello", True, school=world.school)
    assert app.test_client().get(f"/hello/school/{world.school}").status_code == 200


def test_the_board_reads_in_a_fixed_number_of_queries(app, world, login_as, count_queries):
    teacher = login_as("teacher")
    reader = app.test_client()
    counts = []
    for n in range(3):
        teacher.post(f"/hello/school/{world.school}", data={"text": f"Привет {n}"})
        with count_queries() as counted:
            assert reader.get(f"/hello/school/{world.school}").status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[-1] and counts[0] <= 12, counts


def test_every_message_is_translated():
    assert check_catalogs(Path(__file__).parents[1] / "eschool_hello") == []
