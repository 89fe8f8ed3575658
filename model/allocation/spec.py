"""What distinguishes one LP policy from another — DESIGN.md, *Policies* and *The allocator*."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LPSpec"]


@dataclass(frozen=True)
class LPSpec:
    """One LP policy: its lead cap, whether every tier shares a level, a spend cap, what it maximizes."""

    policy: str
    lead: float = float("inf")  # in steps; inf = no lead cap
    uniform: bool = False  # one level per dimension for every tier
    spend_cap: float | None = None  # CNY: total service + expansion cost at most this
    maximize: str = "net value"  # or "perceived value" (uniform: spend the same, best PV)
