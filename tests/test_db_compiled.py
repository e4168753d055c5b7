"""db.Compiled: a hot query's SQL generated once, run again with other values, rows as peewee builds them."""


def test_compiled_queries_give_the_rows_an_ordinary_query_gives(app, demo):
    from peewee import JOIN

    from eschool.auth.models import RoleAssignment, User
    from eschool.db import Compiled
    from eschool.structure.models import School

    by_name = Compiled(lambda name, user_id: User.select().where((User.username == name) | (User.id == user_id))
                       .order_by(User.id).limit(5), "str", "int")
    roles = Compiled(lambda user_id: RoleAssignment.select(RoleAssignment, School)
                     .join(School, JOIN.LEFT_OUTER, on=(RoleAssignment.school == School.id))
                     .where((RoleAssignment.user == user_id) & (RoleAssignment.role != "nobody")), "int")
    twice = Compiled(lambda user_id: User.select().where((User.id == user_id) | (User.id == user_id + 0)), "int")
    with app.app_context():
        teacher, parent = User.get(User.username == "teacher"), User.get(User.username == "parent")
        for name, other in (("teacher", parent.id), ("parent", teacher.id), ("nobody", -5)):
            expected = list(User.select().where((User.username == name) | (User.id == other)).order_by(User.id))
            got = by_name.run(name, other)
            assert [u.id for u in got] == [u.id for u in expected] and all(isinstance(u, User) for u in got)
        got = roles.run(teacher.id)
        assert got and {r.id for r in got} == {r.id for r in RoleAssignment.select().where(
            RoleAssignment.user == teacher.id)}
        assert all(r.school.name for r in got if r.school_id)  # the joined model is built, not fetched again
        assert [u.username for u in twice.run(parent.id)] == ["parent"]
        assert roles.run(-1) == []
