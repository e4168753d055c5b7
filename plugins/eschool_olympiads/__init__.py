"""Olympiads: a catalogue, registration with parents consent, results, statistics, the student portfolio."""
