"""The scenario's supply side: what the airline flies and what it can give — DESIGN.md, *Concepts*.

The tables of a scenario file that describe the airline rather than its clients (*Time*,
*Resources*, *Service dimension*): the horizon and its seasons, the daily flights with their
base (non-key-account) demand, the three resources — seat holds, escort staff, benefits, a
union tagged by ``kind`` — the service dimensions that draw on them, and the benefit budget.
Built from the field types of :mod:`model.scenario.fields`; :class:`model.scenario.schema.Scenario`
assembles these tables with the tiers, and :mod:`model.scenario.schema` re-exports every name
here. As there, every field's description gives its unit and feeds the generated scenario
reference.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from model.scenario.fields import Count, Level, Name, NonNeg, Positive, PositiveInt, PositiveLevel, Strict

__all__ = [
    "BenefitResource",
    "Budget",
    "Dimension",
    "EscortResource",
    "FlightsSpec",
    "Resource",
    "Season",
    "SeatHoldResource",
    "TimeSpec",
]


class TimeSpec(Strict):
    horizon_days: PositiveInt = Field(91, description="Simulated horizon in days (default a quarter).")
    start_date: str | None = Field(None, description="Calendar date of day 0 (YYYY-MM-DD), for reports only.")


class Season(Strict):
    name: Name = Field(description="Season name, e.g. 'National Day' (国庆).")
    start_day: Count = Field(description="First day of the season (0 = first day of the horizon).")
    end_day: Count = Field(description="Last day of the season, inclusive.")
    demand_multiplier: NonNeg = Field(1.0, description="Multiplier on key-account trip rates during the season.")
    base_load_multiplier: NonNeg = Field(1.0, description="Multiplier on base (non-key-account) demand for seats.")


class FlightsSpec(Strict):
    departure_hours: list[Annotated[float, Field(ge=0.0, lt=24.0)]] = Field(
        description="Departure times of the daily flights, hours of the day in [0, 24).", min_length=1
    )
    weights: list[NonNeg] | None = Field(
        None, description="Relative share of key-account trips on each flight (default equal)."
    )
    seats: PositiveInt = Field(description="Seats per flight.")
    base_load_factor: NonNeg = Field(description="Mean base (non-key-account) demand as a share of seats.")
    base_demand_cv: NonNeg = Field(0.15, description="Coefficient of variation of a flight's base demand.")
    base_fare_cny: NonNeg = Field(description="Average fare of a base passenger, CNY.")
    arrival_lead_minutes: list[NonNeg] = Field(
        [60.0, 120.0],
        min_length=2,
        max_length=2,
        description="A traveller reaches the airport uniformly between this many minutes before departure [min, max].",
    )


class _ResourceBase(Strict):
    name: Name = Field(description="Resource name (any Unicode).")
    expansion_cost_cny: NonNeg | None = Field(
        None, description="Cost of one more unit of capacity (CNY per unit); absent = not expandable."
    )
    expansion_max: NonNeg | None = Field(
        None, description="Most units the allocator may add (in the resource's unit); absent = no bound."
    )


class SeatHoldResource(_ResourceBase):
    kind: Literal["seat_holds"] = Field(description="Seat holds: seats blocked on flights; unit seat-flights.")
    hold_limit_per_flight: Count | Literal["emsr-b"] = Field(
        description="Seats that may be held on one flight, or 'emsr-b' to size it by EMSR-b protection levels."
    )
    unit_cost_cny: NonNeg = Field(
        0.0, description="Handling cost per held seat-flight, CNY (displacement is added by the model)."
    )


class EscortResource(_ResourceBase):
    kind: Literal["escort"] = Field(description="Escort staff pool; unit staff-hours.")
    staff_on_duty: list[Count] = Field(
        description="Escort staff on duty in each hour of the day (24 whole numbers).", min_length=24, max_length=24
    )
    max_utilization: PositiveLevel = Field(
        0.8,
        description="Share of on-duty staff-hours the allocator may plan to use, hour by hour (queues explode near 100%).",
    )
    wage_cny_per_hour: NonNeg = Field(
        description="Paid cost of one rostered escort staff-hour, CNY: the roster is a fixed cost (escorting inside it "
        "costs nothing extra); staff-hours added by the allocator cost expansion_cost_cny each."
    )
    patience_minutes: Positive | None = Field(
        None, description="An escort not started within this many minutes has failed; absent = no limit."
    )
    max_wait_share: PositiveLevel | None = Field(
        None,
        description="Erlang sizing (needs patience_minutes): each hour's utilization cap is the largest at which, by "
        "Erlang C at the hour's rostered staff, at most this share of escorts would wait longer than the patience "
        "(and never above max_utilization); absent = max_utilization in every hour.",
    )
    service_cv: NonNeg = Field(
        1.0, description="Coefficient of variation of escort durations (1 = exponential, 0 = fixed)."
    )


class BenefitResource(_ResourceBase):
    kind: Literal["benefit"] = Field(description="A benefit paid per use from the benefit budget; unit uses.")
    daily_capacity: NonNeg | None = Field(
        None, description="Uses available per day (lounge seats, cars…); absent = only the budget limits it."
    )


Resource = Annotated[SeatHoldResource | EscortResource | BenefitResource, Field(discriminator="kind")]


class Dimension(Strict):
    name: Name = Field(description="Service dimension name (any Unicode), e.g. 'lounge' or '易行'.")
    resource: Name = Field(description="Name of the resource this dimension draws on.")
    unit_cost_cny: NonNeg = Field(
        0.0,
        description="Cost per trip served at level 1, CNY (escort: on top of the roster, which is a fixed cost; seat holds: added to displacement).",
    )
    competitor_level: Level = Field(
        0.0,
        description="The competitor's level on this dimension (the reference is the higher of it and the tier's expectation).",
    )
    hold: Literal["single", "multi"] = Field(
        "single",
        description="Seat-hold dimensions: 'single' holds one seat on the booked flight; 'multi' holds the tier's adjacent flights (and the privacy seat).",
    )
    duration_factor: Positive = Field(
        1.0, description="Escort dimensions: escort duration relative to the tier's escort_minutes."
    )
    replaces: Name | None = Field(
        None,
        description="Escort dimensions: the escort dimension this one replaces (senior escort replaces escort) — a trip "
        "that gets this one gets that one too, with this one's duration in place of both; its level may not exceed "
        "that one's.",
    )


class Budget(Strict):
    benefits_cny: NonNeg | None = Field(None, description="Benefit budget over the horizon, CNY; absent = unlimited.")
