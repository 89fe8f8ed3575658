"""How halfstep's figures look and render: the house style, a CJK-capable font, PNG bytes, bars with CIs.

Figures never touch matplotlib's global state: they are drawn on their own Agg canvas
(:func:`subplots`, no pyplot, no ``matplotlib.use``) inside :func:`figure_style`, whose
settings hold only inside its ``with`` block, so a notebook's backend and rcParams are left as they were.

Tier and dimension names may be Chinese: a CJK-capable font is used when the machine has
one (Noto Sans CJK, WenQuanYi, Source Han, SimHei, Microsoft YaHei, PingFang…); otherwise
a single warning says how to install one (Debian/Ubuntu: ``apt install fonts-noto-cjk``)
and the labels fall back to the default font.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["POLICY_COLORS", "bars_with_ci", "cjk_font", "figure_style", "mean_err", "png", "subplots", "tick_label"]

#: The house style, on top of the caller's settings, inside :func:`figure_style` only.
_HOUSE = {"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9}

_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
_HAN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]")

#: One colour per policy, the same in every figure.
POLICY_COLORS = {
    "uniform": "#4c72b0",
    "standard": "#55a868",
    "halfstep": "#c44e52",
    "fullstep": "#8172b2",
    "unconstrained": "#ccb974",
    "lead": "#64b5cd",
    "clairvoyant": "#8c8c8c",
}


# file names of CJK fonts (Noto/Source Han CJK, WenQuanYi, SimHei, YaHei, PingFang, AR PL)
_CJK_FILES = re.compile(r"cjk|wqy|wenquanyi|sourcehan|simhei|msyh|yahei|pingfang|uming|ukai", re.IGNORECASE)


@cache
def cjk_font() -> str | None:
    """The first CJK-capable font installed on this machine, or None.

    matplotlib caches its font list; a CJK font installed after the cache was written is
    not in it. When no CJK font is known, the system's font files are searched for one and
    any found is added to this process's font list (the cache on disk is left alone).
    """
    from matplotlib import font_manager

    fm = font_manager.fontManager
    names = {f.name for f in fm.ttflist}
    known = next((n for n in _CJK_FONTS if n in names), None)
    if known is not None:
        return known
    listed = {f.fname for f in fm.ttflist}
    added: list[str] = []
    for path in sorted(font_manager.findSystemFonts()):
        if _CJK_FILES.search(Path(path).name) and path not in listed:
            try:
                fm.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a file matplotlib cannot read
                continue
            added.append(path)
    if not added:
        return None
    names = {f.name for f in fm.ttflist}
    by_file = {f.fname: f.name for f in fm.ttflist}
    return next((n for n in _CJK_FONTS if n in names), by_file.get(added[0]))


def _width(text: str) -> int:
    return sum(2 if _HAN.match(ch) else 1 for ch in text)


def tick_label(label: str, width: int = 12, lines: int = 3) -> str:
    """A category label that fits under its bar: wrapped at ``width`` (a Chinese character counts 2), at most ``lines``.

    Short labels are left as they are; a label longer than ``lines`` lines ends in "…".
    """
    if _width(label) <= width:
        return label
    out: list[str] = []
    line = ""
    for word in re.split(r"(?<=[\s_/-])", label):  # break after a space, underscore, slash or hyphen
        for ch in word:
            if _width(line + ch) > width:
                out.append(line)
                line = ""
            line += ch
        if _width(line) > 0.6 * width and len(out) + 1 < lines:
            out.append(line)
            line = ""
    if line:
        out.append(line)
    out = [x.strip() for x in out if x.strip()]
    if len(out) > lines:
        out = [*out[: lines - 1], out[lines - 1][: max(1, len(out[lines - 1]) - 1)] + "…"]
    return "\n".join(out)


@contextmanager
def figure_style(labels: Iterable[str] = ()) -> Iterator[None]:
    """House style, and a CJK font when any label needs one, for the figures drawn and saved inside.

    The settings are an ``rc_context``: matplotlib's global rcParams and backend are as before
    once the block ends. Create, draw and save (:func:`png`) each figure inside the block.
    """
    import matplotlib

    rc: dict[str, Any] = dict(_HOUSE)
    if any(_HAN.search(x) for x in labels):
        font = cjk_font()
        if font:
            rc["font.sans-serif"] = [font, *matplotlib.rcParams["font.sans-serif"]]
        else:
            _warn_no_cjk()
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def subplots(
    nrows: int = 1, ncols: int = 1, *, figsize: Any = None, layout: Any = None, **kwargs: Any
) -> tuple[Figure, Any]:
    """``(figure, axes)`` like ``pyplot.subplots``, but a :class:`~matplotlib.figure.Figure` on its own Agg canvas.

    No pyplot: nothing is registered with a figure manager or shown by a notebook backend.
    ``kwargs`` go to :meth:`Figure.subplots` (``squeeze``, ``sharey``, ``gridspec_kw`` …).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **kwargs)


@cache
def _warn_no_cjk() -> None:
    warnings.warn(
        "names contain Chinese characters but no CJK font is installed, so figures show them as boxes; "
        "install one (Debian/Ubuntu: apt install fonts-noto-cjk) and run again",
        stacklevel=4,
    )


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp in the metadata, so equal figures give equal files).

    Call it inside the :func:`figure_style` block the figure was made in: fonts are looked up when it is drawn.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def mean_err(stats: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Means and the (2, n) error-bar array of summary entries; NaN / 0 where undefined."""
    m = np.array([s["mean"] if s["mean"] is not None else np.nan for s in stats], dtype=float)
    lo = np.array([s["ci95"][0] if s["ci95"][0] is not None else np.nan for s in stats], dtype=float)
    hi = np.array([s["ci95"][1] if s["ci95"][1] is not None else np.nan for s in stats], dtype=float)
    return m, np.nan_to_num(np.vstack([m - lo, hi - m]))


def _label_width(ax: Any, groups: int) -> int:
    """How many label units fit under one group of bars (a Latin character is 1 unit ≈ 0.6 em, a Chinese one 2)."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    fig = ax.get_figure()
    group_pt = fig.get_figwidth() * ax.get_position().width * 72 / max(groups, 1)
    font_pt = FontProperties(size=matplotlib.rcParams["xtick.labelsize"]).get_size_in_points()
    return max(4, int(0.9 * group_pt / (0.6 * font_pt)))


def bars_with_ci(
    ax: Any, groups: Sequence[str], series: Mapping[str, Sequence[Mapping[str, Any]]], *, legend: bool = True
) -> None:
    """Grouped bars: one group per label in ``groups``, one bar per series, each with its 95% CI."""
    x = np.arange(len(groups))
    width = 0.8 / max(len(series), 1)
    for k, (name, stats) in enumerate(series.items()):
        m, err = mean_err(stats)
        ax.bar(
            x + k * width - 0.4 + width / 2,
            m,
            width,
            yerr=err,
            capsize=2,
            label=name,
            color=POLICY_COLORS.get(name),
        )
    ax.set_xticks(x, [tick_label(g, _label_width(ax, len(groups)), lines=4) for g in groups])
    ax.axhline(0, color="black", lw=0.6)
    if legend and len(series) > 1:
        ax.legend(fontsize=7)
