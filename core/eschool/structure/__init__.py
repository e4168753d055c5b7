"""School structure: municipalities and schools (extended by later capabilities)."""
