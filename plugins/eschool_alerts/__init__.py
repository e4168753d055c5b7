"""Alerts to families: new marks, twos, absences, tomorrow's homework, final marks (the ``alerts`` plugin)."""
