"""How halfstep's figures look and render: the Agg backend, a CJK-capable font, PNG bytes, bars with CIs.

Tier and dimension names may be Chinese: a CJK-capable font is used when the machine has
one (Noto Sans CJK, WenQuanYi, Source Han, SimHei, Microsoft YaHei, PingFang…); otherwise
a single warning says how to install one (Debian/Ubuntu: ``apt install fonts-noto-cjk``)
and the labels fall back to the default font.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np

__all__ = ["POLICY_COLORS", "bars_with_ci", "cjk_font", "mean_err", "png", "setup"]

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


def setup(labels: Sequence[str]) -> None:
    """Agg backend, house style, and a CJK font when any label needs one."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
    if any(_HAN.search(x) for x in labels):
        font = cjk_font()
        if font:
            plt.rcParams["font.sans-serif"] = [font, *plt.rcParams["font.sans-serif"]]
        else:
            _warn_no_cjk()
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")


@cache
def _warn_no_cjk() -> None:
    warnings.warn(
        "names contain Chinese characters but no CJK font is installed, so figures show them as boxes; "
        "install one (Debian/Ubuntu: apt install fonts-noto-cjk) and run again",
        stacklevel=3,
    )


def png(fig: Any) -> bytes:
    """The figure as PNG bytes (no timestamp in the metadata, so equal figures give equal files)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
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
