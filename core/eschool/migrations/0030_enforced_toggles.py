"""Enforced module toggles (issue 21): a region or a municipality switches a module on or off so that the
levels below cannot change it.

``plugin_toggle.enforced``: the toggle wins over every toggle below it (a municipality's over its schools',
a region's over every municipality and school). Region-wide toggles are rows with ``scope_type = 'region'``
and ``scope_id = 0``; they are always enforced. Existing toggles stay as they were (not enforced).
"""
from peewee import BooleanField


def up(migrator, db):
    migrator.migrate(migrator.add_column("plugin_toggle", "enforced", BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("plugin_toggle", "enforced"))
