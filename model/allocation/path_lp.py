"""The k-period LP of a plan that looks ahead — DESIGN.md, *Expectations that move* and *The allocator*.

Period 0's allocator LP, k more allocator LPs without the lead cap (the later periods'), and
columns and rows that link them: per later period j and cell (tier, dimension) the
expectation e_j and the reference r_j, tied to the earlier levels by the dynamics of
:mod:`model.allocation.paths`, the shortfall segment of period j's u bounded by r_j, and
period j's lead cap y_j ≤ max(r_j + lead·Δ, floor). The dynamics are stated one of three ways
(the module docstrings of :mod:`model.allocation.lookahead` and
:mod:`model.allocation.contribution_path` say when each is exact):

- *relaxed* (the LP): e_j ≥ each piece of the update, r_j ≥ e_j, r_j ≥ competitor — the
  epigraph, exact when the objective pushes the references down;
- *exact* (the MILP): every max and min an equality, one binary per piece choice (big-M 1);
- *pieces* (an LP, given :class:`Pieces`): e_j ≤ the piece of the update active at a path
  (both pieces where the update is their minimum), e_j ≤ floor where the floor is, r_j ≤ e_j
  or r_j ≤ competitor — below the true references, equal to them at that path: for an
  objective that pulls the references up (the contribution's step).

Every period's LP may have its own demand and trust region (``periods``: trips flown, PV
weights in place of trips requested, a box), and the references a linear cost of their own
(``r_cost``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import AllocatorLP, build_lp
from model.allocation.lp import LinearProgram, RowBlocks
from model.allocation.paths import Pieces, dynamics, later_caps
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.errors import Problem, ScenarioError

__all__ = ["BIG_M", "PathLP", "build_path_lp", "check_path_policy"]

#: Big-M of the MILP's equalities: every level, expectation and reference lies in [0, 1].
BIG_M = 1.0


def check_path_policy(problem: PlanningProblem, spec: LPSpec) -> None:
    """Refuse a policy the k-period problem is not built for (a ScenarioError naming ``allocator.lookahead``)."""
    if spec.uniform or spec.fixed or spec.spend_cap is not None or problem.box is not None:
        raise ScenarioError(
            problem.scenario.scenario.name,
            [
                Problem(
                    "allocator.lookahead",
                    f"policy {spec.policy}: a plan that looks ahead is built for the lead policies (halfstep, "
                    "fullstep, unconstrained, lead), not for one level for every tier, fixed levels, a spend cap or "
                    "a trust region",
                    problem.scenario.allocator.lookahead,
                )
            ],
        )


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

    def add_where(self, name: str, where: np.ndarray, terms: list[tuple[np.ndarray, object]], lo: object, hi: object):
        """:meth:`add` for the cells ``where`` (a mask over the terms' columns) only."""
        cells = np.flatnonzero(where)
        if not len(cells):
            return
        size = len(where)

        def part(x: object) -> np.ndarray:
            return np.broadcast_to(np.asarray(x, dtype=float), (size,))[cells]

        self.add(name, [(c[cells], part(v)) for c, v in terms], part(lo), part(hi))


@dataclass(frozen=True)
class PathLP:
    """The k-period problem and where its pieces sit."""

    lp: LinearProgram
    first: AllocatorLP  # period 0's LP, its columns and rows first
    blocks: list[AllocatorLP]  # every period's LP (the later ones without the lead cap)
    offsets: list[int]  # first column of each period's LP
    levels: list[np.ndarray]  # per period, (T·D,) columns of the levels
    refs: list[np.ndarray]  # per later period, (T·D,) columns of the references
    spend: np.ndarray
    decisions: np.ndarray


def _shortfall_columns(built: AllocatorLP) -> np.ndarray:
    """(T·D,) column of each tier and dimension's shortfall segment (``s0_i_j``) in an allocator LP."""
    T, D = built.lo.shape
    where = {name: col for col, name in enumerate(built.lp.col_names()) if name.startswith("s0_")}
    return np.array([where[f"s0_{i}_{j}"] for i in range(T) for j in range(D)], dtype=np.int64)


def _block_rows(rows: RowBlocks, lp: LinearProgram, offset: int, names: Callable[[], list[str]]) -> None:
    m = lp.shape[0]
    rows.add(
        m,
        (np.repeat(np.arange(m), np.diff(lp.start)), offset + lp.index.astype(np.int64), lp.value.astype(float)),
        (0.0, 0.0),
        names,
    )
    rows.lower[-1], rows.upper[-1] = lp.row_lower.copy(), lp.row_upper.copy()


def build_path_lp(
    problem: PlanningProblem,
    spec: LPSpec,
    k: int,
    exact: bool = False,
    *,
    periods: Sequence[PlanningProblem] | None = None,
    r_cost: np.ndarray | None = None,
    pieces: Pieces | None = None,
) -> PathLP:
    """The k-period problem: period 0's LP, k copies of it without the lead cap, and the dynamics that link them.

    ``periods`` (k + 1 problems) gives each period's LP its own trips, PV weights and trust
    region (by default every period is ``problem``); ``r_cost`` (k, T·D) adds a linear term on
    each later period's references; ``pieces`` states the dynamics by the pieces given (the
    *pieces* mode of the module docstring) instead of relaxed (``exact`` False) or exact.

    Columns: period 0's LP's (in its order, so that its plan reads them as they are), then each
    later period's, then per later period j and cell (tier, dimension) its expectation e_j and
    reference r_j (and, exact, the update before the floor g_j and the binaries). Rows: period 0's
    LP's first (by number, likewise), the later periods', then the links.
    """
    dyn = dynamics(problem)
    vt = problem.values
    lam = problem.scenario.value.loss_aversion
    free_spec = replace(spec, lead=float("inf"))
    if periods is None:
        first, later = build_lp(problem, spec), build_lp(problem, free_spec)
        blocks = [first, *([later] * k)]
    else:
        blocks = [build_lp(periods[0], spec), *(build_lp(p, free_spec) for p in periods[1:])]
        first = blocks[0]
    T, D = vt.reference.shape
    TD = T * D
    shortfall: dict[int, np.ndarray] = {}
    off, upper = [0], [first.lp.upper]
    for b in blocks[1:]:
        off.append(off[-1] + b.lp.shape[1])
        s0 = shortfall.setdefault(id(b), _shortfall_columns(b))
        u = b.lp.upper.copy()
        u[s0] = 1.0  # bounded by the row s0 ≤ r_j instead
        upper.append(u)
    ylev = [off[j] + blocks[j].y.ravel() for j in range(k + 1)]

    rows = RowBlocks()
    _block_rows(rows, first.lp, 0, first.lp.row_names)
    for j in range(1, k + 1):
        lp_j = blocks[j].lp
        _block_rows(rows, lp_j, off[j], lambda j=j, lp_j=lp_j: [f"p{j}_{x}" for x in lp_j.row_names()])
    x = _Extra(off[-1] + blocks[-1].lp.shape[1], rows)
    inf, M = np.inf, BIG_M
    e0, floor = dyn.start.ravel(), dyn.floor.ravel()
    comp = np.broadcast_to(dyn.competitor, (T, D)).ravel()
    lo, hi, gap = later_caps(problem, spec)
    shrink = 1.0 - max(dyn.up, dyn.down)  # e_{j+1} ≥ (1 − max κ)·e_j: no level is below 0
    maximum = dyn.up >= dyn.down  # the update before the floor: max(A, B), else min(A, B)
    refs = []
    prev: np.ndarray | None = None  # e of the period before (columns), None for period 0 (a number)
    for j in range(1, k + 1):
        # a period's PV per unit of its reference (its constant −λ·w·r), and any cost of the caller's
        pv_r = -(blocks[j].problem.requests[:, None] * lam * vt.weight).ravel()
        cost_r = pv_r if r_cost is None else pv_r + r_cost[j - 1]
        if pieces is None:
            e = x.columns(f"e{j}", TD, lo=floor)
            r = x.columns(f"r{j}", TD, lo=comp, cost=cost_r)
        else:  # below the pieces: no lower bounds (the objective pulls e and r up to them)
            at_floor, at_comp = pieces.floor[j - 1], pieces.competitor[j - 1]
            e = x.columns(f"e{j}", TD, hi=np.where(at_floor, floor, 1.0))
            r = x.columns(f"r{j}", TD, hi=np.where(at_comp, comp, 1.0), cost=cost_r)
        refs.append(r)
        x.add(f"short{j}", [(off[j] + shortfall[id(blocks[j])], 1.0), (r, -1.0)], -inf, 0.0)  # shortfall ≤ r_j
        if pieces is None:
            x.add(f"ref{j}", [(r, 1.0), (e, -1.0)], 0.0, inf)  # r_j ≥ e_j (and ≥ competitor: its bound)
        else:
            x.add_where(f"ref{j}", ~at_comp, [(r, 1.0), (e, -1.0)], -inf, 0.0)  # r_j ≤ e_j
        y = ylev[j - 1]

        def piece(kappa: float, y: np.ndarray = y, prev: np.ndarray | None = prev) -> tuple[list, np.ndarray]:
            """κ·y + (1 − κ)·e_prev as (terms, constant)."""
            if prev is None:
                return [(y, kappa)], (1.0 - kappa) * e0
            return [(y, kappa), (prev, 1.0 - kappa)], np.zeros(TD)

        (ta, ka), (tb, kb) = piece(dyn.up), piece(dyn.down)
        neg = [[(c, -v) for c, v in t] for t in (ta, tb)]
        if pieces is not None:  # e_j ≤ the piece that holds (both where the update is their minimum)
            moving = ~pieces.floor[j - 1]
            up = pieces.up[j - 1] if maximum else np.ones(TD, dtype=bool)
            down = ~pieces.up[j - 1] if maximum else np.ones(TD, dtype=bool)
            x.add_where(f"upA{j}", moving & up, [(e, 1.0), *neg[0]], -inf, ka)
            x.add_where(f"upB{j}", moving & down, [(e, 1.0), *neg[1]], -inf, kb)
        elif not exact:  # the epigraph: e_j ≥ A, e_j ≥ B (and ≥ floor: its bound)
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
            if pieces is not None:  # the side that holds at the path: y ≤ floor, or y ≤ r_j + lead·Δ
                at = np.zeros(TD, dtype=bool)
                at[odd] = True
                x.add_where(f"capf{j}", at & pieces.cap_floor[j - 1], [(ylev[j], 1.0)], -inf, lo)
                x.add_where(f"capr{j}", at & ~pieces.cap_floor[j - 1], [(ylev[j], 1.0), (r, -1.0)], -inf, gap)
            elif len(odd) and exact:  # y ≤ r + lead·Δ + M·q, y ≤ floor + M(1 − q)
                q = x.columns(f"bq{j}", len(odd), binary=True)
                x.add(f"capr{j}", [(ylev[j][odd], 1.0), (r[odd], -1.0), (q, -M)], -inf, gap[odd])
                x.add(f"capf{j}", [(ylev[j][odd], 1.0), (q, M)], -inf, lo[odd] + M)
            elif len(odd):  # relaxed: r_j ≥ r_low, so y ≤ floor implies y ≤ r_j + floor − r_low
                x.add(f"cap{j}", [(ylev[j][odd], 1.0), (r[odd], -1.0)], -inf, lo[odd] - r_low[odd])
        prev = e

    start, index, value = rows.csr()
    names = first.lp.col_names
    lp = LinearProgram(
        cost=np.concatenate([*(b.lp.cost for b in blocks), *x.cost]),
        lower=np.concatenate([*(b.lp.lower for b in blocks), *x.lower]),
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
        n_j = blocks[j].lp.shape[1]
        spend[off[j] : off[j] + n_j] = blocks[j].spend
        added = np.array([*blocks[j].e.values(), *blocks[j].eh.values()], dtype=np.int64)
        decisions += [ylev[j], off[j] + added]
    return PathLP(
        lp=lp,
        first=first,
        blocks=blocks,
        offsets=off,
        levels=ylev,
        refs=refs,
        spend=spend,
        decisions=np.unique(np.concatenate(decisions)),
    )
