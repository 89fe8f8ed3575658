"""The mutation score: ``tests/mutation/score.md`` from the results of a ``mutmut run`` (``make mutation``).

Reads the mutated modules from ``[tool.mutmut] only_mutate`` in pyproject.toml, the verdict
of every mutant from ``mutants/<module>.meta``, and the mutants judged equivalent (no test
can tell them from the code: same behaviour for every input) from ``tests/mutation/equivalent/``
(one file per module, e.g. ``simulation.loyalty.toml`` for ``model/simulation/loyalty.py``).
An equivalent mutant is named by its function and the line it changes, not by mutmut's
number, so an entry stays right when other code moves; an entry that matches no surviving
mutant is reported as stale and the run fails, as does a module whose kill rate is below
:data:`THRESHOLD`.

    python -m tests.mutation.report            # write score.md, exit 1 below the threshold
    python -m tests.mutation.report --survivors  # also print every surviving mutant's diff
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCORE = HERE / "score.md"
EQUIVALENT = HERE / "equivalent"  # one <module>.toml per mutated module

#: The kill rate every mutated module must reach: killed / (mutants − equivalent).
THRESHOLD = 0.85

#: mutmut's exit codes per mutant, as mutmut reads them (mutmut.stats.status_by_exit_code):
#: a test failed (1, 3) or the tests ran out of time (a mutant that hangs them: 24, 36, …) is killed.
KILLED = {1, 3, 24, -24, 36, 152, 255}
SURVIVED = {0}


def mutated_modules(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The files ``make mutation`` mutates: ``[tool.mutmut] only_mutate`` (paths from the repository root)."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


@dataclass(frozen=True)
class Equivalent:
    function: str  # e.g. "mean_ci" or "Accounts._update"
    change: str  # the mutant's changed lines: "- old → + new", whitespace collapsed
    why: str


def load_equivalents(path: Path = EQUIVALENT) -> dict[str, list[Equivalent]]:
    """Equivalent mutants by module path, from every ``*.toml`` in ``path`` (a directory)."""
    out: dict[str, list[Equivalent]] = {}
    for file in sorted(path.glob("*.toml")) if path.is_dir() else []:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
        for module, entries in doc.items():
            out.setdefault(module, []).extend(
                Equivalent(e["function"], " ".join(e["change"].split()), e["why"]) for e in entries
            )
    return out


def _function_of(key: str) -> str:
    """``model.stats.x_mean_ci__mutmut_6`` → ``mean_ci``; ``…xǁAccountsǁ_update__mutmut_3`` → ``Accounts._update``."""
    name = key.rpartition(".")[2].rpartition("__mutmut_")[0]
    if name.startswith("xǁ"):
        _, cls, method = name.split("ǁ", 2)
        return f"{cls}.{method}"
    return name[2:] if name.startswith("x_") else name


def _change(diff: str) -> str:
    """The lines a mutant changes, as ``- old → + new`` (whitespace collapsed)."""
    lines = diff.splitlines()
    old = [ln[1:].strip() for ln in lines if ln.startswith("-") and not ln.startswith("---")]
    new = [ln[1:].strip() for ln in lines if ln.startswith("+") and not ln.startswith("+++")]
    return " ".join(f"- {' | '.join(old)} → + {' | '.join(new)}".split())


def _diff(key: str, module: str) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    return get_diff_for_mutant(key, path=module)


@dataclass
class ModuleScore:
    module: str
    mutants: int
    killed: int
    survived: list[tuple[str, str, str]]  # (mutant, function, change)
    equivalent: list[tuple[str, Equivalent]]
    other: Counter  # verdicts neither killed nor survived ("no tests", "suspicious", …), counted as survived

    @property
    def rate(self) -> float:
        judged = self.mutants - len(self.equivalent)
        return self.killed / judged if judged else 1.0


def score(modules: list[str], equivalents: dict[str, list[Equivalent]]) -> tuple[list[ModuleScore], list[str]]:
    """Every module's score from mutants/ (run from the repository root); and stale equivalent entries."""
    from mutmut.stats import status_by_exit_code

    out, stale = [], []
    for module in modules:
        meta = ROOT / "mutants" / (module + ".meta")
        if not meta.exists():
            raise SystemExit(f"{meta}: no mutmut results for {module}; run 'make mutation'")
        codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        known = list(equivalents.get(module, []))
        used: set[int] = set()
        s = ModuleScore(module, len(codes), 0, [], [], Counter())
        for key, code in sorted(
            codes.items(), key=lambda kv: (kv[0].rpartition("__mutmut_")[0], int(kv[0].rpartition("_")[2]))
        ):
            if code in KILLED:
                s.killed += 1
                continue
            function, change = _function_of(key), _change(_diff(key, module))
            match = next(
                (i for i, e in enumerate(known) if i not in used and e.function == function and e.change == change),
                None,
            )
            if match is not None:
                used.add(match)
                s.equivalent.append((key, known[match]))
            else:
                s.survived.append((key, function, change))
                if code not in SURVIVED:
                    s.other[status_by_exit_code[code]] += 1
        stale += [f"{module}: {e.function}: {e.change}" for i, e in enumerate(known) if i not in used]
        out.append(s)
    return out, stale


def markdown(scores: list[ModuleScore]) -> str:
    lines = [
        "# Mutation score",
        "",
        "Written by `make mutation` (mutmut over the modules in `[tool.mutmut] only_mutate`; see README,",
        "*Mutation testing*). Kill rate = killed / (mutants − equivalent); every module must reach",
        f"{THRESHOLD:.0%}. A mutant is killed when a test fails or the tests time out under it.",
        "",
        "| module | mutants | killed | survived | equivalent | kill rate |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in scores:
        lines.append(
            f"| `{s.module}` | {s.mutants} | {s.killed} | {len(s.survived)} | {len(s.equivalent)} | {s.rate:.1%} |"
        )
    total = sum(s.mutants for s in scores)
    killed = sum(s.killed for s in scores)
    equivalent = sum(len(s.equivalent) for s in scores)
    survived = sum(len(s.survived) for s in scores)
    rate = killed / (total - equivalent) if total > equivalent else 1.0
    lines.append(f"| **all** | {total} | {killed} | {survived} | {equivalent} | {rate:.1%} |")
    lines += [
        "",
        "## Equivalent mutants",
        "",
        "Each changes no behaviour a caller can observe, for the reason given.",
        "",
    ]
    for s in scores:
        if s.equivalent:
            lines += [f"### `{s.module}`", ""]
            lines += [f"- `{e.function}`: `{e.change}` — {e.why}" for _, e in s.equivalent]
            lines.append("")
    lines += ["## Surviving mutants", ""]
    if not survived:
        lines.append("None.")
    for s in scores:
        if s.survived:
            lines += [f"### `{s.module}`", ""]
            lines += [f"- `{function}`: `{change}`" for _, function, change in s.survived]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", action="store_true", help="print each surviving mutant's diff")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite score.md")
    args = parser.parse_args(argv)
    import os

    os.chdir(ROOT)  # mutmut reads mutants/ relative to the working directory
    scores, stale = score(mutated_modules(), load_equivalents())
    if not args.no_write:
        SCORE.write_text(markdown(scores), encoding="utf-8")
    ok = True
    for s in scores:
        flag = "" if s.rate >= THRESHOLD else "  < threshold"
        extra = f" ({dict(s.other)})" if s.other else ""
        print(f"{s.module:40s} {s.killed:4d}/{s.mutants - len(s.equivalent):4d} killed  {s.rate:6.1%}{extra}{flag}")
        ok &= s.rate >= THRESHOLD
        if args.survivors:
            for key, _, _ in s.survived:
                print(_diff(key, s.module), end="\n\n")
    for e in stale:
        print(f"stale equivalent entry (no surviving mutant matches it): {e}", file=sys.stderr)
    return 0 if ok and not stale else 1


if __name__ == "__main__":
    raise SystemExit(main())
