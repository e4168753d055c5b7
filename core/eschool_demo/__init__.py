"""Data to show and to measure the portal with: the demo school of every region (``build_demo``) and the
benchmark data sets at school, municipality and region scale (``build_scale``).

Not part of the runtime package ``eschool``: a portal in production never needs it. The core finds it
through the ``eschool.demo`` entry point (``eschool demo`` says so when it is not installed), as it
finds plugins, and never imports it by name; it may use the core's internals, being a tool of the
core's own developers rather than a plugin (it builds rows in bulk no public API offers).
"""
from eschool_demo.demo import DEMO_PASSWORD, DEMO_PEOPLE, build_demo
from eschool_demo.journal import build_journal_demo
from eschool_demo.scale import NAME_PREFIX, SCALES, build_scale

__all__ = ["DEMO_PASSWORD", "DEMO_PEOPLE", "build_demo", "build_journal_demo", "NAME_PREFIX", "SCALES", "build_scale"]
