"""``python -m benchmarks.profile [--accounts N] [--trips N] [--lp N]`` — where the time goes.

Profiles (pyinstrument, statistical) one replication of the scaled book and, with
``--lp``, the allocator's LP with one tier per account, and prints the call tree. This is
how the simulator's and the allocator's hot spots were found; run it again before
optimizing anything else.
"""

from __future__ import annotations

import argparse

from model.allocation.allocator import allocate
from model.allocation.policies import make_plan
from model.allocation.spec import LPSpec
from model.randomness import streams
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips

from .scenarios import account_tiers, scaled_book


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000, help="accounts of the scaled book (default 1,000)")
    parser.add_argument(
        "--trips", type=float, default=100_000, help="trips a year of the scaled book (default 100,000)"
    )
    parser.add_argument("--lp", type=int, default=0, help="also profile the LP with this many account tiers")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    scenario = scaled_book(args.accounts, args.trips)
    plan = make_plan(scenario, "halfstep")
    rngs = streams(1, 0)
    profiler = Profiler()
    with profiler:
        trips = draw_trips(scenario, rngs)
        simulate(scenario, plan, trips, draw_base_demand(scenario, rngs["base"]))
    print(profiler.output_text(color=False, show_all=False))
    if args.lp:
        tiers = account_tiers(args.lp)
        profiler = Profiler()
        with profiler:
            allocate(tiers, LPSpec("halfstep", lead=0.5))
        print(profiler.output_text(color=False, show_all=False))


if __name__ == "__main__":
    main()
