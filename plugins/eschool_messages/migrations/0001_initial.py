"""The mail's tables: conversations, participants, messages."""
import datetime

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Conversation(Base):
        subject = CharField(max_length=200)
        school_id = IntegerField(null=True, index=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        broadcast = BooleanField(default=False)
        participant_count = IntegerField(default=0)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_message_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "messages_conversation"

    class Participant(Base):
        conversation = ForeignKeyField(Conversation, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        unread = IntegerField(default=0)
        read_at = DateTimeField(null=True)
        archived = BooleanField(default=False)
        last_activity_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "messages_participant"
            indexes = ((("conversation", "user"), True), (("user", "archived", "last_activity_at"), False))

    class Message(Base):
        conversation = ForeignKeyField(Conversation, on_delete="CASCADE")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        to_user = ForeignKeyField(User, null=True, on_delete="CASCADE", backref="+")
        body = TextField()
        external = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "messages_message"
            indexes = ((("conversation", "created_at"), False),)

    return [Conversation, Participant, Message]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
