"""A record as a report web page, in the template's form (merged table cells kept).

`render_html(record)` writes a whole report page (title, preamble, six numbered sections, the
three tables, signature): fixtures for the HTML reader and the page a portal can publish.
"""
from __future__ import annotations

import html as _html
from dataclasses import replace
from typing import Any, Sequence

from .layout import NULL_TEXT, LayoutCell, OutlineBlock, outline

_STYLE = (
    "body{font-family:'SimSun','Songti SC',serif;max-width:960px;margin:2em auto;line-height:1.8}"
    "h1{text-align:center;font-size:22px}"
    "p.section{font-weight:bold;text-indent:2em}p.text{text-indent:2em}p.signature{text-align:right}"
    "table{border-collapse:collapse;width:100%;margin:1em 0}"
    "td{border:1px solid #000;padding:2px 4px;text-align:center;vertical-align:middle;font-size:14px}"
    "td.label{font-weight:bold}"
)


def _convert_outline(blocks: list[OutlineBlock], convert) -> list[OutlineBlock]:
    """Apply a text conversion (e.g. Simplified -> Traditional) to every text, in one call."""
    texts: list[str] = []
    for b in blocks:
        texts.append(b.text)
        for row in b.rows:
            texts.extend(c.text for c in row)
    if any("\n" in t for t in texts):  # cannot join on newlines: convert one by one
        converted = iter([convert(t) for t in texts])
    else:
        converted = iter(convert("\n".join(texts)).split("\n"))
    out = []
    for b in blocks:
        text = next(converted)
        rows = tuple(tuple(replace(c, text=next(converted)) for c in row) for row in b.rows)
        out.append(replace(b, text=text, rows=rows))
    return out


def _td(cell: LayoutCell) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.header:
        attrs += ' class="label"'
    # Word-exported pages wrap every cell's text in <p><span>; so do we.
    return f"<td{attrs}><p><span>{_html.escape(cell.text)}</span></p></td>"


def html_page(blocks: Sequence[OutlineBlock], *, charset: str = "utf-8") -> str:
    title = next((b.text for b in blocks if b.kind == "title"), "")
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        f'<head><meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        f"<title>{_html.escape(title)}</title><style>{_STYLE}</style>",
        "<script>var pageInfo = {site: 'gov', views: 0};</script></head>",
        '<body><div class="article">',
    ]
    for b in blocks:
        text = _html.escape(b.text)
        if b.kind == "title":
            out.append(f"<h1>{text}</h1>")
        elif b.kind == "heading":
            out.append(f'<p class="section"><strong>{text}</strong></p>')
        elif b.kind == "paragraph":
            out.append(f'<p class="text">{text}</p>')
        elif b.kind == "signature":
            out.append(f'<p class="signature">{text}</p>')
        elif b.kind == "table":
            out.append('<table border="1" cellspacing="0" cellpadding="0"><tbody>')
            for row in b.rows:
                out.append("<tr>" + "".join(_td(c) for c in row) + "</tr>")
            out.append("</tbody></table>")
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


def render_html(record: Any, *, encoding: str = "utf-8", traditional: bool = False,
                null_text: str = NULL_TEXT) -> bytes:
    """A full report page for `record` (a Record or a gold/record dict), as bytes in `encoding`
    with a matching charset declaration; `traditional` writes Traditional characters."""
    blocks = outline(record, null_text=null_text)
    if traditional:
        from ..ingest.chinese import to_traditional

        blocks = _convert_outline(blocks, to_traditional)
    return html_page(blocks, charset=encoding).encode(encoding, errors="xmlcharrefreplace")


__all__ = ["html_page", "render_html"]
