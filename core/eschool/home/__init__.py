"""Each role's start page: what they need to see today."""
