"""The public API: one call per command, each callable twice in one process, none shadowed by a submodule."""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import model
from model.errors import RunFolderError
from tests.helpers import CALIBRATION_TARGETS, lhs_experiment, write_tiny_scenario

COMMANDS = {  # command → the call that does its work
    "validate": "load_scenario",
    "plan": "plan",
    "run": "run",
    "compare": "compare",
    "sweep": "run_sweep",
    "analyze": "analyze",
    "calibrate": "calibrate",
    "synth-accounts": "synth_accounts",
    "segment": "segment",
    "schema": "scenario_reference",
    "accounts": "accounts",
}


def _all_submodules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(model.__path__, "model.") if not m.name.endswith("__main__")]


def test_every_command_has_a_call_and_all_is_explicit():
    from typer.main import get_command

    from model.cli.app import app

    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    assert commands == set(COMMANDS), "a command without a Python call (or a call for a command that is gone)"
    for call in COMMANDS.values():
        assert call in model.__all__ and callable(getattr(model, call))
    assert sorted(model.__all__) == sorted(set(model.__all__))
    for name in model.__all__:
        assert hasattr(model, name), f"model.__all__ names {name!r}, which model does not have"


def test_no_submodule_shadows_an_export():
    for name in _all_submodules():  # importing a submodule sets it as an attribute of its parent
        importlib.import_module(name)
    for name in model.__all__:
        assert not inspect.ismodule(getattr(model, name)), f"model.{name} is a module, not the exported {name}"
    children = {n.split(".")[1] for n in _all_submodules()}
    assert not children & set(model.__all__), f"submodules named like exports: {children & set(model.__all__)}"


def test_import_model_loads_no_heavy_library():
    code = "import sys, model; print(sorted(m for m in ('matplotlib', 'pandas', 'scipy', 'pulp', 'simpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _finite_summary(result) -> None:
    assert not result.failed()
    s = result.summary()
    assert all(math.isfinite(s["policies"][p]["kpis"]["net_value"]["mean"]) for p in result.policies)


def test_every_call_works_twice(tmp_path):
    scenario = write_tiny_scenario(tmp_path)
    for attempt in (1, 2):  # the second round catches a call that a first import or call replaced
        here = tmp_path / f"round{attempt}"
        here.mkdir()
        s = model.load_scenario(scenario, ["resources.escort_staff.staff_on_duty=*1.5"])
        assert isinstance(s, model.Scenario)
        assert isinstance(model.plan(scenario, "halfstep"), model.Plan)
        assert isinstance(model.plan(s, "standard"), model.Plan)

        result = model.run(scenario, ["standard", "halfstep"], replications=2, seed=3)
        _finite_summary(result)
        folder = model.write_run(result, here / "run")
        assert (folder / "summary.json").is_file() and (folder / "report.html").is_file()
        more = model.write_run(model.run(scenario, ["standard", "halfstep"], 2, 4), here / "run2")
        table = model.accounts(folder, top=3)
        assert len(table) == 3 and set(table.policy) == {"halfstep"}

        w = model.whatif(folder, ["resources.escort_staff.staff_on_duty=*2"])
        _finite_summary(w)
        assert w.seed == 3 and w.replications == 2

        c = model.compare(folder, more)
        assert [r.label for r in c.runs] == ["run", "run2"]
        c = model.compare(folder, overrides=["resources.escort_staff.staff_on_duty=*2"], out=here / "cmp")
        assert (here / "cmp" / "whatif" / "summary.json").is_file()
        assert str(here / "cmp" / "whatif") in (here / "cmp" / "comparison.html").read_text(encoding="utf-8")
        with pytest.raises(RunFolderError, match="at least two run folders"):
            model.compare(folder)

        exp = lhs_experiment(here, points=2, reps=1)
        summary = model.run_sweep(exp)
        assert summary.done == summary.tasks == 2
        assert len(model.load_results(exp)) > 0
        a = model.analyze(exp, out=here / "analysis")
        assert a.kpis and (here / "analysis" / "sensitivity.csv").is_file()

        (here / "t.toml").write_text(CALIBRATION_TARGETS, encoding="utf-8")
        cal = model.calibrate(scenario, here / "t.toml")
        assert -1.0 <= cal.parameters["intercept"] <= 1.0

        table = model.synth_accounts(300, seed=1, out=here / "a.csv")
        again = model.read_accounts(here / "a.csv")
        assert len(again.account_id) == len(table.account_id) == 300
        seg = model.segment(here / "a.csv", out=here / "book.toml")
        assert model.load_scenario(here / "book.toml").tier_names == [s.name for s in seg.segmentation.segments]
        in_memory = model.segment(table)  # the same accounts, from the table in memory
        assert list(in_memory.segmentation.segment) == list(seg.segmentation.segment)

        assert "trip_rate_shape" in model.scenario_reference()


def test_the_readme_python_example_runs_twice(tmp_path):
    """`model.compare(a, b)` twice in one process, as the README's Python API section does."""
    code = f"""
import model
r = model.run("{write_tiny_scenario(tmp_path).as_posix()}", ["standard", "halfstep"], replications=2, seed=1)
a = model.write_run(r, "{(tmp_path / 'a').as_posix()}")
b = model.write_run(model.whatif(a, ["resources.escort_staff.staff_on_duty=*2"]), "{(tmp_path / 'b').as_posix()}")
for _ in range(2):
    c = model.compare(a, b)
print(len(c.runs))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "2"  # (HiGHS may print its banner first)
