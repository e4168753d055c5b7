"""Demo data: a subject's materials, a test with results in the journal, a textbook chapter with progress."""
from __future__ import annotations


def build(school, rng, log):
    log("knowledge_base: (demo data comes with part 4)")
