"""The plugin system: discovery, the per-app plugin manager, and runtime toggles."""
