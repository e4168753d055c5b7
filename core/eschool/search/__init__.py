"""Full-text search over plugins' records: one interface, SQLite FTS5 or PostgreSQL text search underneath.

``from eschool import search``; ``search.index(owner, record_id, title, body, school_id=...)``,
``search.query(owner, text, scope=...)``, ``search.remove(owner, record_id)``.
"""
from eschool.search.services import SearchHit, index, query, remove, stems

__all__ = ["SearchHit", "index", "query", "remove", "stems"]
