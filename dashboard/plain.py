"""Outside text shown as plain text in Streamlit's Markdown-rendering elements.

``st.markdown``, ``st.caption``, ``st.error``/``success``/``info``, expander and button labels
all render Markdown: a file name, a report's place or a feed's error message that reads
an image link (exclamation mark, brackets, a web address) would fetch an image from anywhere, ``[call](…)`` would be a link,
``:red[…]`` a colour. :func:`plain` turns every ASCII punctuation character into a numeric
character reference: Markdown (and an HTML block written with ``unsafe_allow_html``) shows it as
the character and never reads it as syntax. Line breaks become spaces: a blank line would end an
HTML block and let what follows be read as Markdown.
"""

from __future__ import annotations

import string
from typing import Final

_REFERENCES: Final[dict[int, str]] = {ord(c): f"&#{ord(c)};" for c in string.punctuation}
_REFERENCES.update({ord("\n"): " ", ord("\r"): " ", ord("\t"): " ", 0: ""})


def plain(text: object) -> str:
    """``text`` (made a string) safe to interpolate into Markdown or an HTML block: shown as written, on one line."""
    return str(text).translate(_REFERENCES)
