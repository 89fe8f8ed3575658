"""The contribution objective looking ahead (``allocator.lookahead`` = k, ``objective = "contribution"``).

One tier of key accounts and one dimension (the lounge, a benefit) make the path's contribution
a formula the test writes itself, without the modules under test:

    r_0 = max(e_0, competitor)
    e_{j+1} = max(floor, e_j + κ_up·(y_j − e_j) if y_j > e_j else e_j − κ_down·(e_j − y_j)),  r_j = max(e_j, competitor)
    F_j = n_j · (margin · fare − c · y_j),   n_j = m · logistic(β0 + β_PV·(w·u(y_j − r_j) − w·u(competitor − r_j)))

The competitor is judged against the same reference as we are, and its shortfall weighs λ = 2.25
a unit while our offer loses at most 1 a unit (nothing where we are below the bar): a higher
reference never lowers a later period's relative value. So under contribution looking ahead
raises today's level or leaves it — it leads further to raise the bar the competitor must clear
— where the net-value lookahead (test_lookahead.py) holds back. (Only a capacity or budget that
the extra trips use, or a tier that loses money on a trip, can make a higher bar cost.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pytest

import model.allocation.contribution_path as contribution_path_module
from model.allocation.allocator import allocate, plan_from_levels
from model.allocation.contribution import FIT, contribution_model, contribution_plan
from model.allocation.lookahead import contribution_path
from model.allocation.lp import solve
from model.allocation.path_lp import build_path_lp
from model.allocation.path_step import PathStep
from model.allocation.paths import at_references, caps_hold, dynamics, piece_references, pieces_at, references
from model.allocation.policies import make_plan
from model.allocation.problem import planning_problem
from model.allocation.spec import LPSpec
from model.scenario.loading import load_scenario
from tests.allocation.test_contribution_sequence import (
    FARE,
    INTERIOR,
    MARGIN,
    REQUESTS,
    RULES,
    TWO,
    Dim,
    Key,
    _u,
    lounge,
)
from tests.helpers import build, tiny_dict

HALFSTEP, UNCONSTRAINED = LPSpec("halfstep", lead=0.5), LPSpec("unconstrained")


@dataclass(frozen=True)
class Ahead:
    """One tier, the lounge, expectations that move: its scenario, and its path's contribution written out."""

    w: float  # value weight, CNY per trip
    c: float  # unit cost, CNY per trip at level 1
    e0: float  # expectation today
    comp: float  # competitor level
    up: float  # κ_up
    down: float  # κ_down
    floor: float = 0.0  # floor_share
    beta: float = 0.01  # β_PV
    b0: float = 0.0  # the tier's choice intercept
    lead: float = float("inf")
    capacity: float = 1000.0  # lounge uses a day (30 days)
    budget: float | None = None  # CNY of benefits over the horizon
    allocator: dict = field(default_factory=dict)
    step: float = 0.2  # Δ: tiny_dict's default step (one tier, none above it)

    def scenario(self, k: int = 1):
        """test_contribution_sequence's one-tier scenario (Key), with expectations that move and a budget."""
        key = Key(
            dims=(Dim("lounge", self.w, self.c, e=self.e0, comp=self.comp),),
            beta=self.beta,
            b0=self.b0,
            lounge={"daily_capacity": self.capacity},
            allocator={"lookahead": k, **self.allocator},
        )
        data = key.scenario().model_dump(mode="json", exclude_none=True)
        data["expectations"] = {"adapt_up": self.up, "adapt_down": self.down, "floor_share": self.floor}
        if self.budget is not None:
            data["budget"] = {"benefits_cny": self.budget}
        return build(data)

    def problem(self, k: int = 1):
        return planning_problem(self.scenario(k))

    def spec(self) -> LPSpec:
        return LPSpec("lead", lead=self.lead)

    # --- the model in closed form: levels y0, y1 broadcast against each other ------------------------------

    def reference1(self, y0):
        e1 = np.where(y0 > self.e0, self.e0 + self.up * (y0 - self.e0), self.e0 - self.down * (self.e0 - y0))
        return np.maximum(np.maximum(e1, self.floor * self.e0), self.comp)

    def trips(self, y, r):
        pv, pv_comp = self.w * _u(y - r, self.step), self.w * _u(self.comp - r, self.step)
        return REQUESTS / (1.0 + np.exp(-(self.b0 + self.beta * (pv - pv_comp))))

    def period(self, y, r):
        """F_j, and whether y is within the lead cap and fits the lounge and the budget at its trips."""
        n = self.trips(y, r)
        ok = y <= r + self.lead * self.step + 1e-12 if np.isfinite(self.lead) else np.ones(np.shape(y), dtype=bool)
        ok = ok & (n * y <= self.capacity * 30 * (1 + FIT))
        if self.budget is not None:
            ok = ok & (n * self.c * y <= self.budget * (1 + FIT))
        return n * (MARGIN * FARE - self.c * y), ok

    def two_periods(self, y0, y1):
        """F_0 + F_1 where the path is allowed, −inf elsewhere."""
        r0 = max(self.e0, self.comp)
        f0, ok0 = self.period(y0, r0)
        f1, ok1 = self.period(y1, self.reference1(y0))
        return np.where(ok0 & ok1, f0 + f1, -np.inf)

    def grid_optimum(self) -> tuple[float, float, float]:
        """(y0, y1, F) of the best path on a grid of 0.001, refined to 5e-6 around it."""
        g = np.linspace(0.0, 1.0, 1001)
        f = self.two_periods(g[:, None], g[None, :])
        i, j = np.unravel_index(np.argmax(f), f.shape)
        h = np.linspace(-0.002, 0.002, 801)
        a, b = np.clip(g[i] + h, 0.0, 1.0), np.clip(g[j] + h, 0.0, 1.0)
        f = self.two_periods(a[:, None], b[None, :])
        i, j = np.unravel_index(np.argmax(f), f.shape)
        return float(a[i]), float(b[j]), float(f[i, j])

    def myopic_optimum(self) -> float:
        """The best level today for F_0 alone, on a grid of 1e-5."""
        y = np.linspace(0.0, 1.0, 100_001)
        f, ok = self.period(y, max(self.e0, self.comp))
        return float(y[np.argmax(np.where(ok, f, -np.inf))])


# (case, at a kink: the optimum is a corner of the pieces, exact; else interior, to the sequence's tolerance)
KNOWN = {
    # beyond the satiation point (r₀ + Δ = 0.8) a level adds no value today, but raises tomorrow's bar by κ_up
    "leads past satiation to raise the bar": (Ahead(800, 100, 0.6, 0.3, 0.3, 0.0, floor=0.8, beta=0.002, b0=-1), True),
    "leads past satiation, to an interior level": (Ahead(800, 100, 0.2, 0.3, 0.9, 0.5, beta=0.01, b0=1), False),
    # the bar is the competitor's (0.7) until the expectation passes it at y₀ = 0.93: the first step does not see it
    "past the competitor's level": (Ahead(400, 300, 0.6, 0.7, 0.3, 0.0, floor=0.8, beta=0.02, b0=-1), True),
    # worse all the way from 0.7 to 0.9, better beyond: only a probe over the whole range reaches it
    "a far kink": (Ahead(200, 100, 0.4, 0.5, 0.2, 0.5, beta=0.005, b0=-1), True),
    # κ_down's piece would hide the raise; the cap at r + Δ/2 binds in both periods
    "to the lead cap": (Ahead(200, 800, 0.2, 0.3, 0.9, 0.1, floor=0.8, beta=0.005, b0=-1, lead=0.5), True),
    "the later cap at the reference the lead creates": (Ahead(200, 100, 0.4, 0.3, 0.5, 0.5, beta=0.02, lead=0.5), True),
    "κ_down above κ_up": (Ahead(100, 300, 0.6, 0.5, 0.2, 0.5, floor=0.8, beta=0.02, b0=-1, lead=0.5), True),
    "interior below the expectation": (Ahead(1500, 800, 0.6, 0.0, 0.9, 0.5, beta=0.005), False),
    "interior with the competitor above": (Ahead(1500, 1500, 0.5, 0.7, 0.9, 0.0, beta=0.02, b0=-1, lead=1.0), False),
}


@pytest.mark.parametrize("case", list(KNOWN))
def test_two_periods_against_a_grid(case):
    ahead, kink = KNOWN[case]
    path = contribution_path(ahead.problem(), ahead.spec(), 1)
    y0, y1, best = ahead.grid_optimum()
    assert path.converged
    # the path's contribution is the formula's at its levels
    assert path.contribution == pytest.approx(float(ahead.two_periods(*path.levels.ravel())), rel=1e-12)
    if kink:  # the optimum is at a corner of the pieces (u's kinks, the caps, the competitor's level): exactly
        assert path.contribution >= best - 1e-12 * best
        np.testing.assert_allclose(path.levels.ravel(), [y0, y1], rtol=0, atol=1e-9)
    else:  # interior: the sequence stops within its tolerance (1e-4) of a stationary path; F is flat there
        np.testing.assert_allclose(path.levels.ravel(), [y0, y1], rtol=0, atol=5e-4)
        assert path.contribution == pytest.approx(best, rel=1e-6)
    # the plan is the first period's levels, priced at the trips they win today
    assert path.plan.levels[0, 0] == path.levels[0, 0, 0]
    today, _ = ahead.period(path.levels[0, 0, 0], max(ahead.e0, ahead.comp))
    assert path.plan.expected_contribution == pytest.approx(float(today), rel=1e-12)
    # looking ahead never lowers today's level here (no capacity binds): a higher bar only helps tomorrow
    assert path.levels[0, 0, 0] >= ahead.myopic_optimum() - (1e-9 if kink else 2e-4)


LEADS_MORE = [
    "leads past satiation to raise the bar",
    "leads past satiation, to an interior level",
    "past the competitor's level",
    "a far kink",
    "to the lead cap",
]


@pytest.mark.parametrize("case", LEADS_MORE)
def test_looking_ahead_leads_further_than_the_myopic_plan(case):
    """Where looking ahead changes today's level it raises it: by the grid's answer, not the myopic one."""
    ahead, _ = KNOWN[case]
    s = ahead.scenario(k=1)
    myopic = contribution_plan(planning_problem(s), ahead.spec())
    assert myopic.levels[0, 0] == pytest.approx(ahead.myopic_optimum(), abs=2e-4)
    plan = make_plan(s, "lead") if np.isfinite(ahead.lead) else make_plan(s, "unconstrained")
    y0, _, _ = ahead.grid_optimum()
    assert plan.levels[0, 0] > myopic.levels[0, 0] + 0.03
    assert plan.levels[0, 0] == pytest.approx(y0, abs=5e-4)
    assert plan.objective == "contribution" and plan.converged
    assert any("looks ahead 1 period on contribution" in note for note in plan.notes)


def test_the_leads_past_satiation_answer_in_closed_form():
    """Today's level adds nothing past r₀ + Δ = 0.8, yet the plan goes to 1: each unit raises r₁ by κ_up = 0.3.

    Tomorrow the plan sits at r₁ + Δ (the satiation kink), where our PV is the same whatever r₁; the
    competitor's, w·λ·(competitor − r₁), falls by λ·w·κ_up per unit of today's level. Worth more
    than the unit's cost today n₀·c plus tomorrow's n₁·c·κ_up when w₁·λ·w·κ_up exceeds them, w₁
    the trips one CNY of relative value wins times what a trip adds; and it does all the way to 1.
    """
    ahead, _ = KNOWN["leads past satiation to raise the bar"]
    path = contribution_path(ahead.problem(), ahead.spec(), 1)
    np.testing.assert_allclose(path.levels.ravel(), [1.0, 0.6 + 0.3 * 0.4 + 0.2], atol=1e-12)
    y1 = path.levels[1, 0, 0]
    r1 = float(ahead.reference1(1.0))
    n0, n1 = ahead.trips(1.0, 0.6), ahead.trips(y1, r1)
    p1 = n1 / REQUESTS
    w1 = REQUESTS * ahead.beta * p1 * (1 - p1) * (MARGIN * FARE - ahead.c * y1)
    assert w1 * 2.25 * ahead.w * ahead.up > n0 * ahead.c + n1 * ahead.c * ahead.up


# --- k = 0 and expectations that do not move: the one-period plan -------------------------------------------

ONE_PERIOD = {
    **{case: RULES[case] for case in RULES},
    **{f"interior {i}": (lounge(w, c, beta=beta, b0=b0), None) for i, (w, c, beta, b0) in enumerate(INTERIOR)},
    "two dimensions": (TWO, None),
}


@pytest.mark.parametrize("spec", [UNCONSTRAINED, HALFSTEP], ids=["unconstrained", "halfstep"])
@pytest.mark.parametrize("case", list(ONE_PERIOD))
def test_k_0_is_the_one_period_sequence_lp_for_lp(case, spec):
    """Over a path of one period the sequence is contribution_plan's: the same LPs, the same plan to the bit."""
    key, start = ONE_PERIOD[case]
    problem = key.problem()
    today = contribution_plan(problem, spec, start=None if start is None else np.array(start))
    path = contribution_path(problem, spec, 0, start=None if start is None else np.array([start]))
    plan = path.plan
    assert plan.levels.tobytes() == today.levels.tobytes()
    assert plan.expansions.tobytes() == today.expansions.tobytes()
    assert plan.expected_contribution == today.expected_contribution
    assert (plan.iterations, plan.converged) == (today.iterations, today.converged)
    assert path.iterations == today.iterations


def test_lookahead_0_is_today_s_contribution_plan():
    s = build(tiny_dict(expectations={"adapt_up": 0.3, "adapt_down": 0.1}))
    assert s.allocator.lookahead == 0 and s.allocator.objective == "contribution"
    for policy, spec in (("halfstep", HALFSTEP), ("unconstrained", UNCONSTRAINED)):
        plan = make_plan(s, policy)
        today = contribution_plan(planning_problem(s), spec)
        assert plan.levels.tobytes() == today.levels.tobytes()
        assert not any("looks ahead" in note for note in plan.notes)


def _still(**expectations: float):
    return build(
        tiny_dict(
            allocator={"lookahead": 3},
            expectations={"adapt_up": 0.0, "adapt_down": 0.0, "floor_share": 0.5, **expectations},
        )
    )


@pytest.mark.parametrize("spec", [UNCONSTRAINED, HALFSTEP], ids=["unconstrained", "halfstep"])
@pytest.mark.parametrize("k", [1, 3])
def test_expectations_that_do_not_move_give_today_s_plan(k, spec):
    """κ_up = κ_down = 0: every period is today's problem again. The plan is contribution_plan's (the policy does not
    run the path), and the path's own first period is too, to rounding (its LPs are larger)."""
    s = _still()
    problem = planning_problem(s)
    today = contribution_plan(problem, spec)
    assert make_plan(s, spec.policy).levels.tobytes() == today.levels.tobytes()
    path = contribution_path(problem, spec, k)
    np.testing.assert_allclose(path.levels[0], today.levels, rtol=0, atol=1e-12)
    # the same sequence: k more LPs for the myopic start and no probe (no reference can move to a kink)
    assert path.iterations == today.iterations + k
    np.testing.assert_array_equal(path.references, np.broadcast_to(problem.values.reference, path.references.shape))


# --- every period fits at its own trips --------------------------------------------------------------------

FITS = {  # the lounge or the budget binds: each period's trips respond to its PV and its reference
    "the lounge binds tomorrow": Ahead(800, 800, 0.6, 0.7, 0.9, 0.5, beta=0.01, capacity=0.6),
    "the lounge binds both days": Ahead(200, 300, 0.2, 0.0, 0.5, 0.0, beta=0.005, b0=-1, capacity=0.3),
    "the budget binds": Ahead(1500, 300, 0.5, 0.6, 0.9, 0.1, beta=0.01, budget=3000.0),
    "the budget binds, capped": Ahead(800, 300, 0.2, 0.5, 0.5, 0.0, beta=0.02, b0=-1, lead=0.5, budget=2000.0),
}


@pytest.mark.parametrize("case", list(FITS))
def test_every_period_fits_at_its_own_trips(case):
    ahead = FITS[case]
    problem = ahead.problem()
    path = contribution_path(problem, ahead.spec(), 1)
    y = path.levels.ravel()
    refs = [max(ahead.e0, ahead.comp), float(ahead.reference1(y[0]))]
    binds = []
    for yj, rj in zip(y, refs, strict=True):
        n = float(ahead.trips(yj, rj))
        use, spend = n * yj, n * ahead.c * yj
        assert use <= ahead.capacity * 30 * (1 + FIT)
        binds.append(use >= ahead.capacity * 30 * (1 - 1e-3))
        if ahead.budget is not None:
            assert spend <= ahead.budget * (1 + FIT)
            binds[-1] |= spend >= ahead.budget * (1 - 1e-3)
    assert any(binds)  # the case is one where fitting matters
    assert path.overrun <= FIT
    # it is no worse than the myopic path it starts from (which fits at the trips the reference share wins)
    myopic = _myopic_path(problem, ahead.spec(), 1)
    assert path.contribution >= float(ahead.two_periods(*myopic.ravel())) - 1e-9


def _myopic_path(problem, spec, k):
    """Each period's net-value plan at the references the earlier ones create (the sequence's start)."""
    levels = []
    for j in range(k + 1):
        if j:
            e, r = references(dynamics(problem), np.array([*levels, levels[-1]]))
            levels.append(allocate(at_references(problem, e[j], r[j]), spec).levels)
        else:
            levels.append(allocate(problem, spec).levels)
    return np.array(levels)


@pytest.mark.parametrize("policy", ["halfstep", "fullstep"])
def test_the_baseline_fits_every_period_at_its_own_trips(policy):
    """Five tiers, fourteen dimensions, the benefit budget and the escort roster by hour, four periods ahead."""
    s = load_scenario(None, ["expectations.adapt_up=0.2", "expectations.adapt_down=0.1", "allocator.lookahead=4"])
    problem = planning_problem(s)
    spec = LPSpec(policy, lead=0.5 if policy == "halfstep" else 1.0)
    path = contribution_path(problem, spec, 4)
    assert path.converged
    assert caps_hold(problem, spec, path.levels, path.references)
    rt = problem.resources
    for j, y in enumerate(path.levels):
        # period j priced at the trips its levels win against its own reference (the allocator's pricing)
        pj = replace(problem, values=replace(problem.values, reference=path.references[j]))
        n = contribution_model(pj).trips(y)
        priced_j = plan_from_levels(
            problem.with_demand(trips=n), y, policy=policy, expansions=path.expansions[j], shadow_prices=(), binding=()
        )
        limit = rt.capacity + path.expansions[j]
        finite = np.isfinite(limit) & (np.arange(len(limit)) != rt.escort)
        assert np.all(priced_j.resource_use[finite] <= limit[finite] * (1 + FIT) + 1e-9), j
        assert priced_j.cost_by_kind["benefit"].sum() <= rt.budget * (1 + FIT), j
    # the plan is period 0's, and its shadow prices are the final LP's (an LP: all defined)
    assert path.plan.levels.tobytes() == path.levels[0].tobytes()
    assert all(np.isfinite(p.value_cny) and p.value_cny >= 0 for p in path.plan.shadow_prices)
    if policy == "halfstep":  # halfstep spends the benefit budget: one more CNY of it is worth something
        (budget,) = [p for p in path.plan.shadow_prices if p.constraint == "budget[benefits]"]
        assert budget.binding and budget.value_cny > 0
    assert path.plan.iterations == path.iterations > 5


# --- the step LP's references: below the true ones, equal at the path ----------------------------------------


@pytest.mark.parametrize(("up", "down"), [(0.5, 0.1), (0.1, 0.5), (0.3, 0.3)])
def test_the_pieces_give_the_path_s_references_and_never_more(up, down):
    """At a path the pieces that hold give exactly its references; any other pieces give at most those; and an LP
    that pulls its references up as far as its pieces let them meets every later cap at the true references."""
    s = build(
        tiny_dict(
            expectations={"adapt_up": up, "adapt_down": down, "floor_share": 0.6},
            dimensions=[
                {"name": "lounge", "resource": "lounge", "unit_cost_cny": 50, "competitor_level": 0.35},
                {"name": "escort", "resource": "escort_staff"},
            ],
        )
    )
    problem = planning_problem(s)
    rng = np.random.default_rng(7)
    for _ in range(20):
        levels = np.sort(rng.uniform(0.0, 1.0, (4, 2, 2)), axis=1)  # nested: high ≥ low
        true = references(dynamics(problem), levels)[1][1:]
        np.testing.assert_array_equal(piece_references(problem, levels, pieces_at(problem, HALFSTEP, levels)), true)
        for side in ("up", "down"):
            other = pieces_at(problem, HALFSTEP, levels, flip=0.3, side=side)
            assert np.all(piece_references(problem, levels, other) <= true + 1e-15)
    # an LP that rewards every reference by 1,000 CNY a unit beyond what it costs the PV (λ·m·w), its levels free
    levels = np.full((3, 2, 2), 0.5)
    pull = (problem.requests[:, None] * 2.25 * problem.values.weight).ravel() + 1000.0
    built = build_path_lp(
        problem, HALFSTEP, 2, r_cost=np.array([pull, pull]), pieces=pieces_at(problem, HALFSTEP, levels)
    )
    x = solve(built.lp, "highs", 60, "direct").x
    got = np.array([x[c].reshape(2, 2) for c in built.levels])
    refs = np.array([x[c].reshape(2, 2) for c in built.refs])
    pieces = pieces_at(problem, HALFSTEP, levels)
    true = references(dynamics(problem), got)[1]
    assert np.all(refs <= true[1:] + 1e-9)
    np.testing.assert_allclose(refs, piece_references(problem, got, pieces), atol=1e-9)
    assert caps_hold(problem, HALFSTEP, got, true)


# --- the probes past the kinks -------------------------------------------------------------------------------


def test_without_probes_the_sequence_stops_at_the_competitor_s_level(monkeypatch):
    """The first steps see the bar fixed at the competitor's level (its piece holds at the myopic path); the
    probe past that kink finds the better path."""
    ahead, _ = KNOWN["past the competitor's level"]
    problem = ahead.problem()
    y0, y1, best = ahead.grid_optimum()
    with_probes = contribution_path(problem, ahead.spec(), 1)
    monkeypatch.setattr(contribution_path_module, "kinks", lambda *args: 0)
    without = contribution_path(problem, ahead.spec(), 1)
    np.testing.assert_allclose(without.levels.ravel(), [0.9, 0.9], atol=1e-9)  # the myopic path
    assert without.contribution < best - 1_000
    np.testing.assert_allclose(with_probes.levels.ravel(), [y0, y1], atol=1e-9)


def test_contribution_with_a_lookahead_through_the_policies():
    s = Ahead(800, 100, 0.6, 0.3, 0.3, 0.0, floor=0.8, beta=0.002, b0=-1).scenario(k=2)
    plan = make_plan(s, "unconstrained")
    path = contribution_path(planning_problem(s), UNCONSTRAINED, 2)
    assert plan.levels.tobytes() == path.plan.levels.tobytes()
    assert plan.iterations == path.iterations and plan.notes == path.plan.notes
    assert "looks ahead 2 periods on contribution" in plan.notes[-1]


def test_at_a_tie_the_piece_that_moves_holds():
    """Level at the expectation: κ_up's update; update at the floor: the update; expectation at the competitor's level:
    the expectation; the later period's cap at the floor: r + lead·Δ (the floor is above it only where it may be)."""
    ahead = Ahead(100, 100, 0.5, 0.6, 0.4, 0.1, floor=0.8, lead=0.5)  # floor 0.4, competitor 0.6
    problem = ahead.problem(k=2)
    # y₀ = e₀ = 0.5: e₁ = 0.5 (κ_up's or κ_down's); y₁ = 0.0: e₂ = max(0.4, 0.5 − 0.1·0.5 = 0.45)
    pieces = pieces_at(problem, ahead.spec(), np.array([0.5, 0.0, 0.3]).reshape(3, 1, 1))
    assert pieces.up.tolist() == [[True], [False]] and pieces.floor.tolist() == [[False], [False]]
    assert pieces.competitor.tolist() == [[True], [True]]  # 0.5 and 0.45 are below 0.6
    tie = Ahead(100, 100, 0.5, 0.5, 0.4, 0.1, floor=0.9, lead=0.5)  # e₁ = 0.5 = competitor; y₁ = 0: e₂ = 0.45 = floor
    pieces = pieces_at(tie.problem(k=2), tie.spec(), np.array([0.5, 0.0, 0.3]).reshape(3, 1, 1))
    assert pieces.competitor.tolist() == [[False], [True]]
    assert pieces.floor.tolist() == [[False], [False]]


def test_a_step_lp_expects_nothing_from_standing_still():
    """The predicted gain of a step is its LP's own: measured from the references its pieces give the current path, so
    standing still gains nothing, probing (lower references) or not."""
    ahead, _ = KNOWN["past the competitor's level"]
    problem = ahead.problem(k=2)
    path = PathStep(problem, ahead.spec(), 2)
    pt = path.myopic()
    for probe in (None, "up", "down"):
        _, here = path.lp(pt, 1.0, probe)
        assert path.predicted_gain(pt, pt, here, here) == pytest.approx(0.0, abs=1e-9)
    _, here = path.lp(pt, 1.0, "up")
    assert not np.array_equal(here, references(dynamics(problem), pt.levels)[1][1:])  # a probe's are lower


def test_a_probe_ends_where_its_region_reaches_no_kink():
    """Three periods at an interior optimum below the expectation, the update near its floor: the sequence halves its
    region to the tolerance, and so would each probe but for stopping once it reaches past no kink."""
    ahead = Ahead(1500, 300, 0.4, 0.0, 0.0, 0.5, floor=0.8, beta=0.005, lead=1.0)
    problem = ahead.problem(k=2)
    path = contribution_path(problem, ahead.spec(), 2)
    assert path.converged and path.iterations < problem.scenario.allocator.slp_max_iterations
