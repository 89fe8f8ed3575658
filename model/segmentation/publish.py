"""``halfstep segment`` and ``halfstep synth-accounts`` as files: read a table, write the scenario and its report.

:func:`segment_file` reads the account table, segments it (:func:`model.segmentation.pipeline.segment`)
and writes the scenario and the report files beside it, refusing to overwrite any of them
unless ``force``, and writing the scenario last, so that its presence means the set is complete.
"""

from __future__ import annotations

from pathlib import Path

from model.errors import RunFolderError
from model.files import check_file_target, write_atomic
from model.segmentation.accounts import AccountTable, write_accounts
from model.segmentation.pipeline import SegmentResult, segment
from model.segmentation.reading import read_accounts
from model.segmentation.rules import load_rules
from model.segmentation.synthetic import synth_book
from model.segmentation.views.report import assignments_csv, report_json, report_markdown

__all__ = ["output_paths", "segment_file", "synth_file"]


def output_paths(out: str | Path) -> dict[str, Path]:
    """The scenario and, beside it, the report (``.segments.md``), its JSON and the per-account CSV."""
    out = Path(out)
    return {
        "scenario": out,
        "report": out.with_suffix(".segments.md"),
        "json": out.with_suffix(".segments.json"),
        "accounts": out.with_suffix(".segments.csv"),
    }


def _check_targets(paths: list[Path], force: bool, inputs: list[Path] | None = None) -> None:
    """Every output file, before any work: never a folder, never an input; an existing file only with ``force``."""
    for p in paths:
        check_file_target(p, force, inputs=inputs or ())


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
    _check_targets(list(paths.values()), force, [Path(accounts), *([Path(rules)] if rules is not None else [])])
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
