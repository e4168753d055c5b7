"""The school year: years, periods, subjects, rooms, classes, curriculum, teaching assignments."""
