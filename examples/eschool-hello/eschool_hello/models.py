"""One greeting on one school's board."""
import peewee

from eschool.plugin_api import BaseModel, School, utcnow


class Greeting(BaseModel):
    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    text = peewee.CharField(max_length=200)
    author = peewee.CharField(max_length=300, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "hello_greeting"  # every table of a plugin starts with its code
