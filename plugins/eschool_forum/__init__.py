"""The forum: boards of a school, a municipality and the region; topics, posts, moderation."""
