"""The gamma-Poisson fit of zero-truncated counts, against its own equations (exact answers)."""

from __future__ import annotations

import numpy as np
import pytest

from model.segmentation.fit import K_MAX, K_MIN, fit_trip_rate

WINDOWS = np.array([0.5, 0.25, 1.0])  # years: accounts observed 6, 3 and 12 months
POPULATION = np.array([1000.0, 300.0, 50.0])  # travellers who could fly, per window


def expected_counts(mu: float, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Travellers who fly, their trips and those who fly once, as expected under NB(k, μw)."""
    m = mu * WINDOWS
    p0 = (1 + m / k) ** -k
    p1 = m * (1 + m / k) ** (-k - 1)
    return POPULATION * (1 - p0), POPULATION * m, POPULATION * p1


@pytest.mark.parametrize(("mu", "k"), [(2.0, 0.5), (6.0, 3.0), (1.0, 1.0), (0.6, 12.0), (15.0, 0.05)])
def test_expected_counts_give_back_the_parameters(mu: float, k: float) -> None:
    T, Y, S = expected_counts(mu, k)
    fit = fit_trip_rate(T, Y, S, WINDOWS, k_default=1.0)
    assert fit.status == "fitted"
    assert fit.mu == pytest.approx(mu, rel=1e-6)
    assert fit.k == pytest.approx(k, rel=1e-5)
    assert fit.population == pytest.approx(POPULATION.sum(), rel=1e-6)


def test_without_single_trip_counts_k_is_assumed_and_mu_still_fits() -> None:
    T, Y, _ = expected_counts(2.0, 0.7)
    fit = fit_trip_rate(T, Y, None, WINDOWS, k_default=0.7)
    assert fit.status == "assumed" and fit.k == 0.7
    assert fit.mu == pytest.approx(2.0, rel=1e-6)
    # a wrong shape biases μ and the travellers who could fly: why the single-trip counts matter
    wrong = fit_trip_rate(T, Y, None, WINDOWS, k_default=3.0)
    assert wrong.mu > 2.0 * 1.3 and wrong.population < POPULATION.sum() * 0.8


def test_poisson_counts_sit_at_the_upper_bound() -> None:
    m = 2.0 * WINDOWS
    T, Y, S = (
        POPULATION * (1 - np.exp(-m)),
        POPULATION * m,
        POPULATION * m * np.exp(-m) * 0.98,
    )  # fewer singles than Poisson
    fit = fit_trip_rate(T, Y, S, WINDOWS, k_default=1.0)
    assert fit.status == "Poisson limit" and fit.k == K_MAX


def test_too_many_single_trip_travellers_sit_at_the_lower_bound() -> None:
    T, Y = np.array([100.0]), np.array([300.0])
    fit = fit_trip_rate(T, Y, np.array([99.0]), np.array([0.5]), k_default=1.0)  # 99 once, 1 traveller 201 times
    assert fit.status == "lower limit" and fit.k == K_MIN


def test_travellers_who_all_flew_once_identify_no_rate() -> None:
    fit = fit_trip_rate(np.array([40.0]), np.array([40.0]), np.array([40.0]), np.array([0.5]), k_default=1.0)
    assert fit.status.startswith("not identified")
    assert fit.mu == pytest.approx(2.0) and fit.population == 40.0
