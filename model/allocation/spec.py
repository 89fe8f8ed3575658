"""What distinguishes one LP policy from another — DESIGN.md, *Policies* and *The allocator*."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LPSpec"]


@dataclass(frozen=True)
class LPSpec:
    """One LP policy: its lead cap, whether every tier shares a level, a spend cap, what it maximizes.

    ``fixed`` holds dimensions at given levels, tier by tier: ``(dimension, (level per tier, …))``.
    A fixed dimension's levels are not chosen by the LP (lowest = highest level allowed); in a
    uniform LP it keeps one level per tier rather than sharing one (``uniform``: the VIP-handling
    quotas of the service table, while every other dimension is the same for every tier).
    """

    policy: str
    lead: float = float("inf")  # in steps; inf = no lead cap
    uniform: bool = False  # one level per dimension for every tier (but the fixed dimensions)
    spend_cap: float | None = None  # CNY: total service + expansion cost at most this
    maximize: str = "net value"  # or "perceived value" (uniform: spend the same, best PV)
    fixed: tuple[tuple[int, tuple[float, ...]], ...] = ()  # (dimension, level per tier): held at these levels
