"""Core pages: the start page with menus and widgets, language choice, static files, errors."""
