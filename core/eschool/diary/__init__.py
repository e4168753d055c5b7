"""The diary (дневник) of a student, read by the student and their parents: the week, the period summary,
printable weeks and the mobile diary API."""
