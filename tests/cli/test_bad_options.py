"""Options outside what they allow are refused up front: exit 2, one line naming the option, the value and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import halfstep, write_tiny_scenario

CASES = [
    # (command and options, the option named, the value named, the rule)
    (("run", "{scen}", "--seed", "-5"), "--seed", "-5", "≥ 0"),
    (("run", "{scen}", "--replications", "0"), "--replications", "0", "≥ 1"),
    (("run", "{scen}", "-r", "-3"), "--replications", "-3", "≥ 1"),
    (("run", "{scen}", "--workers", "0"), "--workers", "0", "≥ 1"),
    (("run", "{scen}", "-w", "-1"), "--workers", "-1", "≥ 1"),
    (("compare", "{tmp}", "--set", "budget.benefits_cny=1", "--workers", "0"), "--workers", "0", "≥ 1"),
    (("sweep", "{tmp}/exp.toml", "--workers", "0"), "--workers", "0", "≥ 1"),
    (("synth-accounts", "--n", "0"), "--n", "0", "≥ 1"),
    (("synth-accounts", "--seed", "-1"), "--seed", "-1", "≥ 0"),
]


@pytest.mark.parametrize(("args", "option", "value", "rule"), CASES, ids=[f"{c[0][0]} {c[1]} {c[2]}" for c in CASES])
def test_a_bad_option_is_named_before_any_work(tmp_path: Path, args, option, value, rule) -> None:
    scen = write_tiny_scenario(tmp_path)
    out = tmp_path / "out"
    argv = [a.format(scen=scen, tmp=tmp_path) for a in args]
    r = halfstep(*argv, "--out", str(out))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"{option} = {value}: must be {rule}" in r.stderr
    assert not out.exists()
