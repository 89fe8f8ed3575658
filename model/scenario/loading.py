"""Loading a scenario file: TOML → validated :class:`~model.scenario.schema.Scenario`.

Validation happens here, once, at the door (STYLE.md: "validate at the door, like Ciw").
Every problem is collected — structural ones from the schema, then references and
consistency — and reported together, each naming the file, the key path, the value and
what is allowed.
"""

from __future__ import annotations

import tomllib
import weakref
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model.errors import Problem, ScenarioError
from model.scenario.consistency import consistency_problems
from model.scenario.problems import problems_from_validation
from model.scenario.schema import Scenario

BASELINE = "baseline"


def baseline_path() -> Path:
    """Path of the baseline scenario shipped inside the package."""
    return Path(str(resources.files("model") / "data" / "baseline.toml"))


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning I/O and syntax errors into a :class:`ScenarioError`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(str(p), [Problem("", "file not found", has_value=False)]) from None
    except OSError as e:
        raise ScenarioError(str(p), [Problem("", f"cannot be read ({e.strerror})", has_value=False)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        msg = f"is not UTF-8 text (line {line}, byte {e.start}); save the file as UTF-8"
        raise ScenarioError(str(p), [Problem("", msg, has_value=False)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(str(p), [Problem("", f"is not valid TOML: {e}", has_value=False)]) from None


def load_scenario(path: str | Path | None = None, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario file; ``None`` or ``"baseline"`` is the shipped baseline.

    ``overrides`` are ``KEY=VALUE`` what-ifs (see :mod:`model.scenario.overrides`), applied before validation.
    """
    if path is None or str(path) == BASELINE:
        path = baseline_path()
    data = read_toml(path)
    source = str(path)
    if overrides:
        from model.scenario.overrides import apply_overrides

        for text in overrides:  # one at a time, so that a problem names the --set it comes from
            try:
                data = apply_overrides(data, [text])
            except ScenarioError as e:
                raise ScenarioError(f"{path} with --set {text}", e.problems) from None
        source += " with --set " + " ".join(overrides)
    scenario = scenario_from_dict(data, source=source)
    _ORIGINS[id(scenario)] = (BASELINE if path == baseline_path() else str(Path(path).resolve()), list(overrides))
    weakref.finalize(scenario, _ORIGINS.pop, id(scenario), None)
    return scenario


def scenario_from_dict(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate plain data (as read from TOML) into a Scenario, or raise ScenarioError."""
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as e:
        raise ScenarioError(source, problems_from_validation(e, data)) from None
    problems = consistency_problems(scenario)
    if problems:
        raise ScenarioError(source, problems)
    if source != "<scenario>":
        _SOURCES[id(scenario)] = source
        weakref.finalize(scenario, _SOURCES.pop, id(scenario), None)
    return scenario


#: Where each live scenario validated here came from (by id: a Scenario is not hashable).
_SOURCES: dict[int, str] = {}
#: The file (absolute, or "baseline") and the overrides of each live scenario loaded from a file.
_ORIGINS: dict[int, tuple[str, list[str]]] = {}


def scenario_source(scenario: Scenario) -> str | None:
    """The file (and --set overrides) a scenario was loaded from, for messages; None if it was built in code.

    Problems found after loading — floors no capacity can meet — name it like the
    loader's own messages do.
    """
    return _SOURCES.get(id(scenario))


def scenario_origin(scenario: Scenario) -> dict[str, Any] | None:
    """``{"scenario": absolute path or "baseline", "overrides": [...]}`` of a scenario loaded from a file, for records."""
    origin = _ORIGINS.get(id(scenario))
    return None if origin is None else {"scenario": origin[0], "overrides": list(origin[1])}
