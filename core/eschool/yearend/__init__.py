"""Closing a school's academic year and opening the next: checks, each student's decision, the new year
built from the old one (classes promoted, curriculum and timetable carried over), all or nothing."""
