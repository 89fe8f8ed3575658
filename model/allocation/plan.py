"""The Plan: what the allocator decides and what it expects — DESIGN.md, *The allocator* (Output).

Plain data, easy to save, compare and send to another process: levels per tier and
dimension, expected trips, revenue, PV, cost and contribution per tier, expansions (escort
staff-hours by clock hour), the roster's fixed cost, shadow prices, binding
constraints, solver, status and time. Written as ``plan.csv`` (one row per tier ×
dimension) and ``plan.json`` (everything).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Plan", "ShadowPrice"]


@dataclass(frozen=True)
class ShadowPrice:
    """The value of one more unit of a constrained quantity, in CNY of the objective."""

    constraint: str  # e.g. "capacity[escort_staff]" or "budget[benefits]"
    unit: str  # e.g. "escort staff-hour", "CNY of benefit budget"
    value_cny: float
    binding: bool
    used: float
    limit: float

    def sentence(self, objective: str = "contribution") -> str:
        """In words: "one more escort staff-hour at 08:00 adds 140 CNY of contribution (binding: …)"."""
        worth = f"{self.value_cny:,.2f}" if abs(self.value_cny) < 100 else f"{self.value_cny:,.0f}"
        state = "binding" if self.binding else "slack"
        unit = "CNY" if objective != "perceived value" else "CNY-equivalent"
        used = self.used if abs(self.used) >= 0.5 else 0.0  # no "-0" from solver round-off
        return (
            f"one more {self.unit} adds {worth} {unit} of {objective} ({state}: {used:,.0f} of {self.limit:,.0f} used)"
        )


@dataclass(frozen=True, eq=False)
class Plan:
    policy: str
    scenario: str
    tiers: tuple[str, ...]
    dimensions: tuple[str, ...]
    levels: np.ndarray  # (T, D) share of trips served, in [0, 1]
    expected_trips: np.ndarray  # (T,) n[t]: trips flown with us (they use resources and cost money)
    expected_requests: np.ndarray  # (T,) m[t]: trips requested (each perceives the offer)
    perceived_value: np.ndarray  # (T,) CNY over the horizon
    cost: np.ndarray  # (T,) CNY over the horizon (service cost, without expansions)
    over_service_cost: np.ndarray  # (T,) CNY spent on levels above r + hΔ
    cost_by_kind: dict[str, np.ndarray]  # "seat_holds" / "escort" / "benefit" → (T,)
    resources: tuple[str, ...]
    resource_use: np.ndarray  # (K,) units used over the horizon
    capacity: np.ndarray  # (K,) units available before expansion (inf = unlimited)
    expansions: np.ndarray  # (K,) units added
    expansion_cost: float  # CNY
    shadow_prices: tuple[ShadowPrice, ...]
    binding: tuple[str, ...]
    objective: str = "net value"
    lead: float | None = None
    solver: str = "none"
    status: str = "Optimal"
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    iterations: int = 1  # LPs solved for this plan (objective 'contribution': the sequence's length)
    converged: bool = True  # objective 'contribution': the sequence stopped because the plan stopped moving
    expected_contribution: float = float("nan")  # CNY: margin on the expected trips flown less cost to serve
    escort_hours_added: np.ndarray = field(default_factory=lambda: np.zeros(24))  # (24,) staff-hours per clock hour
    roster_cost: float = 0.0  # CNY: the escort roster, a fixed cost of every plan
    revenue: np.ndarray | None = None  # (T,) CNY: fares of the expected trips flown
    margin: float = float("nan")  # economics.incremental_margin

    @property
    def contribution(self) -> np.ndarray:
        """Per tier, margin × revenue − service cost (expansions and the roster are not attributed to tiers)."""
        revenue = np.full(len(self.tiers), np.nan) if self.revenue is None else self.revenue
        return self.margin * revenue - self.cost

    @property
    def pv_per_trip(self) -> np.ndarray:
        return np.divide(
            self.perceived_value,
            self.expected_requests,
            out=np.zeros_like(self.perceived_value),
            where=self.expected_requests > 0,
        )

    @property
    def cost_per_trip(self) -> np.ndarray:
        return np.divide(self.cost, self.expected_trips, out=np.zeros_like(self.cost), where=self.expected_trips > 0)

    @property
    def net_value(self) -> np.ndarray:
        """Per tier, PV − service cost (expansions are not attributed to tiers)."""
        return self.perceived_value - self.cost

    @property
    def total_net_value(self) -> float:
        return float(self.net_value.sum() - self.expansion_cost)

    @property
    def total_cost(self) -> float:
        return float(self.cost.sum() + self.expansion_cost)

    def level(self, tier: str, dimension: str) -> float:
        return float(self.levels[self.tiers.index(tier), self.dimensions.index(dimension)])

    # --- serialization ------------------------------------------------------------

    def to_csv(self) -> str:
        """One row per tier × dimension: the level and the tier's expectations."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["policy", "tier", "dimension", "level"])
        for i, t in enumerate(self.tiers):
            for j, d in enumerate(self.dimensions):
                w.writerow([self.policy, t, d, f"{self.levels[i, j]:.6f}"])
        return buf.getvalue()

    def to_dict(self) -> dict:
        def arr(a: np.ndarray) -> list:
            return [None if not np.isfinite(x) else float(x) for x in np.asarray(a, dtype=float).ravel()]

        return {
            "policy": self.policy,
            "scenario": self.scenario,
            "objective": self.objective,
            "lead": self.lead,
            "solver": self.solver,
            "status": self.status,
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "iterations": self.iterations,
            "converged": self.converged,
            "expected_contribution": None
            if not np.isfinite(self.expected_contribution)
            else self.expected_contribution,
            "tiers": {
                t: {
                    "levels": {d: float(self.levels[i, j]) for j, d in enumerate(self.dimensions)},
                    "expected_trips": float(self.expected_trips[i]),
                    "expected_requests": float(self.expected_requests[i]),
                    "perceived_value": float(self.perceived_value[i]),
                    "cost": float(self.cost[i]),
                    "revenue": None if self.revenue is None else float(self.revenue[i]),
                    "contribution": None if not np.isfinite(self.contribution[i]) else float(self.contribution[i]),
                    "net_value": float(self.net_value[i]),
                    "pv_per_trip": float(self.pv_per_trip[i]),
                    "cost_per_trip": float(self.cost_per_trip[i]),
                    "over_service_cost": float(self.over_service_cost[i]),
                    **{f"cost_{k}": float(v[i]) for k, v in self.cost_by_kind.items()},
                }
                for i, t in enumerate(self.tiers)
            },
            "totals": {
                "contribution": None if not np.isfinite(self.expected_contribution) else self.expected_contribution,
                "perceived_value": float(self.perceived_value.sum()),
                "cost": self.total_cost,
                "net_value": self.total_net_value,
                "over_service_cost": float(self.over_service_cost.sum()),
                "expansion_cost": self.expansion_cost,
                "roster_cost": self.roster_cost,
            },
            "escort_hours_added": {f"{b:02d}:00": float(x) for b, x in enumerate(self.escort_hours_added) if x > 0},
            "resources": {
                r: {"used": u, "capacity": c, "expansion": e}
                for r, u, c, e in zip(
                    self.resources, arr(self.resource_use), arr(self.capacity), arr(self.expansions), strict=True
                )
            },
            "shadow_prices": [asdict(s) | {"sentence": s.sentence(self.objective)} for s in self.shadow_prices],
            "binding": list(self.binding),
            "notes": list(self.notes),
        }

    def to_json(self, source: dict | None = None) -> str:
        """The plan as JSON; ``source`` (the scenario file and the ``--set`` overrides it was made from) is recorded too."""
        doc = self.to_dict()
        if source is not None:
            doc["source"] = source
        return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
