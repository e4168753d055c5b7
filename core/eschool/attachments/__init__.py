"""Attachments: files a plugin (or the core) stores outside the web root and serves with a permission check."""
