"""The events calendar: school and class events, month and week views, a private iCalendar feed."""
