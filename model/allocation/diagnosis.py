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

__all__ = ["binding_bounds", "check_feasible"]


def check_feasible(problem: PlanningProblem, spec: LPSpec, lo: np.ndarray) -> None:
    """Raise InfeasibleError naming every constraint the lowest feasible levels break."""
    scenario, rt, n = problem.scenario, problem.resources, problem.trips
    problems = []
    need = n[:, None] * rt.use * lo
    for k, name in enumerate(rt.names):
        needed = need[:, rt.dim_resource == k].sum()
        room = rt.capacity[k] + (rt.expansion_max[k] if rt.expandable[k] else 0.0)
        if needed > room * (1 + 1e-9) + 1e-9:
            extra = f" + at most {rt.expansion_max[k]:,.0f} expansion" if rt.expandable[k] else ""
            problems.append(
                f"{name} floors need {needed:,.0f} {rt.unit(k)}; capacity is {rt.capacity[k]:,.0f}{extra} "
                f"(short by {needed - room:,.0f})"
            )
    floor_cost = (n[:, None] * rt.unit_cost * lo)[:, rt.benefit].sum()
    if floor_cost > rt.budget * (1 + 1e-9) + 1e-9:
        problems.append(
            f"benefit floors cost {floor_cost:,.0f} CNY; the benefit budget is {rt.budget:,.0f} CNY (short by {floor_cost - rt.budget:,.0f})"
        )
    if spec.spend_cap is not None:
        total = (n[:, None] * rt.unit_cost * lo).sum()
        if total > spec.spend_cap * (1 + 1e-9) + 1e-6:
            problems.append(
                f"{spec.policy}: the floors, given alike to every tier, cost {total:,.0f} CNY; "
                f"the spend to match is {spec.spend_cap:,.0f} CNY"
            )
    if problems:
        raise InfeasibleError(
            f"scenario '{scenario.scenario.name}' is infeasible under {spec.policy}:\n  - " + "\n  - ".join(problems)
        )


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
