"""The summer camp: sessions, squads, enrolment queue, camp attendance, daily plans, reports, camp meals."""
