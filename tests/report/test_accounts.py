"""accounts.csv, `halfstep accounts` and model.accounts: per account, what it brings and costs (seed 002)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model
from model.report.publish import write_run
from model.simulation.replications import run_policies
from tests.helpers import build, cli, tiny_dict


def _run(tmp_path: Path, data: dict, reps: int = 3) -> Path:
    result = run_policies(build(data), ("standard", "halfstep"), replications=reps, seed=3)
    write_run(result, tmp_path / "run")
    return tmp_path / "run"


def _costly_lounge() -> dict:
    """The high tier's lounge at 2,000 CNY a use: more than the 0.85 × 1,500 a trip contributes."""
    d = tiny_dict()
    d["dimensions"][0]["unit_cost_cny"] = 2000.0
    return d


def test_accounts_add_up_to_the_tiers(tmp_path: Path) -> None:
    run = _run(tmp_path, tiny_dict())
    acc = pd.read_csv(run / "accounts.csv", encoding="utf-8-sig")
    tiers = pd.read_csv(run / "outcomes_by_tier.csv", encoding="utf-8-sig")
    assert len(acc) == 2 * (10 + 5)  # two policies × the tiny book's accounts
    for (policy, tier), rows in acc.groupby(["policy", "tier"]):
        t = tiers[(tiers.policy == policy) & (tiers.tier == tier)]
        assert rows.trips_requested.sum() == pytest.approx(t.trips_requested.mean(), rel=1e-12)
        assert rows.trips_flown.sum() == pytest.approx(t.trips_flown.mean(), rel=1e-12)
        assert rows.revenue.sum() == pytest.approx(t.revenue.mean(), rel=1e-12)
        assert rows.cost_to_serve.sum() == pytest.approx(t.cost_total.mean(), rel=1e-9)
    margin = 0.85
    assert np.allclose(acc.contribution, margin * acc.revenue - acc.cost_to_serve)
    assert (acc.contribution_ci_low <= acc.contribution).all() and (acc.contribution <= acc.contribution_ci_high).all()


def test_a_losing_account_is_named_with_the_service_that_would_make_it_pay(tmp_path: Path, capsys) -> None:
    run = _run(tmp_path, _costly_lounge())
    losing = model.accounts(run, policy="standard", losing=True)
    assert len(losing) > 0 and (losing.contribution < 0).all()
    assert list(losing.contribution) == sorted(losing.contribution)  # the one that loses most first
    worst = model.accounts(run, policy="standard", losing=True, top=1)
    assert worst.contribution.iloc[0] == losing.contribution.min()
    high = losing[losing.tier == "high"]
    assert len(high) > 0
    assert all(f.startswith("pays without lounge (") for f in high.fix)
    # without the lounge, the margin covers the rest: cost − lounge ≤ margin × revenue
    assert cli("accounts", str(run), "--losing", "--policy", "standard") == 0
    out = capsys.readouterr().out
    assert "losing accounts under standard" in out and "pays without lounge" in out
    assert "What would make each losing account pay" in out
    # the report ranks halfstep's accounts: its plan (maximizing contribution) gives the high tier no lounge
    report = (run / "report.md").read_text(encoding="utf-8")
    assert "## Accounts worth developing (halfstep)" in report
    assert "No account loses money under halfstep" in report


def test_no_losing_account_is_said_plainly(tmp_path: Path, capsys) -> None:
    run = _run(tmp_path, tiny_dict())
    assert cli("accounts", str(run), "--losing") == 0
    assert "No account loses money under halfstep" in capsys.readouterr().out
    best = model.accounts(run, top=3, tier="high")
    assert len(best) == 3 and set(best.tier) == {"high"} and set(best.policy) == {"halfstep"}


def test_bad_input_is_named(tmp_path: Path, capsys) -> None:
    run = _run(tmp_path, tiny_dict(), reps=2)
    assert cli("accounts", str(run), "--tier", "gold") != 0
    err = capsys.readouterr().err
    assert "--tier 'gold'" in err and "allowed: low, high" in err
    (run / "accounts.csv").unlink()
    assert cli("accounts", str(run)) != 0
    assert "has no accounts.csv" in capsys.readouterr().err
    assert cli("accounts", str(tmp_path / "nowhere")) != 0
    assert "no such run folder" in capsys.readouterr().err
