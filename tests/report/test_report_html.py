"""report.html: self-contained, every figure embedded byte for byte, names escaped, failures shown."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from model.report.publish import write_run
from model.simulation.replications import run_policies
from tests.helpers import build, tiny_dict


def _write(tmp_path: Path, data: dict, reps: int = 3, **extra) -> Path:
    result = run_policies(build(data), ("uniform", "halfstep", "clairvoyant"), replications=reps, seed=11)
    write_run(result, tmp_path / "run", extra=extra or None)
    return tmp_path / "run"


def test_report_html_embeds_every_figure_and_fetches_nothing(tmp_path: Path) -> None:
    run = _write(tmp_path, tiny_dict())
    page = (run / "report.html").read_text(encoding="utf-8")
    figures = {p.stem: p.read_bytes() for p in (run / "figures").glob("*.png")}
    expected = ("plans", "kpis", "tiers", "plan_gap", "over_service", "failures", "escort", "holds", "stages")
    assert set(figures) == set(expected)
    embedded = dict(re.findall(r'<figure id="fig-([\w]+)"><img src="data:image/png;base64,([^"]+)"', page))
    assert set(embedded) == set(figures)
    for name, data in embedded.items():
        assert base64.b64decode(data) == figures[name], name
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and "<link" not in page
    # the headline comes first, then the sections a planner reads
    assert page.index('class="lead"') < page.index("<h2>Plans</h2>")
    for title in ("KPIs per policy", "Over-service", "Failures", "Escort staff", "Seat holds", "Loyalty stages"):
        assert f"<h2>{title}" in page, title
    assert "What one more unit is worth" in page and "Key parameters" in page
    assert "seed 11" in page and "common random numbers" in page


@pytest.mark.filterwarnings("ignore:names contain Chinese characters")
def test_report_html_escapes_names_and_shows_chinese_and_overrides(tmp_path: Path) -> None:
    data = tiny_dict()
    data["scenario"]["name"] = "<b>金卡</b> & 银卡"
    data["tiers"][1]["name"] = "金卡"
    run = _write(tmp_path, data, reps=2, overrides=["budget.benefits_cny=5000"])
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;金卡&lt;/b&gt; &amp; 银卡" in page and "<b>金卡" not in page
    assert "<td>金卡</td>" in page
    assert "budget.benefits_cny=5000" in page


def test_report_html_lists_failed_replications(tmp_path: Path, monkeypatch) -> None:
    import model.simulation.replications as runner

    real = runner.simulate

    def flaky(scenario, plan, trips, base):
        if plan.policy == "uniform":
            raise RuntimeError("escort roster exploded")
        return real(scenario, plan, trips, base)

    monkeypatch.setattr(runner, "simulate", flaky)
    run = _write(tmp_path, tiny_dict(), reps=2)
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "2 policy × replication runs failed" in page
    assert page.count("RuntimeError: escort roster exploded") == 2


def test_report_html_says_binding_shadow_prices_in_words(tmp_path: Path) -> None:
    data = tiny_dict()
    data["resources"][0]["daily_capacity"] = 0.3  # the lounge binds (9 uses in 30 days)
    page = (_write(tmp_path, data, reps=2) / "report.html").read_text(encoding="utf-8")
    assert "Under halfstep (maximizing contribution): One more use of lounge adds" in page
    assert re.search(r"adds [\d,.]+ CNY of contribution \(binding: [\d,]+ of [\d,]+ used\)", page)
