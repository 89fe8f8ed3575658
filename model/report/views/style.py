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
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["POLICY_COLORS", "bars_with_ci", "cjk_font", "figure_style", "mean_err", "png", "subplots"]

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
    "hindsight": "#8c8c8c",
}


@cache
def cjk_font() -> str | None:
    """The first CJK-capable font installed on this machine, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in _CJK_FONTS if n in names), None)


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
    ax.set_xticks(x, groups)
    ax.axhline(0, color="black", lw=0.6)
    if legend and len(series) > 1:
        ax.legend(fontsize=7)
