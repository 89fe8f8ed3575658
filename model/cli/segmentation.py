"""``halfstep synth-accounts`` and ``segment``: from an account table to a scenario (thin, like every command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import ForceOption, app, at_least, out, whole_number


@app.command("synth-accounts")
def synth_accounts(
    n: Annotated[
        int,
        typer.Option(
            "--n", parser=whole_number, callback=at_least(1, "a number of accounts"), help="Number of accounts."
        ),
    ] = 5000,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            parser=whole_number,
            callback=at_least(0, "a seed is a non-negative integer"),
            help="Seed: the same seed gives the same table.",
        ),
    ] = 0,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write (UTF-8).")] = Path("accounts.csv"),
    force: ForceOption = False,
) -> None:
    """Write a realistic synthetic account table (the source documents' figures), for demos and tests."""
    from model.segmentation.publish import synth_file

    table = synth_file(n, seed, out_file, force=force)
    active = int((table.trips > 0).sum())
    out.print(
        f"wrote {out_file}: {len(table):,} accounts ({active:,} with trips), {table.trips.sum():,.0f} trips, "
        f"{table.spend_cny.sum():,.0f} CNY over {table.months_observed.max():g} months",
        markup=False,
    )


@app.command()
def segment(
    accounts: Annotated[Path, typer.Argument(help="Account table (CSV, UTF-8); see README, 'Segmenting accounts'.")],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Scenario file to write; the report goes beside it (.segments.md/.json/.csv)."
        ),
    ],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules file (TOML; default: the source documents' rules).")
    ] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Leave out rows with problems and count them in the report.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the output files if they exist.")] = False,
) -> None:
    """Segment accounts into tiers, estimate the tiers' parameters and write a runnable scenario."""
    from model.segmentation.publish import segment_file
    from model.segmentation.views.report import print_segmentation

    result, paths = segment_file(accounts, out_file, rules=rules, force=force, skip_bad_rows=skip_bad_rows)
    print_segmentation(out, result.segmentation, result.fits)
    out.print(f"\nwrote {paths['scenario']} (run it: halfstep run {paths['scenario']})", markup=False)
    out.print(f"report {paths['report']}, {paths['json'].name}, {paths['accounts'].name}", markup=False)
