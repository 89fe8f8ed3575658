"""Printing a calibration: the fitted parameters, and each target against its fitted statistic with a CI."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from model.sweep.calibration import Calibration, TargetsFile

__all__ = ["print_calibration"]


def _g(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def print_calibration(console: Console, c: Calibration, spec: TargetsFile) -> None:
    cal = spec.calibration
    console.print(
        f"{cal.method}: {c.evaluations} evaluations × {cal.replications} replications (common random numbers), "
        f"policy {cal.policy}, {c.seconds:.1f} s; J {c.start_objective:.4g} → {c.objective:.4g}; {c.message}",
        markup=False,
    )
    params = Table(title="fitted parameters", title_justify="left")
    for col in ("parameter", "start", "fitted", "bounds", "keys"):
        params.add_column(col)
    for p in spec.parameters:
        keys = ", ".join(p.key_paths) + (" (factor)" if p.scale else "")
        v = c.parameters[p.name]
        # a fit on a bound is no fit of that parameter: the targets want more than the bounds allow
        edge = " (at a bound)" if min(abs(v - b) for b in p.bounds) <= 1e-3 * (p.bounds[1] - p.bounds[0]) else ""
        params.add_row(p.name, _g(c.start[p.name]), _g(v) + edge, f"[{p.bounds[0]:g}, {p.bounds[1]:g}]", keys)
    console.print(params)
    table = Table(
        title=f"targets against the fit ({cal.check_replications} fresh replications, 95% CI)", title_justify="left"
    )
    for col in ("statistic", "target", "start", "fitted", "95% CI", "(fitted − target)/s", "source"):
        table.add_column(col)
    for t, spec_t in zip(c.targets, spec.targets, strict=True):
        lo, hi = t.check_ci
        dev = "n/a" if t.check_mean is None else f"{(t.check_mean - t.target) / t.scale:+.2f}"
        table.add_row(
            t.statistic, _g(t.target), _g(t.start), _g(t.check_mean), f"[{_g(lo)}, {_g(hi)}]", dev, spec_t.source
        )
    console.print(table)
