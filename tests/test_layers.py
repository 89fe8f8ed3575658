"""The package's layers: which part of model/ may import which, read from the source as text.

Nothing is imported: every ``import`` and ``from … import`` of every file under model/ counts,
including those inside functions and under ``if TYPE_CHECKING:`` (and ``importlib.import_module``
/ ``__import__`` of a constant name), since each one means the importer needs the imported.

The rules (``layer_problems`` names the module, line and import that breaks one):

- the pipeline stages stack up as scenario ← allocation ← simulation ← report ← sweep: a stage
  imports only the stages below it and the top-level modules (errors, randomness, stats, files,
  version); segmentation sits on scenario and allocation only; the command line (model/cli/),
  model/api.py, model/__init__.py and model/__main__.py may import everything; the top-level
  modules import no subpackage (only each other);
- no import cycle, direct or through other modules;
- nothing in model/allocation/ imports simpy (the allocator is an LP, not a simulation);
- nothing in model/simulation/ imports model.report (the simulator returns numbers; report writes them);
- views (the modules of a ``views`` package: model/report/views/, model/sweep/views/,
  model/segmentation/views/) are imported only by other views, the publishers
  (model/report/publish.py, model/segmentation/publish.py), the command line, model/api.py and
  model/__init__.py: computation never depends on how its results are shown.

Every module must belong to a layer: a new top-level module is added to TOP_LEVEL (or to a
subpackage) here.
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import ROOT

TOP_LEVEL = frozenset({"errors", "randomness", "stats", "files", "version"})
"""The top-level modules that any layer may import; they import only each other."""

ENTRY = "entry points"
"""model/__init__.py, model/__main__.py, model/api.py and model/cli/: they may import everything."""

STAGES = ("scenario", "allocation", "simulation", "report", "sweep", "segmentation")

MAY_IMPORT: dict[str, frozenset[str]] = {
    "top-level modules": frozenset({"top-level modules"}),
    "scenario": frozenset({"scenario", "top-level modules"}),
    "allocation": frozenset({"allocation", "scenario", "top-level modules"}),
    "simulation": frozenset({"simulation", "allocation", "scenario", "top-level modules"}),
    "report": frozenset({"report", "simulation", "allocation", "scenario", "top-level modules"}),
    "sweep": frozenset({"sweep", "report", "simulation", "allocation", "scenario", "top-level modules"}),
    "segmentation": frozenset({"segmentation", "allocation", "scenario", "top-level modules"}),
}
"""Layer → the layers it may import. The entry points are not listed: they may import anything."""

FORBIDDEN: dict[str, tuple[tuple[str, str], ...]] = {
    "allocation": (("simpy", "the allocator is an LP and needs no discrete-event simulation"),),
    "simulation": (("{root}.report", "the simulator returns numbers; model/report writes them"),),
}
"""Layer → (imported name or package, why not): rules that hold whatever MAY_IMPORT says."""

VIEW_IMPORTERS = frozenset({("report", "publish"), ("segmentation", "publish"), ("api",), ("__main__",), ()})
"""Modules (besides views and the command line) that may import a view, as parts below the package."""


@dataclass(frozen=True)
class Import:
    """One module an import statement needs."""

    importer: str  # dotted name, e.g. model.allocation.plan
    file: str  # as shown in messages, e.g. model/allocation/plan.py
    line: int
    statement: str  # the import's source text, on one line
    target: str  # the dotted name imported: a module of the package, or outside it (simpy, numpy…)

    def where(self) -> str:
        return f"{self.file}:{self.line}: `{self.statement}`"


def modules(package: Path) -> dict[str, Path]:
    """Dotted name → file, for every module and package (its ``__init__.py``) under ``package``."""
    found = {}
    for f in sorted(package.rglob("*.py")):
        parts = list(f.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = f
    return found


def imports_of(name: str, file: Path, known: set[str], shown: str) -> list[Import]:
    """Every import in ``file`` (the module ``name``), as the dotted names it needs."""
    source = file.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(file))
    package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(package):
                    continue  # beyond the top of the package: Python refuses it, nothing to check
                base_parts = package[: len(package) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)  # a submodule, or a name defined by base
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id in {"import_module", "__import__"})
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            targets = [node.args[0].value]
        if targets:
            statement = " ".join((ast.get_source_segment(source, node) or "").split())
            for target in dict.fromkeys(targets):
                found.append(Import(name, shown, node.lineno, statement, target))
    return found


def layer_of(name: str) -> str | None:
    """The layer of a dotted name inside the package (None: in no layer)."""
    parts = name.split(".")[1:]
    if not parts or parts[0] in {"api", "__main__", "cli"}:
        return ENTRY
    if parts[0] in STAGES:
        return parts[0]
    if len(parts) == 1 and parts[0] in TOP_LEVEL:
        return "top-level modules"
    return None


def is_view(name: str) -> bool:
    return "views" in name.split(".")[1:]


def inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def layer_problems(package: Path) -> list[str]:
    """What in ``package`` (a folder laid out like model/) breaks the layers; empty when nothing does."""
    package = package.resolve()
    root = package.name
    mods = modules(package)
    known = set(mods)
    problems: list[str] = []
    imports: list[Import] = []
    for name, file in mods.items():
        shown = file.relative_to(package.parent).as_posix()
        if layer_of(name) is None:
            problems.append(
                f"{shown}: in no layer — a top-level module belongs in TOP_LEVEL of tests/test_layers.py "
                "(then it may import only the other top-level modules), or in a subpackage"
            )
        try:
            imports += imports_of(name, file, known, shown)
        except SyntaxError as e:
            problems.append(f"{shown}:{e.lineno}: cannot be parsed ({e.msg})")

    for imp in imports:
        src = layer_of(imp.importer)
        if src is None:
            continue  # reported above
        forbidden = [
            (bad, why) for bad, why in FORBIDDEN.get(src, ()) if inside(imp.target, bad.format(root=root))
        ]
        for bad, why in forbidden:
            problems.append(f"{imp.where()} — {src} may not import {bad.format(root=root)}: {why}")
        if not inside(imp.target, root):
            continue
        dst = layer_of(imp.target)
        if src != ENTRY and not forbidden:
            if imp.target == root:
                problems.append(
                    f"{imp.where()} — {src} imports the package {root} itself (its __init__ imports every layer); "
                    f"import from the module that defines the name"
                )
            elif dst is None:
                problems.append(f"{imp.where()} — imports {imp.target}, which is in no layer")
            elif dst not in MAY_IMPORT[src]:
                allowed = ", ".join(sorted(MAY_IMPORT[src]))
                problems.append(f"{imp.where()} — {src} may not import {dst} ({src} may import only: {allowed})")
        if is_view(imp.target) and not is_view(imp.importer):
            rel = tuple(imp.importer.split(".")[1:])
            if rel not in VIEW_IMPORTERS and src != ENTRY:
                problems.append(
                    f"{imp.where()} — {imp.importer} is computation and imports the view {imp.target}; "
                    "only views, the publishers, the command line and the API may"
                )

    problems += [_describe(cycle, where) for cycle, where in cycles(imports, known, root)]
    return problems


def cycles(imports: list[Import], known: set[str], root: str) -> list[tuple[list[str], dict]]:
    """One shortest cycle for every group of modules that import each other, with the imports on it.

    An import needs the module and every package above it that is not also above the importer
    (those are initialized first anyway), as Python runs them.
    """
    edges: dict[str, dict[str, Import]] = {m: {} for m in known}
    for imp in imports:
        if not inside(imp.target, root):
            continue
        parts = imp.target.split(".")
        for k in range(1, len(parts) + 1):
            needed = ".".join(parts[:k])
            if needed in known and needed != imp.importer and not inside(imp.importer, needed):
                edges[imp.importer].setdefault(needed, imp)
    found = []
    for group in _strongly_connected(edges):
        if len(group) < 2:
            continue
        start = min(group)
        cycle = _shortest_cycle(start, edges, group)
        where = {(a, b): edges[a][b] for a, b in itertools.pairwise(cycle)}
        found.append((cycle, where | {"group": sorted(group)}))
    return found


def _describe(cycle: list[str], where: dict) -> str:
    lines = [f"import cycle: {' -> '.join(cycle)}"]
    lines += [f"    {a} -> {b}  at {where[(a, b)].where()}" for a, b in itertools.pairwise(cycle)]
    if len(where["group"]) > len(cycle) - 1:
        lines.append(f"    (these modules all reach each other: {', '.join(where['group'])})")
    return "\n".join(lines)


def _strongly_connected(edges: dict[str, dict[str, Import]]) -> list[set[str]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    counter = 0
    for first in sorted(edges):
        if first in index:
            continue
        work = [(first, iter(sorted(edges[first])))]
        index[first] = low[first] = counter
        counter += 1
        stack.append(first)
        on_stack.add(first)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.add(m)
                    if m == node:
                        break
                groups.append(group)
    return groups


def _shortest_cycle(start: str, edges: dict[str, dict[str, Import]], group: set[str]) -> list[str]:
    """The shortest path from ``start`` back to itself inside ``group`` (breadth first)."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(edges[node]):
            if nxt not in group:
                continue
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is in a cycle but no path leads back to it")  # cannot happen


def test_model_keeps_its_layers() -> None:
    problems = layer_problems(ROOT / "model")
    assert not problems, "model/ breaks its layers (see tests/test_layers.py):\n" + "\n".join(problems)


# ---- the checker itself, on small packages written for the purpose --------------------------


def write_package(folder: Path, files: dict[str, str]) -> Path:
    """A package ``model`` in ``folder`` with these files (path below the package → source)."""
    package = folder / "model"
    for rel, text in files.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(package).parents:
            (package / parent / "__init__.py").touch()
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return package


def test_the_checker_reports_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "errors.py": "class ScenarioError(Exception): ...\n",
            "allocation/plan.py": "from model.allocation import allocator  # noqa\n",
            "allocation/allocator.py": "from .plan import Plan\n",
            "scenario/loading.py": """\
                from model.errors import ScenarioError

                def load():
                    from model.allocation.plan import Plan
                """,
        },
    )
    problems = layer_problems(package)
    assert len(problems) == 2, "\n".join(problems)
    upward, cycle = problems
    assert upward.startswith("model/scenario/loading.py:4: `from model.allocation.plan import Plan`")
    assert "scenario may not import allocation" in upward
    assert cycle.splitlines() == [
        "import cycle: model.allocation.allocator -> model.allocation.plan -> model.allocation.allocator",
        "    model.allocation.allocator -> model.allocation.plan  at model/allocation/allocator.py:1: "
        "`from .plan import Plan`",
        "    model.allocation.plan -> model.allocation.allocator  at model/allocation/plan.py:1: "
        "`from model.allocation import allocator`",
    ]


def test_the_checker_applies_every_rule(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "__init__.py": "from model.api import run\nfrom model.report.views import figures\n",
            "__main__.py": "from model.cli.app import main\n",
            "api.py": "from model.sweep.runner import sweep\nfrom model.report.views.page import page\n",
            "errors.py": "",
            "stats.py": "from model import errors\nfrom model.scenario import schema\n",
            "extra.py": "",
            "scenario/schema.py": """\
                from typing import TYPE_CHECKING
                from model.errors import ScenarioError
                if TYPE_CHECKING:
                    from model.report.run_folder import RunFolder
                """,
            "allocation/lp.py": "import numpy as np\nimport simpy.resources\n",
            "allocation/plan.py": "from ..scenario.schema import Scenario\nfrom model import Plan\n",
            "simulation/simulator.py": "import simpy\nfrom model.allocation.plan import Plan\nfrom model.report import publish\n",
            "report/run_folder.py": "from model.simulation.simulator import simulate\n",
            "report/comparison.py": "from .views.figures import draw\n",
            "report/publish.py": "from model.report.views import figures, page\n",
            "report/views/figures.py": "from model.report.comparison import compare\n",
            "report/views/page.py": "from . import figures\n",
            "sweep/a.py": "import model.sweep.b\nfrom model.report.run_folder import load\n",
            "sweep/b.py": "def f():\n    import importlib\n    return importlib.import_module('model.sweep.c')\n",
            "sweep/c.py": "from model.sweep import a\n",
            "sweep/views/table.py": "from model.report.views.figures import draw\n",
            "segmentation/pipeline.py": "from model.allocation.plan import Plan\nfrom model.simulation import simulator\n",
            "segmentation/publish.py": "from model.segmentation.views.report import write\n",
            "segmentation/views/report.py": "from model.scenario.schema import Scenario\n",
            "cli/app.py": "from model.segmentation.publish import publish\nfrom model.sweep.views.table import t\n",
        },
    )
    problems = layer_problems(package)
    expected = [
        ("model/extra.py: in no layer", ""),
        ("model/stats.py:2: `from model.scenario import schema`", "top-level modules may not import scenario"),
        ("model/scenario/schema.py:4: `from model.report.run_folder import RunFolder`", "scenario may not import report"),
        ("model/allocation/lp.py:2: `import simpy.resources`", "allocation may not import simpy"),
        ("model/allocation/plan.py:2: `from model import Plan`", "imports the package model itself"),
        ("model/simulation/simulator.py:3: `from model.report import publish`", "simulation may not import model.report"),
        ("model/report/comparison.py:1: `from .views.figures import draw`", "imports the view model.report.views.figures"),
        ("model/segmentation/pipeline.py:2: `from model.simulation import simulator`", "segmentation may not import simulation"),
        ("import cycle: model.sweep.a -> model.sweep.b -> model.sweep.c -> model.sweep.a", "`import model.sweep.b`"),
        ("import cycle: model.report.comparison -> model.report.views.figures -> model.report.comparison", ""),
        # the TYPE_CHECKING import closes a longer cycle through four layers
        (
            "import cycle: model.allocation.plan -> model.scenario.schema -> model.report.run_folder"
            " -> model.simulation.simulator -> model.allocation.plan",
            "at model/scenario/schema.py:4: `from model.report.run_folder import RunFolder`",
        ),
    ]
    report = "\n".join(problems)
    for start, detail in expected:
        hits = [p for p in problems if p.startswith(start) and detail in p]
        assert len(hits) == 1, f"expected one problem starting {start!r} with {detail!r}; got:\n{report}"
    assert len(problems) == len(expected), report
    assert "model/sweep/b.py:3: `importlib.import_module('model.sweep.c')`" in report
