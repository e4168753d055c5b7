"""The class journal (журнал) and the diary (дневник): lessons, marks, attendance, homework, final marks."""
