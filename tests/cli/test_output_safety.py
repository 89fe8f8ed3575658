"""Output folders are owned, and every error comes before work starts ("Nothing lost, nothing silent").

``--force`` replaces only a folder halfstep wrote (it carries the ``.halfstep`` marker), never
the current folder, a parent of it, the home folder, the root, an empty path, or a folder that
holds an input of the command; an output that cannot be written is named before any plan or
simulation starts.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from model.files import MARKER, folder_kind
from model.version import __version__
from tests.helpers import CALIBRATION_TARGETS, cli, halfstep, write_tiny_scenario


def listing(folder: Path) -> list[str]:
    """Every path under ``folder`` with its content: what must not change on a refusal."""
    return sorted(
        f"{p.relative_to(folder)}:{p.read_bytes()!r}" if p.is_file() else str(p.relative_to(folder))
        for p in folder.rglob("*")
    )


def leftovers(*folders: Path) -> list[str]:
    """Staging or old-copy folders left beside a target (``.x.partial-…``, ``..old-…``)."""
    return [p.name for f in folders for p in f.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def refused(r, *words: str) -> None:
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    """A folder with tiny.toml and two run folders halfstep wrote: ``base`` and ``more`` (another seed)."""
    folder = tmp_path_factory.mktemp("runs")
    scen = write_tiny_scenario(folder)
    for name, seed in (("base", "4"), ("more", "5")):
        args = ("run", str(scen), "-r", "2", "--seed", seed, "--policies", "standard,halfstep", "--out")
        assert cli(*args, str(folder / name)) == 0
    return folder


# --- --force replaces only a folder halfstep wrote --------------------------------------------------


def test_force_keeps_a_folder_halfstep_did_not_write(tmp_path: Path) -> None:
    scen = write_tiny_scenario(tmp_path)
    x = tmp_path / "x"
    x.mkdir()
    (x / "precious.txt").write_text("keep", encoding="utf-8")
    before = listing(tmp_path)
    r = halfstep("plan", str(scen), "--out", str(x), "--force")
    refused(r, str(x), "is not a folder halfstep wrote", f"no {MARKER} marker", "1 entry: precious.txt")
    assert "remove it yourself" in r.stderr and "choose another --out" in r.stderr
    assert listing(tmp_path) == before and not leftovers(tmp_path)


def test_force_keeps_a_folder_of_earlier_runs(tmp_path: Path) -> None:
    scen = write_tiny_scenario(tmp_path)
    runs = tmp_path / "runs"
    for name in ("plan-a", "plan-b", "plan-c"):
        assert cli("plan", str(scen), "--out", str(runs / name)) == 0
        assert folder_kind(runs / name) == "plan"
    before = listing(tmp_path)
    r = halfstep("plan", str(scen), "--out", str(runs), "--force")
    refused(r, str(runs), "3 entries: plan-a, plan-b, plan-c")
    assert listing(tmp_path) == before and not leftovers(tmp_path, runs)


@pytest.mark.parametrize(
    ("out", "words"),
    [
        (".", "current folder"),
        ("", "current folder"),
        ("{here}", "is the current folder"),
        ("..", "is a parent of the current folder"),
        ("{parent}", "is a parent of the current folder"),
        ("/", "choose another --out"),
    ],
)
def test_the_current_folder_and_its_parents_are_never_replaced(tmp_path: Path, out: str, words: str) -> None:
    here, src = tmp_path / "here", tmp_path / "src"
    here.mkdir()
    src.mkdir()
    scen = write_tiny_scenario(src)  # not in here: only the rule protects the current folder
    (here / "notes.txt").write_text("mine", encoding="utf-8")
    for f in (here, tmp_path):  # even folders that look like halfstep's: only the rule protects them
        (f / MARKER).write_text('{"kind": "plan"}', encoding="utf-8")
    before = listing(tmp_path)
    r = halfstep("plan", str(scen), "--out", out.format(here=here, parent=tmp_path), "--force", cwd=here)
    refused(r, words)
    assert listing(tmp_path) == before
    assert not leftovers(here, tmp_path)
    assert not [p.name for p in (*here.iterdir(), *tmp_path.iterdir()) if p.name.startswith("..")]


def test_the_home_folder_is_never_replaced(tmp_path: Path, monkeypatch, capsys) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    scen = write_tiny_scenario(work)
    (home / MARKER).write_text('{"kind": "plan"}', encoding="utf-8")  # even one that looks like halfstep's
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    assert cli("plan", str(scen), "--out", str(home), "--force") == 2
    assert "is the home folder" in capsys.readouterr().err
    assert sorted(p.name for p in home.iterdir()) == [MARKER]


def test_compare_never_replaces_a_run_it_compares(two_runs: Path, tmp_path: Path) -> None:
    base, more = tmp_path / "base", tmp_path / "more"
    shutil.copytree(two_runs / "base", base)
    shutil.copytree(two_runs / "more", more)
    assert folder_kind(base) == "run"  # a folder halfstep wrote: only its being an input protects it
    before = listing(tmp_path)
    r = halfstep("compare", str(base), str(more), "--out", str(base), "--force")
    refused(r, f"{base} is an input of this command")
    assert listing(tmp_path) == before and not leftovers(tmp_path)
    # nor a halfstep folder that holds one of them (a run folder kept inside a comparison, as its what-if is)
    assert cli("compare", str(base), str(more), "--out", str(tmp_path / "cmp")) == 0
    shutil.copytree(base, tmp_path / "cmp" / "inner")
    before = listing(tmp_path)
    r = halfstep("compare", str(tmp_path / "cmp" / "inner"), str(more), "--out", str(tmp_path / "cmp"), "--force")
    refused(r, "holds", "an input of this command")
    assert listing(tmp_path) == before


def test_a_run_never_replaces_the_folder_holding_its_scenario(two_runs: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(two_runs / "base", base)
    before = listing(tmp_path)
    r = halfstep("run", str(base / "scenario.toml"), "-r", "2", "--out", str(base), "--force")
    refused(r, "holds", "scenario.toml", "an input of this command")
    assert listing(tmp_path) == before


def test_force_replaces_a_folder_halfstep_wrote(two_runs: Path, tmp_path: Path) -> None:
    scen = write_tiny_scenario(tmp_path)
    p = tmp_path / "p"
    assert cli("plan", str(scen), "--out", str(p)) == 0
    assert json.loads((p / MARKER).read_text(encoding="utf-8")) == {"kind": "plan", "version": __version__}
    (p / "stale.txt").write_text("from before", encoding="utf-8")
    r = halfstep("plan", str(scen), "--out", str(p))
    refused(r, "exists already (a halfstep plan folder)", "--force")
    assert cli("plan", str(scen), "--out", str(p), "--force") == 0
    assert not (p / "stale.txt").exists() and (p / "plan.json").is_file()
    assert folder_kind(p) == "plan" and not leftovers(tmp_path)
    # a comparison folder and its what-if run folder carry their kinds, and are replaced too
    cmp = tmp_path / "cmp"
    base = two_runs / "base"
    assert cli("compare", str(base), str(two_runs / "more"), "--out", str(cmp)) == 0
    assert folder_kind(cmp) == "compare"
    assert cli("compare", str(base), "--set", "budget.benefits_cny=1000", "--out", str(cmp), "--force") == 0
    assert folder_kind(cmp) == "compare" and folder_kind(cmp / "whatif") == "run"
    assert not leftovers(tmp_path)


# --- every output is checked before the work starts -------------------------------------------------


def test_an_unwritable_out_fails_before_simulating(tmp_path: Path, monkeypatch, capsys) -> None:
    scen = write_tiny_scenario(tmp_path)
    (tmp_path / "afile").write_text("a file, not a folder", encoding="utf-8")
    before = listing(tmp_path)
    import model.api

    def no_work(*_a, **_k):
        raise AssertionError("the plan or the simulation started before the output was checked")

    with monkeypatch.context() as m:
        m.setattr(model.api, "run", no_work)
        m.setattr(model.api, "plan", no_work)
        assert cli("run", str(scen), "-r", "2", "--out", str(tmp_path / "afile" / "run")) == 2
        assert cli("plan", str(scen), "--out", str(tmp_path / "afile" / "plan")) == 2
        assert capsys.readouterr().err.count("cannot write") == 2
    # as a user meets it: one line, and quickly: so many replications that simulating first would time out
    t = time.perf_counter()
    r = halfstep("run", str(scen), "--replications", "100000", "--out", str(tmp_path / "afile" / "run"))
    refused(r, f"cannot write {tmp_path / 'afile' / 'run'}", "is a file, not a folder")
    assert time.perf_counter() - t < 60
    r = halfstep("plan", str(scen), "--out", str(tmp_path / "afile" / "deeper" / "plan"))
    refused(r, "cannot write", "is a file, not a folder")
    r = halfstep("plan", str(scen), "--out", str(tmp_path / "afile"), "--force")
    refused(r, "exists and is not a folder")
    assert listing(tmp_path) == before and not leftovers(tmp_path)


def test_a_parent_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    scen = write_tiny_scenario(tmp_path)
    proc = Path("/proc")
    if not proc.is_dir():
        pytest.skip("no /proc here")
    r = halfstep("run", str(scen), "--replications", "100000", "--out", "/proc/halfstep-nowhere/run")
    refused(r, "cannot write /proc/halfstep-nowhere/run", "no folder can be made in /proc")




def test_file_outputs_are_never_a_folder_nor_an_input(tmp_path: Path) -> None:
    scen = write_tiny_scenario(tmp_path)
    targets = tmp_path / "t.toml"
    targets.write_text(CALIBRATION_TARGETS, encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    rules = tmp_path / "r.toml"
    rules.write_text("not even read", encoding="utf-8")
    accounts = tmp_path / "a.csv"
    accounts.write_text("account_id\n", encoding="utf-8")
    before = listing(tmp_path)
    calibrate = ("calibrate", str(scen), "--targets", str(targets), "--force", "--out")
    refused(halfstep(*calibrate, str(folder)), f"{folder} is a folder", "--out must name a file")
    refused(halfstep(*calibrate, str(scen)), f"{scen} is an input of this command")
    refused(halfstep(*calibrate, str(targets)), f"{targets} is an input of this command")
    refused(halfstep("synth-accounts", "--n", "5", "--out", str(folder), "--force"), "is a folder")
    segment = ("segment", str(accounts), "--force", "--out")
    refused(halfstep(*segment, str(rules), "--rules", str(rules)), f"{rules} is an input of this command")
    refused(halfstep(*segment, str(folder)), f"{folder} is a folder")
    assert listing(tmp_path) == before
