"""No page in Russian shows an English word of the interface, and no page in English a Russian one (issue 18).

Every role of the demo region walks the portal in both languages: from its start page it follows every link
inside the portal (a page of each endpoint once per language, whoever reaches it first; downloads, files and
the API left out), then every other page of the app is opened as the school administrator. On each page the
text a person reads (text, titles, labels, placeholders, button values) is split into words; in Russian a Latin
word, in English a Cyrillic one, is a mistake unless it is data:

* a word of the demo's data: every text column of every table (names, subjects, topics, homework, news, ...),
  the region's names;
* a word the catalogs themselves put in that language (the Russian translations say «PDF», «XLSX», «E-mail»);
* text marked as data or code in the page: ``<code>``, ``<kbd>``, ``<pre>``, ``<samp>``, ``translate="no"``,
  form values, and what scripts and styles hold;
* text in another language by its own ``lang`` attribute (the language switch says «English» in English).

A page fails with the words and the text they were found in, so the fix is obvious: translate the string, or
mark what is data as data.
"""
from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, login

LATIN = re.compile(r"[A-Za-z]{2,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]{2,}")
#: Elements whose text is not the interface's words.
SKIPPED = {"script", "style", "code", "kbd", "pre", "samp", "textarea", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
#: Who walks, in this order (the first to reach an endpoint reads it); None is a visitor.
WALKERS = ("parent", "student", "teacher", "classteacher", "deputy", "admin", "secretary", "municipal", "region", None)
#: Links not followed: leaving, downloads and files, machine formats, the API.
NOT_PAGES = re.compile(r"^/(static|api|files)/|/files/|\.(xlsx|pdf|csv|ics|atom|webmanifest|json|txt)(\?|$)|"
                       r"/logout|/print(\?|$)|/download")


class Reader(HTMLParser):
    """The texts of a page a person reads: ``self.texts``, each a string."""

    def __init__(self, locale: str = ""):
        super().__init__(convert_charrefs=True)
        self.locale = locale
        self.texts: list[str] = []
        self.links: list[str] = []
        self.stack: list[bool] = []  # for each open element: is its text skipped

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other_language = bool(attrs.get("lang")) and tag != "html" and not attrs["lang"].startswith(self.locale)
        skipped = ((bool(self.stack) and self.stack[-1]) or tag in SKIPPED or attrs.get("translate") == "no"
                   or other_language)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not skipped:
            self.texts.extend(attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(skipped)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.texts.append(data)


def _catalog_words() -> dict[str, set[str]]:
    """The Latin words the Russian catalogs use, and the Cyrillic words the English ones (and the English
    source strings) use: words the interface itself writes in that language."""
    from babel.messages.pofile import read_po

    words = {"ru": set(), "en": set()}
    for path in [*ROOT.glob("core/eschool/translations/*/LC_MESSAGES/messages.po"),
                 *ROOT.glob("plugins/*/translations/*/LC_MESSAGES/messages.po"),
                 *ROOT.glob("themes/*/translations/*/LC_MESSAGES/messages.po"),
                 *ROOT.glob("regions/*/translations/*/LC_MESSAGES/messages.po")]:
        locale = path.parts[-3]
        if locale not in words:
            continue
        with open(path, "rb") as f:
            catalog = read_po(f)
        for message in catalog:
            strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
            if locale == "en":
                strings += [message.id] if isinstance(message.id, str) else list(message.id)
            for text in strings:
                words[locale].update((LATIN if locale == "ru" else CYRILLIC).findall(text or ""))
    return words


def _data_words(app) -> set[str]:
    """Every word of the demo's data: each text column of each table of the app's models, and the region's
    names in both languages."""
    import peewee

    words: set[str] = set()
    ext = app.extensions["eschool"]
    with app.app_context():
        for models in ext.models.values():
            for model in models:
                columns = [f for f in model._meta.sorted_fields if isinstance(f, peewee.CharField | peewee.TextField)]
                if not columns:
                    continue
                for row in model.select(*columns).tuples().iterator():
                    for value in row:
                        if value:
                            words.update(LATIN.findall(value))
                            words.update(CYRILLIC.findall(value))
        for locale in ("ru", "en"):
            for key in ("portal", "region"):
                text = ext.region.name(key, locale)
                words.update(LATIN.findall(text))
                words.update(CYRILLIC.findall(text))
    return words


def _foreign(html: str, locale: str, allowed: set[str]) -> list[tuple[str, str]]:
    """``[(word, the text it is in)]``: words of the other language that are neither data nor the catalogs'."""
    reader = Reader(locale)
    reader.feed(html)
    pattern = LATIN if locale == "ru" else CYRILLIC
    found = []
    for text in reader.texts:
        for word in pattern.findall(text):
            if word not in allowed:
                found.append((word, " ".join(text.split())[:120]))
    return found


def _links(html: str) -> list[str]:
    reader = Reader()
    reader.feed(html)
    return reader.links


@pytest.fixture
def demo_app(make_app, regions_copy):
    """The Kemerovo demo with its school year and journal, the announcements board switched on too."""
    from eschool_demo.demo import build_demo

    off = "[plugins.announcements]\nenabled = true\ndefault = false"
    if off in regions_copy.path("kemerovo").read_text(encoding="utf-8"):
        regions_copy.replace("kemerovo", off, off.replace("false", "true"))
    app = make_app(region="kemerovo")
    with app.app_context():
        build_demo(log=lambda *_: None)
    return app


def test_no_page_shows_a_word_of_the_other_language(demo_app):
    app = demo_app
    started = time.monotonic()
    catalogs = _catalog_words()
    data = _data_words(app)
    allowed = {"ru": catalogs["ru"] | data, "en": catalogs["en"] | data}
    adapter = app.url_map.bind("localhost")
    seen: dict[str, set] = {"ru": set(), "en": set()}  # (endpoint, query names) read in each language
    problems: dict[str, list] = {}
    pages = 0

    def page_key(url: str):
        parts = urlsplit(url)
        try:
            endpoint, _args = adapter.match(parts.path, method="GET")
        except Exception:  # not a page of the app (404, a redirect rule, POST only)
            return None
        names = tuple(sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair}))
        return endpoint, names

    def read(client, url, locale) -> str | None:
        nonlocal pages
        response = client.get(url)
        pages += 1
        if response.status_code != 200 or not response.mimetype == "text/html":
            return None
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}">' in html, (url, locale)
        found = _foreign(html, locale, allowed[locale])
        if found:
            problems.setdefault(f"{locale} {url}", sorted(set(found))[:8])
        return html

    for walker in WALKERS:
        client = app.test_client()
        if walker:
            login(client, walker)
        for locale in ("ru", "en"):
            client.post("/language", data={"locale": locale, "next": "/"})
            queue = ["/dashboard" if walker else "/"]
            while queue:
                url = queue.pop(0)
                key = page_key(url)
                if key is None or key in seen[locale]:
                    continue
                seen[locale].add(key)
                html = read(client, url, locale)
                if html is None:
                    continue
                for href in _links(html):
                    if href.startswith("/") and not href.startswith("//") and not NOT_PAGES.search(href):
                        queue.append(href.split("#", 1)[0])
    # then every page of the app the walks did not reach whose arguments are the school's, a class's or a
    # student's, as the school administrator
    admin = app.test_client()
    login(admin, "admin")
    rest = []
    with app.app_context():
        from flask import url_for

        from eschool.people.models import Student
        from eschool.school.models import ClassGroup
        from eschool.structure.models import School

        school = School.get(School.short_name == "Демо-школа №1")
        group = ClassGroup.get(ClassGroup.name == "5А")
        values = {"school_id": school.id, "class_id": group.id,
                  "student_id": Student.select().where(Student.school == school).first().id}
        reached = {endpoint for endpoint, _names in seen["ru"]}
        for rule in app.url_map.iter_rules():
            if ("GET" not in rule.methods or rule.endpoint in reached or rule.arguments - set(values)
                    or NOT_PAGES.search(rule.rule) or rule.endpoint in ("web.health", "web.manifest")):
                continue
            with app.test_request_context():
                rest.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    for locale in ("ru", "en"):
        admin.post("/language", data={"locale": locale, "next": "/"})
        for url in rest:
            read(admin, url, locale)
    # the check is not blind: the interface's own words of the other language are caught
    assert {w for w, _t in _foreign("<p>Не заполнены в срок</p><p>Сохранить</p>", "en", allowed["en"])} >= {
        "заполнены", "срок", "Сохранить"}
    assert {w for w, _t in _foreign("<p>Log out</p><p>Start page</p>", "ru", allowed["ru"])} >= {"Log", "Start"}
    elapsed = time.monotonic() - started
    assert pages > 150, f"only {pages} pages were read"
    assert not problems, "\n".join(f"{where}: {found}" for where, found in sorted(problems.items()))
    assert elapsed < 120, f"the walk took {elapsed:.0f} s"


def test_the_reader_skips_data_and_code_but_reads_labels():
    html = ('<p title="Save it">Сохранить <code>subject_teacher</code> <span translate="no">Smith</span></p>'
            '<input type="submit" value="Send"><input name="q" value="Hello"><img alt="Logo">')
    words = [w for w, _t in _foreign(html, "ru", set())]
    assert words == ["Save", "it", "Send", "Logo"]
    assert [w for w, _t in _foreign("<p>Class 5А · Иванов</p>", "en", {"Иванов"})] == []
    assert Path(__file__).name == "test_page_language.py"
