"""Shared fixtures: tiny scenarios built in code, so each test states what it depends on."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from model.scenario.loading import scenario_from_dict
from model.scenario.schema import Scenario


def tiny_dict(**top: Any) -> dict[str, Any]:
    """A small valid scenario: two tiers, a benefit dimension and an escort dimension.

    Keyword arguments replace whole top-level tables.
    """
    data: dict[str, Any] = {
        "scenario": {"name": "tiny"},
        "time": {"horizon_days": 30},
        "value": {"loss_aversion": 2.25, "satiation": 0.5, "weak_value": 0.3, "default_step": 0.2},
        "choice": {"intercept": 0.0, "value_per_cny": 0.004, "closeness": 2.0},
        "flights": {
            "departure_hours": [8.0, 12.0, 18.0],
            "seats": 150,
            "base_load_factor": 0.7,
            "base_demand_cv": 0.1,
            "base_fare_cny": 900,
        },
        "resources": [
            {"name": "lounge", "kind": "benefit", "daily_capacity": 1000},
            {
                "name": "escort_staff",
                "kind": "escort",
                "staff_on_duty": [0] * 6 + [2] * 16 + [0] * 2,
                "wage_cny_per_hour": 60,
            },
        ],
        "dimensions": [
            {"name": "lounge", "resource": "lounge", "unit_cost_cny": 50},
            {"name": "escort", "resource": "escort_staff"},
        ],
        "tiers": [
            {
                "name": "low",
                "accounts": 10,
                "travellers_per_account": 10,
                "trips_per_traveller_per_year": 4,
                "fare_cny": 1000,
                "escort_minutes": 30,
                "expectation": {"lounge": 0.2, "escort": 0.1},
                "value_weight_cny": {"lounge": 100, "escort": 100},
                "standard": {"lounge": 0.5},
            },
            {
                "name": "high",
                "accounts": 5,
                "travellers_per_account": 10,
                "trips_per_traveller_per_year": 6,
                "fare_cny": 1500,
                "escort_minutes": 45,
                "expectation": {"lounge": 0.5, "escort": 0.4},
                "value_weight_cny": {"lounge": 200, "escort": 300},
                "standard": {"lounge": 1.0, "escort": 1.0},
            },
        ],
        "simulation": {"replications": 3, "seed": 7},
    }
    data.update(copy.deepcopy(top))
    return data


def build(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(data, source="test.toml")


@pytest.fixture
def tiny() -> Scenario:
    return build(tiny_dict())
