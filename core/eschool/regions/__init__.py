"""Region profiles: ``regions/<code>/region.toml`` loaded and validated at start-up."""
