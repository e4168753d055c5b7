"""Final marks, the journal's figures, closing periods and the class period report."""
