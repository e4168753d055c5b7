"""The news plugin's hook implementations (entry point ``eschool_news.plugin``)."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    ClassGroup,
    MenuItem,
    Permission,
    PluginInfo,
    RoleAssignment,
    User,
    Widget,
    current_year,
    hookimpl,
    utcnow,
)

CODE = "news"
READ, PUBLISH = "news.read", "news.publish"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("News"),
                                  description=_l("News of classes, schools, municipalities and the region; "
                                                 "public pages and Atom feeds"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_news.models import NewsItem

    return [NewsItem]


@hookimpl
def eschool_blueprints(app):
    from eschool_news.api import bp as api_bp
    from eschool_news.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(READ, _l("Read the news of one's schools and classes"),
                   (*SCHOOL_STAFF, "student", "parent", "municipal_operator", "region_operator")),
        Permission(PUBLISH, _l("Publish news (class teacher: the class; administration: the school; operators: "
                               "the municipality or the region)"),
                   ("class_teacher", "school_admin", "director", "deputy_director", "municipal_operator",
                    "region_operator")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    items = []
    if scope.school_id is not None:
        items.append(MenuItem("news.school_page", _l("School news"), order=160, section="public",
                              url_kwargs={"school_id": scope.school_id}, plugin=CODE, group="school"))
    if user is not None:
        items.append(MenuItem("news.index", _l("News"), order=160, permission=READ, plugin=CODE, group="school"))
        items.append(MenuItem("news.manage", _l("Publish news"), order=520, section="admin", permission=PUBLISH,
                              plugin=CODE, group="school"))
    return items


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None:
        return []

    def context():
        from flask import url_for

        from eschool_news import services

        p = services.publisher_for(user)
        schools = sorted(p.staff_schools | ({scope.school_id} if scope.school_id else set()))
        items = services.annotate(list(services.for_reader(p, schools).limit(3)))
        return {"items": items, "url": url_for("news.index")}

    return [Widget("news", _l("News"), "news/widget.html", context=context, permission=READ, order=30, plugin=CODE)]


@hookimpl
def eschool_attachment_readable(attachment, user):
    """A picture is read by whoever may read its news item (anyone, for published public news)."""
    from eschool_news import services
    from eschool_news.models import NewsItem

    item = NewsItem.get_or_none((NewsItem.id == attachment.record_id) & (NewsItem.picture_id == attachment.id))
    if item is None:
        return False
    return services.may_read(item, services.publisher_for(user))


DEMO = [
    # (level, days ago, published, title, body)
    ("region", 12, True, "Стартовала региональная олимпиада школьников",
     "Региональный этап всероссийской олимпиады школьников пройдёт по **24 предметам**. "
     "Списки участников — на сайте министерства образования."),
    ("municipality", 6, True, "Городской конкурс чтецов «Живое слово»",
     "Управление образования приглашает учеников 5–11 классов. Заявки принимаются до конца месяца."),
    ("school", 2, True, "Наши шахматисты — призёры турнира",
     "Команда школы заняла **второе место** в муниципальном шахматном турнире. Поздравляем ребят и тренера!\n\n"
     "Следующий турнир — весной."),
    ("school", 9, True, "Осенняя ярмарка",
     "Спасибо всем семьям, принявшим участие в осенней ярмарке. Собранные средства пойдут на оборудование "
     "школьной библиотеки."),
    ("school", 0, False, "Ремонт спортивного зала (черновик)",
     "С 1 декабря спортивный зал закрыт на ремонт; уроки физкультуры пройдут в рекреации второго этажа."),
    ("class", 3, True, "Поход в театр",
     "В субботу класс идёт на спектакль «Маленький принц». Сбор у школы в 11:00."),
]

def _demo_picture(seed: int) -> bytes:
    """A 480x200 PNG (a soft two-colour gradient with a band), made here so the demo needs no image files."""
    import struct
    import zlib

    palette = [((37, 99, 235), (147, 197, 253)), ((22, 163, 74), (187, 247, 208)), ((217, 119, 6), (254, 215, 170)),
               ((124, 58, 237), (221, 214, 254))]
    (r1, g1, b1), (r2, g2, b2) = palette[seed % len(palette)]
    width, height = 480, 200
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        band = 80 <= y < 120
        for x in range(width):
            t = (x + y) / (width + height)
            r, g, b = (int(r1 + (r2 - r1) * t), int(g1 + (g2 - g1) * t), int(b1 + (b2 - b1) * t))
            if band:
                r, g, b = (min(255, r + 40), min(255, g + 40), min(255, b + 40))
            rows += bytes((r, g, b))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


@hookimpl
def eschool_demo_data(school, rng, log):
    """News at all four levels with pictures, one draft and one class item."""
    import io

    from werkzeug.datastructures import FileStorage

    from eschool_news import services
    from eschool_news.models import NewsItem

    if NewsItem.select().where(NewsItem.school == school.id).exists():
        return

    def holder(role, **where):
        query = RoleAssignment.select().where(RoleAssignment.role == role)
        for key, value in where.items():
            query = query.where(getattr(RoleAssignment, key) == value)
        row = query.first()
        return User.get_by_id(row.user_id) if row else None

    year = current_year(school)
    led = (ClassGroup.select().where((ClassGroup.school == school.id) & ClassGroup.class_teacher.is_null(False)
                                     & (ClassGroup.academic_year == (year.id if year else 0)))
           .order_by(ClassGroup.grade).first())
    made = 0
    for index, (level, days, published, title, body) in enumerate(DEMO):
        if level == "region":
            if NewsItem.select().where(NewsItem.level == "region").exists():
                continue
            author, data = holder("region_operator"), {}
        elif level == "municipality":
            if NewsItem.select().where((NewsItem.level == "municipality")
                                       & (NewsItem.municipality == school.municipality_id)).exists():
                continue
            author, data = holder("municipal_operator", municipality=school.municipality_id), {
                "municipality_id": school.municipality_id}
        elif level == "school":
            author = holder("director", school=school.id) or holder("school_admin", school=school.id)
            data = {"school_id": school.id}
        else:
            if led is None:
                continue
            author, data = User.get_by_id(led.class_teacher_id), {"class_id": led.id}
        if author is None:
            continue
        p = services.publisher_for(author, all_roles=True)
        picture = FileStorage(io.BytesIO(_demo_picture(index)), filename=f"news{index}.png") if index % 2 == 0 else None
        services.create({"title": title, "body": body, "level": level, **data}, p, author, publish=published,
                        picture=picture, published_at=utcnow() - dt.timedelta(days=days, hours=rng.randint(0, 8)))
        made += 1
    log(f"news: {made} news items for {school.short_name}")
