"""Figures leave matplotlib's global state alone: backend, rcParams and warning filters are as before.

A notebook draws inline figures with its own backend and settings; halfstep's figures are drawn on
their own Agg canvas inside ``figure_style``'s ``rc_context``, so rendering a run must not change them.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib
import pytest

import model.report.views.style as style
from model.report.comparison import compare_runs
from model.report.publish import write_run
from model.report.run_folder import load_run
from model.report.views.comparison import comparison_figure
from model.report.views.figures import render_figures
from model.simulation.replications import run_policies
from tests.helpers import build, tiny_dict

PNG = b"\x89PNG\r\n\x1a\n"
#: Settings no figure code would choose, so that any change to them shows.
CALLERS = {"font.size": 7.5, "axes.facecolor": "#123456", "font.sans-serif": ["DejaVu Serif", "DejaVu Sans"]}


@pytest.fixture
def callers_state() -> Iterator[tuple[str, dict[str, Any], list]]:
    """A caller's backend (svg, not the Agg the figures use) and rcParams; yields them as recorded."""
    previous = matplotlib.get_backend()
    matplotlib.use("svg", force=True)
    try:
        with matplotlib.rc_context(CALLERS):
            yield matplotlib.get_backend(), dict(matplotlib.rcParams.copy()), list(warnings.filters)
    finally:
        matplotlib.use(previous, force=True)


def _assert_unchanged(state: tuple[str, dict[str, Any], list]) -> None:
    backend, rc, filters = state
    assert matplotlib.get_backend() == backend == "svg"
    now = dict(matplotlib.rcParams.copy())
    assert now.keys() == rc.keys()
    changed = {k: (rc[k], now[k]) for k in rc if now[k] != rc[k]}
    assert not changed, f"rcParams changed by the figure code: {changed}"
    assert matplotlib.rcParams["font.size"] == 7.5
    assert warnings.filters == filters


def _chinese() -> dict:
    data = tiny_dict()
    data["tiers"][1]["name"] = "金卡"
    return data


@pytest.mark.parametrize(
    ("data", "font"),
    [(tiny_dict(), None), (_chinese(), "DejaVu Sans")],
    ids=["latin names", "chinese names, CJK font found"],
)
def test_run_figures_leave_backend_and_rcparams_alone(callers_state, monkeypatch, data: dict, font: str | None) -> None:
    monkeypatch.setattr(style, "cjk_font", lambda: font)  # the machine's fonts do not decide which branch runs
    result = run_policies(build(data), ("uniform", "halfstep", "clairvoyant"), replications=2, seed=11)
    figures = render_figures(result, result.summary())
    assert {"plans.png", "kpis.png", "tiers.png", "stages.png"} <= set(figures)
    for name, png in figures.items():
        assert png.startswith(PNG), name
    _assert_unchanged(callers_state)


@pytest.mark.filterwarnings("ignore:names contain Chinese characters")
def test_written_run_comparison_and_sweep_figures_leave_backend_and_rcparams_alone(
    callers_state, monkeypatch, tmp_path: Path
) -> None:
    pd = pytest.importorskip("pandas")
    from model.sweep.views.analysis import sensitivity_figure, vs_parameter_figure

    monkeypatch.setattr(style, "cjk_font", lambda: None)  # Chinese names, no CJK font: a warning, the default font
    write_run(run_policies(build(_chinese()), ("uniform", "halfstep"), replications=2, seed=3), tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # a run compared with itself still draws every panel
    _assert_unchanged(callers_state)
    assert comparison_figure(compare_runs([load_run(tmp_path / "a"), load_run(tmp_path / "b")])).startswith(PNG)
    _assert_unchanged(callers_state)

    params, policies = ["人员", "dispersion"], ["standard", "halfstep"]
    vs = pd.DataFrame(
        [("net_value", p, pol, x, x, x - 0.1, x + 0.1) for p in params for pol in policies for x in (0.5, 1.0, 1.5)],
        columns=["kpi", "parameter", "policy", "x", "mean", "ci_low", "ci_high"],
    )
    sens = pd.DataFrame(
        [("net_value", p, pol, "SRRC", 0.5, 0.4, 0.6) for p in [*params, "(all)"] for pol in policies],
        columns=["kpi", "parameter", "policy", "index", "value", "ci_low", "ci_high"],
    )
    a = SimpleNamespace(vs_parameter=vs, sensitivity=sens, method="SRRC")
    e = SimpleNamespace(parameters=[SimpleNamespace(name=p) for p in params], policies=policies)
    assert vs_parameter_figure(a, e, "net_value").startswith(PNG)
    assert sensitivity_figure(a, "net_value").startswith(PNG)
    _assert_unchanged(callers_state)


def test_figure_style_holds_inside_its_block_only(monkeypatch) -> None:
    monkeypatch.setattr(style, "cjk_font", lambda: "DejaVu Sans")
    with matplotlib.rc_context({"font.size": 7.5}):
        sans = list(matplotlib.rcParams["font.sans-serif"])
        with style.figure_style(["金卡"]):
            assert matplotlib.rcParams["font.size"] == 9 and matplotlib.rcParams["figure.dpi"] == 110
            assert matplotlib.rcParams["font.sans-serif"] == ["DejaVu Sans", *sans]
            fig, _ = style.subplots(figsize=(2, 1))
            assert fig.dpi == 110 and type(fig.canvas).__name__ == "FigureCanvasAgg"
        assert matplotlib.rcParams["font.size"] == 7.5 and matplotlib.rcParams["font.sans-serif"] == sans
