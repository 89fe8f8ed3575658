"""A schedule of policies, one per period, played by one book of accounts (``play_schedule``)."""

from __future__ import annotations

import numpy as np

from model.allocation.policies import make_plan
from model.simulation.periods import play_schedule, replicate_periods, schedule_label
from tests.helpers import build, tiny_dict

MOVING = {"adapt_up": 0.5, "adapt_down": 0.25, "floor_share": 0.5}
POLICIES = ("uniform", "halfstep")


def _setup(expectations: dict[str, float] | None = None):
    s = build(tiny_dict(expectations=expectations) if expectations else tiny_dict())
    return s, {p: make_plan(s, p) for p in POLICIES}


def _trace(outcomes):
    return [(o.period, o.kpis, o.dynamics) for o in outcomes]


def test_a_schedule_of_one_policy_is_that_policys_multi_period_run():
    s, plans = _setup(MOVING)
    alone = play_schedule(s, plans, ["halfstep"] * 3, 5, 1)
    run = replicate_periods(s, plans, ("halfstep",), 5, 1, 3)
    assert _trace(alone) == _trace(run)
    assert [o.policy for o in alone] == ["halfstep×3"] * 3 and [o.replication for o in alone] == [1] * 3


def test_a_switch_plays_the_first_policy_then_the_second_on_the_same_accounts():
    s, plans = _setup(MOVING)
    uniform = play_schedule(s, plans, ["uniform"] * 4, 3, 0)
    halfstep = play_schedule(s, plans, ["halfstep"] * 4, 3, 0)
    switch = play_schedule(s, plans, ["uniform"] * 2 + ["halfstep"] * 2, 3, 0, label="switch")
    assert [o.policy for o in switch] == ["switch"] * 4 and [o.period for o in switch] == [0, 1, 2, 3]
    assert _trace(switch[:2]) == _trace(uniform[:2])  # before the switch: uniform, number for number
    # at the switch the clients are where uniform left them: the same references ...
    assert switch[2].dynamics["reference"] == uniform[2].dynamics["reference"]
    assert switch[2].dynamics["reference"] != halfstep[2].dynamics["reference"]
    # ... and the plan is halfstep's, made from those references: tiered, unlike uniform's
    level, uniform_level = switch[2].dynamics["level"], uniform[2].dynamics["level"]
    assert level != uniform_level and level[1] - level[0] > uniform_level[1] - uniform_level[0]
    # afterwards the references move under halfstep's levels, away from uniform's path
    assert switch[3].dynamics["reference"] != uniform[3].dynamics["reference"]
    for k in range(4):  # every schedule meets period k's trips
        assert switch[k].kpis["trips_requested"] == uniform[k].kpis["trips_requested"]
        assert switch[k].kpis["trips_requested"] == halfstep[k].kpis["trips_requested"]


def test_with_static_expectations_a_switched_period_uses_the_policys_own_plan():
    s, plans = _setup()
    switch = play_schedule(s, plans, ["uniform", "halfstep"], 2, 0)
    halfstep = play_schedule(s, plans, ["halfstep", "halfstep"], 2, 0)
    assert switch[1].dynamics["level"] == halfstep[1].dynamics["level"]
    assert switch[0].dynamics["level"] != switch[1].dynamics["level"]
    w = np.array([[100, 100], [200, 300]], dtype=float)  # tiny_dict's value weights
    planned = (w * plans["halfstep"].levels).sum(axis=1) / w.sum(axis=1)
    assert np.allclose(switch[1].dynamics["level"], planned)


def test_shared_draws_are_the_draws_each_schedule_would_make_itself():
    s, plans = _setup(MOVING)
    draws: list = []
    first = play_schedule(s, plans, ["uniform"] * 3, 9, 2, draws=draws)
    second = play_schedule(s, plans, ["uniform", "halfstep", "halfstep"], 9, 2, draws=draws)
    assert len(draws) == 3
    assert _trace(first) == _trace(play_schedule(s, plans, ["uniform"] * 3, 9, 2))
    assert _trace(second) == _trace(play_schedule(s, plans, ["uniform", "halfstep", "halfstep"], 9, 2))


def test_schedule_label_counts_runs_of_a_policy():
    assert schedule_label(["uniform"] * 12 + ["halfstep"] * 4) == "uniform×12 → halfstep×4"
    assert schedule_label(["lead", "halfstep", "lead"]) == "lead×1 → halfstep×1 → lead×1"
