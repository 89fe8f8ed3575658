"""``halfstep segment`` and ``halfstep synth-accounts`` as plain calls: read, assign, fit, build, write.

The pipeline of a segmentation (DESIGN.md: client data produces scenarios)::

    accounts CSV ──▶ AccountTable ──▶ Segmentation ──▶ TierFit per tier ──▶ scenario + report
      (accounts)       (segment_rules, segment)       (segment_fit)        (segment_scenario, segment_report)

:func:`segment` works on a table in memory (for notebooks and tests); :func:`segment_file`
reads the file and writes the scenario and the report files, refusing to overwrite
any of them unless ``force``, and writing the scenario last, so that its presence
means the set is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomli_w

from model.errors import RunFolderError
from model.files import write_atomic
from model.segmentation.accounts import AccountTable, write_accounts
from model.segmentation.assignment import Segmentation, assign
from model.segmentation.building import ScenarioBuild, build_scenario
from model.segmentation.fit import Estimate, TierFit, bucket_fares, fit_tiers
from model.segmentation.reading import read_accounts
from model.segmentation.rules import Rules, default_rules_path, load_rules
from model.segmentation.synthetic import synth_book
from model.segmentation.views.report import assignments_csv, report_json, report_markdown

__all__ = ["SegmentResult", "output_paths", "segment", "segment_file", "synth_file"]


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


def output_paths(out: str | Path) -> dict[str, Path]:
    """The scenario and, beside it, the report (``.segments.md``), its JSON and the per-account CSV."""
    out = Path(out)
    return {
        "scenario": out,
        "report": out.with_suffix(".segments.md"),
        "json": out.with_suffix(".segments.json"),
        "accounts": out.with_suffix(".segments.csv"),
    }


def _check_targets(paths: list[Path], force: bool) -> None:
    for p in paths:
        if p.is_dir():
            raise RunFolderError(f"{p} is a folder; --out must name a file")
        if p.exists() and not force:
            raise RunFolderError(f"{p} exists already; choose another --out, or pass --force to replace it")


def segment_file(
    accounts: str | Path,
    out: str | Path,
    *,
    rules: str | Path | None = None,
    force: bool = False,
    skip_bad_rows: bool = False,
) -> tuple[SegmentResult, dict[str, Path]]:
    """Read an account table, segment it, write the scenario and the report files."""
    paths = output_paths(out)
    for p in paths.values():
        if p.resolve() == Path(accounts).resolve():
            raise RunFolderError(f"{p} is the account table itself; choose another --out")
    _check_targets(list(paths.values()), force)
    rule_set = load_rules(rules) if rules is not None else None  # a bad rules file fails before a large table is read
    table = read_accounts(accounts, skip_bad_rows=skip_bad_rows)
    result = segment(table, rule_set, rules_path=rules)
    seg, fits, fares, build = result.segmentation, result.fits, result.bucket_fares, result.build
    write_atomic(paths["accounts"], assignments_csv(seg))
    write_atomic(paths["json"], report_json(seg, fits, fares, build))
    write_atomic(paths["report"], report_markdown(seg, fits, fares, build, str(paths["scenario"]), result.rules_source))
    write_atomic(paths["scenario"], result.scenario_toml())
    return result, paths


def synth_file(n: int, seed: int, out: str | Path, *, force: bool = False) -> AccountTable:
    """Write a realistic synthetic account table (:func:`model.segmentation.synthetic.synth_book`) to ``out``."""
    out = Path(out)
    _check_targets([out], force)
    table = synth_book(n, seed)
    write_atomic(out, write_accounts(table))
    return table
