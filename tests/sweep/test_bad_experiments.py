"""Bad experiment files and bad calibration targets files, each a small edit of a valid one, refused at the door.

Every case: exit status 2, no traceback, no pydantic internals, a message naming the file,
the key path and the offending value — and nothing run, nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import CALIBRATION_TARGETS, LHS, assert_refused, cli, write_experiment, write_tiny_scenario

VALID = LHS.format(points=4, reps=2)

# (id, (old, new) edits of the experiment, texts the message must hold besides "<file>: ")
EXPERIMENTS: list[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = [
    # the design
    (
        "unknown design kind",
        (('kind = "lhs"', 'kind = "lhd"'),),
        ("design.kind = 'lhd': must be one of 'list', 'grid', 'lhs', 'sobol' or 'morris'; did you mean 'lhs'?",),
    ),
    ("design kind not text", (('kind = "lhs"', "kind = 3"),), ("design.kind = 3: must be one of 'list'",)),
    (
        "sobol with 12 points",
        (('kind = "lhs"', 'kind = "sobol"'), ("points = 4", "points = 12")),
        ("design.points = 12: must be a power of 2",),
    ),
    (
        "sobol with 6 points",
        (('kind = "lhs"', 'kind = "sobol"'), ("points = 4", "points = 6")),
        ("design.points = 6: must be a power of 2",),
    ),
    (
        "sobol without points",
        (('kind = "lhs"', 'kind = "sobol"'), ("points = 4\n", "")),
        ("design.points: is required by a sobol design",),
    ),
    ("zero points", (("points = 4", "points = 0"),), ("design.points = 0: must be > 0",)),
    ("points as text", (("points = 4", 'points = "four"'),), ("design.points = 'four': must be a whole number",)),
    ("odd Morris levels", (('kind = "lhs"', 'kind = "morris"\nlevels = 3'),), ("design.levels = 3: must be even",)),
    (
        "grid with ranges",
        (('kind = "lhs"\npoints = 4', 'kind = "grid"'),),
        (
            "parameters.dispersion.values: is required by a grid design",
            "parameters.dispersion.range = [0.3, 2.0]: is for lhs, sobol and morris designs",
        ),
    ),
    (
        "misspelled design table",
        (("[design]", "[desing]"),),
        ("desing: unknown key; did you mean 'design'?", "design: is required"),
    ),
    # parameters
    (
        "range low above high",
        (("range = [0.3, 2.0]", "range = [2.0, 0.3]"),),
        ("parameters.dispersion.range = [2.0, 0.3]: must be [low, high] with low < high",),
    ),
    (
        "range low equal to high",
        (("range = [0.5, 1.5]", "range = [1.5, 1.5]"),),
        ('parameters."escort staff".range = [1.5, 1.5]: must be [low, high] with low < high',),
    ),
    (
        "range with NaN",
        (("range = [0.3, 2.0]", "range = [0.3, nan]"),),
        ("parameters.dispersion.range[1] = nan: must be a finite number",),
    ),
    (
        "range of one number",
        (("range = [0.3, 2.0]", "range = [0.3]"),),
        ("parameters.dispersion.range = [0.3]: has 1 items; must have at least 2",),
    ),
    (
        "range of text",
        (("range = [0.3, 2.0]", 'range = ["low", 2.0]'),),
        ("parameters.dispersion.range[0] = 'low': must be a number",),
    ),
    (
        "values with a table",
        (
            ('kind = "lhs"\npoints = 4', 'kind = "grid"'),
            ("range = [0.3, 2.0]", "values = [1, {a = 1}]"),
            ("range = [0.5, 1.5]", "values = [1.0]"),
        ),
        (
            "parameters.dispersion.values[1] = {'a': 1}: must be true or false, a whole number, a number or a text string",
        ),
    ),
    (
        "key and keys both",
        (
            (
                'keys = ["tiers.low.trip_rate_shape", "tiers.high.trip_rate_shape"]',
                'keys = ["tiers.low.trip_rate_shape"]\nkey = "tiers.high.trip_rate_shape"',
            ),
        ),
        ("parameters.dispersion: give exactly one of key or keys",),
    ),
    (
        "empty keys",
        (('keys = ["tiers.low.trip_rate_shape", "tiers.high.trip_rate_shape"]', "keys = []"),),
        ("parameters.dispersion.keys = []: has 0 items; must have at least 1",),
    ),
    (
        "scale as text",
        (("scale = true", 'scale = "yes"'),),
        ("parameters.\"escort staff\".scale = 'yes': must be true or false",),
    ),
    (
        "duplicate parameter name",
        (('name = "escort staff"', 'name = "dispersion"'),),
        ("parameters.dispersion.name = 'dispersion': duplicate name",),
    ),
    ("missing parameter name", (('name = "dispersion"\n', ""),), ("parameters[0].name: is required",)),
    (
        "misspelled parameter key",
        (('name = "dispersion"', 'name = "dispersion"\nscael = true'),),
        ("parameters.dispersion.scael: unknown key; did you mean 'scale'?",),
    ),
    # parameter key paths the scenario does not have: every point is checked before anything runs
    (
        "key path with a typo",
        (("resources.escort_staff.staff_on_duty", "resources.escort_staff.staf_on_duty"),),
        (
            "point 0 (dispersion = ",
            "resources.escort_staff.staf_on_duty: no such key in the scenario; did you mean 'staff_on_duty'?",
            "4 of 4 points are not valid scenarios",
        ),
    ),
    (
        "key path to no tier",
        (("tiers.low.trip_rate_shape", "tiers.lo.trip_rate_shape"),),
        ("tiers.lo: names no entry; did you mean 'low'?",),
    ),
    (
        "key path to no table",
        (("tiers.high.trip_rate_shape", "tier.high.trip_rate_shape"),),
        ("tier: unknown key; did you mean 'tiers'?",),
    ),
    (
        "range outside what the key allows",
        (("range = [0.3, 2.0]", "range = [-1.0, -0.5]"),),
        ("tiers.low.trip_rate_shape = -", "must be > 0", "of 4 points are not valid scenarios"),
    ),
    # [experiment]
    (
        "misspelled key",
        (("replications =", "replicatons ="),),
        ("experiment.replicatons: unknown key; did you mean 'replications'?",),
    ),
    ("missing name", (('name = "tiny lhs"\n', ""),), ("experiment.name: is required",)),
    ("negative seed", (("seed = 5", "seed = -5"),), ("experiment.seed = -5: must be ≥ 0",)),
    ("zero replications", (("replications = 2", "replications = 0"),), ("experiment.replications = 0: must be > 0",)),
    (
        "no policies",
        (('policies = ["standard", "halfstep"]', "policies = []"),),
        ("experiment.policies = []: has 0 items; must have at least 1",),
    ),
    (
        "unknown policy",
        (('"standard", "halfstep"', '"standard", "halfstap"'),),
        ("experiment.policies[1] = 'halfstap': must be one of 'uniform'", "did you mean 'halfstep'?"),
    ),
    (
        "policy twice",
        (('"standard", "halfstep"', '"standard", "standard"'),),
        ("experiment.policies = ['standard', 'standard']: names standard twice",),
    ),
    (
        "unknown KPI",
        (('"revenue",', '"revenu",'),),
        ("experiment.kpis[2] = 'revenu': must be one of 'contribution'", "did you mean 'revenue'?"),
    ),
    (
        "KPI renamed profit",
        (('"revenue",', '"profit",'),),
        (
            "experiment.kpis[2] = 'profit': 'profit' was renamed 'contribution' (the airline's money: margin × "
            "revenue − service cost − escort roster; profit did not subtract the roster)",
        ),
    ),
    (
        "analysis KPI renamed profit",
        (("[design]", '[analysis]\nkpis = ["profit"]\n[design]'),),
        ("analysis.kpis[0] = 'profit': 'profit' was renamed 'contribution'",),
    ),
    (
        "unknown common random numbers",
        (("seed = 5", 'seed = 5\ncommon_random_numbers = "all"'),),
        ("experiment.common_random_numbers = 'all': must be one of 'policies' or 'points'",),
    ),
    (
        "analysis of a KPI not kept",
        (("[design]", '[analysis]\nkpis = ["cost_total"]\n[design]'),),
        ("analysis.kpis = 'cost_total': is not kept by the sweep",),
    ),
    (
        "base scenario missing",
        (('scenario = "tiny.toml"', 'scenario = "tiny2.toml"'),),
        ("experiment.scenario = 'tiny2.toml': ", "tiny2.toml: file not found"),
    ),
    (
        "base scenario a folder",
        (('scenario = "tiny.toml"', 'scenario = "."'),),
        ("experiment.scenario = '.': ", ": cannot be read"),
    ),
    # not an experiment at all
    (
        "policy renamed hindsight",
        (('policies = ["standard", "halfstep"]', 'policies = ["standard", "halfstep", "hindsight"]'),),
        (
            "policies[2] = 'hindsight': 'hindsight' was renamed 'clairvoyant' (a reference, not a bound: "
            "the allocator given the realized requests, simulated)",
        ),
    ),
    (
        "TOML syntax error",
        (("[design]", "[design"),),
        ("is not valid TOML", f"line {VALID[: VALID.index('[design]')].count(chr(10)) + 1}"),
    ),
]


def _edit(body: str, edits: tuple[tuple[str, str], ...]) -> str:
    for old, new in edits:
        assert old in body, old
        body = body.replace(old, new, 1)
    return body


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in EXPERIMENTS], ids=[c[0] for c in EXPERIMENTS])
def test_a_bad_experiment_is_refused_before_anything_runs(tmp_path: Path, capsys, edits, expected) -> None:
    exp = write_experiment(tmp_path, _edit(VALID, edits))
    out = tmp_path / "sweep"
    assert_refused(cli("sweep", str(exp), "--out", str(out)), capsys.readouterr(), f"{exp}: ", *expected)
    assert not out.exists()


def test_a_missing_experiment_file_is_named(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "exp.toml"
    assert_refused(cli("sweep", str(missing)), capsys.readouterr(), f"{missing}: file not found")


# (id, (old, new) edits of the targets file, texts the message must hold besides "<targets file>: ")
TARGETS: list[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = [
    (
        "misspelled statistic",
        (('"share_of_wallet"', '"share_of_walet"'),),
        ("targets[0].statistic = 'share_of_walet': must be one of 'contribution'", "did you mean 'share_of_wallet'?"),
    ),
    (
        "unknown statistic",
        (('"share_of_wallet"', '"sow"'),),
        ("targets[0].statistic = 'sow': must be one of 'contribution'",),
    ),
    (
        "statistic renamed profit",
        (('"share_of_wallet"', '"profit"'),),
        ("targets[0].statistic = 'profit': 'profit' was renamed 'contribution' (the airline's money",),
    ),
    ("statistic missing", (('statistic = "share_of_wallet"\n', ""),), ("targets[0].statistic: is required",)),
    (
        "bounds low above high",
        (("[-1.0, 1.0]", "[1.0, -1.0]"),),
        ("parameters.intercept.bounds = [1.0, -1.0]: must be [low, high] with low < high",),
    ),
    (
        "bounds equal",
        (("[-1.0, 1.0]", "[1.0, 1.0]"),),
        ("parameters.intercept.bounds = [1.0, 1.0]: must be [low, high] with low < high",),
    ),
    (
        "infinite bound",
        (("[-1.0, 1.0]", "[-1.0, inf]"),),
        ("parameters.intercept.bounds[1] = inf: must be a finite number",),
    ),
    (
        "one bound",
        (("[-1.0, 1.0]", "[-1.0]"),),
        ("parameters.intercept.bounds = [-1.0]: has 1 items; must have at least 2",),
    ),
    (
        "start outside the bounds",
        (("bounds = [-1.0, 1.0]", "bounds = [-1.0, 1.0]\nstart = 3.0"),),
        ("parameters.intercept.start = 3.0: must lie within bounds [-1.0, 1.0]",),
    ),
    ("zero standard error", (("se = 0.02", "se = 0"),), ("targets[0].se = 0: must be > 0",)),
    ("negative weight", (("se = 0.02", "se = 0.02\nweight = -1"),), ("targets[0].weight = -1: must be ≥ 0",)),
    ("NaN target", (("value = 0.7", "value = nan"),), ("targets[0].value = nan: must be a finite number",)),
    ("target as text", (("value = 0.7", 'value = "70%"'),), ("targets[0].value = '70%': must be a number",)),
    (
        "unknown method",
        (("seed = 1", 'seed = 1\nmethod = "nelder_mead"'),),
        ("calibration.method = 'nelder_mead': must be one of 'surface' or 'nelder-mead'; did you mean 'nelder-mead'?",),
    ),
    (
        "hindsight policy",
        (("seed = 1", 'seed = 1\npolicy = "hindsight"'),),
        (
            "calibration.policy = 'hindsight': 'hindsight' was renamed 'clairvoyant' (a reference, not a bound: "
            "the allocator given the realized requests, simulated); clairvoyant has no plan of its own",
            "here it must be one of 'uniform'",
        ),
    ),
    ("zero replications", (("replications = 2", "replications = 0"),), ("calibration.replications = 0: must be > 0",)),
    (
        "misspelled table",
        (("[[targets]]", "[[target]]"),),
        ("target: unknown key; did you mean 'targets'?", "targets: is required"),
    ),
    (
        "misspelled parameter key",
        (('key = "choice.intercept"', 'kee = "choice.intercept"'),),
        ("parameters.intercept.kee: unknown key; did you mean 'key'?",),
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in TARGETS], ids=[c[0] for c in TARGETS])
def test_a_bad_targets_file_is_refused_before_fitting(tmp_path: Path, capsys, edits, expected) -> None:
    scenario = write_tiny_scenario(tmp_path)
    targets = tmp_path / "targets.toml"
    targets.write_text(_edit(CALIBRATION_TARGETS, edits), encoding="utf-8")
    out = tmp_path / "fitted.toml"
    code = cli("calibrate", str(scenario), "--targets", str(targets), "--out", str(out))
    assert_refused(code, capsys.readouterr(), f"{targets}: ", *expected)
    assert not out.exists()


def test_a_targets_key_path_the_scenario_lacks_is_named(tmp_path: Path, capsys) -> None:
    """Checked against the scenario at the first evaluation, before any simulation: the message names the scenario."""
    scenario = write_tiny_scenario(tmp_path)
    targets = tmp_path / "targets.toml"
    targets.write_text(CALIBRATION_TARGETS.replace("choice.intercept", "choice.intercep"), encoding="utf-8")
    out = tmp_path / "fitted.toml"
    code = cli("calibrate", str(scenario), "--targets", str(targets), "--out", str(out))
    assert_refused(code, capsys.readouterr(), f"{scenario} ", "choice.intercep: unknown key; did you mean 'intercept'?")
    assert not out.exists()
