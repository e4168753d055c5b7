"""Safe rich text: Markdown in, sanitised HTML out, whatever a hostile author types."""
import pytest
from flask import render_template_string
from markupsafe import Markup

from eschool.richtext import render_markdown, sanitize_html


def html(text):
    out = render_markdown(text)
    assert isinstance(out, Markup)
    return str(out)


def test_markdown_is_rendered():
    out = html("# Title\n\n**bold** _it_ ~~gone~~ `code`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    for piece in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>it</em>", "<s>gone</s>", "<code>code</code>",
                  "<li>one</li>", "<td>1</td>"):
        assert piece in out
    assert html(None) == "" and html("") == ""


def test_links_get_nofollow_noopener():
    out = html("[site](https://example.org) <https://a.example> [here](/diary)")
    assert out.count('rel="nofollow noopener"') == 3
    assert 'href="https://example.org"' in out and 'href="/diary"' in out


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<div><p onclick=alert(1)>hi<iframe src=//evil.example></iframe></p></div>",
    "<svg><script>alert(1)</script></svg>",
    "<<script>script>alert(1)<</script>/script>",
])
def test_raw_html_is_shown_as_text_never_run(text):
    out = html(text)
    for bad in ("<script", "<style", "<img", "<a ", "<iframe", "<svg", "<div", "onclick=\"", "onerror=\""):
        assert bad not in out.lower(), out
    assert "&lt;" in out


@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "[x](java\tscript:alert(1))",
    "[x]( javascript:alert(1) )", "[x](&#106;avascript:alert(1))",
])
def test_dangerous_link_schemes_never_become_links(text):
    out = html(text).lower()
    assert "href" not in out or "javascript:" not in out and "vbscript:" not in out and "data:" not in out
    assert 'href="javascript' not in out and 'href="data' not in out


def test_images_only_from_the_portal_itself():
    out = html("![own](/files/12 \"t\") ![far](https://evil.example/track.png) ![data](data:image/png;base64,AAAA) "
               "![proto](//evil.example/x.png)")
    assert '<img src="/files/12" alt="own" title="t">' in out
    assert out.count("<img") == 1
    assert '<a href="https://evil.example/track.png" rel="nofollow noopener">far</a>' in out
    assert "data:" not in out and "//evil.example/x.png" not in out


def test_an_alt_text_cannot_break_out_of_its_attribute():
    out = html('![x" onerror="alert(1)](/a.png)')
    assert "onerror=\"alert" not in out and "&quot;" in out


def test_the_sanitiser_alone_cleans_nested_hostile_html():
    dirty = ('<p>ok<b onmouseover="x()">b</b><script>alert(1)</script><img src="https://e.example/p.png" '
             'onerror="x()"><a href="javascript:x()">l</a><a href="https://fine.example">f</a>'
             '<style>*{}</style><!-- c --></p>')
    out = sanitize_html(dirty)
    assert "script" not in out and "onmouseover" not in out and "onerror" not in out and "style" not in out
    assert "<!--" not in out and "javascript" not in out and "https://e.example" not in out
    assert '<a href="https://fine.example" rel="nofollow noopener">f</a>' in out


def test_the_jinja_filter(app):
    with app.test_request_context():
        out = render_template_string("{{ text|markdown }}", text="**hi** <script>x</script>")
    assert "<strong>hi</strong>" in out and "<script>" not in out and "&lt;script&gt;" in out
