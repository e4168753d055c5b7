"""Demo data: the demo school's kiosk with its six sections filled (pages, a picture, announcements)."""
from __future__ import annotations

import struct
import zlib

from eschool_kiosk import services
from eschool_kiosk.models import KioskPage

PAGES = {
    "about": [
        ("О школе", "Школа работает с **1967 года**. У нас 32 класса, 780 учеников и 64 педагога.\n\n"
                    "- спортивный и актовый залы\n- библиотека с читальным залом\n- кабинеты робототехники и химии\n\n"
                    "Директор принимает родителей по вторникам с 15:00 до 17:00, кабинет 101.", True),
        ("Контакты", "Приёмная: **+7 (3842) 00-00-00**\n\nЭлектронная почта: school@example.ru\n\n"
                     "Вахта работает с 7:30 до 20:00.", False),
    ],
    "timetable": [
        ("Звонки", "| Урок | Начало | Конец |\n|---|---|---|\n| 1 | 8:00 | 8:40 |\n| 2 | 8:50 | 9:30 |\n"
                   "| 3 | 9:50 | 10:30 |\n| 4 | 10:50 | 11:30 |\n| 5 | 11:40 | 12:20 |\n| 6 | 12:30 | 13:10 |", False),
    ],
    "substitutions": [
        ("Как читать замены", "Замены на сегодня обновляются автоматически. Если урок заменён, "
                              "он выделен цветом в расписании.", False),
    ],
    "announcements": [
        ("Родительское собрание", "**Четверг, 18:00**, актовый зал. Тема: подготовка к экзаменам 9 и 11 классов.", True),
        ("Неделя науки", "С понедельника — неделя науки: опыты на переменах, встречи с учёными, "
                         "конкурс проектов. Заявки — у классных руководителей.", True),
        ("Сбор макулатуры", "До пятницы принимаем макулатуру у запасного входа с 8:00 до 9:00.", True),
    ],
    "meals": [
        ("Меню на неделю", "**Завтрак:** каша овсяная, бутерброд с сыром, чай\n\n"
                           "**Обед:** суп гороховый, котлета с пюре, компот\n\n"
                           "Стоимость обеда для учащихся 5–11 классов — 95 ₽.", False),
    ],
    "info": [
        ("Полезная информация", "Телефон доверия для детей и родителей: **8-800-2000-122** (бесплатно).\n\n"
                                "Школьный психолог принимает в кабинете 214.", False),
    ],
    "clubs": [
        ("Кружки", "- Робототехника — вт, чт, 15:00, каб. 305\n- Хор — пн, ср, 14:30, актовый зал\n"
                   "- Волейбол — пн, пт, 16:00, спортзал\n- Шахматы — сб, 11:00, библиотека", False),
        ("Ближайшие события", "**12 декабря** — школьная олимпиада по математике\n\n"
                              "**25 декабря** — новогодний концерт", True),
    ],
}


class _Upload:
    """A generated picture, passed to the attachments as an upload would be."""

    def __init__(self, filename: str, data: bytes):
        self.filename, self._data = filename, data

    def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


def _png(width: int, height: int, top: tuple, bottom: tuple) -> bytes:
    """A small PNG: a vertical gradient from ``top`` to ``bottom`` (RGB), made without any image library."""
    rows = []
    for y in range(height):
        t = y / max(height - 1, 1)
        pixel = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        rows.append(b"\x00" + pixel * width)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def fill(school, log) -> None:
    """Idempotent: a section that has pages already is left alone."""
    sections = services.ensure_sections(school)
    filled = 0
    for section in sections:
        if KioskPage.select().where(KioskPage.section == section.id).exists():
            continue
        for title, body, slideshow in PAGES.get(section.kind, []):
            page = services.save_page(section, {"title": title, "body": body, "published": True,
                                                "slideshow": slideshow})
            filled += 1
            if section.kind == "about" and title == "О школе":
                picture = services.add_picture(page, _Upload("school.png", _png(160, 90, (40, 90, 160),
                                                                                (150, 200, 240))))
                page.body += f"\n\n![Здание школы]({services.attachments.url(picture)})"
                page.save()
    if filled:
        log(f"kiosk: {filled} pages in the six sections at {school.short_name}")



