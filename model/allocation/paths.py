"""A path of plans over periods and the references it creates — DESIGN.md, *Expectations that move*.

A plan that looks ahead (:mod:`model.allocation.lookahead`) chooses levels y_0 … y_k for this
period and the next k. Between periods each tier's expectation of each dimension moves toward
the level it was planned, and the reference is the higher of the expectation and the
competitor's level::

    e_{j+1} = max( floor,  e_j + κ_up·(y_j − e_j)   if y_j > e_j
                           e_j − κ_down·(e_j − y_j)  otherwise )
    r_j     = max(e_j, competitor level)           e_0 the tier's expectation today

This module holds the dynamics (:func:`dynamics`, :func:`references`), the problem each period
is planned in (:func:`at_references`, :func:`period_problems`: today's tables with the period's
own references), the objective of a path — under the LP objectives (:func:`path_objective`)
and under contribution (:func:`path_contribution`) — and whether a path fits: its later levels
within their lead caps at the references they really create (:func:`caps_hold`), every
period's capacities and budget at the trips it wins (:func:`path_overrun`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import _bounds
from model.allocation.contribution import contribution_model, overrun
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.allocation.value import utility

__all__ = [
    "CAP_TOLERANCE",
    "Lookahead",
    "Pieces",
    "at_references",
    "caps_hold",
    "dynamics",
    "kinks",
    "later_caps",
    "path_contribution",
    "path_objective",
    "path_overrun",
    "period_problems",
    "piece_references",
    "pieces_at",
    "references",
]

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
    """The scenario's expectations' dynamics, starting from the problem's expectations."""
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


def at_references(problem: PlanningProblem, expectation: np.ndarray, reference: np.ndarray) -> PlanningProblem:
    """The problem of a later period: today's tables, demand and floors, with its own expectations and references.

    The step Δ stays today's (as in a multi-period run's planning of one period); the competitor's
    value, judged against the reference (:func:`~model.allocation.value.competitor_value`), moves with it.
    """
    values = replace(problem.values, expectation=np.asarray(expectation), reference=np.asarray(reference))
    return replace(problem, values=values)


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


def caps_hold(problem: PlanningProblem, spec: LPSpec, levels: np.ndarray, refs: np.ndarray) -> bool:
    """Whether every later period's levels are within its lead cap at the references the levels really create.

    The cap is the allocator's, y ≤ max(r_j + lead·Δ, floor), where the level is not held
    fixed (a fixed dimension or an escort upgrade's bound); period 0's is in its own LP.
    """
    if not np.isfinite(spec.lead):
        return True
    lo, hi = _bounds(problem, replace(spec, lead=float("inf")))
    for y, r in zip(levels[1:], refs[1:], strict=True):
        cap = np.where(lo < hi, np.maximum(r + spec.lead * problem.values.step, lo), hi)
        if np.any(y > cap + CAP_TOLERANCE):
            return False
    return True


def period_problems(problem: PlanningProblem, levels: np.ndarray) -> list[PlanningProblem]:
    """The problem of each period of the path ``levels`` (k + 1, T, D): ``problem`` itself, then
    each later period's at the references the levels before it create."""
    e, r = references(dynamics(problem), levels)
    return [problem, *(at_references(problem, e[j], r[j]) for j in range(1, len(e)))]


def path_contribution(problem: PlanningProblem, levels: np.ndarray, expansion_costs: np.ndarray | None = None) -> float:
    """Σ_j F_j: the expected contribution (CNY, before the escort roster) of the path ``levels`` (k + 1, T, D).

    Period j's trips respond to its PV and the competitor's, both judged against the reference
    r_j the earlier levels create (:func:`~model.allocation.contribution.contribution_model` of
    its problem); ``expansion_costs`` (k + 1,) are each period's expansions' cost (default none).
    """
    levels = np.asarray(levels, dtype=float)
    costs = np.zeros(len(levels)) if expansion_costs is None else expansion_costs
    total = 0.0
    for p, y, cost in zip(period_problems(problem, levels), levels, costs, strict=True):
        total += contribution_model(p).value(y, cost)
    return total


def path_overrun(
    problem: PlanningProblem, spec: LPSpec, levels: np.ndarray, expansions: np.ndarray | None = None
) -> float:
    """How far the path ``levels`` (k + 1, T, D) fails to fit: 0 when it fits, infinite where a later cap fails.

    The largest overrun of a capacity or the budget by a period at the trips it wins
    (:func:`~model.allocation.contribution.overrun`, ``expansions`` (k + 1, K) each period's);
    infinite when a later period's level is above its lead cap at its true reference (:func:`caps_hold`).
    """
    levels = np.asarray(levels, dtype=float)
    if not caps_hold(problem, spec, levels, references(dynamics(problem), levels)[1]):
        return float("inf")
    added = np.zeros((len(levels), len(problem.resources.names))) if expansions is None else expansions
    periods = period_problems(problem, levels)
    return max(overrun(p, contribution_model(p), y, x) for p, y, x in zip(periods, levels, added, strict=True))


@dataclass(frozen=True)
class Pieces:
    """Which piece of the dynamics holds at a path, per later period j (rows j − 1) and cell (T·D columns)."""

    up: np.ndarray  # the update is κ_up's (the level at or above the expectation), else κ_down's
    floor: np.ndarray  # the expectation is at its floor
    competitor: np.ndarray  # the reference is the competitor's level
    cap_floor: np.ndarray  # the lead cap is the floor (where a floor can exceed r_j + lead·Δ)


def later_caps(problem: PlanningProblem, spec: LPSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A later period's levels without its lead cap (lowest, highest) and the cap's lead·Δ (None: no cap), flat."""
    lo, hi = (x.ravel() for x in _bounds(problem, replace(spec, lead=float("inf"))))
    return lo, hi, (spec.lead * problem.values.step).ravel() if np.isfinite(spec.lead) else None


def pieces_at(
    problem: PlanningProblem, spec: LPSpec, levels: np.ndarray, flip: float = 0.0, side: str = "up"
) -> Pieces:
    """The pieces of the dynamics and of the later lead caps active at the path ``levels`` (k + 1, T, D).

    At a tie the piece that moves is taken: κ_up's update where the level equals the
    expectation, the update where it equals the floor, the expectation where it equals the
    competitor's level, r_j + lead·Δ where it equals the floor. ``flip`` > 0 takes the other
    piece wherever the path reaches it when every level moves by at most ``flip`` (the quantities
    compared — level and expectation, update and floor, expectation and competitor, r_j + lead·Δ
    and floor — are closer than they can move: an expectation j periods on by up to
    ``flip``·(1 − (1 − max κ)^j)) and the two differ, on one ``side`` of the path (:func:`kinks`):
    "up", past which a higher level raises the reference faster (κ_down's update to κ_up's, the
    floor to the update, the competitor to the expectation, a cap at the floor to r_j + lead·Δ),
    or "down", the others.
    """
    chosen, near = _pieces(problem, spec, levels, flip, side)
    return Pieces(**{key: chosen[key] ^ near[key] for key in chosen})


def kinks(problem: PlanningProblem, spec: LPSpec, levels: np.ndarray, within: float, side: str) -> int:
    """How many pieces of the path's dynamics and later caps another piece would replace within ``within``.

    That is, where the path reaches another piece when every level moves by at most ``within``; ``side``: as in
    :func:`pieces_at`.
    """
    _, near = _pieces(problem, spec, levels, within, side)
    return int(sum(x.sum() for x in near.values()))


def piece_references(problem: PlanningProblem, levels: np.ndarray, pieces: Pieces) -> np.ndarray:
    """The highest references (k, T, D) of the later periods that ``pieces`` allow at the path ``levels``.

    With the pieces that hold at the path (:func:`pieces_at` without ``flip``) these are the
    references the path creates; with other pieces, at most those.
    """
    dyn = dynamics(problem)
    levels = np.asarray(levels, dtype=float)
    shape = levels.shape[1:]
    floor, comp = dyn.floor.ravel(), np.broadcast_to(dyn.competitor, shape).ravel()
    e, out = dyn.start.ravel(), []
    for j in range(1, len(levels)):
        y = levels[j - 1].ravel()
        a, b = e + dyn.up * (y - e), e - dyn.down * (e - y)
        moved = np.where(pieces.up[j - 1], a, b) if dyn.up >= dyn.down else np.minimum(a, b)
        e = np.where(pieces.floor[j - 1], floor, moved)
        out.append(np.where(pieces.competitor[j - 1], comp, e).reshape(shape))
    return np.array(out).reshape(len(levels) - 1, *shape)


def _pieces(
    problem: PlanningProblem, spec: LPSpec, levels: np.ndarray, within: float, side: str = "up"
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The pieces at the path (as :class:`Pieces`' fields) and where another differs within ``within`` on ``side``."""
    dyn = dynamics(problem)
    levels = np.asarray(levels, dtype=float)
    e, r = references(dyn, levels)
    k = len(levels) - 1
    lo, hi, gap = later_caps(problem, spec)
    comp = np.broadcast_to(dyn.competitor, e[0].shape).ravel()
    floor = dyn.floor.ravel()
    shrink = 1.0 - max(dyn.up, dyn.down)
    keys = ("up", "floor", "competitor", "cap_floor")
    chosen: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    near: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    kappa = max(dyn.up, dyn.down)
    for j in range(1, k + 1):
        y, prev = levels[j - 1].ravel(), e[j - 1].ravel()
        up = y >= prev
        moved = np.where(up, prev + dyn.up * (y - prev), prev - dyn.down * (prev - y))
        if gap is not None:  # the cells whose cap has a floor side in the LP (build_path_lp's "odd" cells)
            cap = r[j].ravel() + gap
            odd = (lo < hi) & (lo > np.maximum(np.maximum(floor, comp), shrink**j * dyn.start.ravel()) + gap)
        else:
            cap, odd = np.full(len(lo), np.inf), np.zeros(len(lo), dtype=bool)
        # how far period j's expectation can move when every level moves by ``within``: κ·δ + (1 − κ)·(the last's)
        reach, before = within * (1.0 - (1.0 - kappa) ** j), within * (1.0 - (1.0 - kappa) ** (j - 1))
        for key, piece, a, b, far, differ in (
            ("up", up, y, prev, within + before, dyn.up > dyn.down),  # the pieces differ; the update is their max
            ("floor", moved < floor, moved, floor, reach, floor > 0),  # no update is below 0
            ("competitor", e[j].ravel() < comp, e[j].ravel(), comp, reach, comp > 0),
            ("cap_floor", lo > cap, lo, cap, reach, odd),
        ):
            # the piece on the lower side of its kink: κ_down's update, the floor, the competitor, the floor's cap
            lower = ~piece if key == "up" else piece
            on_side = lower if side == "up" else ~lower
            chosen[key].append(piece)
            near[key].append((np.abs(a - b) <= far) & differ & on_side & (far > 0))
    T, D = problem.values.reference.shape

    def stack(x: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
        return {key: np.array(v, dtype=bool).reshape(k, T * D) for key, v in x.items()}

    return stack(chosen), stack(near)
