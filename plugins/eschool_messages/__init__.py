"""Internal mail: conversations between people allowed to address each other (the ``messages`` plugin)."""
