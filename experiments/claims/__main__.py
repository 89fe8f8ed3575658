"""Run the claim experiments: ``python -m experiments.claims [--full] [--only e1,e5] [--workers N]``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from .common import Context, parse_args


def experiment_names() -> list[str]:
    """The experiment modules ``eN_<name>``, in the order of N (e2 before e10)."""
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name[:1] == "e"]
    return sorted(names, key=lambda n: (int(n[1:].split("_", 1)[0]), n))


def main(argv: list[str] | None = None) -> int:
    names = experiment_names()
    args, chosen = parse_args(argv, names)
    size = "full" if args.full else "reduced"
    index = []
    for name in chosen:
        t0 = time.perf_counter()
        print(f"== {name} ({size})", file=sys.stderr, flush=True)
        module = importlib.import_module(f"experiments.claims.{name}")
        ctx = Context(name=name, size=size, workers=args.workers, out=args.out)
        verdict = module.main(ctx)  # figures draw inside their own rc_context: no experiment's style reaches another's
        verdict.write(ctx)
        index.append((name, verdict))
        print(f"   {verdict.verdict}: {verdict.title} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    for name, v in index:
        print(f"{name}: {v.verdict} — {v.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
