"""``python -m benchmarks [--quick] [--only a,b] [--out FILE] [--force] [--markdown] [--show FILE]``.

Runs the benchmarks and prints the table and the targets. A complete full run (no
``--quick``, no ``--only``) is the latest record: it replaces
``benchmarks/results/latest.json`` and the table in the README's Performance
section. Otherwise the record is written only to ``--out FILE``, which is never replaced
without ``--force``. ``--show FILE`` prints the tables of a record without running
anything; ``--markdown`` prints them as Markdown too.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .suite import SECTIONS, markdown, run_suite, table_rows, update_readme, write_json

LATEST = Path(__file__).parent / "results" / "latest.json"
README = Path(__file__).parents[1] / "README.md"


def _sections(text: str | None) -> tuple[str, ...]:
    if text is None:
        return SECTIONS
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    unknown = [x for x in names if x not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"--only {text!r}: sections are {', '.join(SECTIONS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run halfstep's benchmarks: print the table and the targets, write the record as JSON.",
    )
    parser.add_argument("--quick", action="store_true", help="every case small: checks the suite, not the speed")
    parser.add_argument(
        "--only", type=_sections, default=SECTIONS, help=f"comma-separated sections of {', '.join(SECTIONS)}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON record (a complete full run also writes benchmarks/results/latest.json)",
    )
    parser.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    parser.add_argument("--show", type=Path, default=None, help="print the tables of this record; run nothing")
    args = parser.parse_args(argv)
    console = Console()
    if args.show is not None:
        try:
            record = json.loads(args.show.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            parser.error(f"--show {args.show}: cannot be read as a benchmark record ({e})")
        _print(console, record, args.markdown)
        return 0
    size = "quick" if args.quick else "full"
    out = args.out
    if out is not None and out.exists() and not args.force:
        parser.error(f"--out {out}: the file exists; give --force to replace it")
    complete = size == "full" and set(args.only) == set(SECTIONS)
    if out is None and complete:
        out = LATEST  # a complete full run is the latest record, and the README shows it

    record = run_suite(size, args.only, progress=lambda msg: console.print(f"[dim]… {msg}[/dim]"))
    _print(console, record, args.markdown)
    if out is not None:
        write_json(record, out)
        console.print(f"wrote {out}")
    if out == LATEST:
        update_readme(README, record)
        console.print(f"updated the Performance section of {README}")
    return 0


def _print(console: Console, record: dict, as_markdown: bool) -> None:
    size = record["size"]

    table = Table(title=f"halfstep benchmarks ({size}; CPU time unless stated, best of repeats)")
    for col in ("case", "halfstep", "reference", "ratio"):
        table.add_column(col, overflow="fold")
    for row in table_rows(record):
        table.add_row(*row)
    console.print(table)
    targets = Table(title="targets (this 2-core machine)")
    for col in ("target", "measured", "limit", "met"):
        targets.add_column(col)
    for t in record["targets"]:
        met = "—" if size == "quick" else ("yes" if t["met"] else "[bold red]no[/bold red]")
        targets.add_row(t["target"], f"{t['value']:.2f}", f"{t['op']} {t['limit']:g}", met)
    console.print(targets)
    m = record["machine"]
    console.print(
        f"load average {m['load_average'][0]:.2f} before, {m['load_average_after'][0]:.2f} after; "
        f"{record['seconds']:.0f} s in all; commit {m['commit']}"
    )
    if as_markdown:
        print(markdown(record))


if __name__ == "__main__":
    sys.exit(main())
