"""The run report in a real browser: headless Chromium opens report.html and every figure shows.

Needs Chromium (Debian/Ubuntu: ``sudo apt-get install chromium``) and the test extras
(Playwright drives the installed Chromium; no browser download). Where Chromium is absent
the test skips with that hint, unless ``HALFSTEP_REQUIRE_BROWSER=1`` (set by ``.ci/run``),
in which case it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from model.api import run
from model.report.publish import write_run

INSTALL_HINT = (
    "Chromium is not installed: install it with 'sudo apt-get install chromium' (Debian/Ubuntu) "
    "and the test extras with 'pip install -e .[test]'"
)
_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    exe = next((p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        exe = None
    if exe is None:
        if os.environ.get("HALFSTEP_REQUIRE_BROWSER") == "1":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return exe


def test_report_html_opens_in_chromium_with_every_figure(tmp_path: Path) -> None:
    exe = _chromium()
    from playwright.sync_api import sync_playwright

    result = run("baseline", replications=2, workers=1)
    write_run(result, tmp_path / "run")
    figures = sorted(p.name for p in (tmp_path / "run" / "figures").glob("*.png"))
    expected = ("plans", "kpis", "tiers", "plan_gap", "over_service", "failures", "escort", "holds", "stages")
    assert set(figures) == {f"{name}.png" for name in expected}
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((tmp_path / "run" / "report.html").as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate(
            "() => Array.from(document.images).map(i => ({id: i.closest('figure').id, ok: i.complete, "
            "w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width}))"
        )
        headline = page.inner_text("p.lead")
        overflowing = page.evaluate(  # a table wider than its box hides columns behind a scrollbar
            "() => Array.from(document.querySelectorAll('div.scroll')).filter(d => d.scrollWidth > d.clientWidth + 1)"
            ".map(d => d.innerText.slice(0, 80))"
        )
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert not problems, problems
    assert {i["id"] for i in images} == {"fig-" + f.removesuffix(".png") for f in figures}
    broken = [i for i in images if not (i["ok"] and i["w"] > 100 and i["h"] > 100 and i["shown"] > 100)]
    assert not broken, broken
    assert not overflowing, overflowing
    plans = next(i for i in images if i["id"] == "fig-plans")
    # the heatmap's cell labels are 8 pt at 110 dpi (12 px): shown at ≥ 85% they stay ≥ 10 px high
    assert plans["shown"] >= 0.85 * plans["w"], plans
    assert all(u.startswith(("file:", "data:")) for u in requests), requests  # nothing fetched from a network
    assert "highest mean contribution" in headline and "net value" not in headline
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("HALFSTEP_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
