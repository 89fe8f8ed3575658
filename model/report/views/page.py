"""Self-contained HTML pages: one file, inline CSS, figures embedded as data URIs, nothing fetched.

The building blocks the run report and the comparison share: a page shell, tables,
figures and paragraphs whose ``**bold**`` marks become ``<strong>``. Every text goes
through :func:`html.escape`; tier and dimension names may be any Unicode.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence

__all__ = ["figure", "page", "para", "table"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
  margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
p.lead{font-size:1.1rem;background:#f4f7fb;border-left:4px solid #c44e52;padding:.6rem .9rem}
p.warn{background:#fff4e5;border-left:4px solid #e08a00;padding:.5rem .9rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;white-space:normal}
th:first-child,td:first-child{text-align:left;white-space:nowrap} thead th{background:#f2f2f2}
figure{margin:1rem 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}
.scroll{overflow-x:auto;max-width:100%}
.small{font-size:.85rem;color:#555} code{background:#f4f4f4;padding:0 .2rem}
"""

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def para(text: str, cls: str | None = None) -> str:
    """A paragraph; ``**x**`` becomes bold, everything else is escaped."""
    body = _BOLD.sub(r"<strong>\1</strong>", html.escape(text))
    return f'<p class="{cls}">{body}</p>' if cls else f"<p>{body}</p>"


def table(header: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None) -> str:
    """An HTML table of escaped cells."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def figure(png: bytes, name: str, caption: str) -> str:
    """A PNG embedded as a data URI, with its caption."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure id="fig-{html.escape(name)}"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
    )


def page(title: str, sections: Iterable[str]) -> str:
    """The whole document."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
