"""Lesson plans (КТП): imported from a file, attached to a class-subject's lessons."""
