"""The LP allocator — DESIGN.md, *The allocator*.

    maximize   Σ_t n[t] · Σ_d ( w[t,d] · u_td(y[t,d]) − c[t,d] · y[t,d] )  −  Σ_k cost_k · e[k]
    subject to Σ_t Σ_{d∈k} n[t] · use[t,d] · y[t,d] ≤ capacity[k] + e[k]     every resource k
               Σ_t Σ_{d benefit} n[t] · c[t,d] · y[t,d] ≤ benefit budget
               y[t',d] ≥ y[t,d]      t' of the next rank above t (nesting)
               y[t,d] ≥ floor[t,d]   contractual minimums (closed under nesting)
               y[t,d] ≤ max(r + lead·Δ, floor)   the policy's lead cap (absent if lead = ∞)

u is concave and piecewise linear, so it is encoded with four segment variables per tier
and dimension (shortfall, noticed lead, weak lead, satiation) whose objective slopes
λw ≥ w ≥ ρw ≥ 0 fall in that order: the LP fills them in order without binaries.

The tables it reads (value, resources, expected demand, nesting, floors) come from one
:class:`~model.allocation.problem.PlanningProblem`, built once. Infeasibility is diagnosed
exactly before solving, and binding bounds summarized after (:mod:`model.allocation.diagnosis`).

The LP is stated in arrays (:mod:`model.allocation.lp`): every block of columns and rows is built
with numpy, none term by term; the arrays become a PuLP model (the default) or go to
HiGHS whole (``allocator.interface = "direct"``, for an LP with one tier per account:
ten thousand tiers, 600,000 columns, built and read back in a small fraction of the
solver's time).
:func:`build_lp`, :func:`model.allocation.lp.solve` and :func:`plan_from_solution` are the three
steps of :func:`allocate`, public so that each can be timed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from model.allocation.columns import columns, level_sums, shared_dimensions, y_count
from model.allocation.diagnosis import binding_bounds, check_feasible
from model.allocation.lp import LinearProgram, RowBlocks, Solution, solve
from model.allocation.plan import Plan, ShadowPrice
from model.allocation.problem import PlanningProblem, planning_problem
from model.allocation.resources import unit_name
from model.allocation.spec import LPSpec
from model.allocation.ties import canonical_solution
from model.allocation.value import over_service_share, perceived_value
from model.errors import SolverError
from model.scenario.schema import Scenario

__all__ = ["AllocatorLP", "allocate", "build_lp", "plan_from_levels", "plan_from_solution"]


def plan_from_levels(
    problem: PlanningProblem | Scenario,
    levels: np.ndarray,
    *,
    policy: str,
    expansions: np.ndarray | None = None,
    escort_hours_added: np.ndarray | None = None,
    **extra: object,
) -> Plan:
    """Price a set of levels: expected PV, cost, over-service and resource use per tier.

    ``escort_hours_added`` (24,) are the escort staff-hours added in each clock hour; their
    sum is the escort resource's expansion (``expansions`` gives the other resources').
    """
    problem = planning_problem(problem)
    scenario, vt, rt, n, m = problem.scenario, problem.values, problem.resources, problem.trips, problem.requests
    levels = np.clip(np.asarray(levels, dtype=float), 0.0, 1.0)
    served_cost = n[:, None] * rt.unit_cost * levels
    kinds = np.array(rt.kinds)[rt.dim_resource]
    cost_by_kind = {k: served_cost[:, kinds == k].sum(axis=1) for k in ("seat_holds", "escort", "benefit")}
    use = n[:, None] * rt.use * levels
    resource_use = np.array([use[:, rt.dim_resource == k].sum() for k in range(len(rt.names))])
    expansions = np.zeros(len(rt.names)) if expansions is None else np.array(expansions, dtype=float)
    added = np.zeros(24) if escort_hours_added is None else np.asarray(escort_hours_added, dtype=float)
    if rt.escort is not None:
        expansions[rt.escort] = added.sum()
    exp_cost = rt.cost_of_expansions(expansions)
    margin = scenario.economics.incremental_margin
    revenue = n * np.array([scenario.tier_fare_cny(t) for t in scenario.tiers], dtype=float)
    contribution = float((margin * revenue - served_cost.sum(axis=1)).sum()) - exp_cost - rt.roster_cost
    extra.setdefault("expected_contribution", contribution)
    return Plan(
        policy=policy,
        scenario=scenario.scenario.name,
        tiers=tuple(scenario.tier_names),
        dimensions=tuple(scenario.dimension_names),
        levels=levels,
        expected_trips=n,
        expected_requests=m,
        perceived_value=m * perceived_value(levels, vt),
        cost=served_cost.sum(axis=1),
        over_service_cost=(served_cost * over_service_share(levels, vt)).sum(axis=1),
        cost_by_kind=cost_by_kind,
        resources=rt.names,
        resource_use=resource_use,
        capacity=rt.capacity,
        expansions=expansions,
        expansion_cost=exp_cost,
        escort_hours_added=added,
        roster_cost=rt.roster_cost,
        revenue=revenue,
        margin=margin,
        **extra,  # type: ignore[arg-type]
    )


def _bounds(problem: PlanningProblem, spec: LPSpec) -> tuple[np.ndarray, np.ndarray]:
    lo, vt = problem.floors.copy(), problem.values
    if np.isfinite(spec.lead):
        hi = np.minimum(1.0, np.maximum(vt.reference + spec.lead * vt.step, lo))
    else:
        hi = np.ones_like(lo)
    if spec.uniform:
        lo = np.broadcast_to(lo.max(axis=0), lo.shape).copy()
        hi = np.ones_like(lo)
    for j, levels in spec.fixed:  # held at given levels, tier by tier
        lo[:, j] = hi[:, j] = levels
    for j, r in problem.resources.upgrades:  # a replacing escort comes with the one it replaces
        lo[:, r] = np.maximum(lo[:, r], lo[:, j])
        hi[:, r] = np.maximum(hi[:, r], lo[:, r])
        hi[:, j] = np.maximum(np.minimum(hi[:, j], hi[:, r]), lo[:, j])
    if problem.box is not None:  # a trust region around the current plan (objective 'contribution')
        lo, hi = np.maximum(lo, problem.box[0]), np.minimum(hi, problem.box[1])
        hi = np.maximum(hi, lo)
    return lo, hi


@dataclass(frozen=True)
class AllocatorLP:
    """The allocator's LP for one policy, and where its pieces sit among columns and rows."""

    lp: LinearProgram
    y: np.ndarray  # (T, D) column of each level (uniform: one per dimension, shared by the tiers, but fixed ones)
    e: dict[int, int]  # resource → column of its expansion
    eh: dict[int, int]  # clock hour → column of the escort staff-hours added in it
    rows: dict[str, tuple[int, float, str]]  # reported constraint → (row, limit, unit)
    lo: np.ndarray  # (T, D) lowest level allowed
    hi: np.ndarray  # (T, D) highest level allowed
    problem: PlanningProblem
    spend: np.ndarray  # per column: CNY of service (levels) and expansion; 0 for the segments


def build_lp(problem: PlanningProblem | Scenario, spec: LPSpec) -> AllocatorLP:
    """The allocator's LP as arrays (see :mod:`model.allocation.lp`), after the exact feasibility check.

    Columns: the levels y (T·D; when uniform, D, but a column per tier of each fixed dimension); the four segment variables of u per
    tier and dimension (shortfall, noticed lead, weak lead, satiation), a block of T·D
    each; then the expansions. Rows: y = Σ segments per tier and dimension, each
    capacity, the budget, the matched spend (uniform), then nesting. Every block is built
    from arrays, none term by term.
    """
    problem = planning_problem(problem)
    scenario, vt, rt, n, m = problem.scenario, problem.values, problem.resources, problem.trips, problem.requests
    lo, hi = _bounds(problem, spec)
    check_feasible(problem, spec, lo)
    T, D = lo.shape
    TD = T * D
    lam, h, rho = scenario.value.loss_aversion, scenario.value.satiation, scenario.value.weak_value
    r, step, w, c = vt.reference, vt.step, vt.weight, rt.unit_cost
    value_only = spec.maximize == "perceived value"

    # columns
    shared = shared_dimensions(spec, D)
    esc = rt.escort
    # escort staff-hours needed per unit level, by clock hour, in rostered staff-hours (÷ the utilization)
    esc_need = n[:, None, None] * rt.escort_use_by_hour / rt.escort_utilization[None, None, :]
    hours = [b for b in range(24) if esc is not None and np.any(esc_need[:, :, b])]
    esc_grows = esc is not None and bool(rt.expandable[esc])
    by_resource = rt.expandable & np.isfinite(rt.capacity)
    if esc is not None:
        by_resource[esc] = False  # the escort roster grows hour by hour
    y, seg, e, eh, col_names = columns(T, D, shared, np.flatnonzero(by_resource), hours if esc_grows else [])
    n_cols = 4 * TD + y_count(T, shared) + len(e) + len(eh)
    widths = (r, h * step, (1.0 - h) * step, np.ones_like(r))
    slopes = (lam * w, w, rho * w, np.zeros_like(w))
    lower, upper, cost = np.zeros(n_cols), np.empty(n_cols), np.zeros(n_cols)
    lower[y], upper[y] = lo, hi  # uniform: every tier writes the same bounds to a shared column
    for k in range(4):
        upper[seg[k].ravel()] = widths[k].ravel()
        cost[seg[k].ravel()] = (m[:, None] * slopes[k]).ravel()
    if not value_only:
        cols, coef = level_sums(-(n[:, None] * c), y, shared)
        cost[cols] = coef
    added = [(k, col) for k, col in e.items()] + [(esc, col) for col in eh.values()]
    for k, col in added:
        upper[col] = rt.expansion_max[k]
        cost[col] = 0.0 if value_only else -rt.expansion_cost[k]
    col_spend = np.zeros(n_cols)
    cols, coef = level_sums(n[:, None] * c, y, shared)
    col_spend[cols] = coef
    for k, col in added:
        col_spend[col] = rt.expansion_cost[k]
    offset = 0.0
    for v in (m[:, None] * lam * w * r).ravel().tolist():  # PV's constant: −Σ m·λ·w·r
        offset -= v

    # rows
    rows = RowBlocks()
    rows.add(
        TD,
        (
            np.repeat(np.arange(TD), 5),
            np.column_stack([y.ravel(), *(seg[k].ravel() for k in range(4))]).ravel(),
            np.tile([1.0, -1.0, -1.0, -1.0, -1.0], TD),
        ),
        (0.0, 0.0),
        lambda: [f"link_{i}_{j}" for i in range(T) for j in range(D)],
    )
    reported: dict[str, tuple[int, float, str]] = {}

    def limit_row(key: str, name: str, cols: np.ndarray, coef: np.ndarray, limit: float, unit: str) -> None:
        first = rows.add(1, (np.zeros(len(cols), dtype=np.int64), cols, coef), (-np.inf, limit), lambda: [name])
        reported[key] = (first, limit, unit)

    for k, name in enumerate(rt.names):
        if k == esc:
            for b in hours:  # rostered staff-hours at hour b (and those added there) bound the escorts in it
                cols, coef = level_sums(esc_need[:, :, b], y, shared)
                if b in eh:
                    cols, coef = np.append(cols, eh[b]), np.append(coef, -1.0)
                limit_row(
                    f"capacity[{name} {b:02d}:00]",
                    f"cap_{k}_{b:02d}",
                    cols,
                    coef,
                    float(rt.escort_staff_hours[b]),
                    f"{unit_name(rt.kinds[k], name)} at {b:02d}:00",
                )
            if eh and np.isfinite(rt.expansion_max[k]):
                cols = np.array(list(eh.values()), dtype=np.int64)
                limit_row(
                    f"expansion[{name}]",
                    f"add_{k}",
                    cols,
                    np.ones(len(cols)),
                    float(rt.expansion_max[k]),
                    f"added {unit_name(rt.kinds[k], name)}",
                )
            continue
        if not np.isfinite(rt.capacity[k]):
            continue
        cols, coef = level_sums(np.where(rt.dim_resource == k, n[:, None] * rt.use, 0.0), y, shared)
        if k in e:
            cols, coef = np.append(cols, e[k]), np.append(coef, -1.0)
        if len(cols):
            limit_row(f"capacity[{name}]", f"cap_{k}", cols, coef, float(rt.capacity[k]), unit_name(rt.kinds[k], name))
    spend = n[:, None] * c
    if np.isfinite(rt.budget):
        cols, coef = level_sums(np.where(rt.benefit, spend, 0.0), y, shared)
        if len(cols):
            limit_row("budget[benefits]", "budget", cols, coef, float(rt.budget), "CNY of benefit budget")
    if spec.spend_cap is not None:
        cols, coef = level_sums(spend, y, shared)
        paid = [(k, col) for k, col in added if rt.expansion_cost[k]]
        cols = np.append(cols, [col for _, col in paid]).astype(np.int64)
        coef = np.append(coef, [rt.expansion_cost[k] for k, _ in paid])
        limit_row("spend[matched]", "spend", cols, coef, float(spec.spend_cap), "CNY of matched spend")
    if rt.upgrades:  # a replacing escort's trips are among the replaced one's: y[t, upgrade] ≤ y[t, replaced]
        pairs = list(dict.fromkeys((int(y[i, r]), int(y[i, j])) for j, r in rt.upgrades for i in range(T)))
        rows.add(
            len(pairs),
            (
                np.repeat(np.arange(len(pairs)), 2),
                np.array(pairs, dtype=np.int64).ravel(),
                np.tile([1.0, -1.0], len(pairs)),
            ),
            (0.0, np.inf),
            lambda: [f"upgrade_{r}_{u}" for r, u in pairs],
        )
    if not spec.uniform:
        a, b, j = problem.nesting
        rows.add(
            len(a),
            (
                np.repeat(np.arange(len(a)), 2),
                np.column_stack([y[b, j], y[a, j]]).ravel(),
                np.tile([1.0, -1.0], len(a)),
            ),
            (0.0, np.inf),
            lambda: [f"nest_{x}_{z}_{d}" for x, z, d in zip(a.tolist(), b.tolist(), j.tolist(), strict=True)],
        )
    start, index, value = rows.csr()

    lp = LinearProgram(
        cost=cost,
        lower=lower,
        upper=upper,
        start=start,
        index=index,
        value=value,
        row_lower=np.concatenate(rows.lower),
        row_upper=np.concatenate(rows.upper),
        col_names=col_names,
        row_names=lambda: [x for make in rows.names for x in make()],
        offset=offset,
    )
    return AllocatorLP(lp=lp, y=y, e=e, eh=eh, rows=reported, lo=lo, hi=hi, problem=problem, spend=col_spend)


def plan_from_solution(spec: LPSpec, built: AllocatorLP, solution: Solution, **extra: object) -> Plan:
    """The Plan of a solved LP: levels, expansions, shadow prices and what binds."""
    problem = built.problem
    scenario, rt = problem.scenario, problem.resources
    if not solution.optimal:
        raise SolverError(
            f"the {scenario.allocator.solver} solver did not find an optimal plan for policy {spec.policy} "
            f"(status: {solution.status}); try a longer allocator.time_limit_seconds or the other solver"
        )
    x = np.where(solution.x == 0.0, 0.0, solution.x)  # −0.0 → 0.0
    levels = np.clip(x[built.y], built.lo, built.hi)  # remove solver round-off outside the bounds
    expansions = np.zeros(len(rt.names))
    for k, col in built.e.items():
        expansions[k] = x[col]
    escort_hours = np.zeros(24)
    for b, col in built.eh.items():
        escort_hours[b] = x[col]
    if built.eh:
        expansions[rt.escort] = escort_hours.sum()
    shadows, binding = [], []
    for key, (row, limit, unit) in built.rows.items():
        slack = float(solution.slack[row])
        used = limit - slack
        is_binding = abs(slack) <= 1e-6 * max(1.0, abs(limit))
        value = abs(float(solution.dual[row])) if is_binding else 0.0
        shadows.append(
            ShadowPrice(constraint=key, unit=unit, value_cny=value, binding=is_binding, used=used, limit=limit)
        )
        if is_binding:
            binding.append(key)
    binding += binding_bounds(problem, levels, built.lo, built.hi, spec)
    return plan_from_levels(
        problem,
        levels,
        policy=spec.policy,
        expansions=expansions,
        escort_hours_added=escort_hours,
        shadow_prices=tuple(shadows),
        binding=tuple(binding),
        objective=spec.maximize,
        lead=None if not np.isfinite(spec.lead) else spec.lead,
        solver=scenario.allocator.solver,
        status=solution.status,
        **extra,
    )


def allocate(
    problem: PlanningProblem | Scenario,
    spec: LPSpec,
    *,
    n: np.ndarray | None = None,
    m: np.ndarray | None = None,
    canonical: bool = True,
    interface: str | None = None,
) -> Plan:
    """Solve the allocator LP for one policy, and pick the canonical optimum among ties (:mod:`model.allocation.ties`).

    ``n`` overrides the expected trips flown with us per tier (they use resources and cost
    money), ``m`` the expected trips requested (every one of them perceives the offer).
    ``canonical=False`` keeps the solver's first optimum (the inner steps of a sequence of LPs);
    ``interface`` overrides ``allocator.interface`` (the inner steps pass the LP to HiGHS directly).
    """
    t0 = time.perf_counter()
    built = build_lp(planning_problem(problem, n=n, m=m), spec)
    t1 = time.perf_counter()
    a = built.problem.scenario.allocator
    solved: list[Solution] = []

    def run(lp: LinearProgram) -> Solution:
        solved.append(solve(lp, a.solver, a.time_limit_seconds, interface or a.interface))
        return solved[-1]

    first = run(built.lp)
    added = [*built.e.values(), *built.eh.values()]
    decisions = np.unique(np.concatenate([built.y.ravel(), np.array(added, dtype=np.int64)]))
    solution = canonical_solution(built.lp, first, built.spend, decisions, run) if canonical else first
    unfinished = [s.status for s in solved[1:] if not s.optimal]
    notes = (
        (
            f"the tie-break among equally good plans stopped ({unfinished[0]}): this plan is the solver's first "
            "optimum, which another solver or interface may choose differently; a longer "
            "allocator.time_limit_seconds lets it finish",
        )
        if first.optimal and unfinished
        else ()
    )
    return plan_from_solution(
        spec,
        built,
        solution,
        build_seconds=t1 - t0 + sum(s.load_seconds for s in solved),
        solve_seconds=sum(s.solve_seconds for s in solved),
        notes=notes,
    )
