"""The run's figures (PNG): net value by policy, PV vs cost per tier, escort use by hour, loyalty stages.

Matplotlib with the non-interactive Agg backend. Tier and dimension names may be Chinese:
a CJK-capable font is used when the machine has one (Noto Sans CJK, WenQuanYi, Source Han,
SimHei, Microsoft YaHei, PingFang…); otherwise a single warning says how to install one
(Debian/Ubuntu: ``apt install fonts-noto-cjk``) and the labels fall back to the default font.
"""

from __future__ import annotations

import io
import re
import warnings
from functools import cache

import numpy as np

from .loyalty import STAGES
from .runner import RunResult

__all__ = ["cjk_font", "render_figures"]

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


@cache
def cjk_font() -> str | None:
    """The first CJK-capable font installed on this machine, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in _CJK_FONTS if n in names), None)


def _setup(labels: list[str]) -> None:
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


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _err(summary: dict, policy: str, kpi: str) -> tuple[float, float, float]:
    s = summary["policies"][policy]["kpis"][kpi]
    m = s["mean"] if s["mean"] is not None else np.nan
    lo, hi = (np.nan, np.nan) if s["ci95"][0] is None else s["ci95"]
    return m, m - lo, hi - m


def net_value_figure(result: RunResult, summary: dict) -> bytes:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, kpi, title in zip(
        axes,
        ("net_value", "over_service_cost", "profit"),
        ("Net value (PV − cost), CNY", "Over-service cost, CNY", "Profit (margin × revenue − cost), CNY"),
        strict=True,
    ):
        vals = [_err(summary, p, kpi) for p in result.policies]
        m = [v[0] for v in vals]
        err = np.array([[v[1] for v in vals], [v[2] for v in vals]])
        colors = [
            "#c44e52" if p == "halfstep" else "#8c8c8c" if p == "hindsight" else "#4c72b0" for p in result.policies
        ]
        ax.bar(result.policies, m, yerr=np.nan_to_num(err), capsize=4, color=colors)
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle(f"Mean and 95% CI over {result.replications} replications (hindsight: the LP bound)")
    return _png(fig)


def tier_figure(result: RunResult, summary: dict) -> bytes:
    import matplotlib.pyplot as plt

    tiers = result.scenario.tier_names
    pols = [p for p in result.policies]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    width = 0.8 / len(pols)
    x = np.arange(len(tiers))
    for ax, kpi, title in zip(
        axes,
        ("perceived_value_per_trip", "cost_total"),
        ("PV per trip requested, CNY", "Cost over the horizon, CNY"),
        strict=True,
    ):
        for k, p in enumerate(pols):
            stats = [summary["policies"][p]["by_tier"][t][kpi] for t in tiers]
            m = np.array([s["mean"] if s["mean"] is not None else np.nan for s in stats])
            lo = np.array([s["ci95"][0] if s["ci95"][0] is not None else np.nan for s in stats])
            hi = np.array([s["ci95"][1] if s["ci95"][1] is not None else np.nan for s in stats])
            ax.bar(x + k * width - 0.4 + width / 2, m, width, yerr=np.nan_to_num([m - lo, hi - m]), capsize=2, label=p)
        ax.set_xticks(x, tiers)
        ax.set_title(title)
        ax.axhline(0, color="black", lw=0.6)
    axes[0].legend(fontsize=7)
    return _png(fig)


def escort_figure(result: RunResult) -> bytes:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    hours = np.arange(24)
    for p in result.policies:
        outs = result.of(p)
        if p == "hindsight" or not outs:
            continue
        busy = np.mean([o.escort_busy_by_hour for o in outs], axis=0)
        staffed = outs[0].escort_staffed_by_hour
        util = np.divide(busy, staffed, out=np.full(24, np.nan), where=staffed > 0)
        axes[0].plot(hours, util, marker="o", ms=3, label=p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wait = np.nanmean([o.escort_wait_by_hour for o in outs], axis=0)
        axes[1].plot(hours, wait, marker="o", ms=3, label=p)
    axes[0].set_title("Escort utilization by hour of day (busy / staffed)")
    axes[1].set_title("Mean escort wait by hour of arrival, minutes")
    for ax in axes:
        ax.set_xticks(range(0, 24, 2))
        ax.set_xlabel("hour")
    axes[0].legend(fontsize=7)
    return _png(fig)


def stages_figure(result: RunResult) -> bytes:
    import matplotlib.pyplot as plt

    pols = [p for p in result.policies if p != "hindsight" and result.of(p)]
    fig, axes = plt.subplots(1, len(pols), figsize=(3.2 * max(len(pols), 1), 3.0), squeeze=False, sharey=True)
    for ax, p in zip(axes[0], pols, strict=True):
        st = np.mean([o.stages for o in result.of(p)], axis=0)
        ax.stackplot(np.arange(len(st)), st.T, labels=STAGES)
        ax.set_title(p)
        ax.set_xlabel("day")
    axes[0][0].set_ylabel("accounts")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle("Accounts by loyalty stage (mean over replications)")
    return _png(fig)


def render_figures(result: RunResult, summary: dict) -> dict[str, bytes]:
    """Every figure of a run, as PNG bytes by file name."""
    _setup([*result.scenario.tier_names, *result.scenario.dimension_names])
    return {
        "net_value.png": net_value_figure(result, summary),
        "tiers.png": tier_figure(result, summary),
        "escort.png": escort_figure(result),
        "stages.png": stages_figure(result),
    }
