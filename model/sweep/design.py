"""Design sampling: the parameter points of an experiment, in a fixed, seeded order.

| design   | points                                                                           |
| -------- | -------------------------------------------------------------------------------- |
| `list`   | the i-th value of every parameter makes point i                                  |
| `grid`   | every combination of the parameters' values (the first parameter varies slowest) |
| `lhs`    | a Latin hypercube of ``points`` samples of the ranges (scipy.stats.qmc)          |
| `sobol`  | Saltelli's scheme on a scrambled Sobol sequence: N base rows, N·(D+2) points     |
| `morris` | r Morris trajectories on a grid of ``levels`` (SALib), r·(D+1) points            |

The ``sobol`` points are laid out as SALib's ``sobol.sample(calc_second_order=False)``
lays them out — for each base row j: A_j, then A_j with column i taken from B_j for each
parameter i, then B_j — so that :func:`SALib.analyze.sobol.analyze` reads the results
directly (first- and total-order indices).

Sampling draws from the root ``SeedSequence(seed)`` itself; the simulation's streams are
its children (:mod:`model.randomness`), so the two never share numbers.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import qmc

from model.errors import HalfstepError

if TYPE_CHECKING:
    from model.sweep.spec import ExperimentFile, Value

__all__ = ["design_values", "salib_problem", "saltelli_unit"]


def salib_problem(spec: ExperimentFile) -> dict:
    """The SALib problem dict of a sampled design (names and bounds in parameter order)."""
    return {
        "num_vars": len(spec.parameters),
        "names": [p.name for p in spec.parameters],
        "bounds": [list(p.range or (0.0, 1.0)) for p in spec.parameters],
    }


def saltelli_unit(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Saltelli's N·(d+2) rows in [0, 1)^d without second-order terms, in SALib's layout."""
    base = qmc.Sobol(d=2 * d, scramble=True, rng=rng).random_base2(int(math.log2(n)))
    a, b = base[:, :d], base[:, d:]
    rows = np.empty((n, d + 2, d))
    rows[:, 0] = a
    for i in range(d):
        rows[:, i + 1] = a
        rows[:, i + 1, i] = b[:, i]
    rows[:, d + 1] = b
    return rows.reshape(n * (d + 2), d)


def design_values(spec: ExperimentFile, source: str = "<experiment>") -> list[dict[str, Value]]:
    """Every point of the design: a dict parameter name → value, in point order."""
    params = spec.parameters
    names = [p.name for p in params]
    kind = spec.design.kind
    if kind == "list":
        n = len(params[0].values or [])
        return [{p.name: (p.values or [])[i] for p in params} for i in range(n)]
    if kind == "grid":
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(p.values or [] for p in params))]
    rng = np.random.default_rng(spec.experiment.seed)
    n, d = spec.design.points or 1, len(params)
    if kind == "morris":
        x = _morris(spec, source)
    else:
        unit = qmc.LatinHypercube(d=d, rng=rng).random(n) if kind == "lhs" else saltelli_unit(n, d, rng)
        lo = np.array([p.range[0] for p in params])  # type: ignore[index]
        hi = np.array([p.range[1] for p in params])  # type: ignore[index]
        x = lo + unit * (hi - lo)
    out = []
    for row in x:
        values: dict[str, Value] = {}
        for p, v in zip(params, row, strict=True):
            values[p.name] = int(np.rint(v)) if p.integer else float(v)
        out.append(values)
    return out


def _morris(spec: ExperimentFile, source: str) -> np.ndarray:
    try:
        from SALib.sample import morris
    except ImportError:
        raise HalfstepError(
            f"{source}: a morris design needs SALib (it comes with halfstep; this environment lacks it): pip install 'SALib>=1.4.7'"
        ) from None
    return morris.sample(
        salib_problem(spec), spec.design.points or 1, num_levels=spec.design.levels, seed=spec.experiment.seed
    )
