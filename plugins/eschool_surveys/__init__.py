"""Surveys: questionnaires for chosen audiences, anonymous or named, with results and export."""
