"""The suite: which cases run at which sizes, the targets, the table and the JSON record.

Two sizes. ``full`` is what ``make bench`` runs and the README reports: the baseline,
the book scaled to 10,000 accounts and a million trips a year, LPs with 1,000 and 10,000
account tiers. ``quick`` runs every case small (seconds, for a smoke test); its figures
say that the suite works, not how fast halfstep is.
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

from model.loading import load_scenario

from . import cases
from .measure import machine
from .scenarios import scaled_book

__all__ = ["SECTIONS", "SIZES", "Size", "run_suite", "table_rows", "targets", "write_json"]

SECTIONS = ("simulator", "queue", "allocator", "workers", "memory")


@dataclass(frozen=True)
class Size:
    baseline_replications: int
    repeats: int
    scaled: tuple[int, float]  # accounts, trips a year
    queue_customers: int
    lp_accounts: tuple[int, ...]
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
        workers_book=(500, 50_000),
        workers_replications=8,
        workers_rounds=2,
    ),
    "quick": Size(
        baseline_replications=2,
        repeats=1,
        scaled=(200, 20_000),
        queue_customers=5_000,
        lp_accounts=(100, 300),
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
            (f"LP overhead / solver time ({c[big]['accounts']:,} accounts)", c[big]["overhead_ratio"], "≤", 0.5)
        )
    if "workers" in c:
        rows.append(("speed-up with 2 workers", c["workers"]["speedup"], "≥", 1.8))
    if "one_replication" in c:
        rep = c["one_replication"]
        rows.append((f"one replication, {rep['trips']:,} trips (s)", rep["replication_seconds"], "≤", 30.0))
        rows.append(("peak memory of that replication (MiB)", rep["peak_rss_mib"], "≤", 1024.0))
    out = []
    for name, value, op, limit in rows:
        met = None if value is None else (value >= limit if op == "≥" else value <= limit)
        out.append({"target": name, "value": value, "op": op, "limit": limit, "met": met})
    return out


def _fmt(x: float, unit: str = "") -> str:
    if x >= 100:
        return f"{x:,.0f}{unit}"
    if x >= 1:
        return f"{x:,.2f}{unit}"
    return f"{x:.3f}{unit}"


def table_rows(record: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(case, halfstep, reference, ratio) rows of the printed table."""
    c, rows = record["cases"], []
    for key in ("simulator_baseline", "simulator_scaled"):
        if key in c:
            s = c[key]
            rows.append(
                (
                    f"simulator: {s['accounts']:,} accounts, {s['trips']:,} trips",
                    f"{_fmt(s['trips_per_second'])} trips/s",
                    f"bare SimPy M/M/c: {_fmt(s['bare_customers_per_second'])} customers/s",
                    f"{s['ratio']:.2f}",
                )
            )
    if "queue" in c:
        q = c["queue"]
        rows.append(
            (
                f"escort queue alone, M/M/6 at ρ = 0.8, {q['customers']:,} customers",
                f"{_fmt(q['customers_per_second'])} customers/s",
                f"Ciw: {_fmt(q['ciw_customers_per_second'])} customers/s",
                f"{q['ratio']:.2f}",
            )
        )
    if "allocator_baseline" in c:
        a = c["allocator_baseline"]
        plans = ", ".join(f"{p} {_fmt(1000 * t)} ms" for p, t in a["plan_seconds"].items())
        rows.append(("allocator: baseline plans", plans, "", ""))
    for key in sorted((k for k in c if k.endswith("_accounts")), key=lambda k: c[k]["accounts"]):
        a = c[key]
        rows.append(
            (
                f"LP, one tier per account: {a['accounts']:,} accounts ({a['columns']:,} columns, {a['rows']:,} rows)",
                f"build {_fmt(a['build_seconds'], ' s')}, load {_fmt(a['load_seconds'], ' s')}, "
                f"read back {_fmt(a['extract_seconds'], ' s')}",
                f"HiGHS: {_fmt(a['solve_seconds'], ' s')}",
                f"{a['overhead_ratio']:.3f}",
            )
        )
    if "workers" in c:
        w = c["workers"]
        rows.append(
            (
                f"{w['replications']} replications × {len(w['policies'])} policies, 2 workers",
                f"{_fmt(w['two_workers_seconds'], ' s')}",
                f"1 worker: {_fmt(w['one_worker_seconds'], ' s')}",
                f"{w['speedup']:.2f}",
            )
        )
    if "one_replication" in c:
        r = c["one_replication"]
        rows.append(
            (
                f"one replication: {r['accounts']:,} accounts, {r['trips']:,} trips, {r['days']} days",
                f"{_fmt(r['replication_seconds'], ' s')} (draw {_fmt(r['draw_seconds'], ' s')}), "
                f"peak {_fmt(r['peak_rss_mib'], ' MiB')}",
                "",
                "",
            )
        )
    return rows


def write_json(record: dict[str, Any], path: Path) -> None:
    """Write the record atomically (a temporary file in the same folder, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
