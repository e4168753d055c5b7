"""Vacancies: a school's job openings, public lists per municipality and region, and an archive."""
