"""A plan that looks ahead at the references it creates — DESIGN.md, *Expectations that move* and *The allocator*.

With ``allocator.lookahead = k`` an LP policy plans this period and the next k together:
period j has its own levels y_j (tier × dimension) under the allocator's own constraints
(capacities, budget, nesting, floors, expansions) and its own objective, and the periods
are linked by the expectations' dynamics, per tier and dimension::

    e_{j+1} = max( floor,  e_j + κ_up·(y_j − e_j)   if y_j > e_j
                           e_j − κ_down·(e_j − y_j)  otherwise )
    r_j     = max(e_j, competitor level)           e_0 the tier's expectation today

The plan maximizes the sum over the k + 1 periods of the allocator's objective (periods
weighted alike), each period's PV taken against its own reference r_j, and keeps period 0's
levels: the rolling plan re-plans every period. With k = 0 it is the allocator itself (this
module is not called). The step Δ of each tier is today's throughout, as in a multi-period
run's planning of one period.

**Exactness.** u is concave and nondecreasing, so a period's PV, Σ w·u(y − r), is concave in
(y, r) and nonincreasing in r: the segment encoding of the allocator holds with r a column
(the shortfall segment's width becomes the row s0 ≤ r, the constant −λ·w·r a cost on r).
When κ_up ≥ κ_down the update is the maximum of three affine maps of (y_j, e_j), convex and
nondecreasing in e_j, so r_j is a convex function of the earlier levels and the epigraph
rows e_{j+1} ≥ each map, r_j ≥ e_j, r_j ≥ competitor are a relaxation that the objective
pushes down onto the dynamics: an LP. Only one kind of row rewards a higher reference — a
later period's lead cap y_j ≤ max(r_j + lead·Δ, floor) — so after solving, the levels are
checked against the caps at the references they really create. If every cap holds there,
those levels with those references are feasible for the exact problem and score at least
the relaxation's optimum: they are optimal. If a cap does not hold (or κ_down > κ_up, when
the update is the *minimum* of the two maps and not convex), the exact problem is solved as
a MILP instead: every max and min above is stated as an equality with one binary per piece
choice (big-M = 1: every level, expectation and reference lies in [0, 1]), per tier,
dimension and period. A MILP has no shadow prices: the plan's are NaN and its notes say so.

**Not modelled.** The planner sees a tier's expectation, not its accounts': the dynamics are
the tier's, as if each account experienced the planned level. The floor is ``floor_share``
of the expectation the plan starts from (a multi-period run floors each account at its first
period's expectation, which a later period's plan does not see). The objective
``contribution`` (a sequence of LPs in the trips PV wins) is not supported with a lookahead:
:func:`lookahead_plan` refuses it, naming the keys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import AllocatorLP, _bounds, build_lp, plan_from_solution
from model.allocation.lp import LinearProgram, RowBlocks, Solution, solve
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.allocation.ties import canonical_solution
from model.allocation.value import utility
from model.errors import Problem, ScenarioError

__all__ = ["Lookahead", "LookaheadPath", "dynamics", "lookahead_path", "lookahead_plan", "path_objective", "references"]

#: Big-M of the MILP's equalities: every level, expectation and reference lies in [0, 1].
BIG_M = 1.0
#: A later period's level may exceed the cap at its true reference by this much and still count as within it.
CAP_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Lookahead:
    """The expectations' dynamics a forward-looking plan uses, per tier and dimension."""

    up: float  # κ_up
    down: float  # κ_down
    start: np.ndarray  # (T, D) e_0: the tier's expectation today
    floor: np.ndarray  # (T, D) floor_share · e_0
    competitor: np.ndarray  # (D,) competitor level: r = max(e, competitor)


def dynamics(problem: PlanningProblem) -> Lookahead:
    s = problem.scenario
    start = problem.values.expectation
    return Lookahead(
        up=s.expectations.adapt_up,
        down=s.expectations.adapt_down,
        start=start,
        floor=s.expectations.floor_share * start,
        competitor=np.array([d.competitor_level for d in s.dimensions], dtype=float),
    )


def references(dyn: Lookahead, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expectations and references of periods 0 … len(levels) − 1 given the levels ``levels`` (periods, T, D).

    Period j's expectation follows from the levels of periods before it (the last level has no effect).
    """
    levels = np.asarray(levels, dtype=float)
    e = np.empty_like(levels)
    e[0] = dyn.start
    for j in range(1, len(levels)):
        y, prev = levels[j - 1], e[j - 1]
        moved = np.where(y > prev, prev + dyn.up * (y - prev), prev - dyn.down * (prev - y))
        e[j] = np.maximum(moved, dyn.floor)
    return e, np.maximum(e, dyn.competitor)


def path_objective(problem: PlanningProblem, levels: np.ndarray, *, value_only: bool = False) -> float:
    """The lookahead's objective of a path of levels (periods, T, D) with no expansions, at the references it creates.

    Σ_j Σ_t m_t·PV_t(y_j; r_j) − n_t·Σ_d c[t,d]·y_j[t,d] (``value_only``: without the cost) — for checking the
    optimum on small cases by brute force.
    """
    levels = np.asarray(levels, dtype=float)
    vt, rt = problem.values, problem.resources
    _, ref = references(dynamics(problem), levels)
    total = 0.0
    for y, r in zip(levels, ref, strict=True):
        pv = (vt.weight * utility(y - r, vt.step, vt.spec)).sum(axis=1)
        total += float((problem.requests * pv).sum())
        if not value_only:
            total -= float((problem.trips[:, None] * rt.unit_cost * y).sum())
    return total


@dataclass(frozen=True)
class LookaheadPath:
    """The solved k-period problem: every period's levels and the references they create."""

    levels: np.ndarray  # (k + 1, T, D)
    expectations: np.ndarray  # (k + 1, T, D)
    references: np.ndarray  # (k + 1, T, D)
    objective: float  # the sum of the periods' objectives (CNY)
    method: str  # "LP" or "MILP"
    solves: int
    build_seconds: float
    solve_seconds: float
    first: AllocatorLP  # period 0's LP, its columns first in the k-period problem
    solution: Solution  # period 0's part of the solution (its columns and rows)


def _refuse(problem: PlanningProblem, spec: LPSpec) -> None:
    a = problem.scenario.allocator
    problems = []
    if a.objective == "contribution":
        problems.append(
            Problem(
                "allocator.lookahead",
                "a plan that looks ahead is built for allocator.objective = 'value' or 'net_value' (LPs); "
                "the 'contribution' objective is a sequence of LPs in the trips PV wins and has no lookahead: "
                "set allocator.objective to 'net_value' or 'value', or allocator.lookahead = 0",
                a.lookahead,
            )
        )
    if spec.uniform or spec.fixed or spec.spend_cap is not None or problem.box is not None:
        problems.append(
            Problem(
                "allocator.lookahead",
                f"policy {spec.policy}: a plan that looks ahead is built for the lead policies (halfstep, fullstep, "
                "unconstrained, lead), not for one level for every tier, fixed levels, a spend cap or a trust region",
                a.lookahead,
            )
        )
    if problems:
        raise ScenarioError(problem.scenario.scenario.name, problems)


def _shortfall_columns(built: AllocatorLP) -> np.ndarray:
    """(T, D) column of each tier and dimension's shortfall segment (``s0_i_j``) in an allocator LP."""
    T, D = built.lo.shape
    where = {name: col for col, name in enumerate(built.lp.col_names()) if name.startswith("s0_")}
    return np.array([[where[f"s0_{i}_{j}"] for j in range(D)] for i in range(T)], dtype=np.int64)


class _Extra:
    """Columns and rows of the k-period problem beyond the periods' own LPs."""

    def __init__(self, first_col: int, rows: RowBlocks) -> None:
        self.count = first_col
        self.names: list[str] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.rows = rows

    def columns(
        self, name: str, size: int, lo: object = 0.0, hi: object = 1.0, cost: object = 0.0, binary: bool = False
    ) -> np.ndarray:
        cols = self.count + np.arange(size)
        self.count += size
        self.names.extend(f"{name}_{c}" for c in range(size))
        for out, x in ((self.lower, lo), (self.upper, hi), (self.cost, cost)):
            out.append(np.broadcast_to(np.asarray(x, dtype=float), (size,)).copy())
        if binary:
            self.integer.append(cols)
        return cols

    def add(self, name: str, terms: list[tuple[np.ndarray, object]], lo: object, hi: object) -> None:
        """Rows Σ coef·column within [lo, hi], one per entry of the terms' column arrays."""
        size = len(terms[0][0])
        cols = np.column_stack([c for c, _ in terms]).astype(np.int64)
        coef = np.column_stack([np.broadcast_to(np.asarray(v, dtype=float), (size,)) for _, v in terms])
        self.rows.add(
            size,
            (np.repeat(np.arange(size), len(terms)), cols.ravel(), coef.ravel()),
            (0.0, 0.0),
            lambda: [f"{name}_{i}" for i in range(size)],
        )
        self.rows.lower[-1] = np.broadcast_to(np.asarray(lo, dtype=float), (size,)).copy()
        self.rows.upper[-1] = np.broadcast_to(np.asarray(hi, dtype=float), (size,)).copy()


@dataclass(frozen=True)
class _Built:
    lp: LinearProgram
    first: AllocatorLP
    levels: list[np.ndarray]  # per period, (T·D,) columns of the levels
    spend: np.ndarray
    decisions: np.ndarray


def _block_rows(rows: RowBlocks, lp: LinearProgram, offset: int, names: object) -> None:
    m = lp.shape[0]
    rows.add(
        m,
        (np.repeat(np.arange(m), np.diff(lp.start)), offset + lp.index.astype(np.int64), lp.value.astype(float)),
        (0.0, 0.0),
        names,  # type: ignore[arg-type]
    )
    rows.lower[-1], rows.upper[-1] = lp.row_lower.copy(), lp.row_upper.copy()


def _build(problem: PlanningProblem, spec: LPSpec, k: int, exact: bool) -> _Built:
    """The k-period problem: period 0's LP, k copies of it without the lead cap, and the dynamics that link them.

    Columns: period 0's LP's (in its order, so that its plan reads them as they are), then each
    later period's, then per later period j and cell (tier, dimension) its expectation e_j and
    reference r_j (and, exact, the update before the floor g_j and the binaries). Rows: period 0's
    LP's first (by number, likewise), the later periods', then the links.
    """
    dyn = dynamics(problem)
    vt = problem.values
    lam = problem.scenario.value.loss_aversion
    free_spec = replace(spec, lead=float("inf"))
    first, later = build_lp(problem, spec), build_lp(problem, free_spec)
    lo, hi = (x.ravel() for x in _bounds(problem, free_spec))
    T, D = vt.reference.shape
    TD = T * D
    n0 = first.lp.shape[1]
    s0 = _shortfall_columns(later).ravel()
    blocks = [first, *([later] * k)]
    off = [j * n0 for j in range(k + 1)]
    upper = [first.lp.upper]
    for _ in range(k):
        u = later.lp.upper.copy()
        u[s0] = 1.0  # bounded by the row s0 ≤ r_j instead
        upper.append(u)
    ylev = [off[j] + blocks[j].y.ravel() for j in range(k + 1)]

    rows = RowBlocks()
    _block_rows(rows, first.lp, 0, first.lp.row_names)
    for j in range(1, k + 1):
        _block_rows(rows, later.lp, off[j], lambda j=j: [f"p{j}_{x}" for x in later.lp.row_names()])
    x = _Extra((k + 1) * n0, rows)
    inf, M = np.inf, BIG_M
    e0, floor = dyn.start.ravel(), dyn.floor.ravel()
    comp = np.broadcast_to(dyn.competitor, (T, D)).ravel()
    pv_r = -(problem.requests[:, None] * lam * vt.weight).ravel()  # a period's PV per unit of its reference
    shrink = 1.0 - max(dyn.up, dyn.down)  # e_{j+1} ≥ (1 − max κ)·e_j: no level is below 0
    gap = (spec.lead * vt.step).ravel() if np.isfinite(spec.lead) else None
    maximum = dyn.up >= dyn.down  # the update before the floor: max(A, B), else min(A, B)
    prev: np.ndarray | None = None  # e of the period before (columns), None for period 0 (a number)
    for j in range(1, k + 1):
        e = x.columns(f"e{j}", TD, lo=floor)
        r = x.columns(f"r{j}", TD, lo=comp, cost=pv_r)
        x.add(f"short{j}", [(off[j] + s0, 1.0), (r, -1.0)], -inf, 0.0)  # the shortfall segment is at most r_j
        x.add(f"ref{j}", [(r, 1.0), (e, -1.0)], 0.0, inf)  # r_j ≥ e_j (and ≥ competitor: its bound)
        y = ylev[j - 1]

        def piece(kappa: float, y: np.ndarray = y, prev: np.ndarray | None = prev) -> tuple[list, np.ndarray]:
            """κ·y + (1 − κ)·e_prev as (terms, constant)."""
            if prev is None:
                return [(y, kappa)], (1.0 - kappa) * e0
            return [(y, kappa), (prev, 1.0 - kappa)], np.zeros(TD)

        (ta, ka), (tb, kb) = piece(dyn.up), piece(dyn.down)
        neg = [[(c, -v) for c, v in t] for t in (ta, tb)]
        if not exact:  # the epigraph: e_j ≥ A, e_j ≥ B (and ≥ floor: its bound)
            x.add(f"upA{j}", [(e, 1.0), *neg[0]], ka, inf)
            x.add(f"upB{j}", [(e, 1.0), *neg[1]], kb, inf)
        else:
            g = x.columns(f"g{j}", TD)
            b = x.columns(f"bg{j}", TD, binary=True)  # 1: g = A, 0: g = B
            if maximum:  # g ≥ A, g ≥ B, g ≤ A + M(1 − b), g ≤ B + M·b
                x.add(f"gA{j}", [(g, 1.0), *neg[0]], ka, inf)
                x.add(f"gB{j}", [(g, 1.0), *neg[1]], kb, inf)
                x.add(f"gAu{j}", [(g, 1.0), *neg[0], (b, M)], -inf, ka + M)
                x.add(f"gBu{j}", [(g, 1.0), *neg[1], (b, -M)], -inf, kb)
            else:  # g ≤ A, g ≤ B, g ≥ A − M(1 − b), g ≥ B − M·b
                x.add(f"gA{j}", [(g, 1.0), *neg[0]], -inf, ka)
                x.add(f"gB{j}", [(g, 1.0), *neg[1]], -inf, kb)
                x.add(f"gAl{j}", [(g, 1.0), *neg[0], (b, -M)], ka - M, inf)
                x.add(f"gBl{j}", [(g, 1.0), *neg[1], (b, M)], kb, inf)
            # e = max(floor, g): e ≥ g; e ≤ g + M(1 − b'), e ≤ floor + M·b'
            bf = x.columns(f"bf{j}", TD, binary=True)
            x.add(f"eg{j}", [(e, 1.0), (g, -1.0)], 0.0, inf)
            x.add(f"egu{j}", [(e, 1.0), (g, -1.0), (bf, M)], -inf, M)
            x.add(f"ef{j}", [(e, 1.0), (bf, -M)], -inf, floor)
            # r = max(e, competitor): r ≤ e + M(1 − b''), r ≤ competitor + M·b''
            bc = x.columns(f"bc{j}", TD, binary=True)
            x.add(f"reu{j}", [(r, 1.0), (e, -1.0), (bc, M)], -inf, M)
            x.add(f"rc{j}", [(r, 1.0), (bc, -M)], -inf, comp)
        if gap is not None:
            # period j's lead cap: y ≤ max(r_j + lead·Δ, floor); the floor's side only where it can be the larger
            r_low = np.maximum(np.maximum(floor, comp), shrink**j * e0)
            above = lo > r_low + gap
            capped = lo < hi
            plain = np.flatnonzero(capped & ~above)
            if len(plain):
                x.add(f"cap{j}", [(ylev[j][plain], 1.0), (r[plain], -1.0)], -inf, gap[plain])
            odd = np.flatnonzero(capped & above)
            if len(odd) and exact:  # y ≤ r + lead·Δ + M·q, y ≤ floor + M(1 − q)
                q = x.columns(f"bq{j}", len(odd), binary=True)
                x.add(f"capr{j}", [(ylev[j][odd], 1.0), (r[odd], -1.0), (q, -M)], -inf, gap[odd])
                x.add(f"capf{j}", [(ylev[j][odd], 1.0), (q, M)], -inf, lo[odd] + M)
            elif len(odd):  # relaxed: r_j ≥ r_low, so y ≤ floor implies y ≤ r_j + floor − r_low
                x.add(f"cap{j}", [(ylev[j][odd], 1.0), (r[odd], -1.0)], -inf, lo[odd] - r_low[odd])
        prev = e

    start, index, value = rows.csr()
    names = first.lp.col_names
    lp = LinearProgram(
        cost=np.concatenate([first.lp.cost, *([later.lp.cost] * k), *x.cost]),
        lower=np.concatenate([first.lp.lower, *([later.lp.lower] * k), *x.lower]),
        upper=np.concatenate([*upper, *x.upper]),
        start=start,
        index=index,
        value=value,
        row_lower=np.concatenate(rows.lower),
        row_upper=np.concatenate(rows.upper),
        col_names=lambda: [*(f"p{j}_{c}" if j else c for j in range(k + 1) for c in names()), *x.names],
        row_names=lambda: [name for make in rows.names for name in make()],
        offset=first.lp.offset,  # the later periods' constants −λ·w·r_j are costs on their references
        integer=np.concatenate(x.integer) if x.integer else None,
    )
    spend = np.zeros(x.count)
    decisions = []
    for j in range(k + 1):
        spend[off[j] : off[j] + n0] = blocks[j].spend
        added = np.array([*blocks[j].e.values(), *blocks[j].eh.values()], dtype=np.int64)
        decisions += [ylev[j], off[j] + added]
    return _Built(lp=lp, first=first, levels=ylev, spend=spend, decisions=np.unique(np.concatenate(decisions)))


def _caps_hold(problem: PlanningProblem, spec: LPSpec, levels: np.ndarray, refs: np.ndarray) -> bool:
    """Whether every later period's levels are within its lead cap at the references the levels really create."""
    if not np.isfinite(spec.lead):
        return True
    lo, hi = _bounds(problem, replace(spec, lead=float("inf")))
    for y, r in zip(levels[1:], refs[1:], strict=True):
        cap = np.where(lo < hi, np.maximum(r + spec.lead * problem.values.step, lo), hi)
        if np.any(y > cap + CAP_TOLERANCE):
            return False
    return True


def lookahead_path(problem: PlanningProblem, spec: LPSpec, k: int | None = None) -> LookaheadPath:
    """Solve the k-period problem (``k`` defaults to ``allocator.lookahead``): the LP, or the MILP when it must.

    The LP (κ_up ≥ κ_down) is solved first; its levels are kept when every later period's lead
    cap holds at the references they create (then they are optimal, see the module's note),
    otherwise the MILP is solved. κ_down > κ_up goes to the MILP directly.
    """
    _refuse(problem, spec)
    a = problem.scenario.allocator
    k = a.lookahead if k is None else k
    dyn = dynamics(problem)
    T, D = problem.values.reference.shape
    solved: list[Solution] = []
    build = 0.0

    def run(lp: LinearProgram) -> Solution:
        solved.append(solve(lp, a.solver, a.time_limit_seconds, a.interface))
        return solved[-1]

    def attempt(exact: bool) -> tuple[_Built, Solution, np.ndarray]:
        nonlocal build
        t0 = time.perf_counter()
        built = _build(problem, spec, k, exact)
        build += time.perf_counter() - t0
        first = run(built.lp)
        if not first.optimal:
            return built, first, np.zeros((k + 1, T, D))
        solution = canonical_solution(built.lp, first, built.spend, built.decisions, run)
        levels = np.stack([solution.x[c].reshape(T, D) for c in built.levels])
        return built, solution, np.clip(levels, 0.0, 1.0)

    method = "LP"
    if dyn.up >= dyn.down:
        built, solution, levels = attempt(exact=False)
        exact_needed = solution.optimal and not _caps_hold(problem, spec, levels, references(dyn, levels)[1])
    else:
        exact_needed = True
    if exact_needed:
        method = "MILP"
        built, solution, levels = attempt(exact=True)
    exp, ref = references(dyn, levels)
    m0 = built.first.lp.shape[0]
    n0 = built.first.lp.shape[1]
    dual = solution.dual[:m0] if method == "LP" else np.full(m0, np.nan)
    part = replace(solution, x=solution.x[:n0], slack=solution.slack[:m0], dual=dual)
    return LookaheadPath(
        levels=levels,
        expectations=exp,
        references=ref,
        objective=float(built.lp.cost @ solution.x + built.lp.offset) if solution.optimal else float("nan"),
        method=method,
        solves=len(solved),
        build_seconds=build + sum(s.load_seconds for s in solved),
        solve_seconds=sum(s.solve_seconds for s in solved),
        first=built.first,
        solution=part,
    )


def lookahead_plan(problem: PlanningProblem, spec: LPSpec) -> Plan:
    """An LP policy's plan that looks ahead ``allocator.lookahead`` periods: period 0's levels of the k-period optimum.

    With expectations that do not move (κ_up = κ_down = 0) every period is today's problem
    again: the plan is the allocator's own (:func:`~model.allocation.allocator.allocate`).
    """
    from model.allocation.allocator import allocate

    _refuse(problem, spec)
    dyn = dynamics(problem)
    k = problem.scenario.allocator.lookahead
    if dyn.up == 0.0 and dyn.down == 0.0:
        return allocate(problem, spec)
    path = lookahead_path(problem, spec, k)
    notes = [
        f"looks ahead {k} period{'s' if k != 1 else ''} ({path.method}): the expectations move toward the planned "
        f"levels (adapt_up {dyn.up:g}, adapt_down {dyn.down:g}); the plan is the first period's levels"
    ]
    if path.method == "MILP":
        notes.append("shadow prices are not defined for a MILP (NaN)")
    return plan_from_solution(
        spec,
        path.first,
        path.solution,
        build_seconds=path.build_seconds,
        solve_seconds=path.solve_seconds,
        iterations=path.solves,
        notes=tuple(notes),
    )
