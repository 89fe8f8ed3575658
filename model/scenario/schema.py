"""The scenario: everything DESIGN.md's *Concepts* name, as a validated, frozen object.

A scenario file (TOML) is loaded by :func:`model.scenario.loading.load_scenario`; this module and
:mod:`model.scenario.supply` only declare its shape, units and bounds. This module holds the clients'
side — the tiers (*Tier*) and how their accounts value service, choose and stay loyal (*Perceived
value*, *Choice and loyalty*, *Expectations that move*) — the run's settings (the allocator, the
simulation, *Economics*) and the top-level :class:`Scenario`, which assembles them with the airline's
side from :mod:`model.scenario.supply` (horizon, seasons, flights, resources, service dimensions,
budget). Both are built from the field types of :mod:`model.scenario.fields`; this module re-exports
the names of both, so an importer of ``model.scenario.schema`` finds every table here. Every field's
description gives its unit, and the README's scenario reference is generated from these descriptions
(``halfstep schema --markdown``), so the two cannot drift apart.

Past validation the rest of the package trusts a :class:`Scenario` and carries no
defensive checks of its own.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from model.scenario.fields import Count, Level, Name, NonNeg, Positive, PositiveInt, PositiveLevel, Strict
from model.scenario.supply import (
    BenefitResource,
    Budget,
    Dimension,
    EscortResource,
    FlightsSpec,
    Resource,
    Season,
    SeatHoldResource,
    TimeSpec,
)

__all__ = [
    "AllocatorSpec",
    "BenefitResource",
    "Budget",
    "ChoiceSpec",
    "Count",
    "Dimension",
    "Economics",
    "EscortResource",
    "ExpectationsSpec",
    "FlightsSpec",
    "Level",
    "LoyaltySpec",
    "Meta",
    "Name",
    "NonNeg",
    "Positive",
    "PositiveInt",
    "Resource",
    "Scenario",
    "Season",
    "SeatHoldResource",
    "SimulationSpec",
    "Strict",
    "Tier",
    "TimeSpec",
    "ValueSpec",
]

#: Policies that make a plan from the scenario alone (DESIGN.md, *Policies*).
PLAN_POLICIES = ("uniform", "standard", "halfstep", "fullstep", "unconstrained", "lead")
#: Every policy a run can compare; ``clairvoyant`` (a reference, not a bound) plans with a replication's
#: realized requests, so it has one plan per replication and only a run makes it.
POLICIES = (*PLAN_POLICIES, "clairvoyant")


class Meta(Strict):
    name: Name = Field(description="Scenario name, shown in reports (any Unicode).")
    description: str = Field("", description="Free text: what this scenario represents.")


class ValueSpec(Strict):
    loss_aversion: Annotated[float, Field(ge=1.0)] = Field(
        2.25, description="λ: slope of a shortfall below the reference (≥ 1)."
    )
    satiation: Level = Field(
        0.5, description="h: share of a step the client notices fully (the client's satiation point)."
    )
    weak_value: Level = Field(
        0.3, description="ρ: value of service between hΔ and Δ above the reference, per unit of full value."
    )
    default_step: PositiveLevel = Field(
        0.2, description="Δ used where the next tier expects no more, or for the top tier (level units)."
    )


class ChoiceSpec(Strict):
    intercept: float = Field(
        0.0, description="β₀: logit intercept of flying a trip with us, for tiers without their own choice_intercept."
    )
    value_per_cny: NonNeg = Field(
        0.004,
        description="β_PV: logit weight of our offer's perceived value over the competitor's (PV_us − PV_comp), "
        "per CNY per trip.",
    )
    closeness: NonNeg = Field(2.0, description="β_c: logit weight of the account's closeness index (0–1).")


class ExpectationsSpec(Strict):
    adapt_up: Level = Field(
        0.0,
        description="κ_up: share of the gap to a higher experienced level that an account's expectation closes at the "
        "end of each period (per account and dimension; 0 = expectations do not move; a single-period run never moves them).",
    )
    adapt_down: Level = Field(
        0.0,
        description="κ_down: share of the gap to a lower experienced level that an account's expectation gives up at "
        "the end of each period.",
    )
    floor_share: Level = Field(
        0.0,
        description="An expectation never falls below this share of its initial value (the tier's expectation).",
    )


class LoyaltySpec(Strict):
    experience: Literal["window", "moving_average"] = Field(
        "window",
        description="How an account remembers its service: 'window', the share of its last experience_window_trips "
        "trips that received it (a quota delivered as planned is experienced exactly); 'moving_average', an "
        "exponential moving average with weight experience_smoothing.",
    )
    experience_window_trips: PositiveInt = Field(
        20, description="Trips in the experience window (20: every level on a 0.05 grid is a whole number of trips)."
    )
    experience_smoothing: PositiveLevel = Field(
        0.15,
        description="α: weight of the latest trip in the experienced level (experience = 'moving_average').",
    )
    closeness_rate: Level = Field(
        0.1, description="κ: share of the gap to the trip's closeness target closed per trip."
    )
    closeness_intercept: float = Field(
        0.4, description="a: logit of the closeness target of a trip at reference (PV = 0)."
    )
    closeness_value_per_cny: NonNeg = Field(
        0.01, description="b: logit change of the closeness target per CNY of trip PV."
    )
    recovery_threshold: Level = Field(0.4, description="Closeness below which an account is in recovery.")
    break_threshold: Level = Field(0.2, description="Closeness below which the relationship is broken (churn).")
    reacquisition_delay_days: NonNeg = Field(
        60.0, description="Days a broken account flies no trip with us before acquisition restarts."
    )
    acquisition_trips: Count = Field(
        3, description="Trips flown with us that move an account from acquisition to retention."
    )
    recovery_offer_cny: NonNeg = Field(
        0.0,
        description="Recovery discount per trip flown in recovery (CNY; adds to PV and to benefit cost; paid from the "
        "benefit budget: once the budget is spent it is not given and counts as a benefit failure).",
    )


class Tier(Strict):
    name: Name = Field(description="Tier name (any Unicode), e.g. V1 … V5.")
    rank: int | None = Field(
        None,
        description="Nesting rank: a tier gets at least what every tier of the rank below gets (default: position in the file).",
    )
    accounts: Count = Field(description="Number of key accounts in the tier.")
    travellers_per_account: PositiveInt = Field(description="Travellers per account.")
    trips_per_traveller_per_year: NonNeg = Field(description="Mean trips per traveller per year.")
    trip_rate_shape: Positive = Field(
        0.5,
        description="Shape k of the gamma distribution of traveller trip rates (dispersion: small k → many single-trip travellers).",
    )
    fare_cny: NonNeg | None = Field(None, description="Average fare of the tier's trips, CNY (give this or cabin_mix).")
    cabin_mix: dict[Name, Level] | None = Field(
        None, description="Share of trips in each cabin of [cabins] (sums to 1; give this or fare_cny)."
    )
    departure_uncertainty_flights: PositiveInt = Field(
        1, description="Adjacent flights held for one trip when the departure time is uncertain (V4/V5: several)."
    )
    privacy_seat: bool = Field(False, description="A held seat keeps the neighbouring seat empty (V4/V5).")
    escort_need: Level = Field(1.0, description="Share of trips that pass through an airport where escorts serve.")
    escort_minutes: NonNeg = Field(30.0, description="Mean duration of one escort, minutes.")
    initial_closeness: Level = Field(0.6, description="Closeness index of the tier's accounts at day 0.")
    choice_intercept: float | None = Field(
        None,
        description="β₀[t]: the tier's own logit intercept of flying with us — what service does not carry "
        "(schedule, price, habit); default choice.intercept.",
    )
    expectation: dict[Name, Level] = Field(description="Expected level per dimension (every dimension).")
    value_weight_cny: dict[Name, NonNeg] = Field(
        description="w: CNY per trip of one full level above the reference, per dimension (every dimension)."
    )
    standard: dict[Name, Level] = Field(
        default_factory=dict, description="Levels under the 'standard' policy (the service table's row); missing = 0."
    )
    floor: dict[Name, Level] = Field(default_factory=dict, description="Contractual minimum levels; missing = 0.")
    step: dict[Name, PositiveLevel] = Field(
        default_factory=dict, description="Explicit Δ per dimension, overriding the gap to the next tier."
    )
    nesting_exempt: list[Name] = Field(
        default_factory=list,
        description="Dimensions on which this tier is not bound by nesting (e.g. V5's CIP, replaced by VIP).",
    )


class AllocatorSpec(Strict):
    policy: Literal[PLAN_POLICIES] = Field(
        "halfstep",
        description="Policy `halfstep plan` uses by default: "
        + ", ".join(PLAN_POLICIES)
        + " (not clairvoyant: it plans with each replication's realized requests, so only runs and sweeps make it).",
    )  # type: ignore[valid-type]
    lead: NonNeg = Field(0.5, description="Lead of the 'lead' policy, in steps (0.5 = halfstep, 1 = fullstep).")
    lookahead: Count = Field(
        0,
        description="Periods the LP policies look ahead: the plan maximizes the sum of this period's objective and "
        "the next k periods', in which each tier's expectation moves toward the planned level by "
        "expectations.adapt_up / adapt_down (never below floor_share of today's), so a lead today is priced by the "
        "higher reference it leaves. 0 = myopic (every period planned on its own). Objectives 'value' and "
        "'net_value': an LP when adapt_up ≥ adapt_down (a MILP if a later period's lead cap needs it), a MILP "
        "otherwise. Objective 'contribution': a sequence of LPs over the path, each period's PV and the competitor's "
        "judged against its own reference.",
    )
    objective: Literal["contribution", "value", "net_value"] = Field(
        "contribution",
        description="What the LP policies maximize: 'contribution' (the default), the airline's expected margin on "
        "the trips flown (which respond to perceived value through the choice model) less the cost to serve, "
        "solved as a sequence of LPs; 'value', the most perceived value for the budget; 'net_value', PV − cost "
        "with trips held at the reference share (a CNY of the clients' value traded 1:1 against a CNY of cost: "
        "kept to compare with, not the airline's money).",
    )
    slp_max_iterations: PositiveInt = Field(60, description="objective = 'contribution': most LPs solved for one plan.")
    slp_tolerance: Positive = Field(
        1e-4, description="objective = 'contribution': stop when no level moves by more than this."
    )
    solver: Literal["highs", "cbc"] = Field("highs", description="LP solver: HiGHS (through highspy) or CBC.")
    interface: Literal["auto", "pulp", "direct"] = Field(
        "auto",
        description="How the LP reaches the solver: 'pulp' builds a PuLP model (any solver); 'direct' passes the "
        "arrays to HiGHS in one call (HiGHS only); 'auto' is 'direct' for a HiGHS LP of 10,000 or more "
        "constraint nonzeros (about a hundred tiers of 12 dimensions), where PuLP's element-by-element loading "
        "adds 50 ms or more to every solve, and 'pulp' below (and with CBC). The plan is the same either way.",
    )
    nesting: bool = Field(True, description="A higher tier gets at least as much of every dimension as the tier below.")
    time_limit_seconds: Positive = Field(120.0, description="Solver time limit, seconds.")


class SimulationSpec(Strict):
    replications: PositiveInt = Field(20, description="Independent replications per policy.")
    seed: Count = Field(20171001, description="Master seed of numpy's SeedSequence.")


class Economics(Strict):
    incremental_margin: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.85,
        description="Share of a fare that a trip flown adds to profit on a flight that operates anyway (about "
        "0.8–0.85): for key-account trips and displaced base passengers alike.",
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "contribution_margin" in data:
            raise PydanticCustomError(
                "renamed",
                "economics.contribution_margin is now economics.incremental_margin: one margin for key-account trips "
                "and displaced base passengers, in (0, 1] (about 0.85 on a flight that operates anyway)",
            )
        return data


class Scenario(Strict):
    scenario: Meta
    time: TimeSpec = TimeSpec()
    value: ValueSpec = ValueSpec()
    choice: ChoiceSpec = ChoiceSpec()
    loyalty: LoyaltySpec = LoyaltySpec()
    expectations: ExpectationsSpec = ExpectationsSpec()
    flights: FlightsSpec
    seasons: list[Season] = Field(default_factory=list)
    cabins: dict[Name, NonNeg] = Field(
        default_factory=dict, description="Average fare per cabin, CNY (used by tiers' cabin_mix)."
    )
    resources: list[Resource] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    tiers: list[Tier] = Field(min_length=1)
    budget: Budget = Budget()
    allocator: AllocatorSpec = AllocatorSpec()
    simulation: SimulationSpec = SimulationSpec()
    economics: Economics = Economics()

    # Convenience lookups; names are unique after validation.
    @property
    def tier_names(self) -> list[str]:
        return [t.name for t in self.tiers]

    @property
    def dimension_names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def resource(self, name: str) -> SeatHoldResource | EscortResource | BenefitResource:
        return next(r for r in self.resources if r.name == name)

    def resource_of(self, dimension: Dimension) -> SeatHoldResource | EscortResource | BenefitResource:
        return self.resource(dimension.resource)

    def tier_fare_cny(self, tier: Tier) -> float:
        if tier.fare_cny is not None:
            return tier.fare_cny
        assert tier.cabin_mix is not None
        return math.fsum(share * self.cabins[c] for c, share in tier.cabin_mix.items())
