"""The allocator LP's columns: which column holds each level, segment and expansion, and sums over them.

Columns are numbered in the order of their names sorted as strings — the order in which
PuLP hands them to HiGHS — so that both interfaces give HiGHS the same problem and get the
same plan to the last bit (:func:`columns`). A ``uniform`` plan shares one level column per
dimension among the tiers (:func:`shared_dimensions`); :func:`level_sums` writes a sum of
levels over either kind of column.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model.allocation.spec import LPSpec

__all__ = ["columns", "level_sums", "shared_dimensions", "y_count"]


def shared_dimensions(spec: LPSpec, dims: int) -> np.ndarray:
    """(D,) whether a dimension has one column shared by every tier: uniform, and not fixed tier by tier."""
    shared = np.full(dims, spec.uniform)
    for j, _ in spec.fixed:
        shared[j] = False
    return shared


def level_sums(coef: np.ndarray, y: np.ndarray, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns and coefficients of Σ coef[t, d]·y[t, d], zero terms dropped.

    Uniform plans share one column per dimension (``shared``): its coefficient is summed
    tier by tier, in tier order. The other dimensions have a column per tier and dimension.
    """
    if not shared.any():
        keep = np.nonzero(coef)
        return y[keep], coef[keep]
    total = np.zeros(coef.shape[1])
    for row in coef:
        total = total + row
    if shared.all():
        keep = np.flatnonzero(total)
        return y[0, keep], total[keep]
    keep = np.flatnonzero(np.where(shared, total, 0.0))
    own = np.nonzero(np.where(shared, 0.0, coef))
    return np.concatenate([y[0, keep], y[own]]), np.concatenate([total[keep], coef[own]])


def _string_order(count: int, follow: str = "") -> np.ndarray:
    """Rank of each of 0 … count−1 when their decimal strings, followed by ``follow``, are sorted.

    ``"10" < "2"``; and with ``follow="_"``, ``"10_" < "1_"`` ("0" sorts before "_").
    """
    rank = np.empty(count, dtype=np.int64)
    rank[sorted(range(count), key=lambda x: f"{x}{follow}")] = np.arange(count)
    return rank


def _y_name(i: int, j: int, shared: bool) -> str:
    return f"y_{j}" if shared else f"y_{i}_{j}"


def y_count(T: int, shared: np.ndarray) -> int:
    """Columns of the levels: one per shared dimension, one per tier of every other dimension."""
    return int(np.count_nonzero(shared)) + T * int(np.count_nonzero(~shared))


def columns(
    T: int, D: int, shared: np.ndarray, expandable: np.ndarray, hours: list[int]
) -> tuple[np.ndarray, np.ndarray, dict[int, int], dict[int, int], Callable[[], list[str]]]:
    """Column numbers of the levels y (T, D), the segments (4, T, D), the expansions and the
    escort staff-hours added per clock hour (``hours``); and their names.

    Columns are numbered in the order of their names sorted as strings — ``e_k``, then
    ``eh_HH``, ``s0_i_j`` … ``s3_i_j``, then ``y_i_j`` (``y_j`` for a dimension ``shared`` by every
    tier: uniform) — the order in which PuLP hands them to HiGHS, so that both interfaces
    give HiGHS the same problem and get the same plan to the last bit. Names are made only
    when asked for.
    """
    TD = T * D
    ri, rj = _string_order(T, "_"), _string_order(D)  # the tier is followed by "_j" in a name
    cell = (ri[:, None] * D + rj[None, :]) if T and D else np.zeros((T, D), dtype=np.int64)
    ke = expandable.tolist()
    e = {k: int(pos) for k, pos in zip(ke, _string_order(len(ke)), strict=True)}
    eh = {b: len(e) + i for i, b in enumerate(sorted(hours))}  # "eh_07" < "eh_13": zero-padded hours sort as numbers
    first = len(e) + len(eh)
    seg = first + np.arange(4)[:, None, None] * TD + cell[None]
    if shared.all():
        y = first + 4 * TD + np.broadcast_to(rj, (T, D))
    elif not shared.any():
        y = first + 4 * TD + cell
    else:  # some dimensions shared, some tier by tier: number the names as sorted
        cells = [(i, j) for i in range(T) for j in range(D)]
        own = sorted({_y_name(i, j, bool(shared[j])) for i, j in cells})
        rank = {name: r for r, name in enumerate(own)}
        y = first + 4 * TD + np.array([rank[_y_name(i, j, bool(shared[j]))] for i, j in cells], dtype=np.int64)
        y = y.reshape(T, D)

    def names() -> list[str]:
        out = [""] * (first + 4 * TD + y_count(T, shared))
        for k, col in e.items():
            out[col] = f"e_{k}"
        for b, col in eh.items():
            out[col] = f"eh_{b:02d}"
        for i in range(T):
            for j in range(D):
                for k in range(4):
                    out[seg[k, i, j]] = f"s{k}_{i}_{j}"
                out[y[i, j]] = _y_name(i, j, bool(shared[j]))
        return out

    return y, seg, e, eh, names
