"""Enrolment applications (the e-service): a public form for the 1st grade and transfers, the school's
queue by priority and time, statuses followed by the applicant, enrolment in one step."""
