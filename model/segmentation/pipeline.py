"""A segmentation from a table in memory: assign, fit, build — DESIGN.md (client data produces scenarios).

    accounts CSV ──▶ AccountTable ──▶ Segmentation ──▶ TierFit per tier ──▶ scenario + report
      (accounts, reading)  (rules, assignment)          (fit)              (building, views.report)

:func:`segment` works on a table in memory (for notebooks and tests);
:mod:`model.segmentation.publish` reads the file and writes the scenario and the report files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomli_w

from model.segmentation.accounts import AccountTable
from model.segmentation.assignment import Segmentation, assign
from model.segmentation.building import ScenarioBuild, build_scenario
from model.segmentation.fit import Estimate, TierFit, bucket_fares, fit_tiers
from model.segmentation.rules import Rules, default_rules_path, load_rules

__all__ = ["SegmentResult", "segment"]


@dataclass(frozen=True)
class SegmentResult:
    segmentation: Segmentation
    fits: list[TierFit]
    bucket_fares: dict[str, Estimate] | None
    build: ScenarioBuild
    rules_source: str

    def scenario_toml(self) -> str:
        head = (
            f"# Written by `halfstep segment` from {self.segmentation.table.source} with the rules {self.rules_source}.\n"
            "# Tiers' accounts, travellers, trip rates, gamma shapes and fares (or cabin mixes) are estimated\n"
            f"# from the accounts; everything else comes from '{self.build.base_name}', with capacities grown\n"
            f"# (× {_factors(self.build.capacity_scale)}).\n"
        )
        return head + tomli_w.dumps(self.build.data)


def _factors(f: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3g}" for k, v in f.items())


def segment(
    table: AccountTable,
    rules: Rules | None = None,
    *,
    rules_path: str | Path | None = None,
    name: str | None = None,
) -> SegmentResult:
    """Segment a table and build its scenario.

    ``rules`` default to the file ``rules_path``, or to the shipped rules; ``rules_path``
    names the rules in messages, and a relative ``[scenario] base`` is found beside it.
    """
    if rules_path is not None:
        label = str(rules_path)
    else:
        label = f"default rules ({default_rules_path().name})" if rules is None else "<rules>"
    if rules is None:
        rules = load_rules(rules_path)
    seg = assign(table, rules, label)
    fits = fit_tiers(seg)
    fares = bucket_fares(seg)
    build = build_scenario(seg, fits, fares, rules_path=rules_path, rules_label=label, name=name)
    return SegmentResult(seg, fits, fares, build, label)
