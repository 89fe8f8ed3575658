"""Seeds and random streams — DESIGN.md, *The simulator* (Randomness).

One ``SeedSequence(seed)``; each replication and each named stream gets its own child,
addressed by a spawn key built from numbers only (replication, stream; and, for sweeps,
the parameter point). A worker process rebuilds the same generator from the same key, so
results never depend on which process ran a replication or how many there were.

Policies share every stream of a replication: common random numbers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "stream", "streams"]

#: The named streams of a replication, in a fixed order (the order is part of the seed).
#: "entitlement" is no longer drawn (a level is a quota, delivered without randomness); it
#: keeps its place so that every other stream's spawn key, and so its numbers, stay as they were.
STREAMS = ("demand", "base", "choice", "entitlement", "escort", "fares")


def stream(
    seed: int, replication: int, name: str, *, point: int | None = None, period: int = 0
) -> np.random.Generator:
    """The generator of one stream of one replication (of one sweep point, and one period of a
    multi-period run, if given; period 0 is the single-period run's)."""
    if name not in STREAMS:
        raise ValueError(f"unknown random stream {name!r}; streams are {', '.join(STREAMS)}")
    key = (replication, STREAMS.index(name)) if point is None else (point, replication, STREAMS.index(name))
    if period:
        key = (*key, period)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def streams(
    seed: int, replication: int, *, point: int | None = None, period: int = 0
) -> dict[str, np.random.Generator]:
    """Every stream of one replication, by name."""
    return {name: stream(seed, replication, name, point=point, period=period) for name in STREAMS}
