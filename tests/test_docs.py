"""The documentation matches the code it describes."""

from __future__ import annotations

from model.scenario.reference import scenario_reference
from tests.helpers import ROOT


def test_scenario_reference_is_current() -> None:
    doc = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert scenario_reference().strip() in doc, "regenerate with: halfstep schema >> docs/scenario-reference.md"


def test_readme_quick_start_is_the_two_make_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick and "make test" in quick
