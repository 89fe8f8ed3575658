"""Why an allocation is what it is: infeasibility named before solving, binding bounds after.

DESIGN.md, *The allocator*: the lowest levels any plan may take are the floors closed
under nesting, so the LP is feasible if and only if those levels fit every capacity (plus
its largest expansion), the budget and, for ``uniform``, the spend cap; each constraint
that fails is named with by how much. After solving, the floors, lead caps and nesting
pairs that bind are summarized in the user's words.
"""

from __future__ import annotations

import numpy as np

from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.errors import InfeasibleError
from model.scenario.loading import scenario_source
from model.scenario.problems import quote_key
from model.scenario.schema import Scenario

__all__ = ["binding_bounds", "check_feasible"]


def check_feasible(problem: PlanningProblem, spec: LPSpec, lo: np.ndarray) -> None:
    """Raise InfeasibleError naming every constraint the lowest feasible levels break.

    Each problem names the scenario's key paths — the capacity or budget, and the floors
    that need more — and the message starts with the file the scenario was loaded from.
    """
    scenario, rt, n = problem.scenario, problem.resources, problem.trips
    problems = []
    need = n[:, None] * rt.use * lo
    for k, name in enumerate(rt.names):
        if k == rt.escort:
            problems += _escort_hours_short(scenario, problem, lo, k)
            continue
        needed = need[:, rt.dim_resource == k].sum()
        room = rt.capacity[k] + (rt.expansion_max[k] if rt.expandable[k] else 0.0)
        if needed > room * (1 + 1e-9) + 1e-9:
            extra = f" + at most {rt.expansion_max[k]:,.0f} expansion" if rt.expandable[k] else ""
            problems.append(
                f"{_capacity_key(scenario, k)}: {name} floors need {needed:,.0f} {rt.unit(k)}; capacity is "
                f"{rt.capacity[k]:,.0f}{extra} (short by {needed - room:,.0f}); {_floor_keys(scenario, rt.dim_resource == k)}"
            )
    floor_cost = (n[:, None] * rt.unit_cost * lo)[:, rt.benefit].sum()
    if floor_cost > rt.budget * (1 + 1e-9) + 1e-9:
        problems.append(
            f"budget.benefits_cny: benefit floors cost {floor_cost:,.0f} CNY; the benefit budget is {rt.budget:,.0f} CNY "
            f"(short by {floor_cost - rt.budget:,.0f}); {_floor_keys(scenario, rt.benefit)}"
        )
    if spec.spend_cap is not None:
        total = (n[:, None] * rt.unit_cost * lo).sum()
        if total > spec.spend_cap * (1 + 1e-9) + 1e-6:
            problems.append(
                f"{spec.policy}: the floors, given alike to every tier, cost {total:,.0f} CNY; "
                f"the spend to match is {spec.spend_cap:,.0f} CNY; {_floor_keys(scenario, np.ones(lo.shape[1], bool))}"
            )
    if problems:
        source = scenario_source(scenario)
        where = f"{source}: " if source else ""
        raise InfeasibleError(
            f"{where}scenario '{scenario.scenario.name}' is infeasible under {spec.policy}:\n  - "
            + "\n  - ".join(problems)
        )


def _escort_hours_short(scenario: Scenario, problem: PlanningProblem, lo: np.ndarray, k: int) -> list[str]:
    """The clock hours whose escort floors need more staff-hours than the roster has, beyond what may be added."""
    rt, n = problem.resources, problem.trips
    need = (n[:, None, None] * rt.escort_use_by_hour * lo[:, :, None]).sum(axis=(0, 1)) / rt.escort_utilization
    short = np.maximum(need - rt.escort_staff_hours, 0.0)
    short[short <= 1e-9 * np.maximum(1.0, rt.escort_staff_hours)] = 0.0
    room = rt.expansion_max[k] if rt.expandable[k] else 0.0
    if short.sum() <= room * (1 + 1e-9) + 1e-9:
        return []
    hours = ", ".join(
        f"{b:02d}:00 needs {need[b]:,.0f} (rostered {rt.escort_staff_hours[b]:,.0f})" for b in np.flatnonzero(short)
    )
    extra = f"; at most {room:,.0f} may be added" if rt.expandable[k] else ""
    return [
        f"{_capacity_key(scenario, k)}: {rt.names[k]} floors need more escort staff-hours than the roster has "
        f"at {_utilization(rt.escort_utilization)} — {hours}{extra} (short by {short.sum() - room:,.0f}); "
        f"{_floor_keys(scenario, rt.dim_resource == k)}"
    ]


def _utilization(caps: np.ndarray) -> str:
    """ "0.8 utilization", or "0.12–0.8 utilization by hour" when Erlang sizing sets each hour's cap."""
    lo, hi = float(caps.min()), float(caps.max())
    return f"{hi:g} utilization" if lo == hi else f"{lo:.2g}–{hi:.2g} utilization by hour"


def _capacity_key(scenario: Scenario, k: int) -> str:
    """The key path of resource ``k``'s capacity, as the scenario file writes it."""
    r = scenario.resources[k]
    key = {"seat_holds": "hold_limit_per_flight", "escort": "staff_on_duty"}.get(r.kind, "daily_capacity")
    return f"resources.{quote_key(r.name)}.{key}"


def _floor_keys(scenario: Scenario, dims: np.ndarray) -> str:
    """The floors set on dimensions ``dims`` (a mask), as ``tiers.V1.floor.lounge = 1.0`` (nesting carries them up)."""
    names = [d.name for d, on in zip(scenario.dimensions, dims, strict=True) if on]
    keys = [
        f"tiers.{quote_key(t.name)}.floor.{quote_key(d)} = {t.floor[d]:g}"
        for t in scenario.tiers
        for d in names
        if t.floor.get(d, 0.0) > 0
    ]
    return "floors set at " + ", ".join(keys) if keys else "no floor is set on them"


def binding_bounds(
    problem: PlanningProblem, levels: np.ndarray, lo: np.ndarray, hi: np.ndarray, spec: LPSpec
) -> list[str]:
    """Summaries of binding floors, lead caps and nesting, in the user's names."""
    out = []
    tol = 1e-7
    floors = (levels <= lo + tol) & (lo > tol)
    caps = (levels >= hi - tol) & (hi < 1 - tol) & np.isfinite(spec.lead) & ~spec.uniform
    if floors.any():
        out.append(f"floors ({int(floors.sum())} tier×dimension levels at their floor)")
    if caps.any():
        out.append(f"lead cap ({int(caps.sum())} tier×dimension levels at r + {spec.lead:g}Δ)")
    if not spec.uniform:
        a, b, j = problem.nesting
        tight = int(np.count_nonzero((np.abs(levels[b, j] - levels[a, j]) <= tol) & (levels[a, j] > tol)))
        if tight:
            out.append(f"nesting ({tight} tier pairs × dimensions equal to the tier below)")
    return out
