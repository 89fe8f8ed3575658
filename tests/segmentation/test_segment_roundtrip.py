"""Round trip: accounts drawn from known tiers → segment → the tiers' parameters come back.

Tolerance. The estimating equations are unbiased (E[trips | T] and E[singles | T] hold
exactly for every account), fares and the cabin mix are ratio estimators, so each
estimate is consistent and, with hundreds of accounts, close to normal around the truth
with the standard error the bootstrap measures. A check |estimate − truth| ≤ 4·SE fails
by chance with probability 6·10⁻⁵ under normality, about 0.2% for the 40-odd checks here
together; the seed is fixed, so the test is deterministic. The bootstrap SEs are
calibrated: over 30 seeds of this book the z-scores (estimate − truth) / SE of the tier
parameters had means within ±0.2 and standard deviations 0.8–1.05, those of the bucket
fares means within ±0.35 and standard deviations 0.8–1.3, largest |z| 3.2. Because a bad
estimator could hide behind a large SE, every SE is also capped (relative SE under 10%
for trip rates and fares, 15% for travellers per account and bucket fares, 35% for the
shape k, which only the single-trip share identifies; 0.03 for a cabin share), so the
tolerance cannot be vacuous.

The tiers' spend ranges are far apart (×10 per tier), so the absolute thresholds between
them assign every account to its own tier — checked first, since misassignment would
bias the estimates for reasons that are not the estimator's.
"""

from __future__ import annotations

import math

import pytest

from model.scenario.loading import scenario_from_dict
from model.segmentation.accounts import CABIN_BUCKETS
from model.segmentation.fit import Estimate
from model.segmentation.pipeline import segment
from model.segmentation.rules import rules_from_dict
from model.segmentation.synthetic import FARE_LADDER_CNY, SynthTier, synth_tiers

TIERS = (
    SynthTier("bronze", 500, 5, 3.0, 0.8, (0.10, 0.35, 0.30, 0.20, 0.05)),
    SynthTier("silver", 120, 60, 4.0, 1.5, (0.05, 0.25, 0.35, 0.25, 0.10)),
    SynthTier("gold", 40, 150, 6.0, 3.0, (0.02, 0.15, 0.33, 0.35, 0.15), sector="government"),
)
RULES = {
    "rules": {"name": "round trip"},
    "star_levels": {"basis": "absolute", "thresholds": [8_000.0, 50_000.0]},  # CNY per month, between the tiers
    "tiers": [
        {"name": "gold", "template": "V5", "when": [{"min_star": 3}]},
        {"name": "silver", "template": "V3", "when": [{"min_star": 2}]},
        {"name": "bronze", "template": "V1"},
    ],
    "estimation": {"bootstrap": 200, "seed": 11},
}


def within(e: Estimate, truth: float, max_relative_se: float) -> None:
    assert e.se is not None and e.low is not None and e.high is not None
    assert e.se <= max_relative_se * truth, f"SE {e.se:.4g} too large for truth {truth:.4g}"
    assert abs(e.value - truth) <= 4 * e.se, f"estimate {e.value:.4g} vs truth {truth:.4g} (SE {e.se:.3g})"


@pytest.fixture(scope="module")
def result():
    # little route noise and varied cabin mixes, so that the book identifies the bucket fares
    table, truth = synth_tiers(TIERS, seed=5, route_spread=0.05, mix_concentration=10)
    res = segment(table, rules_from_dict(RULES))
    return res, truth


def test_every_account_lands_in_its_own_tier(result) -> None:
    res, truth = result
    seg = res.segmentation
    names = [seg.segments[k].name for k in seg.segment]
    assert names == [TIERS[i].name for i in truth]


def test_tier_parameters_come_back_within_their_standard_errors(result) -> None:
    res, _ = result
    fits = {f.segment.name: f for f in res.fits}
    for t in TIERS:
        f = fits[t.name]
        assert f.accounts == t.accounts and f.active <= f.accounts
        assert f.shape_status == "fitted"
        # Accounts without a trip in the window (by chance: 5 of bronze's 500) stay out of the
        # scenario, but the zero-truncation counts their travellers too, spread over the others.
        within(f.travellers_per_account, t.travellers_per_account * f.accounts / f.active, 0.15)
        within(f.trips_per_traveller_per_year, t.trips_per_traveller_per_year, 0.10)
        within(f.trip_rate_shape, t.trip_rate_shape, 0.35)
        within(f.fare_cny, t.fare_cny(), 0.03)
        assert f.cabin_mix is not None
        for b, share in zip(CABIN_BUCKETS, t.cabin_mix, strict=True):
            e = f.cabin_mix[b]
            assert e.se is not None and e.se < 0.03 and abs(e.value - share) <= 4 * e.se, (t.name, b, e, share)
        assert f.government_share == (1.0 if t.sector == "government" else 0.0)


def test_the_book_fare_ladder_comes_back(result) -> None:
    res, _ = result
    for b in CABIN_BUCKETS:
        within(res.bucket_fares[b], FARE_LADDER_CNY[b], 0.15)


def test_the_written_scenario_carries_the_estimates_and_validates(result) -> None:
    res, _ = result
    s = scenario_from_dict(res.build.data, source="written")
    fits = {f.segment.name: f for f in res.fits}
    assert [t.name for t in s.tiers] == ["gold", "silver", "bronze"]
    assert [t.rank for t in s.tiers] == [5, 3, 1]  # the templates' ranks in the baseline
    for t in s.tiers:
        f = fits[t.name]
        assert t.accounts == f.active
        assert t.travellers_per_account == round(f.travellers_per_account.value)
        # rounding the travellers keeps the tier's expected trips
        assert t.travellers_per_account * t.trips_per_traveller_per_year == pytest.approx(
            f.travellers_per_account.value * f.trips_per_traveller_per_year.value, rel=1e-5
        )
        assert t.cabin_mix is not None and math.isclose(sum(t.cabin_mix.values()), 1.0, abs_tol=1e-6)
        implied = s.tier_fare_cny(t)
        assert implied == pytest.approx(f.fare_cny.value, rel=0.03)
    truth = {x.name: x.accounts * x.travellers_per_account * x.trips_per_traveller_per_year for x in TIERS}
    for t in s.tiers:  # the tier's yearly trips, everything together, within 10%
        assert t.accounts * t.travellers_per_account * t.trips_per_traveller_per_year == pytest.approx(
            truth[t.name], rel=0.1
        )


def test_the_same_table_gives_the_same_estimates_and_scenario(result) -> None:
    res, _ = result
    table, _ = synth_tiers(TIERS, seed=5, route_spread=0.05, mix_concentration=10)
    again = segment(table, rules_from_dict(RULES))
    assert again.fits == res.fits and again.scenario_toml() == res.scenario_toml()
