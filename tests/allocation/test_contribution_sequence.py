"""The contribution objective's sequence of LPs, checked against the model written out in closed form.

One key-account tier (a few dimensions, one lounge resource) makes every quantity a formula the
test writes itself, without the module under test:

    PV(y)   = Σ_d w_d · u(y_d − r_d)             u: loss aversion λ, lead to hΔ, weak value ρ, satiation at Δ
    n(y)    = m · logistic(β0 + β_PV·(PV(y) − PV_comp) + β_c·closeness0)
    F(y, E) = n(y) · (margin · fare − Σ_d c_d·y_d) − E          (E: the expansions' cost)

Against it: the contribution a plan reports, the optimum of a brute-force grid, and, step by step,
the sequence itself (module docstring of model.allocation.contribution): each step LP weights PV
by what it wins and holds the trips at the current plan, inside a trust region that starts at a
quarter of the level range, grows ×1.5 (to the whole range) when the true F rises and halves when
it does not; the sequence stops when an accepted step moves less than the tolerance, or when a
rejected one leaves a region below it, moved less than it, or was not expected to gain; the last
step is solved once more (canonically) in a region of the tolerance, and kept unless it loses
contribution or overruns more. A step is taken only if it also fits the capacities and the budget
at the trips it wins; one that gains but overruns is cut back to the boundary, and from a start
that overruns, a step that overruns less is taken. Every LP is counted, the inner ones go to HiGHS directly, and the time is the sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pytest
from scipy.optimize import brentq

import model.allocation.contribution as contribution
from model.allocation.allocator import allocate
from model.allocation.contribution import contribution_model, contribution_plan, priced
from model.allocation.lp import recorded_solves
from model.allocation.problem import planning_problem
from model.allocation.spec import LPSpec
from model.errors import InfeasibleError
from tests.helpers import build, tiny_dict

LAMBDA, SATIATION, WEAK = 2.25, 0.5, 0.3  # tiny_dict's value function: λ, h, ρ
DEFAULT_STEP = 0.2  # tiny_dict's value.default_step: Δ of a tier with no tier above it
MARGIN, FARE = 0.85, 1500.0
REQUESTS = 5 * 10 * 6 / 365.0 * 30  # accounts × travellers × trips a year, over a 30-day horizon
UNCONSTRAINED = LPSpec("unconstrained")


@dataclass(frozen=True)
class Dim:
    name: str
    w: float  # value weight, CNY per trip
    c: float  # unit cost, CNY per trip at level 1
    e: float = 0.5  # expectation
    comp: float = 0.0  # competitor level
    step: float | None = None  # Δ, if not the default


@dataclass(frozen=True)
class Key:
    """One tier of key accounts: its scenario, and its contribution written out."""

    dims: tuple[Dim, ...]
    beta: float = 0.01  # β_PV
    b0: float = 0.0  # the tier's choice intercept
    beta_c: float = 0.0  # β_c
    closeness0: float = 0.6
    lounge: dict = field(default_factory=dict)  # capacity and expansion of the one resource
    allocator: dict = field(default_factory=dict)

    def scenario(self):
        d = tiny_dict(
            choice={"intercept": 0.0, "value_per_cny": self.beta, "closeness": self.beta_c},
            economics={"incremental_margin": MARGIN},
            allocator={"objective": "contribution", **self.allocator},
        )
        d["resources"] = [{"name": "lounge", "kind": "benefit", "daily_capacity": 1000, **self.lounge}]
        d["dimensions"] = [
            {"name": x.name, "resource": "lounge", "unit_cost_cny": x.c, "competitor_level": x.comp} for x in self.dims
        ]
        d["tiers"] = [
            {
                "name": "key",
                "accounts": 5,
                "travellers_per_account": 10,
                "trips_per_traveller_per_year": 6,
                "fare_cny": FARE,
                "initial_closeness": self.closeness0,
                "choice_intercept": self.b0,
                "expectation": {x.name: x.e for x in self.dims},
                "value_weight_cny": {x.name: x.w for x in self.dims},
                "step": {x.name: x.step for x in self.dims if x.step is not None},
            }
        ]
        return build(d)

    def problem(self):
        return planning_problem(self.scenario())

    # --- the model in closed form, on levels shaped (..., D) -------------------------------------------

    def _arrays(self):
        w = np.array([x.w for x in self.dims])
        c = np.array([x.c for x in self.dims])
        r = np.array([max(x.e, x.comp) for x in self.dims])
        step = np.array([DEFAULT_STEP if x.step is None else x.step for x in self.dims])
        comp = np.array([x.comp for x in self.dims])
        return w, c, r, step, comp

    def pv(self, y) -> np.ndarray:
        w, _, r, step, _ = self._arrays()
        return (w * _u(np.asarray(y, dtype=float) - r, step)).sum(axis=-1)

    def logit(self, y) -> np.ndarray:
        w, _, r, step, comp = self._arrays()
        pv_comp = (w * _u(comp - r, step)).sum()
        return self.b0 + self.beta * (self.pv(y) - pv_comp) + self.beta_c * self.closeness0

    def share(self, y) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(y)))

    def trips(self, y) -> np.ndarray:
        return REQUESTS * self.share(y)

    def cost_per_trip(self, y) -> np.ndarray:
        return (self._arrays()[1] * np.asarray(y, dtype=float)).sum(axis=-1)

    def contribution(self, y, expansion: float = 0.0) -> np.ndarray:
        return self.trips(y) * (MARGIN * FARE - self.cost_per_trip(y)) - expansion

    def overrun(self, y, added: float = 0.0) -> float:
        """How far the lounge's use at the trips ``y`` wins exceeds its capacity and ``added`` uses, as a share."""
        capacity = self.lounge.get("daily_capacity", 1000) * 30 + added  # tiny_dict's horizon: 30 days
        return max(0.0, float((self.trips(y) * np.asarray(y, dtype=float).sum(axis=-1)).sum() / capacity - 1.0))

    def pv_weight(self, y) -> np.ndarray:
        """The step LP's weight on PV at y: the trips one CNY of PV wins × what a trip adds, never below 0."""
        p = self.share(y)
        return np.maximum(REQUESTS * self.beta * p * (1.0 - p) * (MARGIN * FARE - self.cost_per_trip(y)), 0.0)

    def grid_optimum(self, points: int = 100_001) -> tuple[float, float]:
        """(level, F) of the best of ``points`` evenly spaced levels of a one-dimension tier."""
        y = np.linspace(0.0, 1.0, points)
        f = self.contribution(y[:, None])
        return float(y[np.argmax(f)]), float(f.max())


def _u(x: np.ndarray, step: np.ndarray) -> np.ndarray:
    h = SATIATION * step
    return np.where(
        x < 0,
        LAMBDA * x,
        np.where(x <= h, x, np.where(x <= step, h + WEAK * (x - h), h + WEAK * (step - h))),
    )


def lounge(w: float, c: float, **key: object) -> Key:
    return Key(dims=(Dim("lounge", w, c, comp=key.pop("comp", 0.5)),), **key)  # type: ignore[arg-type]


# --- the sequence as it happens: every LP the sequence asks for ------------------------------------------


@dataclass
class Call:
    box: tuple[np.ndarray, np.ndarray] | None
    trips: np.ndarray
    requests: np.ndarray
    options: dict
    plan: object  # the Plan, or the InfeasibleError the LP's diagnosis raised


def run(monkeypatch, key: Key, start=None, spec: LPSpec = UNCONSTRAINED):
    """The plan, and every LP the sequence asked for (its trust region, trips and PV weights, and the answer)."""
    calls: list[Call] = []

    def spy(problem, lp_spec, **options):
        call = Call(problem.box, problem.trips, problem.requests, options, None)
        calls.append(call)
        try:
            call.plan = allocate(problem, lp_spec, **options)
        except InfeasibleError as e:
            call.plan = e
            raise
        return call.plan

    monkeypatch.setattr(contribution, "allocate", spy)
    problem = key.problem()
    plan = contribution_plan(problem, spec, start=start)
    monkeypatch.undo()
    return plan, calls


def region(levels: np.ndarray, delta: float, floor: bool = True) -> tuple[np.ndarray, np.ndarray]:
    lower = np.maximum(levels - delta, 0.0) if floor else np.zeros_like(levels)
    return lower, np.minimum(levels + delta, 1.0)


def replay(key: Key, plan, calls: list[Call], start=None) -> dict:
    """Check every LP of the sequence against its rules, written out; return what happened."""
    a = key.scenario().allocator
    tol, calls = a.slp_tolerance, list(calls)
    inner = {"canonical": False, "interface": "direct"}
    if start is None:
        first = calls.pop(0)
        assert first.box is None and first.options == inner  # the LP of PV − cost at the reference share
        levels, expansion, lps = first.plan.levels, first.plan.expansion_cost, 1
        added = float(first.plan.expansions[0])
    else:
        levels, expansion, lps, added = np.asarray(start, dtype=float), 0.0, 0, 0.0
    best, over = float(key.contribution(levels, expansion).sum()), key.overrun(levels, added)
    unit = key.lounge.get("expansion_cost_cny", 0.0)
    delta, converged, events, taken = 0.25, False, [], [best]

    def check_step(call: Call, delta: float, floor: bool = True) -> None:
        # the region as the LP sees it: levels live in [0, 1] whatever the box says beyond
        np.testing.assert_allclose(np.clip(call.box, 0.0, 1.0), region(levels, delta, floor), rtol=0, atol=1e-15)
        np.testing.assert_allclose(call.trips, key.trips(levels), rtol=1e-12)  # trips held at the current plan
        np.testing.assert_allclose(call.requests, key.pv_weight(levels), rtol=1e-9, atol=1e-12)

    while lps < a.slp_max_iterations:
        call = calls.pop(0)
        assert call.options == inner
        check_step(call, delta)
        if isinstance(call.plan, InfeasibleError):  # the plan overruns a capacity at its trips: no floor
            call = calls.pop(0)
            assert call.options == inner
            check_step(call, delta, floor=False)
            events.append("below the region")
        lps += 1
        cand = call.plan
        c_levels, c_added, c_cost = cand.levels, float(cand.expansions[0]), cand.expansion_cost
        value, c_over = float(key.contribution(c_levels, c_cost).sum()), key.overrun(c_levels, c_added)
        if c_over > 1e-6 >= over and value > best:  # cut back to the farthest point of the segment that fits
            low, high = 0.0, 1.0  # bisection to 2^-40 of the segment; levels and expansions move together
            for _ in range(40):
                x = 0.5 * (low + high)
                if key.overrun(levels + x * (c_levels - levels), added + x * (c_added - added)) <= 1e-6:
                    low = x
                else:
                    high = x
            c_levels, c_added = levels + low * (c_levels - levels), added + low * (c_added - added)
            c_cost, c_over = c_added * unit, 0.0
            value = float(key.contribution(c_levels, c_cost).sum())
            events.append("cut back to fit")
        moved = float(np.abs(c_levels - levels).max())
        better = value > best + 1e-9 * max(1.0, abs(best)) and c_over <= 1e-6
        if better or (over > 1e-6 and c_over < over):
            if better:
                taken.append(value)
            else:  # from a plan that overruns, a step that overruns less: taken, though F may fall
                events.append("overruns less")
                taken = [value]
            levels, expansion, best, added, over = c_levels, c_cost, value, c_added, c_over
            delta = min(1.0, 1.5 * delta)
            events.append("accepted")
            if moved < tol:
                converged = True
                events.append("stopped: moved less than the tolerance")
                break
        else:
            delta /= 2.0
            events.append("rejected")
            gain = float(
                (key.pv_weight(levels) * (key.pv(cand.levels) - key.pv(levels))).sum()
                - (key.trips(levels) * (key.cost_per_trip(cand.levels) - key.cost_per_trip(levels))).sum()
                - (cand.expansion_cost - expansion)
            )
            if delta < tol or moved < tol or gain <= 1e-9 * max(1.0, abs(best)):
                converged = True
                events.append(
                    "stopped: "
                    + ("region below the tolerance" if delta < tol else "")
                    + ("moved less than the tolerance" if delta >= tol and moved < tol else "")
                    + ("no gain expected" if delta >= tol and moved >= tol else "")
                )
                break
    final = calls.pop(0)
    assert final.options == {}  # canonical, through the scenario's interface
    floor = not isinstance(final.plan, InfeasibleError)
    if not floor:
        final = calls.pop(0)
        assert final.options == {}
    np.testing.assert_allclose(np.clip(final.box, 0.0, 1.0), region(levels, tol, floor), rtol=0, atol=1e-15)
    assert not calls
    kept = key.contribution(final.plan.levels, final.plan.expansion_cost).sum() >= best - 1e-6 * max(1.0, abs(best))
    fits = key.overrun(final.plan.levels, float(final.plan.expansions[0])) <= max(over, 1e-6)
    np.testing.assert_array_equal(plan.levels, final.plan.levels if kept and fits else levels)
    if not (kept and fits):
        np.testing.assert_array_equal(plan.expansions, [added])
    events.append(
        "canonical step kept"
        if kept and fits
        else "canonical step lost contribution: the sequence's plan kept"
        if not kept
        else "canonical step overran: the sequence's plan kept"
    )
    assert plan.iterations == lps + 1
    assert plan.converged is converged
    return {"events": events, "taken": taken, "levels": levels, "lps": lps}


# --- what a plan reports --------------------------------------------------------------------------------

TWO = Key(  # a competitor, closeness and the tier's own intercept all in the logit, and a negative logit
    dims=(Dim("lounge", 300.0, 80.0, e=0.6, comp=0.4), Dim("cars", 150.0, 120.0, e=0.3, comp=0.5, step=0.25)),
    beta=0.006,
    b0=-2.5,
    beta_c=1.5,
    closeness0=0.4,
)


def test_the_plan_reports_the_trips_and_contribution_of_its_levels():
    problem = TWO.problem()
    plan = contribution_plan(problem, UNCONSTRAINED)
    assert plan.objective == "contribution" and plan.converged
    assert np.all(TWO.logit(plan.levels) < 0)  # the logistic's negative branch
    # one formula evaluated two ways: equal to rounding (a relative 1e-12 is a thousand times the round-off)
    np.testing.assert_allclose(plan.expected_trips, TWO.trips(plan.levels), rtol=1e-12)
    assert plan.expected_contribution == pytest.approx(TWO.contribution(plan.levels).sum(), rel=1e-12)
    model = contribution_model(problem)
    # and to the bit what the model says of the plan: the sequence chose the plan on this number
    assert plan.expected_contribution == model.value(plan.levels, plan.expansion_cost) - problem.resources.roster_cost
    for y in ([[0.0, 0.0]], [[0.35, 0.9]], [[1.0, 1.0]]):
        levels = np.array(y)
        assert model.value(levels) == pytest.approx(TWO.contribution(levels).sum(), rel=1e-12)
        assert model.value(levels, 250.0) == pytest.approx(TWO.contribution(levels, 250.0).sum(), rel=1e-12)


def test_a_plan_re_priced_keeps_everything_but_its_trips_and_contribution():
    """``priced``: the trips flown respond to the plan's PV; what the plan decided and reported stays."""
    key = lounge(300.0, 80.0, lounge={"expansion_cost_cny": 40.0})
    problem = key.problem()
    made = allocate(problem, LPSpec("halfstep", lead=0.5, maximize="perceived value"))
    plan = replace(
        made,
        levels=np.array([[0.55]]),
        expansions=np.array([3.0]),
        expansion_cost=3 * 40.0,
        binding=("budget[benefits]",),
        status="Time limit reached",
        build_seconds=1.25,
        solve_seconds=2.5,
        notes=("a note",),
        iterations=7,
        converged=False,
    )
    again = priced(problem, plan)
    for name in ("objective", "lead", "solver", "status", "build_seconds", "solve_seconds", "notes", "iterations"):
        assert getattr(again, name) == getattr(plan, name), name
    assert again.binding == plan.binding and again.shadow_prices == plan.shadow_prices
    assert again.converged is False and again.lead == 0.5 and again.objective == "perceived value"
    np.testing.assert_array_equal(again.expansions, [3.0])
    np.testing.assert_array_equal(again.levels, plan.levels)
    np.testing.assert_allclose(again.expected_trips, key.trips(plan.levels), rtol=1e-12)
    assert again.expected_contribution == pytest.approx(key.contribution(plan.levels, 3 * 40.0).sum(), rel=1e-12)
    assert priced(problem, plan, iterations=9, converged=True).iterations == 9  # what the caller adds wins


# --- the sequence, step by step ---------------------------------------------------------------------------

INTERIOR = [  # (w, c, β_PV, β0): optima inside a segment of u, where the share is far from the reference share
    (100.0, 1500.0, 0.01, 0.0),
    (800.0, 1000.0, 0.02, -1.0),
    (200.0, 1000.0, 0.005, 1.0),
]


@pytest.mark.parametrize(("w", "c", "beta", "b0"), INTERIOR)
def test_the_sequence_finds_the_grid_optimum_where_trips_respond(monkeypatch, w, c, beta, b0):
    key = lounge(w, c, beta=beta, b0=b0)
    best_level, best = key.grid_optimum()
    share = float(key.share(np.array([best_level])))
    reference = float(key.share(np.array([0.5])))
    assert abs(share - reference) > 0.05  # trips held at the reference share would lead elsewhere
    plan, calls = run(monkeypatch, key)
    seen = replay(key, plan, calls)
    assert "accepted" in seen["events"] and "rejected" in seen["events"] and plan.converged
    assert np.all(np.diff(seen["taken"]) > 0)  # every step taken raised the contribution
    # the grid's spacing is 1e-5 and the sequence stops within its tolerance 1e-4 of a stationary plan: 2e-4;
    # F is flat at its optimum (quadratic), so its value is a thousand times closer than the level
    assert plan.levels[0, 0] == pytest.approx(best_level, abs=2e-4)
    assert best - 1e-6 * best <= plan.expected_contribution <= best + 1e-9 * best


def _lounge_at(e: float, step: float, w: float, c: float, **key: object) -> Key:
    return Key(dims=(Dim("lounge", w, c, e=e, comp=e, step=step),), **key)  # type: ignore[arg-type]


RULES = {  # a sequence for each way a step can go and a sequence can end: (key, start)
    "at a kink at once": (lounge(200.0, 50.0, beta=0.004), None),
    "the canonical step moves within the tolerance": (
        Key(dims=(Dim("lounge", 800.0, 30.0, comp=0.0),), beta=0.02, b0=-2.0),
        None,
    ),
    "the region grows to the whole range": (_lounge_at(0.5, 0.4, 2000.0, 300.0, beta=0.005), [[0.0]]),
    "expansions change from step to step": (
        lounge(100.0, 1500.0, beta=0.01, lounge={"daily_capacity": 0.03, "expansion_cost_cny": 100.0}),
        None,
    ),
    "a step that expands loses contribution": (
        lounge(600.0, 200.0, beta=0.01, b0=-1.0, comp=0.0, lounge={"daily_capacity": 0.2, "expansion_cost_cny": 30.0}),
        None,
    ),
    "a start that overruns the capacity": (lounge(100.0, 1500.0, beta=0.01, lounge={"daily_capacity": 0.2}), [[1.0]]),
    "a start that overruns where more service pays": (
        _lounge_at(0.8, 0.2, 1000.0, 30.0, beta=0.02, lounge={"daily_capacity": 0.05}),
        [[1.0]],
    ),
    "the first plan expands the lounge": (
        lounge(400.0, 30.0, beta=0.02, b0=-1.0, comp=0.0, lounge={"daily_capacity": 0.05, "expansion_cost_cny": 20.0}),
        None,
    ),
    # the first plan stops at the reference and expands the lounge to fit (it would overrun 3× without): the first
    # step is measured against its contribution and overrun with that expansion and its cost, and cut back to fit
    "the first plan fits by an expansion": (
        lounge(100.0, 30.0, beta=0.01, lounge={"daily_capacity": 0.05, "expansion_cost_cny": 300.0}),
        None,
    ),
    "a step from a start that fits is cut back to fit": (
        lounge(100.0, 1500.0, beta=0.01, lounge={"daily_capacity": 0.03}),
        [[0.0]],
    ),
    # the start overruns by 2%; a step that moves service to the dimension that wins trips fits at the start's
    # trips but overruns more at its own: refused, until a step overruns less
    "from a start that overruns, a step that overruns more is refused": (
        Key(dims=(Dim("cheap", 50.0, 10.0), Dim("rich", 2000.0, 10.0)), beta=0.01, lounge={"daily_capacity": 0.525}),
        [[1.0, 0.0]],
    ),
    # one step, refused: the canonical step starts from a plan that overruns at the trips it wins, where a region
    # of the tolerance with its lower side has no plan that fits; it goes below it, down to the floors
    "the cap ends the sequence at a plan that overruns": (
        Key(
            dims=(Dim("cheap", 50.0, 10.0), Dim("rich", 2000.0, 10.0)),
            beta=0.01,
            lounge={"daily_capacity": 0.525},
            allocator={"slp_max_iterations": 1},
        ),
        [[1.0, 0.0]],
    ),
    # a coarse tolerance and levels on a binary grid (Δ = 0.25 or 0.5 from r = 0.5): steps of exactly the tolerance
    "a move of exactly the tolerance is a move": (
        _lounge_at(0.5, 0.5, 800.0, 400.0, beta=0.01, b0=-1.0, allocator={"slp_tolerance": 0.25}),
        [[0.0]],
    ),
    "a region of exactly the tolerance is searched": (
        _lounge_at(0.5, 0.25, 300.0, 1000.0, beta=0.01, allocator={"slp_tolerance": 0.125}),
        None,
    ),
}


@pytest.mark.parametrize("case", list(RULES))
def test_each_step_follows_the_rules(monkeypatch, case):
    key, start = RULES[case]
    plan, calls = run(monkeypatch, key, start=start)
    seen = replay(key, plan, calls, start=start)
    assert np.all(np.diff(seen["taken"]) > 0)  # every step taken raised the contribution
    assert plan.expected_contribution == pytest.approx(
        key.contribution(plan.levels, plan.expansion_cost).sum(), rel=1e-12
    )


def test_a_stationary_plan_stops_at_the_first_step_that_sees_no_gain(monkeypatch):
    """A dimension nobody values and that costs nothing: the step LP may move it, but expects nothing from it.

    The lounge is at its optimum (the satiation kink, r + Δ = 0.7); the sequence solves one step, sees that it
    gains nothing, and stops there: the plan is the start, to the final step's region of the tolerance.
    """
    key = Key(dims=(Dim("lounge", 200.0, 50.0), Dim("free", 0.0, 0.0)), beta=0.004)
    start = np.array([[0.7, 0.5]])
    plan, calls = run(monkeypatch, key, start=start)
    assert replay(key, plan, calls, start=start)["events"] == [
        "rejected",
        "stopped: no gain expected",
        "canonical step kept",
    ]
    assert calls[0].plan.levels[0, 1] != 0.5  # the step LP did move the free dimension: a tie, not a gain
    assert plan.converged and plan.iterations == 2
    np.testing.assert_allclose(plan.levels, start, rtol=0, atol=1e-4)  # slp_tolerance


def test_a_step_that_moves_less_than_the_tolerance_ends_the_sequence(monkeypatch):
    key = lounge(200.0, 50.0, beta=0.004)  # the optimum: the satiation kink, 0.7
    start = np.array([[0.7 - 5e-5]])
    plan, calls = run(monkeypatch, key, start=start)
    assert replay(key, plan, calls, start=start)["events"] == [
        "accepted",
        "stopped: moved less than the tolerance",
        "canonical step kept",
    ]
    assert plan.converged and plan.iterations == 2
    assert plan.levels[0, 0] == pytest.approx(0.7, abs=1e-12)


@pytest.mark.parametrize("cap", [1, 2, 5])
def test_the_sequence_stops_unconverged_at_its_cap(monkeypatch, cap):
    """``slp_max_iterations`` LPs of the sequence (the first one included), then the final canonical step."""
    key = lounge(100.0, 1500.0, beta=0.01, allocator={"slp_max_iterations": cap})
    plan, calls = run(monkeypatch, key)
    replay(key, plan, calls)
    assert not plan.converged
    assert plan.iterations == cap + 1 and len(calls) == cap + 1


# --- what the sequence costs: the LPs it counts, where they go, the time it reports ----------------------


@pytest.mark.parametrize(
    ("solver", "interface", "start"),
    [("highs", "pulp", None), ("highs", "pulp", [[1.0]]), ("cbc", "auto", None)],
)
def test_every_lp_is_counted_and_the_inner_ones_go_to_highs_directly(solver, interface, start):
    """The plan's ``iterations`` are the LPs of the sequence and its final step; the final step's tie-break
    solves two more (model.allocation.ties). HiGHS takes the inner steps whole; CBC only through PuLP."""
    settings = {"solver": solver, "interface": interface}
    if solver == "cbc":  # a short sequence: CBC runs as a process of its own for every LP
        key = lounge(200.0, 50.0, beta=0.004, allocator=settings)
    else:
        key = lounge(100.0, 1500.0, beta=0.01, lounge={"daily_capacity": 0.2}, allocator=settings)
    with recorded_solves() as solves:
        plan = contribution_plan(key.problem(), UNCONSTRAINED, start=None if start is None else np.array(start))
    assert plan.converged and plan.iterations >= 3
    assert len(solves) == plan.iterations + 2
    paths = [solution.interface for _, solution in solves]
    inner = "direct" if solver == "highs" else "pulp"
    assert paths == [inner] * (plan.iterations - 1) + ["pulp"] * 3


@pytest.mark.parametrize("start", [None, [[1.0]]])
def test_the_time_reported_is_that_of_every_lp(monkeypatch, start):
    key = lounge(100.0, 1500.0, beta=0.01, lounge={"daily_capacity": 0.2})
    plan, calls = run(monkeypatch, key, start=None if start is None else np.array(start))
    solved = [c.plan for c in calls if not isinstance(c.plan, InfeasibleError)]
    assert len(solved) > 3 and all(p.build_seconds > 0 and p.solve_seconds > 0 for p in solved)
    # the same sums, in the same order: equal but for the last bit
    assert plan.build_seconds == pytest.approx(sum(p.build_seconds for p in solved), rel=1e-12)
    assert plan.solve_seconds == pytest.approx(sum(p.solve_seconds for p in solved), rel=1e-12)


def test_a_start_in_any_precision_is_the_levels_it_stands_for():
    """Levels kept in half precision start the sequence where their values are: its first region is not rounded."""
    key = lounge(800.0, 1000.0, beta=0.02, b0=-1.0, allocator={"slp_max_iterations": 1})  # one step, then the final
    problem = key.problem()
    half = np.array([[0.3000488]], dtype=np.float16)  # 0.300048828125: + 0.25 needs more bits than a float16 has
    plan = contribution_plan(problem, UNCONSTRAINED, start=half)
    np.testing.assert_array_equal(
        plan.levels, contribution_plan(problem, UNCONSTRAINED, start=half.astype(float)).levels
    )
    assert plan.levels[0, 0] == pytest.approx(0.300048828125 + 0.25, abs=1e-4)  # the first step: to its region's edge


def test_from_a_start_that_overruns_where_more_service_pays_the_plan_comes_down_to_fit():
    """Each step down loses contribution but overruns less: taken, until the plan fits at the trips it wins."""
    key = _lounge_at(0.8, 0.2, 1000.0, 30.0, beta=0.02, lounge={"daily_capacity": 0.05})
    start = np.array([[1.0]])
    assert key.overrun(start) > 0.5 and key.contribution(start).sum() > key.contribution(np.array([[0.8]])).sum()
    plan = contribution_plan(key.problem(), UNCONSTRAINED, start=start)
    assert key.overrun(plan.levels) <= 1e-6
    y = np.linspace(0.0, 1.0, 10_001)
    fits = np.array([key.overrun(np.array([[x]])) <= 1e-6 for x in y])
    f = key.contribution(y[fits][:, None])
    assert np.argmax(f) == len(f) - 1  # F rises up to the capacity: the best plan that fits is on its boundary
    edge = brentq(lambda x: key.overrun(np.array([[x]])) - 1e-6, y[fits][-1], y[~fits][0], xtol=1e-12)
    assert plan.levels[0, 0] == pytest.approx(edge, abs=1e-9)  # the bisection's 2^-40 of a step, to spare
    assert plan.expected_contribution == pytest.approx(float(key.contribution(np.array([[edge]])).sum()), rel=1e-7)


def test_the_plan_fits_the_capacity_at_the_trips_it_wins():
    key = lounge(100.0, 1500.0, beta=0.01, lounge={"daily_capacity": 0.03})  # 0.9 lounge uses over the horizon
    y = np.linspace(0.0, 1.0, 100_001)
    fits = key.trips(y[:, None]) * y <= 0.9
    best = float(key.contribution(y[fits][:, None]).max())
    plan = contribution_plan(key.problem(), UNCONSTRAINED)
    assert plan.resource_use[0] <= 0.9 * (1 + 1e-9)
    assert plan.expected_contribution == pytest.approx(best, rel=1e-5)
