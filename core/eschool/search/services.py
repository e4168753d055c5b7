"""Full-text search over a plugin's records: ``index``, ``remove``, ``query``, the same on both databases.

- PostgreSQL: a ``tsvector`` per entry (title weighted above body) in ``search_document`` with a GIN
  index, built with the text search configuration ``russian`` (``SEARCH_TS_CONFIG`` in the config may
  name another, e.g. ``simple``); queries through ``plainto_tsquery``, ranked by ``ts_rank``.
- SQLite: an FTS5 table ``search_fts``. SQLite has no Russian stemmer, so the words are stemmed here
  with the Snowball stemmers (the same algorithm PostgreSQL's ``russian`` configuration uses) before
  they are indexed and before they are looked up; ranked by ``bm25``.

Either way every word of the query must occur in the record, in any of its forms ("олимпиады" finds
"олимпиада", "олимпиадой"); very short words and common stop words are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import peewee
import snowballstemmer
from flask import current_app, has_app_context

from eschool.db import db, utcnow
from eschool.search.models import SearchEntry
from eschool.structure.models import School
from eschool.types import Scope

WORD = re.compile(r"\w+", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]")
#: Words a query drops on SQLite (PostgreSQL's configuration has its own, longer list).
STOP_WORDS = frozenset("""и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять
уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего
раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее
были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего них
какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
конечно всю между the a an and or of to in on for with is are be by at from as it this that""".split())


@dataclass(frozen=True)
class SearchHit:
    record_id: int
    title: str
    excerpt: str
    school_id: int | None
    municipality_id: int | None


def _is_postgres() -> bool:
    return isinstance(db.obj, peewee.PostgresqlDatabase)


def _ts_config() -> str:
    name = current_app.config.get("SEARCH_TS_CONFIG", "russian") if has_app_context() else "russian"
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"SEARCH_TS_CONFIG: '{name}' is not a text search configuration name")
    return name


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


def stems(text: str) -> list[str]:
    """The Snowball stems of the words of ``text`` (Russian for Cyrillic words, English otherwise)."""
    words = WORD.findall((text or "").lower().replace("ё", "е"))
    return [_stemmer("russian" if CYRILLIC.search(w) else "english").stemWord(w) for w in words]


def _query_stems(text: str) -> list[str]:
    words = [w for w in WORD.findall((text or "").lower().replace("ё", "е")) if len(w) > 1 and w not in STOP_WORDS]
    return list(dict.fromkeys(stems(" ".join(words))))


def index(owner: str, record_id: int, title: str, body: str = "", *, school_id: int | None = None,
          municipality_id: int | None = None) -> SearchEntry:
    """Add or replace the searchable text of one of the owner's records.

    ``school_id`` (its municipality is looked up) or ``municipality_id`` say where it is visible;
    neither: region-wide. Call it in the same transaction that saves the record.
    """
    if school_id is not None and municipality_id is None:
        municipality_id = School.select(School.municipality).where(School.id == school_id).scalar()
    title, body = (title or "")[:500], body or ""
    with db.atomic():
        entry = SearchEntry.get_or_none((SearchEntry.owner == owner) & (SearchEntry.record_id == record_id))
        if entry is None:
            entry = SearchEntry.create(owner=owner, record_id=record_id, school_id=school_id,
                                       municipality_id=municipality_id, title=title, body=body)
        else:
            entry.school_id, entry.municipality_id, entry.title, entry.body = school_id, municipality_id, title, body
            entry.updated_at = utcnow()
            entry.save()
        if _is_postgres():
            config = _ts_config()
            db.execute_sql(
                "INSERT INTO search_document (entry_id, document) VALUES (%s, "
                f"setweight(to_tsvector('{config}', %s), 'A') || setweight(to_tsvector('{config}', %s), 'B')) "
                "ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document",
                (entry.id, title, body))
        else:
            db.execute_sql("DELETE FROM search_fts WHERE rowid = ?", (entry.id,))
            db.execute_sql("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)",
                           (entry.id, " ".join(stems(title)), " ".join(stems(body))))
    return entry


def remove(owner: str, record_id: int) -> bool:
    """Take a record out of the index (when the owner deletes it). Returns whether it was there."""
    entry = SearchEntry.get_or_none((SearchEntry.owner == owner) & (SearchEntry.record_id == record_id))
    if entry is None:
        return False
    with db.atomic():
        if not _is_postgres():
            db.execute_sql("DELETE FROM search_fts WHERE rowid = ?", (entry.id,))
        entry.delete_instance()  # search_document goes with it (ON DELETE CASCADE)
    return True


def _visible(scope: Scope | None, school_ids) -> tuple[str, list]:
    """SQL (on ``e``, the entries) for what is visible: a school's own entries, its municipality's and
    the region's; a municipality's schools' entries too; everything at region level."""
    if school_ids is not None:
        ids = [int(i) for i in school_ids] or [-1]
        return f"e.school_id IN ({', '.join(['%s'] * len(ids))})", ids
    if scope is None or (scope.municipality_id is None and scope.school_id is None):
        return "1 = 1", []
    if scope.school_id is None:
        return "(e.municipality_id = %s OR e.municipality_id IS NULL)", [scope.municipality_id]
    return ("(e.school_id = %s OR (e.school_id IS NULL AND (e.municipality_id = %s OR e.municipality_id IS NULL)))",
            [scope.school_id, scope.municipality_id])


def query(owner: str, text: str, *, scope: Scope | None = None, school_ids=None, limit: int = 20,
          offset: int = 0) -> list[SearchHit]:
    """The owner's records matching every word of ``text`` (in any of its forms), best first.

    Visibility: ``scope`` a school's (its entries, its municipality's and the region's), a
    municipality's (its schools', its own and the region's) or the region's / ``None`` (all); or
    ``school_ids``, an explicit list of schools (only their entries). The caller still checks each
    record against its own rules (a draft, a private post) before showing it.
    """
    where, params = _visible(scope, school_ids)
    placeholder = "%s" if _is_postgres() else "?"
    where = where.replace("%s", placeholder)
    limit, offset = max(1, min(int(limit), 200)), max(0, int(offset))
    if _is_postgres():
        config = _ts_config()
        if not _query_words_pg(text):
            return []
        sql = (f"SELECT e.id FROM search_document d JOIN search_entry e ON e.id = d.entry_id, "
               f"plainto_tsquery('{config}', %s) q WHERE d.document @@ q AND e.owner = %s AND {where} "
               f"ORDER BY ts_rank(d.document, q) DESC, e.id LIMIT %s OFFSET %s")
        args = [text, owner, *params, limit, offset]
    else:
        terms = _query_stems(text)
        if not terms:
            return []
        match = " AND ".join('"' + t.replace('"', "") + '"' for t in terms)
        sql = (f"SELECT e.id FROM search_fts JOIN search_entry e ON e.id = search_fts.rowid "
               f"WHERE search_fts MATCH ? AND e.owner = ? AND {where} "
               f"ORDER BY bm25(search_fts, 10.0, 1.0), e.id LIMIT ? OFFSET ?")
        args = [match, owner, *params, limit, offset]
    ids = [row[0] for row in db.execute_sql(sql, args).fetchall()]
    entries = {e.id: e for e in SearchEntry.select().where(SearchEntry.id.in_(ids))} if ids else {}
    return [SearchHit(entries[i].record_id, entries[i].title, _excerpt(entries[i].body), entries[i].school_id,
                      entries[i].municipality_id) for i in ids]


def _query_words_pg(text: str) -> bool:
    return bool(WORD.search(text or ""))


def _excerpt(body: str, length: int = 200) -> str:
    body = " ".join((body or "").split())
    return body if len(body) <= length else body[: length - 1].rstrip() + "…"
