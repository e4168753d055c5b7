"""News at class, school, municipality and region level: public pages and Atom feeds."""
