"""Demo boards: the demo school's staff room and school life, its municipality's methodical board, the region's
technical board where school administrators ask the integrator; each with topics and replies."""
from __future__ import annotations

from eschool.plugin_api import User
from eschool_forum import services
from eschool_forum.models import Board

# (level, title, description, subject, audience, [(title, [(author, text), ...], pinned, locked)])
BOARDS = [
    ("school", "Учительская", "Обсуждения коллектива: расписание, мероприятия, документы.", "", "staff", [
        ("Правила раздела", [("director", "Здесь обсуждаем рабочие вопросы школы. Пишем вежливо и по делу; "
                                          "документы прикладываем файлами.")], True, True),
        ("Подготовка к педсовету в ноябре", [
            ("deputy", "Коллеги, до пятницы пришлите **итоги четверти** по своим классам: успеваемость и "
                       "качество знаний."),
            ("classteacher", "5А готов, отправлю сегодня. Вопрос: учитываем ли оценки за контрольные отдельно?"),
            ("deputy", "> учитываем ли оценки за контрольные отдельно?\n\nДа, отдельной строкой."),
        ], False, False),
        ("Замены на следующей неделе", [
            ("teacher", "Буду на курсах повышения квалификации со вторника по четверг."),
            ("admin", "Замены внесены в расписание, проверьте журнал."),
        ], False, False),
    ]),
    ("school", "Школьная жизнь", "Для учеников, родителей и учителей: кружки, праздники, вопросы к школе.", "",
     "all", [
        ("Расписание кружков во втором полугодии", [
            ("admin", "Кружки робототехники и шахмат переходят на вторник и четверг, 15:00."),
            ("parent", "Спасибо! А запись в шахматный кружок ещё открыта?"),
            ("teacher", "Да, записаться можно у классного руководителя до конца месяца."),
            ("student", "Я тоже хочу в робототехнику, где записаться?"),
        ], False, False),
        ("Новогодний концерт", [
            ("classteacher", "Приглашаем всех на концерт 26 декабря в актовом зале, начало в 17:00."),
        ], True, False),
    ]),
    ("municipality", "Методическое объединение учителей математики", "Обмен опытом и материалами для уроков.",
     "Математика", "staff", [
        ("Подготовка к ОГЭ: пробники", [
            ("teacher", "Делюсь подборкой заданий первой части с разбором. Кто проводил пробный экзамен в "
                        "октябре, какие результаты?"),
            ("municipal", "Муниципальный пробный ОГЭ пройдёт 12 февраля, материалы разошлём через форум."),
        ], False, False),
    ]),
    ("region", "Техническая поддержка АИС", "Вопросы администраторов школ интегратору: доступы, импорт, журнал.",
     "", "staff", [
        ("Как перенести учеников из старой системы?", [
            ("admin", "Подскажите, в каком формате загружать контингент? У нас выгрузка в XLSX."),
            ("region", "Подойдёт XLSX или CSV с колонками ФИО, дата рождения, класс. Ошибки импорт покажет по "
                       "строкам, ничего не сохранится, пока файл не будет чистым."),
            ("admin", "Получилось, спасибо!"),
        ], False, False),
        ("Регламент работы на форуме", [
            ("region", "Администратор школы ведёт темы по техническим и методическим вопросам, учителя "
                       "участвуют в обсуждениях. Вопросы — в отдельных темах, по одному на тему."),
        ], True, True),
    ]),
]


def _exists(level, school) -> bool:
    query = Board.select().where(Board.level == level)
    if level == "school":
        query = query.where(Board.school == school.id)
    elif level == "municipality":
        query = query.where(Board.municipality == school.municipality_id)
    return query.exists()


def build(school, rng, log) -> None:
    """Idempotent: a level that has boards already is left alone."""
    names = {a for *_rest, topics in BOARDS for _t, posts, *_f in topics for a, _x in posts}
    users = {u.username: u for u in User.select().where(User.username.in_(sorted(names)))}
    if "admin" not in users:
        return
    made = 0
    done = {level: _exists(level, school) for level in ("school", "municipality", "region")}
    for level, title, description, subject, audience, topics in BOARDS:
        if done[level]:
            continue
        board = Board.create(level=level, school=school.id if level == "school" else None,
                             municipality=school.municipality_id if level == "municipality" else None,
                             title=title, description=description, subject=subject, audience=audience,
                             created_by=users["admin"].id)
        board = services.Board.select(Board, services.School).join(services.School, services.peewee.JOIN.LEFT_OUTER) \
            .where(Board.id == board.id).get()
        for topic_title, posts, pinned, locked in topics:
            if any(a not in users for a, _text in posts):
                continue
            first_author, first_text = posts[0]
            topic = services.create_topic(users[first_author], board, topic_title, first_text)
            for author, text in posts[1:]:
                services.add_post(users[author], topic, text)
            if pinned or locked:
                services.Topic.update(pinned=pinned, locked=locked).where(services.Topic.id == topic.id).execute()
        made += 1
    school_boards = list(Board.select().where((Board.level == "school") & (Board.school == school.id)))
    if made and school_boards and "deputy" in users:
        services.Moderator.get_or_create(board=school_boards[0], user=users["deputy"])
    if made:
        log(f"forum: {made} boards with topics at {school.short_name}, its municipality and the region")
