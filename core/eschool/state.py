"""What an application knows about its region and plugins (``app.extensions['eschool']``)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EschoolState:
    region: object
    plugins: object  # PluginRegistry
    permissions: object  # PermissionRegistry
    roles: dict
    database: object
    theme_chain: list = field(default_factory=list)
    models: dict = field(default_factory=dict)  # owner -> model classes
