"""Bad ``--set KEY=VALUE`` overrides and bad option values, refused before any work.

Every case: exit status 2, no traceback, no pydantic internals, and a message naming the
file (where there is one), the key path or option, and the offending value. A handful of
cases from every corpus also run end to end, in a subprocess, as a user meets them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import (
    CALIBRATION_TARGETS,
    LHS,
    PYDANTIC_INTERNALS,
    assert_refused,
    cli,
    halfstep,
    lhs_experiment,
    write_experiment,
    write_tiny_scenario,
)

# (id, the --set text, texts the message must hold besides "<file> with --set <text>")
OVERRIDES: list[tuple[str, str, tuple[str, ...]]] = [
    ("no '='", "budget.benefits_cny", ("--set = 'budget.benefits_cny': must look like KEY=VALUE",)),
    ("no key", "=200000", ("--set = '=200000': must look like KEY=VALUE",)),
    ("unknown table", "budgt.benefits_cny=3", ("budgt: unknown key; did you mean 'budget'?",)),
    ("unknown entry", "tiers.lo.accounts=3", ("tiers.lo: names no entry; did you mean 'low'?",)),
    ("entry out of range", "tiers.5.accounts=3", ("tiers.5: names no entry (entries: low, high)",)),
    ("unknown key", "tiers.low.acounts=3", ("tiers.low.acounts: unknown key; did you mean 'accounts'?",)),
    ("key below a plain value", "tiers.low.accounts.max=3", ("tiers.low.accounts.max: goes below a plain value",)),
    ("text for a count", "tiers.low.accounts=ten", ("tiers.low.accounts = 'ten': must be a whole number",)),
    ("text for a number", "flights.base_fare_cny=cheap", ("flights.base_fare_cny = 'cheap': must be a number",)),
    ("broken list", "flights.departure_hours=[8,", ("flights.departure_hours = '[8,': must be a list",)),
    ("NaN", "tiers.low.fare_cny=nan", ("tiers.low.fare_cny = nan: must be a finite number",)),
    (
        "level above one",
        "tiers.low.expectation.lounge=1.5",
        ("tiers.low.expectation.lounge = 1.5: must be a level in [0, 1]",),
    ),
    (
        "roster scaled below zero",
        "resources.escort_staff.staff_on_duty=-200%",
        ("resources.escort_staff.staff_on_duty[6] = -2: must be ≥ 0",),
    ),
    (
        "relative change on text",
        "scenario.name=+20%",
        ("scenario.name = '+20%': a relative value needs a number or a list of numbers here",),
    ),
    (
        "scaling a name",
        "dimensions.lounge.resource=*2",
        ("dimensions.lounge.resource = '*2': a relative value needs a number",),
    ),
    (
        "relative change on an absent key",
        "budget.benefits_cny=+10%",
        ("budget.benefits_cny: no such key in the scenario",),
    ),
    (
        "unknown policy",
        "allocator.policy=halfstepp",
        ("allocator.policy = 'halfstepp': must be one of", "did you mean 'halfstep'?"),
    ),
    (
        "resource kind changed",
        "resources.escort_staff.kind=seat_holds",
        ("resources.escort_staff.hold_limit_per_flight: is required",),
    ),
]


@pytest.mark.parametrize(("override", "expected"), [c[1:] for c in OVERRIDES], ids=[c[0] for c in OVERRIDES])
def test_a_bad_override_is_refused_naming_it(tmp_path: Path, capsys, override: str, expected) -> None:
    scenario = write_tiny_scenario(tmp_path)
    out = tmp_path / "plan"
    code = cli("plan", str(scenario), "--set", override, "--out", str(out))
    assert_refused(code, capsys.readouterr(), f"{scenario} with --set ", override, *expected)
    assert not out.exists()


def test_of_several_overrides_the_bad_one_is_named(tmp_path: Path, capsys) -> None:
    scenario = write_tiny_scenario(tmp_path)
    code = cli("plan", str(scenario), "--set", "choice.intercept=0.5", "--set", "tiers.hi.accounts=3")
    assert_refused(code, capsys.readouterr(), f"{scenario} with --set tiers.hi.accounts=3: tiers.hi: names no entry")


# (id, the command line ({scenario}, {exp}, {targets}, {tmp} filled in), texts the message must hold)
OPTIONS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (
        ("run", "{scenario}", "--policies", "standard,halfstap"),
        ("--policies = 'halfstap': names no policy; policies are uniform,",),
    ),
    (("run", "{scenario}", "--policies", " , "), ("--policies = '': is empty; name at least one policy",)),
    (("run", "{scenario}", "--policies", "standard,standard"), ("--policies = 'standard': is given twice",)),
    (
        ("plan", "{scenario}", "--policy", "hindsight"),
        (
            "--policy = 'hindsight': 'hindsight' was renamed 'clairvoyant' (a reference, not a bound: "
            "the allocator given the realized requests, simulated)",
            "here it must be one of 'uniform', 'standard'",
        ),
    ),
    (
        ("plan", "{scenario}", "--policy", "clairvoyant"),
        ("--policy = 'clairvoyant': must be one of uniform,", "clairvoyant has one plan per replication"),
    ),
    (
        ("run", "{scenario}", "--policies", "uniform,hindsight"),
        (
            "--policies = 'hindsight': 'hindsight' was renamed 'clairvoyant' (a reference, not a bound: "
            "the allocator given the realized requests, simulated)",
        ),
    ),
    (("plan", "{scenario}", "-p", "halfstap"), ("--policy = 'halfstap': must be one of uniform, standard, halfstep",)),
    (("run", "{scenario}", "--replications", "two"), ("'--replications' / '-r': 'two': must be a whole number",)),
    (("run", "{scenario}", "-r", "2", "--workers", "1.5"), ("'--workers' / '-w': '1.5': must be a whole number",)),
    (("run", "{scenario}", "--seed", "1e3"), ("'--seed': '1e3': must be a whole number",)),
    (("synth-accounts", "--n", "many"), ("'--n': 'many': must be a whole number",)),
    (("sweep", "{exp}", "--executor", "dusk"), ("--executor = 'dusk': must be local, dask-local or dask://HOST:PORT",)),
    (("sweep", "{tmp}/missing.toml", "-e", "dusk"), ("--executor = 'dusk'",)),  # before the file is read
    (("sweep", "{exp}", "-e", "dask://"), ("--executor = 'dask://': a Dask scheduler is dask://HOST:PORT",)),
    (("sweep", "{exp}", "--workers", "-2"), ("--workers = -2: must be ≥ 1",)),
    (("run", "{scenario}", "--seed", "-1"), ("--seed = -1: must be ≥ 0",)),
    (("run", "{scenario}", "--bogus", "1"), ("No such option: --bogus",)),
    (("calibrate", "{scenario}", "--targets", "{tmp}"), ("{tmp}: cannot be read",)),
    (("calibrate", "{scenario}", "--targets", "{tmp}/nope.toml"), ("{tmp}/nope.toml: file not found",)),
    (("segment", "{tmp}/accounts.csv", "--out", "{tmp}/book.toml"), ("{tmp}/accounts.csv: file not found",)),
    (("compare", "{tmp}/no-run", "--set", "budget.benefits_cny=1", "--workers", "0"), ("--workers = 0: must be ≥ 1",)),
]


def _ids(case: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    return " ".join(a.replace("{", "").replace("}", "") for a in case[0][:4])


@pytest.mark.parametrize(("args", "expected"), OPTIONS, ids=[_ids(c) for c in OPTIONS])
def test_a_bad_option_value_is_refused_naming_it(tmp_path: Path, capsys, args, expected) -> None:
    scenario = write_tiny_scenario(tmp_path)
    exp = lhs_experiment(tmp_path, points=2, reps=1)
    fill = {"scenario": str(scenario), "exp": str(exp), "tmp": str(tmp_path)}
    out = tmp_path / "out"
    argv = [a.format(**fill) for a in args]
    if argv[0] != "segment":
        argv += ["--out", str(out)]
    assert_refused(cli(*argv), capsys.readouterr(), *(e.format(**fill) for e in expected))
    assert not out.exists()


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """A finished tiny sweep, for analyze's options."""
    folder = tmp_path_factory.mktemp("swept")
    exp = lhs_experiment(folder, points=3, reps=1)
    assert cli("sweep", str(exp), "--out", str(folder / "exp.sweep")) == 0
    return exp


@pytest.mark.parametrize(
    ("kpi", "expected"),
    [
        ("revenu", "--kpi revenu: not kept by this sweep (kept: net_value, share_of_wallet, revenue,"),
        ("trips_flown", "--kpi trips_flown: not kept by this sweep"),
        ("profit", "--kpi profit: 'profit' was renamed 'contribution' (the airline's money"),
    ],
    ids=["unknown KPI", "KPI the sweep did not keep", "KPI renamed"],
)
def test_a_bad_kpi_is_refused_naming_it(swept: Path, capsys, kpi: str, expected: str) -> None:
    capsys.readouterr()
    code = cli("analyze", str(swept), "--kpi", kpi, "--out", str(swept.parent / "exp.sweep"))
    assert_refused(code, capsys.readouterr(), expected)
    assert not (swept.parent / "exp.sweep" / "analysis").exists()


# End to end: a few cases of every corpus, as a user meets them (exit status, stderr, no traceback).
HOLDS = '\n[[resources]]\nname = "holds"\nkind = "seat_holds"\nhold_limit_per_flight = "emsr"\n'


def _emsr(tmp: Path) -> tuple[list[str], list[str]]:
    path = write_tiny_scenario(tmp)
    path.write_text(path.read_text(encoding="utf-8") + HOLDS, encoding="utf-8")
    return ["validate", str(path)], [
        f"{path}: resources.holds.hold_limit_per_flight = 'emsr': must be a whole number ≥ 0 or 'emsr-b'"
    ]


def _set(tmp: Path) -> tuple[list[str], list[str]]:
    path = write_tiny_scenario(tmp)
    return ["run", str(path), "--set", "tiers.low.accounts=ten", "--out", str(tmp / "out")], [
        f"{path} with --set tiers.low.accounts=ten: tiers.low.accounts = 'ten': must be a whole number"
    ]


def _sobol(tmp: Path) -> tuple[list[str], list[str]]:
    exp = write_experiment(tmp, LHS.format(points=12, reps=1).replace('kind = "lhs"', 'kind = "sobol"'))
    return ["sweep", str(exp), "--out", str(tmp / "out")], [f"{exp}: design.points = 12: must be a power of 2"]


def _gbk(tmp: Path) -> tuple[list[str], list[str]]:
    path = tmp / "accounts.csv"
    header = "account_id,name,travellers,trips,spend_cny,months_observed\n"
    path.write_bytes((header + "A1,深圳市财政局,2,3,3000,6\n").encode("gbk"))
    return ["segment", str(path), "--out", str(tmp / "book.toml")], [f"{path}: is not UTF-8 text", "GBK"]


def _targets(tmp: Path) -> tuple[list[str], list[str]]:
    scenario = write_tiny_scenario(tmp)
    targets = tmp / "t.toml"
    targets.write_text(CALIBRATION_TARGETS.replace('"share_of_wallet"', '"share_of_walet"'), encoding="utf-8")
    return ["calibrate", str(scenario), "--targets", str(targets), "--out", str(tmp / "out.toml")], [
        f"{targets}: targets[0].statistic = 'share_of_walet': must be one of",
        "did you mean 'share_of_wallet'?",
    ]


@pytest.mark.parametrize("case", [_emsr, _set, _sobol, _gbk, _targets], ids=lambda f: f.__name__.strip("_"))
def test_end_to_end_a_bad_input_exits_2_with_one_clear_message(tmp_path: Path, case) -> None:
    argv, expected = case(tmp_path)
    r = halfstep(*argv)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stderr.startswith("error: "), r.stderr
    assert not [word for word in PYDANTIC_INTERNALS if word in r.stderr], r.stderr
    for part in expected:
        assert part in r.stderr, f"{part!r} not in:\n{r.stderr}"
    assert not (tmp_path / "out").exists()
