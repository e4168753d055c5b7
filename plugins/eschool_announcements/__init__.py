"""The announcement board: posts to audiences of a school with a display period; families read only."""
