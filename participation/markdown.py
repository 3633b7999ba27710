"""Staff-written Markdown to safe HTML.

markdown-it-py follows CommonMark; raw HTML in the source is switched off, and nh3
(Rust's ammonia) cleans the output anyway, so a stolen staff account cannot put
script on public pages.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


@lru_cache(maxsize=256)  # the same consultation texts on every request; ~1 ms each to render
def render_markdown(source: str | None) -> Markup:
    html = _md.render(source or "")
    # Headings in content start at h2: the page's own title is the h1.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
