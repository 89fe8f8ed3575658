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

Infeasibility is diagnosed exactly before solving: the lowest levels any plan may take are
the floors closed under nesting, so the LP is feasible if and only if those levels fit every
capacity (plus its largest expansion), the budget and, for ``uniform``, the spend cap. The
message names each constraint that fails and by how much.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

import numpy as np
import pulp

from .demand import expected_requests as demand_expected_requests
from .demand import expected_trips as demand_expected_trips
from .errors import InfeasibleError, SolverError
from .plan import Plan, ShadowPrice
from .resources import ResourceTables, resource_tables, unit_name
from .scenario import Scenario
from .value import ValueTables, over_service_share, perceived_value, tier_ranks, value_tables

__all__ = ["LPSpec", "allocate", "effective_floors", "nesting_pairs", "plan_from_levels"]


@dataclass(frozen=True)
class LPSpec:
    """What distinguishes one LP policy from another."""

    policy: str
    lead: float = float("inf")  # in steps; inf = no lead cap
    uniform: bool = False  # one level per dimension for every tier
    spend_cap: float | None = None  # CNY: total service + expansion cost at most this
    maximize: str = "net value"  # or "perceived value" (uniform: spend the same, best PV)


def nesting_pairs(scenario: Scenario) -> list[tuple[int, int, int]]:
    """(lower tier, higher tier, dimension) triples the nesting constraint binds."""
    if not scenario.allocator.nesting:
        return []
    ranks = tier_ranks(scenario)
    dims = scenario.dimension_names
    exempt = [{dims.index(x) for x in t.nesting_exempt} for t in scenario.tiers]
    out = []
    for b in range(len(ranks)):
        below = ranks[ranks < ranks[b]]
        if not below.size:
            continue
        for a in np.flatnonzero(ranks == below.max()):
            out.extend((int(a), b, j) for j in range(len(dims)) if j not in exempt[a] and j not in exempt[b])
    return out


def effective_floors(scenario: Scenario) -> np.ndarray:
    """Floors closed under nesting: the lowest level any feasible plan gives (T, D)."""
    dims = scenario.dimension_names
    lo = np.array([[t.floor.get(d, 0.0) for d in dims] for t in scenario.tiers])
    pairs = nesting_pairs(scenario)
    for _ in range(len(scenario.tiers)):  # ranks form a chain: T passes reach the fixpoint
        changed = False
        for a, b, j in pairs:
            if lo[b, j] < lo[a, j]:
                lo[b, j] = lo[a, j]
                changed = True
        if not changed:
            break
    return lo


def plan_from_levels(
    scenario: Scenario,
    levels: np.ndarray,
    *,
    policy: str,
    n: np.ndarray | None = None,
    m: np.ndarray | None = None,
    vt: ValueTables | None = None,
    rt: ResourceTables | None = None,
    expansions: np.ndarray | None = None,
    **extra: object,
) -> Plan:
    """Price a set of levels: expected PV, cost, over-service and resource use per tier."""
    vt = vt or value_tables(scenario)
    rt = rt or resource_tables(scenario)
    n = demand_expected_trips(scenario) if n is None else np.asarray(n, dtype=float)
    m = demand_expected_requests(scenario) if m is None else np.asarray(m, dtype=float)
    levels = np.clip(np.asarray(levels, dtype=float), 0.0, 1.0)
    served_cost = n[:, None] * rt.unit_cost * levels
    kinds = np.array(rt.kinds)[rt.dim_resource]
    cost_by_kind = {k: served_cost[:, kinds == k].sum(axis=1) for k in ("seat_holds", "escort", "benefit")}
    use = n[:, None] * rt.use * levels
    resource_use = np.array([use[:, rt.dim_resource == k].sum() for k in range(len(rt.names))])
    expansions = np.zeros(len(rt.names)) if expansions is None else expansions
    exp_cost = float(np.nansum(expansions * np.nan_to_num(rt.expansion_cost)))
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
        **extra,  # type: ignore[arg-type]
    )


def _bounds(scenario: Scenario, spec: LPSpec, vt: ValueTables) -> tuple[np.ndarray, np.ndarray]:
    lo = effective_floors(scenario)
    if np.isfinite(spec.lead):
        hi = np.minimum(1.0, np.maximum(vt.reference + spec.lead * vt.step, lo))
    else:
        hi = np.ones_like(lo)
    if spec.uniform:
        lo = np.broadcast_to(lo.max(axis=0), lo.shape).copy()
        hi = np.ones_like(lo)
    return lo, hi


def _check_feasible(scenario: Scenario, spec: LPSpec, n: np.ndarray, rt: ResourceTables, lo: np.ndarray) -> None:
    """Raise InfeasibleError naming every constraint the lowest feasible levels break."""
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


def _expr(terms: list[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> pulp.LpAffineExpression:
    """An affine expression that sums the coefficients of repeated variables."""
    acc: dict[pulp.LpVariable, float] = {}
    for v, a in terms:
        acc[v] = acc.get(v, 0.0) + a
    return pulp.LpAffineExpression([(v, a) for v, a in acc.items() if a], constant=constant)


def _cbc_path() -> str | None:
    """The CBC binary of pulp[cbc] (the cbcbox package), else whatever ``cbc`` is on PATH."""
    try:
        import cbcbox

        return str(cbcbox.cbc_bin_path())
    except (ImportError, AttributeError, OSError):
        return shutil.which("cbc")


def _solver(scenario: Scenario) -> pulp.LpSolver:
    a = scenario.allocator
    if a.solver == "highs":
        return pulp.HiGHS(msg=False, timeLimit=a.time_limit_seconds)
    cbc = pulp.COIN_CMD(msg=False, timeLimit=a.time_limit_seconds, path=_cbc_path())
    if not cbc.available():
        raise SolverError("allocator.solver = 'cbc' needs the CBC binary: pip install 'pulp[cbc]', or use 'highs'")
    return cbc


def allocate(scenario: Scenario, spec: LPSpec, *, n: np.ndarray | None = None, m: np.ndarray | None = None) -> Plan:
    """Solve the allocator LP for one policy.

    ``n`` overrides the expected trips flown with us per tier (they use resources and cost
    money), ``m`` the expected trips requested (every one of them perceives the offer).
    """
    t0 = time.perf_counter()
    vt, rt = value_tables(scenario), resource_tables(scenario)
    n = demand_expected_trips(scenario) if n is None else np.asarray(n, dtype=float)
    m = demand_expected_requests(scenario) if m is None else np.asarray(m, dtype=float)
    lo, hi = _bounds(scenario, spec, vt)
    _check_feasible(scenario, spec, n, rt, lo)
    T, D = lo.shape
    lam, h, rho = scenario.value.loss_aversion, scenario.value.satiation, scenario.value.weak_value
    r, step, w, c = vt.reference, vt.step, vt.weight, rt.unit_cost
    value_only = spec.maximize == "perceived value"

    prob = pulp.LpProblem("halfstep", pulp.LpMaximize)
    # level variables: one per tier × dimension, or one per dimension when uniform
    if spec.uniform:
        ylist = [prob.add_variable(f"y_{j}", lo[0, j], hi[0, j]) for j in range(D)]
        y = [[ylist[j] for j in range(D)] for _ in range(T)]
    else:
        y = [[prob.add_variable(f"y_{i}_{j}", lo[i, j], hi[i, j]) for j in range(D)] for i in range(T)]
    widths = (r, h * step, (1.0 - h) * step, np.ones_like(r))
    slopes = (lam * w, w, rho * w, np.zeros_like(w))
    obj_terms: list[tuple[pulp.LpVariable, float]] = []
    constant = 0.0
    for i in range(T):
        for j in range(D):
            segs = [prob.add_variable(f"s{k}_{i}_{j}", 0, float(widths[k][i, j])) for k in range(4)]
            prob += pulp.LpAffineExpression([(y[i][j], 1.0)] + [(s, -1.0) for s in segs]) == 0, f"link_{i}_{j}"
            obj_terms.extend((s, float(m[i] * slopes[k][i, j])) for k, s in enumerate(segs) if slopes[k][i, j])
            if not value_only:
                obj_terms.append((y[i][j], -float(n[i] * c[i, j])))
            constant -= m[i] * lam * w[i, j] * r[i, j]

    e = {}
    for k in np.flatnonzero(rt.expandable & np.isfinite(rt.capacity)):
        ub = None if not np.isfinite(rt.expansion_max[k]) else float(rt.expansion_max[k])
        e[k] = prob.add_variable(f"e_{k}", 0, ub)
        if not value_only:
            obj_terms.append((e[k], -float(rt.expansion_cost[k])))
    prob += _expr(obj_terms, constant)

    rows: dict[str, tuple[pulp.LpConstraint, float, str]] = {}
    for k, name in enumerate(rt.names):
        if not np.isfinite(rt.capacity[k]):
            continue
        terms = [(y[i][j], float(n[i] * rt.use[i, j])) for i in range(T) for j in np.flatnonzero(rt.dim_resource == k)]
        terms = [(v, a) for v, a in terms if a]
        if k in e:
            terms.append((e[k], -1.0))
        if not terms:
            continue
        key = f"capacity[{name}]"
        prob += _expr(terms) <= float(rt.capacity[k]), f"cap_{k}"
        rows[key] = (prob.get_constraint_by_name(f"cap_{k}"), float(rt.capacity[k]), unit_name(rt.kinds[k], name))
    benefit_terms = [
        (y[i][j], float(n[i] * c[i, j])) for i in range(T) for j in np.flatnonzero(rt.benefit) if n[i] * c[i, j]
    ]
    if np.isfinite(rt.budget) and benefit_terms:
        prob += _expr(benefit_terms) <= float(rt.budget), "budget"
        rows["budget[benefits]"] = (prob.get_constraint_by_name("budget"), float(rt.budget), "CNY of benefit budget")
    if spec.spend_cap is not None:
        spend = [(y[i][j], float(n[i] * c[i, j])) for i in range(T) for j in range(D) if n[i] * c[i, j]]
        spend += [(e[k], float(rt.expansion_cost[k])) for k in e]
        prob += _expr(spend) <= float(spec.spend_cap), "spend"
        rows["spend[matched]"] = (prob.get_constraint_by_name("spend"), float(spec.spend_cap), "CNY of matched spend")
    if not spec.uniform:
        for a, b, j in nesting_pairs(scenario):
            prob += pulp.LpAffineExpression([(y[b][j], 1.0), (y[a][j], -1.0)]) >= 0, f"nest_{a}_{b}_{j}"

    t1 = time.perf_counter()
    status = prob.solve(_solver(scenario))
    t2 = time.perf_counter()
    status_name = pulp.LpStatus[status]
    if status_name != "Optimal":
        raise SolverError(
            f"the {scenario.allocator.solver} solver did not find an optimal plan for policy {spec.policy} "
            f"(status: {status_name}); try a longer allocator.time_limit_seconds or the other solver"
        )

    levels = np.array([[y[i][j].varValue or 0.0 for j in range(D)] for i in range(T)])
    levels = np.clip(levels, lo, hi)  # remove solver round-off outside the bounds
    expansions = np.array([(e[k].varValue or 0.0) if k in e else 0.0 for k in range(len(rt.names))])
    shadows, binding = [], []
    for key, (con, limit, unit) in rows.items():
        slack = con.slack if con.slack is not None else 0.0
        used = limit - slack
        is_binding = abs(slack) <= 1e-6 * max(1.0, abs(limit))
        value = abs(con.pi or 0.0) if is_binding else 0.0
        shadows.append(
            ShadowPrice(constraint=key, unit=unit, value_cny=value, binding=is_binding, used=used, limit=limit)
        )
        if is_binding:
            binding.append(key)
    binding += _binding_bounds(scenario, levels, lo, hi, spec)
    plan = plan_from_levels(
        scenario,
        levels,
        policy=spec.policy,
        n=n,
        m=m,
        vt=vt,
        rt=rt,
        expansions=expansions,
        shadow_prices=tuple(shadows),
        binding=tuple(binding),
        objective=spec.maximize,
        lead=None if not np.isfinite(spec.lead) else spec.lead,
        solver=scenario.allocator.solver,
        status=status_name,
        build_seconds=t1 - t0,
        solve_seconds=t2 - t1,
    )
    return plan


def _binding_bounds(scenario: Scenario, levels: np.ndarray, lo: np.ndarray, hi: np.ndarray, spec: LPSpec) -> list[str]:
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
        tight = sum(
            1 for a, b, j in nesting_pairs(scenario) if abs(levels[b, j] - levels[a, j]) <= tol and levels[a, j] > tol
        )
        if tight:
            out.append(f"nesting ({tight} tier pairs × dimensions equal to the tier below)")
    return out
