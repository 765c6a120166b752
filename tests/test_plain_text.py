"""Outside text reaches the page as plain text: no link, image, HTML, colour or formula survives :func:`plain`.

markdown-it-py is a CommonMark renderer, as Streamlit's is: what it shows for ``plain(text)`` is
the text itself, escaped, and never an element.
"""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dashboard.plain import plain

HOSTILE = ("![x](http://198.51.100.7/pixel.png)", "[call me](javascript:alert(1))", "<img src=x onerror=alert(1)>",
           "<script>alert(1)</script>", ":red[ALERT] :material/warning:", "$\\frac{1}{0}$", "**bold** _it_ `code`",
           "# heading", "> quote", "- item\n- item", "| a | b |\n|---|---|", "line\n\n<div>after a blank</div>",
           "&lt;escaped&gt; &amp;", "http://example.org/auto", "<http://example.org>", "~~gone~~", "\\*not*")
MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")
TEXT = st.one_of(st.sampled_from(HOSTILE),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80),
                 st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map(" ".join))


def _shown(text: str) -> str:
    return " ".join(text.replace("\r", " ").replace("\t", " ").replace("\n", " ").split())


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_plain_text_renders_as_itself_in_markdown(text: str) -> None:
    rendered = MD.render(plain(text)).strip()
    if not _shown(text):
        return
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    body = rendered[3:-4]
    assert "<" not in body.replace("&lt;", "")  # no element at all: no <a>, <img>, <em>, <code>
    assert " ".join(html.unescape(body).split()) == _shown(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_plain_text_stays_text_inside_an_html_block(text: str) -> None:
    rendered = MD.render(f"<div data-testid='x'><b>Feed</b> {plain(text)}</div>")
    assert rendered.count("<") == 4  # <div>, <b>, </b>, </div>: nothing the text brought
