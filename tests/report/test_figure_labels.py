"""Tier labels that never overlap, and a CJK font found right after it is installed."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager

from model.report.views import style
from model.report.views.style import bars_with_ci, figure_style, subplots, tick_label

LONG = [
    "深圳市某某科技股份有限公司华南区总部",
    "中国某某集团有限公司深圳分公司",
    "某某银行股份有限公司深圳分行营业部",
    "Shenzhen Energy Group corporate travel",
    "某某证券股份有限公司",
    "V5",
]


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\u9fff" else 1 for ch in text)


def test_tick_labels_wrap_to_their_width_and_keep_short_ones():
    assert tick_label("V1") == "V1" and tick_label("K3-own-car") == "K3-own-car"
    for name in LONG:
        lines = tick_label(name).split("\n")
        assert len(lines) <= 3 and all(_width(x) <= 12 for x in lines), (name, lines)
    assert tick_label(LONG[0]).replace("\n", "") == LONG[0]  # nothing lost when it fits in three lines


def test_long_tier_names_do_not_overlap_on_the_tier_figure():
    stat = {"mean": 1.0, "ci95": [0.5, 1.5], "n": 3}
    with figure_style(LONG):
        fig, axes = subplots(1, 2, figsize=(11, 3.6))  # the tier figure's size and layout
        for ax in axes:
            bars_with_ci(ax, LONG, {p: [stat] * len(LONG) for p in ("standard", "halfstep", "uniform")})
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in axes:
            boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
            for a, b in itertools.pairwise(boxes):
                assert a.x1 <= b.x0, "tick labels overlap"


def test_a_cjk_font_installed_after_matplotlibs_cache_is_found(tmp_path, monkeypatch):
    """The cache does not know the font file; the font is found among the system's files and added."""
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    fake = tmp_path / "NotoSansCJK-Regular.ttf"  # a file named like a CJK font (its family is DejaVu Sans)
    shutil.copy(dejavu, fake)
    fm = font_manager.FontManager.__new__(font_manager.FontManager)
    fm.__dict__.update(font_manager.fontManager.__dict__)
    fm.ttflist = [f for f in font_manager.fontManager.ttflist if not style._CJK_FILES.search(Path(f.fname).name)]
    fm.ttflist = [f for f in fm.ttflist if f.name not in style._CJK_FONTS]
    monkeypatch.setattr(font_manager, "fontManager", fm)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [str(fake)])
    style.cjk_font.cache_clear()
    try:
        assert style.cjk_font() == "DejaVu Sans"
        assert str(fake) in {f.fname for f in fm.ttflist}
        monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
        fm.ttflist = [f for f in fm.ttflist if f.fname != str(fake)]
        style.cjk_font.cache_clear()
        assert style.cjk_font() is None  # nothing installed: nothing found (and a warning at drawing time)
    finally:
        style.cjk_font.cache_clear()


@pytest.mark.parametrize("name", ["V1", "至尊客户"])
def test_short_labels_are_unchanged(name):
    assert tick_label(name) == name
