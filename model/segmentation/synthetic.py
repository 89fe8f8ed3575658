"""Synthetic account tables: a realistic book for demos, and books of known tiers for tests.

Both draw accounts the way the simulator draws demand (DESIGN.md, *Concepts*): an
account has a population of travellers, each with a gamma-distributed trip rate, and
Poisson trips in the observation window; the table then records what an airline sees —
the travellers who flew, their trips, those who flew once, the fare buckets and the
spend. Spend is bucket trips × one fare ladder × an account-level route factor (longer
routes pay more in every bucket).

:func:`synth_book` is consistent with SEEDS.md: GP share of accounts (10.45%), two-party
agreements (26.37%), new accounts that never ticketed (50.75%), frequent-flyer members
(75.59% of travellers), the single-trip rate (65.41%), average fares (corporate 1,165 and
GP 1,267 CNY, Jan–Sep 2017) and a Pareto spend (20% of accounts, about 80% of spend).
Other numbers are ASSUMPTIONS, named in :data:`BOOK`. :func:`synth_tiers` draws a book
from given tier parameters, for round trips through ``halfstep segment``.

Random numbers: one ``SeedSequence(seed)`` with a child per purpose, so a table depends
on the seed alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.segmentation.accounts import CABIN_BUCKETS, AccountTable

__all__ = ["BOOK", "FARE_LADDER_CNY", "BookSpec", "SynthTier", "synth_book", "synth_tiers"]

#: Average fare of each bucket, CNY: ASSUMPTION — a full Y fare of 1,450 CNY and the bucket's
#: typical share of it (two-cabin 1.8× Y), chosen with the mixes of :data:`BOOK` to give
#: seed 000's average fares.
FARE_LADDER_CNY = {"lt40": 507.5, "40_65": 797.5, "70_90": 1160.0, "y": 1450.0, "two_cabin": 2610.0}


@dataclass(frozen=True)
class BookSpec:
    """The assumptions of a realistic book (figures from SEEDS.md are cited)."""

    government_share: float = 0.1045  # seed 000: state/GP 10.45% of new accounts
    two_party_share: float = 0.2637  # seed 000: two-party 26.37%, three-party 73.63%
    new_share: float = 0.05  # ASSUMPTION: accounts signed within the window
    new_sleeping: float = 0.33  # tuned so that 50.75% of new accounts never ticket (seed 000), chance included
    old_sleeping: float = 0.06  # ASSUMPTION: sleeping agreements among older accounts (seed 003: "many")
    pareto_alpha: float = 1.1  # ASSUMPTION: travellers per account ~ Pareto, tuned to seed 003's 80/20
    min_travellers: float = 3.0  # ASSUMPTION: Pareto scale
    max_travellers: int = 8000  # ASSUMPTION: the largest account
    trips_per_year: tuple[float, float] = (
        1.05,
        1.25,
    )  # ASSUMPTION (enterprise, GP), tuned to the 65.41% single-trip rate
    rate_spread: float = 0.3  # ASSUMPTION: σ of an account's log trip rate around its sector's
    trip_rate_shape: float = 1.0  # ASSUMPTION: as the baseline scenario
    cabin_mix: tuple[tuple[float, ...], tuple[float, ...]] = (
        (0.06, 0.30, 0.34, 0.24, 0.06),  # ASSUMPTION: enterprise, gives 1,169 CNY
        (0.03, 0.225, 0.36, 0.305, 0.08),  # ASSUMPTION: GP, gives 1,263 CNY
    )
    mix_concentration: float = 40.0  # ASSUMPTION: Dirichlet concentration of an account's mix
    route_spread: float = 0.12  # ASSUMPTION: σ of the log route factor
    ff_member_share: float = 0.7559  # seed 000: 36,411 of 48,167 travellers
    ff_concentration: float = 30.0  # ASSUMPTION
    months: float = 6.0  # seed 004: star levels by 6-month average monthly spend


BOOK = BookSpec()


@dataclass(frozen=True)
class SynthTier:
    """Known parameters of one tier (the scenario's fields), for round trips."""

    name: str
    accounts: int
    travellers_per_account: int
    trips_per_traveller_per_year: float
    trip_rate_shape: float
    cabin_mix: tuple[float, float, float, float, float]
    sector: str = "enterprise"

    def fare_cny(self, ladder: dict[str, float] = FARE_LADDER_CNY) -> float:
        return math.fsum(s * ladder[b] for s, b in zip(self.cabin_mix, CABIN_BUCKETS, strict=True))


def _rngs(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(4)
    return {
        k: np.random.Generator(np.random.PCG64(c))
        for k, c in zip(("accounts", "travel", "fares", "names"), children, strict=True)
    }


def synth_book(n: int, seed: int = 0, spec: BookSpec = BOOK) -> AccountTable:
    """A realistic book of ``n`` accounts (see the module docstring)."""
    r = _rngs(seed)
    acc = r["accounts"]
    gov = acc.random(n) < spec.government_share
    new = acc.random(n) < spec.new_share
    months = np.where(new, acc.integers(1, int(spec.months), size=n), spec.months).astype(float)
    sleeping = acc.random(n) < np.where(new, spec.new_sleeping, spec.old_sleeping)
    size = spec.min_travellers * (1.0 + acc.pareto(spec.pareto_alpha, size=n))
    population = np.where(sleeping, 0, np.minimum(np.ceil(size), spec.max_travellers)).astype(np.int64)
    sigma = spec.rate_spread
    mu = np.where(gov, spec.trips_per_year[1], spec.trips_per_year[0]) * acc.lognormal(-(sigma**2) / 2, sigma, size=n)
    mean_mix = np.asarray(spec.cabin_mix)[gov.astype(int)]
    mix = _dirichlet(acc, mean_mix, spec.mix_concentration)
    ff = acc.beta(
        spec.ff_member_share * spec.ff_concentration, (1 - spec.ff_member_share) * spec.ff_concentration, size=n
    )
    agreement = np.where(acc.random(n) < spec.two_party_share, "two-party", "three-party")
    return _table(
        r,
        population=population,
        mu=mu,
        shape=np.full(n, spec.trip_rate_shape),
        months=months,
        mix=mix,
        government=gov,
        ff=ff,
        agreement=list(agreement),
        route_spread=spec.route_spread,
        source=f"synthetic book (n={n}, seed={seed})",
    )


def synth_tiers(
    tiers: Sequence[SynthTier],
    seed: int = 0,
    months: float = 6.0,
    route_spread: float = 0.1,
    mix_concentration: float = BOOK.mix_concentration,
) -> tuple[AccountTable, np.ndarray]:
    """Accounts drawn from known tier parameters; returns the table and each account's tier index.

    An account's cabin mix is Dirichlet around its tier's (mean = the tier's mix), so that
    accounts differ as real ones do and the book identifies the bucket fares.
    """
    r = _rngs(seed)
    truth = np.repeat(np.arange(len(tiers)), [t.accounts for t in tiers])

    def col(attr: str) -> np.ndarray:
        return np.repeat([getattr(t, attr) for t in tiers], [t.accounts for t in tiers], axis=0)

    n = len(truth)
    return (
        _table(
            r,
            population=col("travellers_per_account").astype(np.int64),
            mu=col("trips_per_traveller_per_year").astype(float),
            shape=col("trip_rate_shape").astype(float),
            months=np.full(n, months),
            mix=_dirichlet(r["accounts"], np.asarray(col("cabin_mix"), dtype=float), mix_concentration),
            government=col("sector") == "government",
            ff=np.full(n, BOOK.ff_member_share),
            agreement=["three-party"] * n,
            route_spread=route_spread,
            source=f"synthetic tiers (seed={seed})",
        ),
        truth,
    )


def _dirichlet(rng: np.random.Generator, means: np.ndarray, concentration: float) -> np.ndarray:
    """One cabin mix per account, Dirichlet with the given means (rows) and concentration."""
    draws = [rng.dirichlet(concentration * np.maximum(m, 1e-9)) for m in means]
    return np.vstack(draws) if draws else np.zeros((0, len(CABIN_BUCKETS)))


def _table(
    r: dict[str, np.random.Generator],
    *,
    population: np.ndarray,
    mu: np.ndarray,
    shape: np.ndarray,
    months: np.ndarray,
    mix: np.ndarray,
    government: np.ndarray,
    ff: np.ndarray,
    agreement: list[str],
    route_spread: float,
    source: str,
) -> AccountTable:
    """Draw each account's travellers and trips and record them as the airline sees them."""
    n = len(population)
    owner = np.repeat(np.arange(n), population)
    travel = r["travel"]
    w = months / 12.0
    rates = travel.gamma(shape[owner], (mu * w / shape)[owner])
    trips_each = travel.poisson(rates)
    travellers = np.bincount(owner, weights=trips_each > 0, minlength=n)
    trips = np.bincount(owner, weights=trips_each, minlength=n)
    single = np.bincount(owner, weights=trips_each == 1, minlength=n)

    fares = r["fares"]
    buckets = fares.multinomial(trips.astype(np.int64), mix) if n else np.zeros((0, len(CABIN_BUCKETS)))
    ladder = np.array([FARE_LADDER_CNY[b] for b in CABIN_BUCKETS])
    route = fares.lognormal(-(route_spread**2) / 2, route_spread, size=n)
    spend = np.round(buckets @ ladder * route)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(trips[:, None] > 0, buckets / trips[:, None], np.nan)
        members = fares.binomial(travellers.astype(np.int64), ff)
        ff_share = np.where(travellers > 0, members / travellers, np.nan)
    names, industry = _names(r["names"], government)
    return AccountTable(
        source=source,
        account_id=[f"A{i + 1:05d}" for i in range(n)],
        name=names,
        sector=["government" if g else "enterprise" for g in government],
        industry=industry,
        agreement=agreement,
        travellers=travellers,
        trips=trips,
        spend_cny=spend,
        months_observed=months.astype(float),
        single_trip_travellers=single,
        cabin_shares=shares,
        ff_member_share=ff_share,
        line=np.arange(2, n + 2),
    )


# Chinese names, so that every table exercises Unicode end to end.
_BRAND = "华安腾中兴泰鹏海科瑞信达远恒创新盛和金宏博航智源天美康乐嘉通"
_INDUSTRY = {
    "电子信息": "电子",
    "金融": "投资",
    "物流": "物流",
    "能源": "能源",
    "制造": "实业",
    "互联网": "网络科技",
    "医药": "医药",
    "房地产": "置业",
}
_SUFFIX = ("有限公司", "股份有限公司", "集团有限公司")
_DISTRICT = ("", "福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "龙华区", "盐田区", "坪山区", "光明区")
_DEPARTMENT = (
    "发展和改革局", "财政局", "教育局", "科技创新局", "工业和信息化局", "公安局", "民政局", "司法局",
    "人力资源和社会保障局", "规划和自然资源局", "生态环境局", "住房和建设局", "交通运输局", "水务局",
    "商务局", "文化广电旅游体育局", "卫生健康委员会", "审计局", "统计局", "医疗保障局",
)  # fmt: skip


def _names(rng: np.random.Generator, government: np.ndarray) -> tuple[list[str], list[str]]:
    names, industries = [], []
    kinds = list(_INDUSTRY)
    for g in government:
        if g:
            district = _DISTRICT[rng.integers(len(_DISTRICT))]
            names.append(f"深圳市{district}{_DEPARTMENT[rng.integers(len(_DEPARTMENT))]}")
            industries.append("政府机关")
        else:
            kind = kinds[rng.integers(len(kinds))]
            brand = "".join(_BRAND[i] for i in rng.integers(len(_BRAND), size=2))
            names.append(f"深圳{brand}{_INDUSTRY[kind]}{_SUFFIX[rng.integers(len(_SUFFIX))]}")
            industries.append(kind)
    return names, industries
