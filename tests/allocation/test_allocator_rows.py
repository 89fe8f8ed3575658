"""What the allocator's rows and columns show a user, on small scenarios worked out by hand.

Shadow prices (their constraint, unit, sentence, used and limit), expansions, the LP's objective
and its constant, the plan's costs by kind and contribution, level clipping, timing and the
solver path. Expected trips ``n`` and requests ``m`` are given to :func:`allocate`, so every
expected number below follows from the scenario's own numbers by hand.

The tiny scenario (tests/helpers.py), with ``N`` = 10 and 20 trips: lounge (a benefit, 50 CNY a
use, one use a trip) — tier low r = 0.2, Δ = 0.3, w = 100; tier high r = 0.5, Δ = 0.2, w = 200;
λ = 2.25, h = 0.5, ρ = 0.3. With m = n, a level of the lounge is worth, per CNY spent on it,
λw/50 below r, w/50 in the noticed lead (to r + hΔ), ρw/50 in the weak lead (to r + Δ).
The escort dimension is valued at 0 unless a test says otherwise (escort weight 0: it stays at 0).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

import model.allocation.allocator as allocator_module
from model.allocation.allocator import allocate, build_lp, plan_from_levels, plan_from_solution
from model.allocation.columns import columns, level_sums
from model.allocation.lp import recorded_solves, solve
from model.allocation.problem import planning_problem
from model.allocation.spec import LPSpec
from tests.helpers import build, tiny_dict

N = np.array([10.0, 20.0])
HALF = LPSpec("halfstep", lead=0.5)


def _tiny(**top) -> dict:
    d = tiny_dict(allocator={"objective": "net_value"}, **top)
    for t in d["tiers"]:
        t["value_weight_cny"]["escort"] = 0
    return d


def _shadows(plan) -> dict:
    return {sp.constraint: sp for sp in plan.shadow_prices}


def test_a_binding_benefit_budget_is_named_priced_and_said_in_words():
    """Budget 650 CNY; the escort is held at 0.5 (it costs nothing and is not a benefit: not in the budget).
    Best per CNY: high below r (9 per CNY), low below r (4.5), high's noticed lead (4), low's (2).
    High to 0.5 costs 20·0.5·50 = 500, low to 0.2 costs 100; the last 50 CNY lift high by 50/1000 = 0.05.
    One more CNY buys 4 CNY of PV at 1 CNY of cost: 3 CNY of net value."""
    d = _tiny(budget={"benefits_cny": 650.0})
    p = allocate(build(d), LPSpec("halfstep", lead=0.5, fixed=((1, (0.5, 0.5)),)), n=N, m=N)
    np.testing.assert_allclose(p.levels, [[0.2, 0.5], [0.55, 0.5]], atol=1e-9)
    sp = _shadows(p)["budget[benefits]"]
    assert sp.unit == "CNY of benefit budget"
    assert sp.binding and sp.value_cny == pytest.approx(3.0, rel=1e-9)
    assert sp.limit == 650.0 and sp.used == pytest.approx(650.0, rel=1e-9)
    assert (
        sp.sentence(p.objective)
        == "one more CNY of benefit budget adds 3.00 CNY of net value (binding: 650 of 650 used)"
    )
    # the lounge's capacity (1000 a day × 30 days) is slack: 0.2·10 + 0.55·20 = 13 uses of it
    cap = _shadows(p)["capacity[lounge]"]
    assert cap.unit == "use of lounge" and not cap.binding and cap.value_cny == 0.0
    assert cap.limit == 30_000.0 and cap.used == pytest.approx(13.0, rel=1e-9)
    assert cap.sentence(p.objective) == "one more use of lounge adds 0.00 CNY of net value (slack: 13 of 30,000 used)"


def test_escort_rows_are_per_clock_hour_in_staff_hours():
    """Two staff on duty 06:00–22:00 for 30 days: 60 staff-hours in each clock hour; the escorts of the
    08:00, 12:00 and 18:00 departures start 60–120 minutes before them."""
    p = allocate(build(_tiny()), HALF, n=N, m=N)
    escort = {k: sp for k, sp in _shadows(p).items() if k.startswith("capacity[escort_staff ")}
    assert sorted(escort) == [f"capacity[escort_staff {h:02d}:00]" for h in (6, 7, 10, 11, 16, 17)]
    for key, sp in escort.items():
        hour = re.fullmatch(r"capacity\[escort_staff (\d\d):00\]", key).group(1)
        assert sp.unit == f"escort staff-hour at {hour}:00"
        assert sp.limit == 60.0


def _escort_expandable(expansion_max: float) -> dict:
    """Escort valued at 1000 CNY a trip by both tiers, one staff-hour on the roster at 06:00 and 07:00 only
    (not enough), added staff-hours at 1 CNY each, at most ``expansion_max`` of them."""
    d = tiny_dict(allocator={"objective": "net_value"})
    d["resources"][1]["staff_on_duty"] = [0] * 6 + [1] * 2 + [0] * 16
    d["resources"][1]["expansion_cost_cny"] = 1.0
    d["resources"][1]["expansion_max"] = expansion_max
    for t in d["tiers"]:
        t["value_weight_cny"]["escort"] = 1000
    return d


def test_the_escort_expansion_limit_is_reported_with_its_unit():
    p = allocate(build(_escort_expandable(1.0)), HALF, n=N, m=N)
    sp = _shadows(p)["expansion[escort_staff]"]
    assert sp.unit == "added escort staff-hour"
    assert sp.binding and sp.limit == 1.0 and sp.used == pytest.approx(1.0, rel=1e-9)
    assert sp.sentence(p.objective).startswith("one more added escort staff-hour adds ")
    esc = p.resources.index("escort_staff")
    assert p.escort_hours_added.sum() == pytest.approx(1.0, rel=1e-9)
    assert p.expansions[esc] == pytest.approx(1.0, rel=1e-9)
    assert p.expansion_cost == pytest.approx(1.0, rel=1e-9)  # 1 staff-hour at 1 CNY


def _lounge_short(**top) -> dict:
    """The lounge: 0.4 uses a day (12 over 30 days), more at 10 CNY a use."""
    d = _tiny(**top)
    d["resources"][0]["daily_capacity"] = 0.4
    d["resources"][0]["expansion_cost_cny"] = 10.0
    return d


def _without_escort(d: dict) -> dict:
    d["resources"] = [r for r in d["resources"] if r["kind"] != "escort"]
    d["dimensions"] = [x for x in d["dimensions"] if x["name"] != "escort"]
    for t in d["tiers"]:
        for table in ("expectation", "value_weight_cny", "standard"):
            t[table].pop("escort", None)
    return d


@pytest.mark.parametrize("escort", [True, False])
def test_a_short_lounge_is_expanded_by_exactly_what_the_plan_uses_beyond_it(escort):
    """Unconstrained, low goes to r + hΔ = 0.35 (its weak lead, 30 a use, is below 50), high to its
    half-step cap 0.6: 3.5 + 12 = 15.5 uses. A use beyond capacity costs 10 more, still less than the
    noticed lead's 100 − 50: so 3.5 uses are added (35 CNY), and one more use of capacity saves 10 CNY.
    Without an escort resource, the lounge is expanded the same way."""
    d = _lounge_short() if escort else _without_escort(_lounge_short())
    p = allocate(build(d), HALF, n=N, m=N)
    np.testing.assert_allclose(p.levels[:, 0], [0.35, 0.6], atol=1e-9)
    lounge = p.resources.index("lounge")
    assert p.expansions[lounge] == pytest.approx(3.5, rel=1e-9)
    assert p.expansion_cost == pytest.approx(35.0, rel=1e-9)
    sp = _shadows(p)["capacity[lounge]"]
    assert sp.unit == "use of lounge" and sp.binding and sp.limit == 12.0
    assert sp.value_cny == pytest.approx(10.0, rel=1e-9)
    assert sp.sentence(p.objective) == "one more use of lounge adds 10.00 CNY of net value (binding: 12 of 12 used)"


def test_every_finite_resource_has_its_row_whatever_the_order_of_resources():
    """The escort first, an unlimited lounge, then a car service of 1 use a day: the car's capacity is reported."""
    d = _tiny()
    d["resources"] = [d["resources"][1], {"name": "lounge", "kind": "benefit"}]
    d["resources"].append({"name": "car", "kind": "benefit", "daily_capacity": 1})
    d["dimensions"].append({"name": "car", "resource": "car", "unit_cost_cny": 20})
    for t, r in zip(d["tiers"], (0.1, 0.3), strict=True):
        t["expectation"]["car"] = r
        t["value_weight_cny"]["car"] = 100
    p = allocate(build(d), HALF, n=N, m=N)
    keys = [sp.constraint for sp in p.shadow_prices]
    assert "capacity[car]" in keys and "capacity[lounge]" not in keys
    car = _shadows(p)["capacity[car]"]
    assert car.unit == "use of car" and car.limit == 30.0


@pytest.mark.parametrize(("maximize", "price"), [("net value", 5.2), ("perceived value", 6.2)])
def test_a_uniform_plans_matched_spend_is_named_and_priced(maximize, price):
    """One lounge level y for both tiers, spend 50·30·y = 1500·y ≤ 600 → y = 0.4. At 0.4 low is in its weak
    lead (ρw·10 = 300 a unit of y) and high below r (λw·20 = 9000): 9300 of PV a unit of y for 1500 of
    spend. A CNY more of spend: 9300/1500 − 1 = 5.2 of net value, or 6.2 of PV alone."""
    p = allocate(build(_tiny()), LPSpec("uniform", uniform=True, spend_cap=600.0, maximize=maximize), n=N, m=N)
    np.testing.assert_allclose(p.levels, [[0.4, 0.0], [0.4, 0.0]], atol=1e-9)
    sp = _shadows(p)["spend[matched]"]
    assert sp.unit == "CNY of matched spend"
    assert sp.binding and sp.limit == 600.0 and sp.used == pytest.approx(600.0, rel=1e-9)
    assert sp.value_cny == pytest.approx(price, rel=1e-9)
    worth = "CNY-equivalent" if maximize == "perceived value" else "CNY"
    assert (
        sp.sentence(maximize)
        == f"one more CNY of matched spend adds {price:.2f} {worth} of {maximize} (binding: 600 of 600 used)"
    )


def test_a_perceived_value_plan_buys_capacity_whatever_it_costs_within_the_spend_cap():
    """Maximizing PV under a spend cap of 10⁶ CNY, the lounge (6 uses) is expanded at 100 CNY a use up to
    where PV stops growing: r + Δ of the highest tier, 0.7 for both; 30·0.7 − 6 = 15 uses added. Weighing
    the expansion's cost against PV would stop at 0.5 (high's weak lead, 60·20 a unit of y, is less than
    30 uses × 100 CNY)."""
    d = _tiny()
    d["resources"][0]["daily_capacity"] = 0.2
    d["resources"][0]["expansion_cost_cny"] = 100.0
    p = allocate(build(d), LPSpec("uniform", uniform=True, spend_cap=1e6, maximize="perceived value"), n=N, m=N)
    np.testing.assert_allclose(p.levels[:, 0], [0.7, 0.7], atol=1e-9)
    assert p.expansions[p.resources.index("lounge")] == pytest.approx(15.0, rel=1e-9)
    assert p.expansion_cost == pytest.approx(1500.0, rel=1e-9)


@pytest.mark.parametrize("fixed", [(), ((1, (0.5,)),)])
def test_a_uniform_plan_of_one_tier(fixed):
    """Tier low alone (Δ the default step 0.2): its lounge is worth λw = 225 a use below r = 0.2, for 50;
    spend 500·y ≤ 50 stops it at 0.1, and one more CNY is worth 225/50 − 1 = 3.5. The escort (free) goes
    to r + Δ = 0.3, or stays where it is held."""
    d = _tiny()
    d["tiers"] = d["tiers"][:1]
    d["tiers"][0]["value_weight_cny"]["escort"] = 100
    p = allocate(build(d), LPSpec("uniform", uniform=True, spend_cap=50.0, fixed=fixed), n=N[:1], m=N[:1])
    np.testing.assert_allclose(p.levels, [[0.1, 0.5 if fixed else 0.3]], atol=1e-9)
    assert _shadows(p)["spend[matched]"].value_cny == pytest.approx(3.5, rel=1e-9)


def _objective(lp, x: np.ndarray) -> float:
    return float(lp.cost @ x + lp.offset)


@pytest.mark.parametrize("maximize", ["net value", "perceived value"])
def test_the_lps_value_at_nothing_served_is_the_loss_below_every_reference(maximize):
    """Every level held at 0: PV = −Σ m·λ·w·r = −2.25·(10·(100·0.2 + 100·0.1) + 20·(200·0.5 + 300·0.4))."""
    d = tiny_dict(allocator={"objective": "net_value"})
    spec = LPSpec("none", maximize=maximize, fixed=((0, (0.0, 0.0)), (1, (0.0, 0.0))))
    built = build_lp(planning_problem(build(d), n=N, m=N), spec)
    solution = solve(built.lp, "highs", 10.0, "direct")
    assert _objective(built.lp, solution.x) == pytest.approx(-2.25 * (10 * 30 + 20 * 220), rel=1e-12)


def test_the_lps_value_at_its_optimum_is_the_plans_net_value():
    """PV counts from the reference. Low's lounge at 0.35: the noticed lead, 100·0.15 = 15 a trip, 10 trips, less
    50·0.35 each: 150 − 175 = −25. High's at 0.6: 200·0.1 = 20 a trip, 20 trips, less 50·0.6 each: 400 − 600 = −200.
    The escort (weight 0, no cost) at 0: nothing. In all −225 CNY."""
    built = build_lp(planning_problem(build(_tiny()), n=N, m=N), HALF)
    solution = solve(built.lp, "highs", 10.0, "direct")
    assert _objective(built.lp, solution.x) == pytest.approx(-225.0, rel=1e-9)


def test_the_plan_of_a_solution_keeps_levels_within_their_bounds_and_drops_round_off():
    """A solver's round-off (1e-9 outside a bound, −0.0, a tiny dual on a slack row) does not reach the plan.
    The lounge may be expanded but has room to spare (nothing added); the escort is held at 0.5."""
    d = _lounge_short()
    d["resources"][0]["daily_capacity"] = 1000
    spec = LPSpec("halfstep", lead=0.5, fixed=((1, (0.5, 0.5)),))
    built = build_lp(planning_problem(build(d), n=N, m=N), spec)
    solution = solve(built.lp, "highs", 10.0, "direct")
    x = solution.x.copy()
    x[built.y[0, 0]] = built.hi[0, 0] + 1e-9  # low's lounge at its half-step cap 0.35
    x[built.y[0, 1]] = 0.5 - 1e-9  # low's escort, held at 0.5
    x[built.e[0]] = -0.0  # the lounge's expansion: none
    dual = solution.dual.copy()
    slack_rows = [row for row, _, _ in built.rows.values() if solution.slack[row] > 1.0]
    dual[slack_rows] = 1e-9
    p = plan_from_solution(spec, built, dataclasses.replace(solution, x=x, dual=dual))
    np.testing.assert_array_equal(p.levels[:, 1], [0.5, 0.5])
    assert p.levels[0, 0] == built.hi[0, 0] == pytest.approx(0.35)
    assert p.expansions[0] == 0.0 and not np.signbit(p.expansions).any()
    assert slack_rows and all(sp.value_cny == 0.0 for sp in p.shadow_prices if not sp.binding)
    assert p.lead == 0.5 and p.solver == "highs" and p.status == "Optimal" and p.objective == "net value"
    no_cap = plan_from_solution(LPSpec("fullstep", maximize="perceived value"), built, solution)
    assert no_cap.lead is None and no_cap.objective == "perceived value"


def test_a_lead_cap_beyond_one_step_allows_no_level_above_one():
    built = build_lp(planning_problem(build(_tiny()), n=N, m=N), LPSpec("lead", lead=100.0))
    assert built.hi.max() == 1.0 and built.lp.upper[built.y].max() == 1.0


def test_plan_from_levels_clips_levels_and_prices_them_by_kind():
    """Levels asked for outside [0, 1] are clipped. Escort at 8 CNY a trip. Cost: low 10·8·0.25 = 20,
    high 20·(50·1 + 8·0.5) = 1080. Revenue 10·1000 and 20·1500 at a margin of 0.4: 16,000. The lounge's
    2 added uses at 10 CNY and the escort's 2.5 added staff-hours at 4 CNY: 30 CNY. The roster:
    2 staff × 16 hours × 30 days × 60 CNY = 57,600. Contribution 16,000 − 1100 − 30 − 57,600 = −42,730."""
    d = _tiny(economics={"incremental_margin": 0.4})
    d["dimensions"][1]["unit_cost_cny"] = 8
    d["resources"][0]["expansion_cost_cny"] = 10.0
    d["resources"][1]["expansion_cost_cny"] = 4.0
    problem = planning_problem(build(d), n=N, m=N)
    hours = [0.0] * 24
    hours[8] = 2.5
    p = plan_from_levels(
        problem,
        [[-0.5, 0.25], [1.5, 0.5]],
        policy="mine",
        expansions=[2, 0],
        escort_hours_added=hours,
        shadow_prices=(),
        binding=(),
    )
    np.testing.assert_array_equal(p.levels, [[0.0, 0.25], [1.0, 0.5]])
    assert p.policy == "mine" and p.scenario == "tiny"
    assert p.tiers == ("low", "high") and p.dimensions == ("lounge", "escort")
    assert set(p.cost_by_kind) == {"seat_holds", "escort", "benefit"}
    np.testing.assert_allclose(p.cost_by_kind["benefit"], [0.0, 1000.0])
    np.testing.assert_allclose(p.cost_by_kind["escort"], [20.0, 80.0])
    np.testing.assert_allclose(p.cost_by_kind["seat_holds"], [0.0, 0.0])
    np.testing.assert_allclose(p.cost, [20.0, 1080.0])
    np.testing.assert_allclose(p.expansions, [2.0, 2.5])
    assert p.expansion_cost == pytest.approx(30.0)
    np.testing.assert_allclose(p.revenue, [10_000.0, 30_000.0])
    assert p.margin == 0.4 and p.roster_cost == 57_600.0
    assert p.expected_contribution == pytest.approx(-42_730.0)
    np.testing.assert_allclose(p.contribution, [4000.0 - 20.0, 12_000.0 - 1080.0])
    # over-service: the share of a level above r + hΔ — high's lounge 1.0 above 0.6: 0.4 of its 1000 CNY;
    # all of a dimension valued at 0 (the escort here): 20 and 80
    np.testing.assert_allclose(p.over_service_cost, [20.0, 400.0 + 80.0])


def test_plan_from_levels_keeps_an_expected_contribution_given_to_it():
    p = plan_from_levels(
        planning_problem(build(_tiny()), n=N, m=N),
        np.zeros((2, 2)),
        policy="x",
        shadow_prices=(),
        binding=(),
        expected_contribution=1.5,
    )
    assert p.expected_contribution == 1.5


def test_allocate_times_building_with_loading_and_solving_apart(monkeypatch):
    """build_seconds: from the start to the LP built (0.25 s on the clock below) plus every load into the solver."""

    class Clock:
        ticks = iter([100.0, 100.25])

        @staticmethod
        def perf_counter() -> float:
            return next(Clock.ticks)

    monkeypatch.setattr(allocator_module, "time", Clock)
    with recorded_solves() as solves:
        p = allocate(build(_tiny()), HALF, n=N, m=N)
    assert len(solves) >= 2  # the plan, then the tie-break among equal plans
    assert p.build_seconds == pytest.approx(0.25 + sum(s.load_seconds for _, s in solves), rel=1e-12)
    assert p.solve_seconds == pytest.approx(sum(s.solve_seconds for _, s in solves), rel=1e-12)
    assert p.solve_seconds > 0


def test_allocate_takes_the_interface_asked_for_and_skips_the_tie_break_when_told():
    with recorded_solves() as solves:
        allocate(build(_tiny()), HALF, n=N, m=N, interface="direct")
    assert len(solves) >= 2 and {s.interface for _, s in solves} == {"direct"}
    with recorded_solves() as solves:
        allocate(build(_tiny()), HALF, n=N, m=N, canonical=False)
    assert len(solves) == 1


def test_allocate_prices_value_on_the_trips_requested():
    """m (requests) apart from n (trips flown): PV counts on every request."""
    p = allocate(build(_tiny()), HALF, n=N, m=2 * N)
    np.testing.assert_array_equal(p.expected_requests, 2 * N)
    np.testing.assert_array_equal(p.expected_trips, N)


def test_the_lps_rows_are_named_for_what_they_bound():
    """The names PuLP gives the rows (and CBC's MPS file shows): cap_k, cap_k_HH, add_k, budget, spend."""
    d = _escort_expandable(1.0)
    d["budget"] = {"benefits_cny": 650.0}
    built = build_lp(planning_problem(build(d), n=N, m=N), LPSpec("uniform", uniform=True, spend_cap=600.0))
    names = built.lp.row_names()
    assert len(set(names)) == len(names)
    shown = {key: names[row] for key, (row, _, _) in built.rows.items()}
    assert shown == {
        "capacity[lounge]": "cap_0",
        "capacity[escort_staff 06:00]": "cap_1_06",
        "capacity[escort_staff 07:00]": "cap_1_07",
        "capacity[escort_staff 10:00]": "cap_1_10",
        "capacity[escort_staff 11:00]": "cap_1_11",
        "capacity[escort_staff 16:00]": "cap_1_16",
        "capacity[escort_staff 17:00]": "cap_1_17",
        "expansion[escort_staff]": "add_1",
        "budget[benefits]": "budget",
        "spend[matched]": "spend",
    }


def _sorted_names_follow_column_numbers(T: int, D: int, shared: np.ndarray, expandable: list[int], hours: list[int]):
    y, seg, e, eh, names = columns(T, D, shared, np.array(expandable, dtype=np.int64), hours)
    made = names()
    assert made == sorted(made)  # numbered in the order PuLP sorts the names
    assert seg.shape == (4, T, D) and y.shape == (T, D)
    assert all(made[e[k]] == f"e_{k}" for k in expandable)
    assert all(made[eh[b]] == f"eh_{b:02d}" for b in hours)
    for i in range(T):
        for j in range(D):
            assert made[y[i, j]] == (f"y_{j}" if shared[j] else f"y_{i}_{j}")
            assert [made[seg[k, i, j]] for k in range(4)] == [f"s{k}_{i}_{j}" for k in range(4)]
    return y


@pytest.mark.parametrize("kind", ["none", "all", "some"])
def test_columns_are_numbered_as_their_names_sort(kind):
    """Eleven tiers and dimensions, so that "10" sorts before "2" and "10_" before "1_"."""
    T = D = 11
    shared = {"none": np.zeros(D, bool), "all": np.ones(D, bool), "some": np.arange(D) % 3 == 0}[kind]
    y = _sorted_names_follow_column_numbers(T, D, shared, list(range(11)), [7, 13, 6])
    assert np.issubdtype(y.dtype, np.integer)


def test_column_numbers_are_integers_even_with_no_tiers():
    for shared in (np.array([True, False]), np.zeros(2, bool)):
        y, seg, _, _, _ = columns(0, 2, shared, np.array([], dtype=np.int64), [])
        assert y.shape == (0, 2) and seg.shape == (4, 0, 2)
        assert np.issubdtype(y.dtype, np.integer) and np.issubdtype(seg.dtype, np.integer)


def test_level_sums_of_a_uniform_plan_add_up_the_tiers_on_the_shared_column():
    y = np.array([[5, 6], [5, 6]])
    cols, coef = level_sums(np.array([[1.0, 0.0], [2.0, 0.0]]), y, np.ones(2, bool))
    assert cols.tolist() == [5] and coef.tolist() == [3.0]


def test_seat_holds_are_counted_in_held_seat_flights():
    """A seat-hold dimension: a low trip holds its own seat-flight, a high trip (two candidate flights) two.
    Held at 0.25 and 0.5: 10·1·0.25 + 20·2·0.5 = 22.5 held seat-flights, of 1 a flight × 3 flights × 30 days."""
    d = _tiny()
    d["resources"].append({"name": "holds", "kind": "seat_holds", "hold_limit_per_flight": 1})
    d["dimensions"].append({"name": "seat", "resource": "holds", "hold": "multi"})
    for t, r in zip(d["tiers"], (0.2, 0.5), strict=True):
        t["expectation"]["seat"] = r
        t["value_weight_cny"]["seat"] = 100
    d["tiers"][1]["departure_uncertainty_flights"] = 2
    p = allocate(build(d), LPSpec("halfstep", lead=0.5, fixed=((2, (0.25, 0.5)),)), n=N, m=N)
    sp = _shadows(p)["capacity[holds]"]
    assert sp.unit == "held seat-flight" and sp.limit == 90.0
    assert sp.used == pytest.approx(22.5, rel=1e-9)
    assert p.resource_use[p.resources.index("holds")] == pytest.approx(22.5, rel=1e-9)
    assert sp.sentence(p.objective) == "one more held seat-flight adds 0.00 CNY of net value (slack: 22 of 90 used)"


def test_levels_and_added_hours_given_as_whole_or_single_precision_numbers_are_kept_as_doubles():
    hours = [0] * 24
    hours[8] = 3
    p = plan_from_levels(
        planning_problem(build(_tiny()), n=N, m=N),
        [[0, 1], [1, 1]],
        policy="x",
        escort_hours_added=hours,
        shadow_prices=(),
        binding=(),
    )
    assert p.levels.dtype == np.float64 and p.escort_hours_added.dtype == np.float64
    np.testing.assert_array_equal(p.levels, [[0.0, 1.0], [1.0, 1.0]])
    single = np.array([[0.1, 0.2], [0.3, 0.4]], dtype=np.float32)
    q = plan_from_levels(planning_problem(build(_tiny()), n=N, m=N), single, policy="x", shadow_prices=(), binding=())
    assert q.levels.dtype == np.float64
