"""Safe rich text: Markdown rendered by markdown-it-py, then sanitised by nh3.

Two locks, each enough on its own for the usual attacks:

1. markdown-it-py runs with raw HTML **off** (``<script>`` typed into a text comes out as text) and
   with its link validation (``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links are not
   made into links).
2. nh3 (the Rust ``ammonia`` sanitiser) then keeps only the tags Markdown produces, only a few
   attributes, only ``http``, ``https`` and ``mailto`` URLs, no comments, and gives every link
   ``rel="nofollow noopener"``.

Images: only the portal's own (a path starting with ``/``, such as an attachment's URL). An image
from another host would leak the reader's address to it and break on a closed school network; a
``data:`` image is refused too. Such an image is shown as a link with its alt text instead.
"""
from __future__ import annotations

from html import escape

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

#: The tags Markdown (CommonMark + tables + strikethrough) produces; nothing else survives.
TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


def is_own_url(url: str) -> bool:
    """A path on the portal itself: ``/files/12``, not ``//evil.example`` nor ``https://...``."""
    return url.startswith("/") and not url.startswith("//") and not url.startswith("/\\")


def _image(_renderer, tokens, idx, options, env):
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = "".join(child.content for child in (token.children or []))
    if is_own_url(src):
        title = token.attrGet("title")
        title_attr = f' title="{escape(title)}"' if title else ""
        return f'<img src="{escape(src)}" alt="{escape(alt)}"{title_attr}>'
    if src.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(src)}">{escape(alt or src)}</a>'
    return escape(alt)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image)
    return md


_MD = _markdown()


def _attribute_filter(tag: str, attribute: str, value: str):
    if tag == "img" and attribute == "src" and not is_own_url(value):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Keep only the safe subset of ``html`` (the tags, attributes and URL schemes above)."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL,
                     strip_comments=True, clean_content_tags={"script", "style"},
                     attribute_filter=_attribute_filter)


def render_markdown(text: str | None) -> Markup:
    """Markdown ``text`` as safe HTML, ready for a template (``{{ text|markdown }}``). ``None`` gives ``""``."""
    if not text:
        return Markup("")
    return Markup(sanitize_html(_MD.render(str(text))))
