"""The benchmark suite's scenarios and its smoke run (benchmarks/). No timing is asserted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.__main__ import main
from benchmarks.queues import bare_simpy, draws, escort_pool
from benchmarks.scenarios import account_tiers, scaled_book, split_accounts
from model.allocation.allocator import build_lp
from model.allocation.demand import expected_requests
from model.allocation.spec import LPSpec
from model.allocation.value import tier_ranks
from model.scenario.loading import load_scenario
from tests.helpers import ROOT


def test_split_accounts_is_whole_and_proportional():
    out = split_accounts(10_000, np.array([70, 30, 15, 8, 4]))
    assert out.sum() == 10_000 and list(out) == sorted(out, reverse=True)
    assert abs(out[0] / 10_000 - 70 / 127) < 1e-3


def test_scaled_book_has_the_accounts_and_trips_asked_for():
    base = load_scenario()
    s = scaled_book(2_000, 100_000, days=365)
    assert sum(t.accounts for t in s.tiers) == 2_000 and s.time.horizon_days == 365
    assert expected_requests(s).sum() == pytest.approx(100_000, rel=1e-9)
    # every tier keeps its share of the trips (up to whole accounts: 2,000 split 5 ways moves a share by < 0.5%)
    np.testing.assert_allclose(
        expected_requests(s) / 100_000, expected_requests(base) / expected_requests(base).sum(), rtol=5e-3
    )
    # flights and staff grow with the trips a day
    per_day = 100_000 / 365 / (expected_requests(base).sum() / base.time.horizon_days)
    assert len(s.flights.departure_hours) == len(base.flights.departure_hours) * round(per_day)
    staff = next(r for r in s.resources if r.kind == "escort").staff_on_duty
    base_staff = next(r for r in base.resources if r.kind == "escort").staff_on_duty
    assert staff == [round(x * per_day) for x in base_staff]


def test_account_tiers_is_one_ranked_tier_per_account():
    s = account_tiers(60)
    assert len(s.tiers) == 60 and all(t.accounts == 1 for t in s.tiers) and len(s.dimensions) == 12
    assert list(tier_ranks(s)) == list(range(1, 61))  # a chain: nesting binds each to the next
    lp = build_lp(s, LPSpec("halfstep", lead=0.5)).lp
    T, D = 60, 12
    rows, cols = lp.shape
    expandable = sum(1 for r in s.resources if r.expansion_cost_cny is not None and r.kind != "escort")
    added_hours = sum(n.startswith("eh_") for n in lp.col_names())  # escort staff-hours added, hour by hour
    assert 0 < added_hours <= 24
    assert cols == 5 * T * D + expandable + added_hours  # y and four segments per tier and dimension
    assert rows >= T * D + (T - 1) * D  # links and nesting, then capacities and budget


def test_escort_pool_serves_the_same_queue_as_the_bare_simpy_loop():
    gaps, services = draws(3_000, seed=4)
    assert escort_pool(gaps, services) == bare_simpy(gaps, services)  # first come first served, same draws


def test_quick_run_writes_a_record(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["--quick", "--only", "allocator", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["size"] == "quick"
    assert {"allocator_baseline", "allocator_100_accounts", "allocator_300_accounts"} == set(record["cases"])
    lp = record["cases"]["allocator_300_accounts"]
    assert lp["status"] == "Optimal" and lp["solve_seconds"] > 0
    assert [t["target"] for t in record["targets"]] == [
        "LP overhead / solver time (300 accounts, direct)",
        "LP overhead / solver time (300 accounts, through PuLP)",
    ]


def test_quick_contribution_run_times_the_plan_against_its_final_lp(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["--quick", "--only", "contribution", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    plans = record["cases"]["contribution_plan"]
    assert [p["book"] for p in plans] == ["baseline", "100 account tiers"]
    for p in plans:
        assert p["converged"] and p["final_lp_status"] == "Optimal" and p["not_optimal"] == []
        assert p["lps"] == p["sequence_lps"] + 2  # the sequence, then the tie-break's two solves
        assert p["sequence_lps"] == p["steps"] and p["ratio"] == p["plan_seconds"] / p["final_lp_seconds"]
    assert plans[0]["interfaces"] == ["direct", "pulp"] and plans[1]["interfaces"] == ["direct"]  # inner steps direct
    assert [t["target"] for t in record["targets"]] == [
        "contribution plan / one HiGHS solve of its final LP (baseline)",
        "contribution plan / one HiGHS solve of its final LP (100 account tiers)",
    ]


def test_an_existing_record_is_kept_without_force(tmp_path):
    out = tmp_path / "bench.json"
    out.write_text("mine")
    with pytest.raises(SystemExit) as e:
        main(["--quick", "--only", "allocator", "--out", str(out)])
    assert e.value.code == 2 and out.read_text() == "mine"


def test_ciw_simulates_the_same_queue():
    from benchmarks.queues import ciw_queue, erlang_c_wait

    # one long run of a queue at 80% load: its mean wait is within a quarter of Erlang C's
    assert abs(ciw_queue(20_000, seed=2) - erlang_c_wait()) < 0.25 * erlang_c_wait()


@pytest.mark.slow
def test_quick_run_of_every_section(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["--quick", "--out", str(out)]) == 0
    cases = json.loads(out.read_text())["cases"]
    assert {"simulator_baseline", "simulator_scaled", "workers", "one_replication"} <= set(cases)
    assert cases["one_replication"]["peak_rss_mib"] > 0


def test_readme_shows_the_latest_record():
    from benchmarks.__main__ import LATEST, README
    from benchmarks.suite import readme_block

    assert LATEST.resolve() == ROOT / "benchmarks" / "results" / "latest.json"
    assert README.resolve() == ROOT / "README.md"
    record = json.loads(LATEST.read_text(encoding="utf-8"))
    assert record["size"] == "full"
    assert readme_block(record) in README.read_text(encoding="utf-8"), "rerun make bench: it rewrites the table"
