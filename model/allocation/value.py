"""Perceived value: the reference, the step and the half-step value function u.

DESIGN.md, *Reference and step* and *Perceived value*::

    PV = Σ_d  w[t,d] · u(level[d] − r[t,d])
    u(x) = λ·x                   x < 0          shortfall, loss aversion
         = x                     0 ≤ x ≤ hΔ     the lead clients notice
         = hΔ + ρ·(x − hΔ)       hΔ < x ≤ Δ     weakly valued
         = hΔ + ρ·(1 − h)·Δ      x > Δ          satiated: over-service

Everything here works on arrays shaped (tiers, dimensions) so that the allocator and the
simulator share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.scenario.schema import Scenario, ValueSpec

__all__ = [
    "ValueTables",
    "competitor_value",
    "over_service_share",
    "perceived_value",
    "tier_ranks",
    "utility",
    "value_tables",
]


def tier_ranks(scenario: Scenario) -> np.ndarray:
    """Nesting rank of every tier: its ``rank`` or, by default, its position (1-based)."""
    return np.array([t.rank if t.rank is not None else i + 1 for i, t in enumerate(scenario.tiers)])


@dataclass(frozen=True)
class ValueTables:
    """Per tier × dimension arrays of the value function (shape ``(T, D)``)."""

    expectation: np.ndarray
    reference: np.ndarray  # r = max(expectation, competitor level)
    step: np.ndarray  # Δ
    weight: np.ndarray  # w, CNY per trip per unit level
    spec: ValueSpec

    @property
    def satiation_level(self) -> np.ndarray:
        """r + hΔ: the level beyond which service is weakly valued (the half step when h = ½)."""
        return self.reference + self.spec.satiation * self.step


def value_tables(scenario: Scenario) -> ValueTables:
    """Reference, step and weight for every tier and dimension of a scenario."""
    dims = scenario.dimension_names
    exp = np.array([[t.expectation[d] for d in dims] for t in scenario.tiers], dtype=float)
    weight = np.array([[t.value_weight_cny[d] for d in dims] for t in scenario.tiers], dtype=float)
    competitor = np.array([d.competitor_level for d in scenario.dimensions], dtype=float)
    ref = np.maximum(exp, competitor[None, :])
    ranks = tier_ranks(scenario)
    default = scenario.value.default_step
    step = np.full_like(ref, default)
    for i, t in enumerate(scenario.tiers):
        higher = ranks[ranks > ranks[i]]
        if higher.size:
            nxt = ranks == higher.min()
            gap = exp[nxt].max(axis=0) - ref[i]
            step[i] = np.where(gap > 1e-9, gap, default)
        for d_name, value in t.step.items():
            step[i, dims.index(d_name)] = value
    return ValueTables(expectation=exp, reference=ref, step=step, weight=weight, spec=scenario.value)


def utility(x: np.ndarray, step: np.ndarray, spec: ValueSpec) -> np.ndarray:
    """u(x) of DESIGN.md, elementwise; ``x`` is the level minus the reference."""
    lam, h, rho = spec.loss_aversion, spec.satiation, spec.weak_value
    x = np.asarray(x, dtype=float)
    gain = np.minimum(np.maximum(x, 0.0), h * step) + rho * np.clip(x - h * step, 0.0, (1.0 - h) * step)
    return np.where(x < 0.0, lam * x, gain)


def perceived_value(levels: np.ndarray, tables: ValueTables) -> np.ndarray:
    """PV per trip of each tier (CNY) for levels shaped (T, D)."""
    u = utility(levels - tables.reference, tables.step, tables.spec)
    return (tables.weight * u).sum(axis=-1)


def competitor_value(scenario: Scenario, tables: ValueTables | None = None) -> np.ndarray:
    """PV_comp per tier (CNY per trip): the competitor's offer judged against the same reference.

    ``Σ_d w[t,d]·u(competitor_level[d] − r[t,d])`` — the value function at the competitor's
    levels (DESIGN.md, *Choice and loyalty*). As r = max(expectation, competitor level), the
    competitor is never above the reference: PV_comp ≤ 0, a constant per tier. ``tables``
    defaults to the scenario's :func:`value_tables`.
    """
    vt = value_tables(scenario) if tables is None else tables
    competitor = np.array([d.competitor_level for d in scenario.dimensions], dtype=float)
    return perceived_value(np.broadcast_to(competitor, vt.reference.shape), vt)


def over_service_share(levels: np.ndarray, tables: ValueTables) -> np.ndarray:
    """Share of each level that lies above r + hΔ (service the client barely values) — all of it on a
    dimension the tier values at 0 (car service for clients whose transport is reimbursed)."""
    excess = np.where(tables.weight > 0, np.maximum(levels - tables.satiation_level, 0.0), levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(levels > 0, excess / np.where(levels > 0, levels, 1.0), 0.0)
