"""The weekly timetable, the bell schedule and substitutions; clashes are refused."""
