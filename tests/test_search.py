"""Full-text search: one interface on SQLite (FTS5 + Snowball stems) and PostgreSQL (tsvector, 'russian')."""
import pytest

from eschool import search
from eschool.search import services as search_service
from eschool.structure import services as structure
from eschool.structure.models import Municipality
from eschool.types import Scope


@pytest.fixture
def world(app):
    from eschool_demo.demo import build_demo

    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
        school = demo["school"]
        sibling = structure.create_school(school.municipality, "Школа №5", "Школа №5")
        far = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №7", "Школа №7")
        index = search_service.index
        index("olympiads", 1, "Олимпиада по математике", "Школьный этап всероссийской олимпиады для 5-11 классов",
              school_id=school.id)
        index("olympiads", 2, "Олимпиады по физике", "Муниципальный этап, задачи прошлых лет", school_id=sibling.id)
        index("olympiads", 3, "Конкурс чтецов", "Стихи о математиках и физиках", school_id=far.id)
        index("olympiads", 4, "Региональная олимпиадой неделя", "Для всех школ региона")
        index("olympiads", 5, "Муниципальные олимпиадные задания", "Сборник",
              municipality_id=school.municipality_id)
        index("forum", 1, "Олимпиада: обсуждение", "Кто идёт на олимпиаду?", school_id=school.id)
    return {"app": app, "school": school, "sibling": sibling, "far": far, "region": app.extensions["eschool"].region}


def ids(hits):
    return sorted(h.record_id for h in hits)


def test_russian_words_match_their_forms(world):
    with world["app"].app_context():
        q = search_service.query
        assert ids(q("olympiads", "олимпиады")) == [1, 2, 4]  # олимпиада, олимпиады, олимпиадой
        assert ids(q("olympiads", "олимпиада математика")) == [1]  # every word, in any form
        assert ids(q("olympiads", "математиках")) == [1, 3]
        assert ids(q("olympiads", "ФИЗИКА")) == [2, 3]
        assert ids(q("olympiads", "олимпиада по математике")) == [1]  # the stop word is ignored
        assert q("olympiads", "хоккей") == []
        assert q("olympiads", "") == [] and q("olympiads", "  !? ") == []


def test_only_the_owners_records_and_titles_rank_first(world):
    with world["app"].app_context():
        hits = search_service.query("forum", "олимпиаду")
        assert [(h.record_id, h.title) for h in hits] == [(1, "Олимпиада: обсуждение")]
        assert hits[0].excerpt == "Кто идёт на олимпиаду?"
        ranked = search_service.query("olympiads", "математике")
        assert [h.record_id for h in ranked] == [1, 3]  # in the title beats in the body


def test_what_is_visible_where(world):
    school, sibling, far = world["school"], world["sibling"], world["far"]
    code = world["region"].code
    with world["app"].app_context():
        q = search_service.query
        at_school = Scope(code, school.municipality_id, school.id)
        assert ids(q("olympiads", "олимпиада", scope=at_school)) == [1, 4]
        assert ids(q("olympiads", "задания задачи олимпиады", scope=at_school)) == []
        assert ids(q("olympiads", "олимпиадные", scope=at_school)) == [5]  # the municipality's
        assert ids(q("olympiads", "олимпиадные", scope=Scope(code, far.municipality_id, far.id))) == []
        in_muni = Scope(code, school.municipality_id, None)
        assert ids(q("olympiads", "олимпиады", scope=in_muni)) == [1, 2, 4]
        assert ids(q("olympiads", "физике", scope=Scope(code, far.municipality_id, None))) == [3]
        assert ids(q("olympiads", "физике", scope=Scope(code, None, None))) == [2, 3]
        assert ids(q("olympiads", "физике", school_ids=[sibling.id])) == [2]
        assert q("olympiads", "физике", school_ids=[]) == []


def test_reindex_and_remove(world):
    with world["app"].app_context():
        search_service.index("olympiads", 1, "Олимпиада по химии", "Реактивы", school_id=world["school"].id)
        assert ids(search_service.query("olympiads", "математике")) == [3]
        assert ids(search_service.query("olympiads", "химия")) == [1]
        assert search_service.remove("olympiads", 1) is True
        assert search_service.query("olympiads", "химия") == []
        assert search_service.remove("olympiads", 1) is False


@pytest.mark.parametrize("text", ['"', "олимп*", "a OR b", "NEAR(x y)", "физика) OR (1=1", "' OR 1=1 --",
                                  "title:физика", "-физика", "^физика", "!!"])
def test_query_syntax_in_the_text_is_only_words(world, text):
    with world["app"].app_context():
        hits = search_service.query("olympiads", text)
        assert all(h.record_id in (2, 3) for h in hits)


def test_the_package_exposes_the_interface():
    assert (search.index, search.query, search.remove) == (search_service.index, search_service.query,
                                                            search_service.remove)
