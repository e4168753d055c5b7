"""Municipalities and schools of the region."""
from __future__ import annotations

import peewee

from eschool.db import BaseModel, utcnow


class Municipality(BaseModel):
    """A municipality of the region; its ``code`` comes from the region profile."""

    code = peewee.CharField(max_length=64, unique=True)
    name_ru = peewee.CharField(max_length=255)
    name_en = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "municipality"

    def name(self, locale: str = "ru") -> str:
        return (self.name_en if locale == "en" and self.name_en else self.name_ru)


class School(BaseModel):
    """A general education organisation (ОУ)."""

    municipality = peewee.ForeignKeyField(Municipality, backref="schools", on_delete="RESTRICT")
    name = peewee.CharField(max_length=500)
    short_name = peewee.CharField(max_length=200)
    address = peewee.CharField(max_length=500, default="")
    phone = peewee.CharField(max_length=64, default="")
    email = peewee.CharField(max_length=254, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    # Settings the school administrator keeps (the documents name them).
    max_class_letter = peewee.CharField(max_length=1, default="Д")  # the highest letter of a class ("5Д")
    medal_average = peewee.DecimalField(max_digits=3, decimal_places=2, default=4.5)  # needed for a medal
    session_idle_minutes = peewee.SmallIntegerField(null=True)  # None: the region's rule
    journal_edit_days = peewee.SmallIntegerField(null=True)  # None: the region's journal deadline rule
    # The school card: requisites the documents print (ИНН, КПП, ОГРН, ОКПО), the director, the website.
    inn = peewee.CharField(max_length=12, default="")
    kpp = peewee.CharField(max_length=9, default="")
    ogrn = peewee.CharField(max_length=15, default="")
    okpo = peewee.CharField(max_length=10, default="")
    director_name = peewee.CharField(max_length=255, default="")
    website = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "school"
