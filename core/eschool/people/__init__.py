"""People of a school: students and their cards, parents and legal representatives, class membership,
the movement book, consent to personal-data processing, and the audit log of personal-data changes."""
