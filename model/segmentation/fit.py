"""Estimating a tier's parameters from its accounts: trip rate and dispersion, fares, cabin mix.

DESIGN.md, *Concepts* (tier): a traveller's trip rate is gamma distributed (shape k,
mean μ per year) and trips are Poisson given the rate, so a traveller's trips in a
window of w years are negative binomial NB(k, m = μw). An account table only knows the
travellers who flew (``travellers``, at least one trip), their ``trips`` and those who
flew once (``single_trip_travellers``): the counts are **zero-truncated**. Given an
account's T flying travellers, each has the truncated law, so

    E[trips | T]   = T · m / (1 − p0)           p0 = (1 + m/k)^(−k)
    E[singles | T] = T · P1 / (1 − p0)          P1 = m · (1 + m/k)^(−k−1)

Summed over a tier's accounts (each with its own window) these are two unbiased
estimating equations in (μ, k), solved by nested root finding: μ(k) from the trips
equation (the truncated mean rises with m), then k from the singles equation (at a
fixed truncated mean the single-trip share falls as k grows). The tier's travellers
per account — everyone who *could* fly, as the simulator's travellers are — is
Σ T / (1 − p0) over its accounts. Without the singles column k is not identified and
the rules' ``trip_rate_shape`` is used. Fares are ratio estimates Σspend / Σtrips; the
cabin mix is trip-weighted; bucket fares come from a non-negative least-squares fit of
spend on bucket trips over the whole book (one fare ladder for every tier).

Intervals: a nonparametric bootstrap, resampling a tier's accounts with replacement
(so between-account heterogeneity counts), 95% percentile intervals; tiers with fewer
accounts than ``min_accounts_for_interval`` get point estimates only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, nnls

from model.segmentation.accounts import CABIN_BUCKETS
from model.segmentation.assignment import Segment, Segmentation

__all__ = ["K_MAX", "K_MIN", "Estimate", "TierFit", "TripRateFit", "bucket_fares", "fit_tiers", "fit_trip_rate"]

#: Bounds of the gamma shape: below K_MIN the rates are all but degenerate; above K_MAX it is Poisson.
K_MIN, K_MAX = 0.01, 100.0


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% bootstrap interval and standard error (None: no interval)."""

    value: float
    low: float | None = None
    high: float | None = None
    se: float | None = None

    @classmethod
    def of(cls, value: float, draws: np.ndarray | None) -> Estimate:
        if draws is None:
            return cls(float(value))
        d = draws[np.isfinite(draws)]
        if len(d) < 2:
            return cls(float(value))
        lo, hi = np.percentile(d, [2.5, 97.5])
        return cls(float(value), float(lo), float(hi), float(d.std(ddof=1)))


@dataclass(frozen=True)
class TripRateFit:
    mu: float  # trips per traveller per year (everyone who could fly)
    k: float  # gamma shape
    population: float  # travellers who could fly, summed over the accounts
    status: str  # fitted | assumed | Poisson limit | lower limit | not identified


@dataclass(frozen=True)
class TierFit:
    """One segment's counts and estimates."""

    segment: Segment
    accounts: int
    active: int  # accounts with trips; the scenario's accounts
    spend_share: float
    trips_share: float
    government_share: float | None
    travellers_observed: float  # flying travellers per active account
    travellers_per_account: Estimate
    trips_per_traveller_per_year: Estimate
    trip_rate_shape: Estimate
    shape_status: str
    single_trip_rate: Estimate | None
    fare_cny: Estimate
    cabin_mix: dict[str, Estimate] | None
    ff_member_share: Estimate | None
    interval: str


# --- the gamma-Poisson fit -------------------------------------------------------------------


def _truncated(mu: float, k: float, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per window: 1 − p0, the truncated mean and the truncated single-trip share."""
    m = mu * w
    log_ratio = np.log1p(m / k)
    flies = -np.expm1(-k * log_ratio)
    return flies, m / flies, m * np.exp(-(k + 1) * log_ratio) / flies


def _mu_given_k(k: float, T: np.ndarray, Y: float, w: np.ndarray) -> float:
    def excess(log_mu: float) -> float:
        return float(T @ _truncated(math.exp(log_mu), k, w)[1]) - Y

    lo, hi = -20.0, 10.0
    while excess(hi) < 0:
        hi += 10.0
    return math.exp(brentq(excess, lo, hi, xtol=1e-10))


def fit_trip_rate(T: np.ndarray, Y: np.ndarray, S: np.ndarray | None, w: np.ndarray, k_default: float) -> TripRateFit:
    """Solve the estimating equations for (μ, k) from travellers, trips, singles and windows (years).

    The arrays may be per account or already summed per window; only the sums per window matter.
    """
    T, w = np.asarray(T, float), np.asarray(w, float)
    total_T, total_Y = float(T.sum()), float(np.sum(Y))
    if total_T <= 0:
        return TripRateFit(math.nan, math.nan, 0.0, "no trips")
    if total_Y <= total_T * (1 + 1e-12):  # everyone flew once: the truncated mean is 1, m → 0
        mu = total_Y / float(T @ w)
        return TripRateFit(mu, k_default, total_T, "not identified (every traveller flew once)")

    def population(mu: float, k: float) -> float:
        return float(T @ (1.0 / _truncated(mu, k, w)[0]))

    if S is None:
        mu = _mu_given_k(k_default, T, total_Y, w)
        return TripRateFit(mu, k_default, population(mu, k_default), "assumed")
    total_S = float(np.sum(S))

    def excess_singles(log_k: float) -> float:
        k = math.exp(log_k)
        return float(T @ _truncated(_mu_given_k(k, T, total_Y, w), k, w)[2]) - total_S

    lo, hi = math.log(K_MIN), math.log(K_MAX)
    f_lo, f_hi = excess_singles(lo), excess_singles(hi)
    if f_lo <= 0:  # more single-trip travellers than even the most dispersed gamma gives
        k, status = K_MIN, "lower limit"
    elif f_hi >= 0:  # fewer than a Poisson gives: no dispersion to find
        k, status = K_MAX, "Poisson limit"
    else:
        k, status = math.exp(brentq(excess_singles, lo, hi, xtol=1e-8)), "fitted"
    mu = _mu_given_k(k, T, total_Y, w)
    return TripRateFit(mu, k, population(mu, k), status)


# --- tiers -----------------------------------------------------------------------------------


def bucket_fares(seg: Segmentation) -> dict[str, Estimate] | None:
    """Average fare of each cabin bucket over the book (NNLS of spend on bucket trips, trip-weighted)."""
    t = seg.table
    if t.cabin_shares is None:
        return None
    active = np.flatnonzero(t.trips > 0)
    sq = np.sqrt(t.trips[active])
    A = t.cabin_shares[active] * sq[:, None]  # rows of trips·share / √trips: weights 1/trips for var ∝ trips
    b = t.spend_cny[active] / sq
    seen = (t.cabin_shares[active] * t.trips[active, None]).sum(axis=0) > 0
    point = np.full(len(CABIN_BUCKETS), np.nan)
    point[seen] = nnls(A[:, seen], b)[0]
    draws = None
    resamples = _resamples(seg, len(active), salt=0)
    if resamples is not None:
        draws = np.full((len(resamples), len(CABIN_BUCKETS)), np.nan)
        for r, c in enumerate(resamples):
            root = np.sqrt(c)[:, None]
            draws[r, seen] = nnls(A[:, seen] * root, b * root[:, 0])[0]
    return {
        bucket: Estimate.of(point[j], None if draws is None else draws[:, j]) for j, bucket in enumerate(CABIN_BUCKETS)
    }


def _resamples(seg: Segmentation, n: int, salt: int) -> np.ndarray | None:
    """Bootstrap weights (how often each account is drawn), one row per resample; None: no interval."""
    e = seg.rules.estimation
    if e.bootstrap == 0 or n < e.min_accounts_for_interval:
        return None
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(e.seed, spawn_key=(salt,))))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=e.bootstrap)


def fit_tiers(seg: Segmentation) -> list[TierFit]:
    """Counts and estimates for every segment, in the segmentation's order."""
    t = seg.table
    total_spend, total_trips = t.spend_cny.sum(), t.trips.sum()
    fits = []
    for k, s in enumerate(seg.segments):
        members = seg.accounts_in(k)
        idx = members[t.trips[members] > 0]
        gov = (
            None
            if t.sector is None or not len(members)
            else float(np.mean([t.sector[i] == "government" for i in members]))
        )
        fits.append(_fit_one(seg, s, idx, len(members), gov, total_spend, total_trips, salt=k + 1))
    return fits


def _fit_one(
    seg: Segmentation,
    s: Segment,
    idx: np.ndarray,
    accounts: int,
    gov: float | None,
    total_spend: float,
    total_trips: float,
    salt: int,
) -> TierFit:
    t, e = seg.table, seg.rules.estimation
    n = len(idx)
    T, Y = t.travellers[idx], t.trips[idx]
    S = None if t.single_trip_travellers is None else t.single_trip_travellers[idx]
    w = t.months_observed[idx] / 12.0
    windows, group = np.unique(w, return_inverse=True)
    # Every estimate is a function of per-account sums; a resample only reweights the accounts.
    cols = {"T": T, "Y": Y, "spend": t.spend_cny[idx]}
    for g in range(len(windows)):
        cols[f"T{g}"], cols[f"Y{g}"] = T * (group == g), Y * (group == g)
        if S is not None:
            cols[f"S{g}"] = S * (group == g)
    if S is not None:
        cols["S"] = S
    if t.cabin_shares is not None:
        for j, b in enumerate(CABIN_BUCKETS):
            cols[f"c_{b}"] = Y * np.nan_to_num(t.cabin_shares[idx, j])
    if t.ff_member_share is not None:
        cols["ff"] = T * np.nan_to_num(t.ff_member_share[idx])
    names = list(cols)
    X = np.column_stack([cols[c] for c in names]) if n else np.zeros((0, len(names)))

    def estimates(sums: np.ndarray) -> tuple[dict[str, float], str]:
        v = dict(zip(names, sums, strict=True))
        G = range(len(windows))
        fit = fit_trip_rate(
            np.array([v[f"T{g}"] for g in G]),
            np.array([v[f"Y{g}"] for g in G]),
            None if S is None else np.array([v[f"S{g}"] for g in G]),
            windows,
            e.trip_rate_shape,
        )
        out = {"mu": fit.mu, "k": fit.k, "population": fit.population / n, "fare": v["spend"] / v["Y"]}
        if S is not None:
            out["single"] = v["S"] / v["T"]
        for b in CABIN_BUCKETS if t.cabin_shares is not None else ():
            out[b] = v[f"c_{b}"] / v["Y"]
        if "ff" in v:
            out["ff"] = v["ff"] / v["T"]
        return out, fit.status

    if n == 0:
        nan = Estimate(math.nan)
        return TierFit(
            s,
            accounts,
            0,
            0.0,
            0.0,
            gov,
            0.0,
            nan,
            nan,
            nan,
            "no trips",
            None,
            nan,
            None,
            None,
            "none: no accounts with trips",
        )
    point, status = estimates(X.sum(axis=0))
    resamples = _resamples(seg, n, salt)
    draws: dict[str, np.ndarray] | None = None
    if resamples is not None:
        rows = [estimates(c @ X)[0] for c in resamples]
        draws = {key: np.array([r[key] for r in rows]) for key in point}
        interval = f"bootstrap, {e.bootstrap} resamples of the tier's {n} accounts"
    else:
        interval = (
            "none: bootstrap off" if e.bootstrap == 0 else f"none: fewer than {e.min_accounts_for_interval} accounts"
        )

    def est(key: str) -> Estimate:
        return Estimate.of(point[key], None if draws is None else draws[key])

    return TierFit(
        segment=s,
        accounts=accounts,
        active=n,
        spend_share=float(t.spend_cny[idx].sum() / total_spend) if total_spend > 0 else 0.0,
        trips_share=float(Y.sum() / total_trips) if total_trips > 0 else 0.0,
        government_share=gov,
        travellers_observed=float(T.sum() / n),
        travellers_per_account=est("population"),
        trips_per_traveller_per_year=est("mu"),
        trip_rate_shape=est("k"),
        shape_status=status,
        single_trip_rate=est("single") if S is not None else None,
        fare_cny=est("fare"),
        cabin_mix={b: est(b) for b in CABIN_BUCKETS} if t.cabin_shares is not None else None,
        ff_member_share=est("ff") if "ff" in point else None,
        interval=interval,
    )
