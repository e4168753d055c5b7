"""A school's or a municipality's data in one archive and back (``eschool export`` / ``eschool import``), and
backups of a whole portal (``eschool backup`` / ``eschool restore``): docs/data-exchange.md."""
