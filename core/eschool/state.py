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
    blueprint_owners: dict = field(default_factory=dict)  # blueprint name -> plugin code
    cache: object = None  # eschool.cache.BuiltCache of this app
    municipality_codes: dict = field(default_factory=dict)  # id -> code (the region profile's, fixed at start)

    def migration_owners(self) -> list:
        """The core's migration history, then each allowed plugin's."""
        from eschool.core_parts import is_core
        from eschool.db import migration_owners

        return migration_owners([i for n, i in self.plugins.infos.items() if not is_core(n)])

    def upgrade(self) -> dict:
        """Apply every pending migration (core first), then complete the setup of schools made before a
        part of it existed (their default work types, with this region's weights: a migration cannot know
        the region). Returns what was applied per owner. Runs in an app context (``eschool db upgrade``)."""
        from eschool.db import upgrade
        from eschool.journal.services import set_up_missing_work_types

        applied = upgrade(self.database, self.migration_owners())
        set_up_missing_work_types(dict(self.region.rules.get("work_type_weights") or {}))
        return applied
