"""The suite: which cases run at which sizes, the targets, the table and the JSON record.

Two sizes. ``full`` is what ``make bench`` runs and the README reports: the baseline,
the book scaled to 10,000 accounts and a million trips a year, LPs with 1,000 and 10,000
account tiers, the contribution plan at the baseline and at 1,000 and 10,000 account
tiers. ``quick`` runs every case small (seconds, for a smoke test); its figures say that
the suite works, not how fast halfstep is.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.scenario.loading import load_scenario

from . import cases
from .measure import machine
from .scenarios import account_tiers, scaled_book

__all__ = [
    "SECTIONS",
    "SIZES",
    "Size",
    "markdown",
    "readme_block",
    "run_suite",
    "table_rows",
    "targets",
    "update_readme",
    "write_json",
]

SECTIONS = ("simulator", "queue", "allocator", "contribution", "workers", "memory")


@dataclass(frozen=True)
class Size:
    baseline_replications: int
    repeats: int
    scaled: tuple[int, float]  # accounts, trips a year
    queue_customers: int
    lp_accounts: tuple[int, ...]
    contribution_accounts: tuple[int, ...]
    workers_book: tuple[int, float]
    workers_replications: int
    workers_rounds: int


SIZES = {
    "full": Size(
        baseline_replications=20,
        repeats=3,
        scaled=(10_000, 1_000_000),
        queue_customers=100_000,
        lp_accounts=(1_000, 10_000),
        contribution_accounts=(1_000, 10_000),
        workers_book=(500, 50_000),
        workers_replications=16,
        workers_rounds=2,
    ),
    "quick": Size(
        baseline_replications=2,
        repeats=1,
        scaled=(200, 20_000),
        queue_customers=5_000,
        lp_accounts=(100, 300),
        contribution_accounts=(100,),
        workers_book=(100, 5_000),
        workers_replications=2,
        workers_rounds=1,
    ),
}


def run_suite(size: str, sections: tuple[str, ...], progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the chosen sections at a size; the record (plain data, ready for JSON)."""
    z = SIZES[size]
    started = time.perf_counter()
    record: dict[str, Any] = {
        "suite": "halfstep benchmarks",
        "size": size,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "cases": {},
    }
    out = record["cases"]
    baseline = load_scenario()
    if "simulator" in sections:
        progress("simulator: baseline")
        out["simulator_baseline"] = cases.simulator(baseline, z.baseline_replications, z.repeats)
        progress(f"simulator: {z.scaled[0]:,} accounts, {z.scaled[1]:,.0f} trips")
        out["simulator_scaled"] = cases.simulator(scaled_book(*z.scaled), 1, 1)
    if "queue" in sections:
        progress("escort queue against Ciw")
        out["queue"] = cases.escort_queue(z.queue_customers, z.repeats)
    if "allocator" in sections:
        progress("allocator: baseline")
        out["allocator_baseline"] = cases.baseline_plan(baseline, 5 * z.repeats)
        for accounts in z.lp_accounts:
            progress(f"allocator: one tier per account, {accounts:,} accounts")
            out[f"allocator_{accounts}_accounts"] = cases.account_lp(accounts)
    if "contribution" in sections:
        progress("contribution plan: baseline")
        plans = [cases.contribution_plan(baseline, "baseline", 5 * z.repeats)]
        for accounts in z.contribution_accounts:
            progress(f"contribution plan: one tier per account, {accounts:,} accounts")
            plans.append(cases.contribution_plan(account_tiers(accounts), f"{accounts:,} account tiers", 1))
        out["contribution_plan"] = plans
    if "workers" in sections:
        progress("replications with 1 and 2 workers")
        out["workers"] = cases.workers(scaled_book(*z.workers_book), z.workers_replications, z.workers_rounds)
    if "memory" in sections:
        progress(f"one replication in a fresh process: {z.scaled[0]:,} accounts, {z.scaled[1]:,.0f} trips")
        out["one_replication"] = cases.one_replication(*z.scaled)
    record["seconds"] = time.perf_counter() - started
    record["machine"]["load_average_after"] = list(os.getloadavg())
    record["targets"] = targets(record)
    return record


def targets(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets this machine's figures are held to, with the measured values (full size only)."""
    c = record["cases"]
    rows: list[tuple[str, float | None, str, float]] = []
    for key, label in (("simulator_baseline", "baseline"), ("simulator_scaled", "scaled book")):
        if key in c:
            rows.append((f"simulator throughput / bare SimPy M/M/c ({label})", c[key]["ratio"], "≥", 1.0))
    lp = [k for k in c if k.startswith("allocator_") and k.endswith("_accounts")]
    if lp:
        big = max(lp, key=lambda k: c[k]["accounts"])
        rows.append(
            (f"LP overhead / solver time ({c[big]['accounts']:,} accounts, direct)", c[big]["overhead_ratio"], "≤", 0.5)
        )
        if "pulp" in c[big]:
            rows.append(
                (
                    f"LP overhead / solver time ({c[big]['accounts']:,} accounts, through PuLP)",
                    c[big]["pulp"]["overhead_ratio"],
                    "≤",
                    0.5,
                )
            )
    for plan in c.get("contribution_plan", []):
        rows.append((f"contribution plan / one HiGHS solve of its final LP ({plan['book']})", plan["ratio"], "≤", 3.0))
    if "workers" in c:
        rows.append(("speed-up with 2 workers", c["workers"]["speedup"], "≥", 1.8))
    if "one_replication" in c:
        rep = c["one_replication"]
        rows.append(
            (f"one replication (one policy), {rep['trips']:,} trips (s)", rep["replication_seconds"], "≤", 30.0)
        )
        rows.append(("peak memory of that replication (MiB)", rep["peak_rss_mib"], "≤", 1024.0))
    out = []
    for name, value, op, limit in rows:
        met = None if value is None else (value >= limit if op == "≥" else value <= limit)
        out.append({"target": name, "value": value, "op": op, "limit": limit, "met": met})
    return out


#: How each case is shown: (case, halfstep, reference, ratio) templates over the case's numbers.
_ROWS: dict[str, tuple[str, str, str, str]] = {
    "simulator": (
        "simulator: {accounts:,} accounts, {trips:,} trips",
        "{trips_per_second:,.0f} trips/s",
        "bare SimPy M/M/c: {bare_customers_per_second:,.0f} customers/s",
        "{ratio:.2f}",
    ),
    "queue": (
        "escort queue alone, M/M/6 at ρ = 0.8, {customers:,} customers",
        "{customers_per_second:,.0f} customers/s",
        "Ciw: {ciw_customers_per_second:,.0f} customers/s",
        "{ratio:.2f}",
    ),
    "allocator_baseline": ("allocator: baseline plans", "{plans}", "", ""),
    "lp": (
        "LP, one tier per account, {interface}: {accounts:,} accounts ({columns:,} columns, {rows:,} rows)",
        "build {build_seconds:.3f} s, load {load_seconds:.3f} s, read back {extract_seconds:.3f} s",
        "HiGHS: {solve_seconds:.2f} s",
        "{overhead_ratio:.3f}",
    ),
    "contribution": (
        "contribution plan (halfstep), {book}: {lps} LPs ({sequence_lps} in the sequence, "
        "{tie_lps} in the tie-break{timed_out})",
        "{plan_seconds:.2f} s ({interfaces}; HiGHS {sequence_solve_seconds:.2f} s in the sequence, "
        "{tie_break_solve_seconds:.2f} s in the tie-break)",
        "HiGHS, the final LP once: {final_lp_seconds:.3f} s",
        "{ratio:.1f}",
    ),
    "workers": (
        "{replications} replications × {n_policies} policies, 2 workers",
        "{two_workers_seconds:.2f} s",
        "1 worker: {one_worker_seconds:.2f} s (workers' extra CPU {parallel_cpu_overhead:.0%}; "
        "on 2 free cores ≈ {speedup_on_free_cores:.2f}×)",
        "{speedup:.2f}",
    ),
    "one_replication": (
        "one replication of the halfstep plan: {accounts:,} accounts, {trips:,} trips, {days} days",
        "{replication_seconds:.1f} s (draw {draw_seconds:.1f} s), peak {peak_rss_mib:,.0f} MiB",
        "",
        "",
    ),
}


def table_rows(record: dict[str, Any]) -> list[tuple[str, ...]]:
    """(case, halfstep, reference, ratio) rows of the printed table, in the suite's order."""
    c = record["cases"]
    shown: list[tuple[str, dict[str, Any]]] = []
    for key in ("simulator_baseline", "simulator_scaled"):
        if key in c:
            shown.append(("simulator", c[key]))
    if "queue" in c:
        shown.append(("queue", c["queue"]))
    if "allocator_baseline" in c:
        times = c["allocator_baseline"]["plan_seconds"]
        shown.append(("allocator_baseline", {"plans": ", ".join(f"{p} {1000 * t:.1f} ms" for p, t in times.items())}))
    for key in sorted((k for k in c if k.endswith("_accounts")), key=lambda k: c[k]["accounts"]):
        shown.append(("lp", {"interface": "direct", **c[key]}))
        if "pulp" in c[key]:
            shown.append(("lp", {**c[key]["pulp"], "accounts": c[key]["accounts"]}))
    for plan in c.get("contribution_plan", []):
        stopped = plan["not_optimal"]
        shown.append(
            (
                "contribution",
                {
                    **plan,
                    "interfaces": ", ".join(plan["interfaces"]),
                    "tie_lps": plan["lps"] - plan["sequence_lps"],
                    "timed_out": f", {len(stopped)} stopped: {stopped[0].lower()}" if stopped else "",
                },
            )
        )
    if "workers" in c:
        shown.append(("workers", {**c["workers"], "n_policies": len(c["workers"]["policies"])}))
    if "one_replication" in c:
        shown.append(("one_replication", c["one_replication"]))
    return [tuple(t.format(**values) for t in _ROWS[kind]) for kind, values in shown]


def markdown(record: dict[str, Any]) -> str:
    """The table and the targets as Markdown (for the README's Performance section)."""
    lines = ["| case | halfstep | reference | ratio |", "| --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(record)]
    lines += ["", "| target | measured | limit | met |", "| --- | --- | --- | --- |"]
    for t in record["targets"]:
        met = "—" if record["size"] == "quick" else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {t['value']:.2f} | {t['op']} {t['limit']:g} | {met} |")
    return "\n".join(lines)


README_START, README_END = "<!-- latest-bench -->", "<!-- /latest-bench -->"


def readme_block(record: dict[str, Any]) -> str:
    """What the README's Performance section shows of a record, between its markers."""
    m = record["machine"]
    when = (
        f"Measured {record['started'][:10]} at commit {m['commit']}, Python {m['python']}, "
        f"load average {m['load_average'][0]:.1f} at the start and {m['load_average_after'][0]:.1f} at the end "
        "(other work shares the two cores)."
    )
    return f"{README_START}\n{markdown(record)}\n\n{when}\n{README_END}"


def update_readme(path: Path, record: dict[str, Any]) -> None:
    """Replace the block between the README's markers with this record's tables."""
    text = path.read_text(encoding="utf-8")
    start = text.index(README_START)
    end = text.index(README_END, start) + len(README_END) if README_END in text else start + len(README_START)
    path.write_text(text[:start] + readme_block(record) + text[end:], encoding="utf-8")


def write_json(record: dict[str, Any], path: Path) -> None:
    """Write the record atomically (a temporary file in the same folder, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a record is an ordinary file
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
