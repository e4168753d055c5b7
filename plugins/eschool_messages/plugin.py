"""The mail plugin's hook implementations (the entry-point target ``eschool_messages.plugin``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import SCHOOL_STAFF, MenuItem, NotificationKind, Permission, PluginInfo, hookimpl

CODE = "messages"
USE = "messages.use"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Mail"),
                                  description=_l("Internal mail between those allowed to address each other: "
                                                 "attachments, read marks, archive, search"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_messages.models import Conversation, Message, Participant

    return [Conversation, Participant, Message]


@hookimpl
def eschool_blueprints(app):
    from eschool_messages.api import bp as api_bp
    from eschool_messages.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission(USE, _l("Read and write internal mail"),
                       (*SCHOOL_STAFF, "student", "parent", "region_operator", "municipal_operator"))]


@hookimpl
def eschool_settings_schema():
    from eschool_messages.schemas import MessagesSettingsSchema

    return MessagesSettingsSchema


@hookimpl
def eschool_notification_kinds():
    return [NotificationKind("messages.new", _l("A new message in the mail"), _l("Message: %(subject)s"),
                             "messages/notifications/new.txt", channels=("email",), order=10),
            NotificationKind("messages.outside", _l("A message sent to an outside address"), _l("%(subject)s"),
                             "messages/notifications/outside.txt", channels=("email",), mandatory=True, order=11)]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or getattr(user, "is_device", False) or not getattr(user, "is_authenticated", False):
        return []
    from eschool_messages.services import unread_total

    count = unread_total(user)
    label = _l("Mail (%(count)s)", count=count) if count else _l("Mail")
    return [MenuItem("messages.inbox", label, order=150, permission=USE, plugin=CODE, group="people")]


@hookimpl
def eschool_attachment_readable(attachment, user):
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return None
    from eschool_messages.models import Message
    from eschool_messages.services import can_see

    message = Message.get_or_none(Message.id == attachment.record_id)
    return True if message is not None and can_see(user, message) else None


DEMO = [
    # (sender, recipients, subject, body, answer)
    ("teacher", "parent", "Контрольная работа по математике",
     "Здравствуйте! В пятницу контрольная работа по теме «Дроби». Пожалуйста, проверьте, что ребёнок "
     "повторил правила сложения дробей с разными знаменателями.",
     "Спасибо, повторим в выходные. Можно ли прислать дополнительные задания?"),
    ("parent", "classteacher", "Пропуск занятий 14 числа",
     "Добрый день! 14 числа ребёнок будет на приёме у врача, справку принесём.",
     "Добрый день, спасибо, что предупредили. Отмечу в журнале уважительную причину."),
]


@hookimpl
def eschool_demo_data(school, rng, log):
    """Conversations between the demo teachers and parents, answered, and a class teacher's letter to
    the parents of the class."""
    from eschool.plugin_api import ClassGroup, User
    from eschool_messages import services
    from eschool_messages.models import Conversation

    if Conversation.select().where(Conversation.school_id == school.id).exists():
        return
    users = {u.username: u for u in User.select().where(
        User.username.in_(["teacher", "parent", "classteacher", "admin"]))}
    made = 0
    for sender, to, subject, body, answer in DEMO:
        if sender not in users or to not in users:
            continue
        try:
            conversation = services.send(users[sender], school.id, subject, body, [users[to].id], notify=False)
        except services.SchoolError:
            continue  # not addressable in this school's demo (no shared class)
        services.reply(users[to], conversation.id, answer, notify=False)
        made += 1
    teacher = users.get("classteacher")
    group = ClassGroup.get_or_none(ClassGroup.class_teacher == teacher.id) if teacher else None
    if group is not None:
        try:
            services.send(teacher, school.id, "Родительское собрание",
                          "Уважаемые родители! Родительское собрание состоится в четверг в 18:30 в кабинете 214. "
                          "Тема: итоги четверти и подготовка к экскурсии.", group_keys=[f"class:{group.id}:parents"], notify=False)
            made += 1
        except services.SchoolError:
            pass
    if "admin" in users:
        try:
            services.send(users["admin"], school.id, "График дежурств на неделю",
                          "Коллеги, график дежурств по этажам на следующую неделю во вложении к журналу "
                          "совещаний. Просьба проверить свои дни.", group_keys=[f"staff:{school.id}"], notify=False)
            made += 1
        except services.SchoolError:
            pass
    log(f"messages: {made} conversations at {school.short_name}")
