"""Linear programs in array form, handed to a solver through PuLP or whole — the allocator's LP (DESIGN.md, *The allocator*).

The allocator states its LP as arrays: objective, column bounds, and the constraint
matrix in compressed sparse rows with row bounds. With ``allocator.interface = "pulp"``
the arrays become a PuLP model — one variable per column, one expression per row, made
in bulk from the row's arrays — and PuLP solves it with HiGHS (through highspy) or CBC.
``interface = "direct"`` passes the arrays to HiGHS in one call (highspy's
``passModel``), skipping PuLP's per-element objects and its element-by-element loading;
the plan is the same (a test checks it), only the overhead differs. ``"auto"`` (the
default) takes the direct path for a HiGHS LP of :data:`AUTO_DIRECT_NONZEROS` or more
constraint nonzeros and PuLP below (and always PuLP for CBC): PuLP adds about 5 µs a
nonzero to every solve, two to three times HiGHS's own time at every size measured, which
stays under 50 ms a solve below that size (``benchmarks/interface_crossover.py``
measures it). :attr:`Solution.interface` says which path solved an LP.

Both paths give the solver the same problem: minimize −cost·x, the columns named as the
allocator names them and in the order PuLP gives them to HiGHS, the rows in the
allocator's order. Duals are the solver's for that minimization; slacks follow PuLP's
convention (limit − activity for a ≤ row, activity − limit for a ≥ or = row).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.errors import SolverError

__all__ = [
    "AUTO_DIRECT_NONZEROS",
    "LinearProgram",
    "RowBlocks",
    "Solution",
    "interface_for",
    "recorded_solves",
    "row_slack",
    "solve",
]

#: ``interface = "auto"`` passes a HiGHS LP with at least this many constraint nonzeros to HiGHS directly.
AUTO_DIRECT_NONZEROS = 10_000


@dataclass(frozen=True)
class LinearProgram:
    """maximize ``cost·x + offset`` subject to ``row_lower ≤ A·x ≤ row_upper``, ``lower ≤ x ≤ upper``.

    ``A`` is in compressed sparse rows: row r's entries are ``index[start[r]:start[r+1]]``
    (columns) and ``value[...]``. Infinite bounds are ±inf. Names are made only when a
    solver needs them (CBC), by ``col_names()`` and ``row_names()``. ``integer`` lists the
    columns that must take whole values (a MILP; none for the allocator's LP): the solver
    then reports no duals (zeros through PuLP, NaN from HiGHS directly).
    """

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_names: Callable[[], list[str]]
    row_names: Callable[[], list[str]]
    offset: float = 0.0
    integer: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return len(self.row_lower), len(self.cost)


@dataclass(frozen=True)
class Solution:
    status: str  # "Optimal", or the solver's own word for what happened
    x: np.ndarray  # column values
    slack: np.ndarray  # per row, PuLP's convention (see the module docstring)
    dual: np.ndarray  # per row, for the minimization of −cost·x
    load_seconds: float  # handing the arrays to the solver
    solve_seconds: float  # the solver's own time
    interface: str = ""  # the path that solved it: "pulp" or "direct"

    @property
    def optimal(self) -> bool:
        return self.status == "Optimal"


class RowBlocks:
    """A constraint matrix built block by block, each block a set of rows whose entries come in row order."""

    def __init__(self) -> None:
        self.blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.names: list[Callable[[], list[str]]] = []
        self.count = 0

    def add(
        self,
        count: int,
        entries: tuple[np.ndarray, np.ndarray, np.ndarray],
        bounds: tuple[float, float],
        names: Callable[[], list[str]],
    ) -> int:
        """Add ``count`` rows; ``entries`` are (row within the block, column, value). Returns the first row."""
        first = self.count
        row, col, val = entries
        self.blocks.append((first + row, col, val))
        self.lower.append(np.full(count, bounds[0]))
        self.upper.append(np.full(count, bounds[1]))
        self.names.append(names)
        self.count += count
        return first

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        row, col, val = (np.concatenate(x) for x in zip(*self.blocks, strict=True))
        start = np.concatenate(([0], np.cumsum(np.bincount(row, minlength=self.count))))
        return start.astype(np.int32), col.astype(np.int32), val.astype(float)


def interface_for(lp: LinearProgram, solver: str, interface: str) -> str:
    """The path an LP takes: ``"pulp"`` or ``"direct"``; ``"auto"`` chooses by the solver and the LP's nonzeros."""
    if interface != "auto":
        return interface
    return "direct" if solver == "highs" and len(lp.value) >= AUTO_DIRECT_NONZEROS else "pulp"


_recorders: contextvars.ContextVar[tuple[list[tuple[LinearProgram, Solution]], ...]] = contextvars.ContextVar(
    "halfstep_lp_recorders", default=()
)


@contextlib.contextmanager
def recorded_solves() -> Iterator[list[tuple[LinearProgram, Solution]]]:
    """Every LP that :func:`solve` solves inside the block, with its solution, in order (for timing and tests)."""
    solves: list[tuple[LinearProgram, Solution]] = []
    token = _recorders.set((*_recorders.get(), solves))
    try:
        yield solves
    finally:
        _recorders.reset(token)


def solve(lp: LinearProgram, solver: str, time_limit: float, interface: str = "auto") -> Solution:
    """Solve with ``"highs"`` or ``"cbc"``.

    ``interface``: through PuLP (``"pulp"``), whole to HiGHS (``"direct"``, HiGHS only), or by size (``"auto"``).
    """
    path = interface_for(lp, solver, interface)
    if path == "direct":
        solution = _highs(lp, time_limit)
    else:
        solution = _via_pulp(lp, solver, time_limit)
    solution = dataclasses.replace(solution, interface=path)
    for solves in _recorders.get():
        solves.append((lp, solution))
    return solution


def row_slack(lp: LinearProgram, activity: np.ndarray) -> np.ndarray:
    """PuLP's slack from row activities: its constant is −limit, and ≤ rows flip the sign."""
    le = np.isneginf(lp.row_lower)
    constant = -np.where(le, lp.row_upper, lp.row_lower)
    slack = constant + activity
    return np.where(le, -1.0 * slack, slack)


@contextlib.contextmanager
def _no_banner() -> Iterator[None]:
    """Keep HiGHS's start-up banner off standard output.

    highspy prints "Running HiGHS …" from C++ when an instance is made, before any option
    can be set (``output_flag`` silences only what comes after), so the process's file
    descriptor 1 points at the null device while the instance is made and used.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (a notebook kernel's): nothing to hide
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _highs(lp: LinearProgram, time_limit: float) -> Solution:
    with _no_banner():
        return _highs_solve(lp, time_limit)


def _highs_solve(lp: LinearProgram, time_limit: float) -> Solution:
    import highspy

    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    m, n = lp.shape
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = n, m
    model.sense_ = highspy.ObjSense.kMinimize
    model.col_cost_ = -1.0 * lp.cost
    model.col_lower_, model.col_upper_ = lp.lower, lp.upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.num_col_, model.a_matrix_.num_row_ = n, m
    model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = lp.start, lp.index, lp.value
    mip = lp.integer is not None and len(lp.integer) > 0
    if mip:
        kinds = [highspy.HighsVarType.kContinuous] * n
        for j in np.asarray(lp.integer).tolist():
            kinds[j] = highspy.HighsVarType.kInteger
        model.integrality_ = kinds
    h.passModel(model)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    status = h.getModelStatus()
    solution = h.getSolution()
    x = np.asarray(solution.col_value)
    activity = np.asarray(solution.row_value)
    return Solution(
        status="Optimal" if status == highspy.HighsModelStatus.kOptimal else h.modelStatusToString(status),
        x=x,
        slack=row_slack(lp, activity) if m else np.zeros(0),
        dual=np.full(m, np.nan) if mip else np.asarray(solution.row_dual),
        load_seconds=t1 - t0,
        solve_seconds=t2 - t1,
    )


def _cbc_path() -> str | None:
    """The CBC binary of pulp[cbc] (the cbcbox package), else whatever ``cbc`` is on PATH."""
    try:
        import cbcbox

        return str(cbcbox.cbc_bin_path())
    except (ImportError, AttributeError, OSError):
        return shutil.which("cbc")


def _bound(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _pulp_solver(solver: str, time_limit: float) -> Any:
    import pulp

    if solver == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit)
    cbc = pulp.COIN_CMD(msg=False, timeLimit=time_limit, path=_cbc_path())
    if not cbc.available():
        raise SolverError("allocator.solver = 'cbc' needs the CBC binary: pip install 'pulp[cbc]', or use 'highs'")
    return cbc


def _via_pulp(lp: LinearProgram, solver: str, time_limit: float) -> Solution:
    import pulp

    t0 = time.perf_counter()
    command = _pulp_solver(solver, time_limit)
    prob = pulp.LpProblem("halfstep", pulp.LpMaximize)
    names = lp.col_names()
    cats = ["Continuous"] * len(names)
    for j in [] if lp.integer is None else np.asarray(lp.integer).tolist():
        cats[j] = "Integer"
    cols = [
        prob.add_variable(name, _bound(lo), _bound(hi), cat)
        for name, lo, hi, cat in zip(names, lp.lower.tolist(), lp.upper.tolist(), cats, strict=True)
    ]
    nz = np.flatnonzero(lp.cost)
    prob += pulp.LpAffineExpression(
        [(cols[j], c) for j, c in zip(nz.tolist(), lp.cost[nz].tolist(), strict=True)], lp.offset
    )
    rows = []
    index, value = lp.index.tolist(), lp.value.tolist()
    start = lp.start.tolist()
    for r, name in enumerate(lp.row_names()):
        expr = pulp.LpAffineExpression([(cols[index[p]], value[p]) for p in range(start[r], start[r + 1])])
        lo, hi = lp.row_lower[r], lp.row_upper[r]
        if lo == hi:
            con = pulp.LpConstraint(expr, pulp.LpConstraintEQ, name, float(lo))
        elif np.isneginf(lo):
            con = pulp.LpConstraint(expr, pulp.LpConstraintLE, name, float(hi))
        else:
            con = pulp.LpConstraint(expr, pulp.LpConstraintGE, name, float(lo))
        prob += con
        rows.append(con)
    tb = time.perf_counter()
    with _no_banner():
        status = pulp.LpStatus[prob.solve(command)]
    t1 = time.perf_counter()
    # the solver's own time: HiGHS reports it (PuLP's loading it element by element is not in it);
    # CBC runs as a program, so its time includes writing and reading PuLP's MPS file
    solver_seconds = t1 - tb
    if solver == "highs":
        # PuLP calls a HiGHS time limit "Optimal"; the model status says what really happened
        import highspy

        model_status = prob.solverModel.getModelStatus()
        if model_status != highspy.HighsModelStatus.kOptimal:
            status = prob.solverModel.modelStatusToString(model_status)
        solver_seconds = float(prob.solverModel.getRunTime())
    x = np.array([v.varValue or 0.0 for v in cols])
    slack = np.array([c.slack if c.slack is not None else 0.0 for c in rows])
    dual = np.array([c.pi or 0.0 for c in rows])
    t2 = time.perf_counter()
    return Solution(
        status=status,
        x=x,
        slack=slack,
        dual=dual,
        load_seconds=t2 - t0 - solver_seconds,  # PuLP's model, passing it to the solver, reading back
        solve_seconds=solver_seconds,
    )
