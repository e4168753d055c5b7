"""The year archive: every class's printable journal of a year (PDF and XLSX), built in the background and kept."""
