"""The whole Shenzhen key-account book, built through halfstep's own pipeline.

    python -m experiments.books.shenzhen            # every step below; about 15 minutes on 2 cores
    python -m experiments.books.shenzhen --no-calibrate

1. ``shenzhen_base.toml``: the GP baseline (its service table, value and choice
   assumptions, its calibrated tiers as templates) on the Shenzhen base's own flights —
   100 departures a day at the base fare of Shenzhen departures (SEEDS.md, seed 000:
   1,257 CNY, 147 above the average: 1,110 CNY).
2. ``halfstep synth-accounts --n 4000``: an account table with the documents' Pareto
   80/20, 50.75% of new accounts never ticketing, 10.45% GP accounts. 4,000 accounts:
   201 accounts were signed in seven months (seed 000) and the synthetic book signs 5% of
   its accounts in its six-month window (ASSUMPTION), so about 4,000 accounts in all.
3. ``halfstep segment`` with ``shenzhen_rules.toml``: GP V1–V5, mega accounts, enterprise
   segments by star level and tags; tiers estimated from the table.
4. ``halfstep calibrate`` with ``shenzhen_targets.toml`` (written here: its keys name the
   segmented tiers): 87,283 trips a quarter, average fare 1,257 CNY, 7.69% of the
   modelled departures' revenue, single-trip rate 65.41% over 273 days. The calibrated
   scenario is ``scenarios/shenzhen_key_accounts.toml``, annotated line by line with where
   each number comes from.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BASELINE = ROOT / "model" / "data" / "baseline.toml"
BASE = HERE / "shenzhen_base.toml"
RULES = HERE / "shenzhen_rules.toml"
ACCOUNTS = HERE / "shenzhen_accounts.csv"
SEGMENTED = HERE / "shenzhen_segmented.toml"
TARGETS = HERE / "shenzhen_targets.toml"
SCENARIO = ROOT / "scenarios" / "shenzhen_key_accounts.toml"

ACCOUNTS_N = 4000
ACCOUNTS_SEED = 2017
DEPARTURES_PER_DAY = 100
FIRST_DEPARTURE, LAST_DEPARTURE = 6.5, 23.0

#: Quarter figures of the whole book (SEEDS.md, seed 000, Q3 2017 Shenzhen departures).
TRIPS_Q3 = 87283.0
FARE_Q3 = 1257.0
SHARE_Q3 = 0.0769
SINGLE_TRIP = 0.6541


def departure_hours(n: int = DEPARTURES_PER_DAY) -> list[float]:
    """``n`` departures evenly from FIRST_DEPARTURE to LAST_DEPARTURE (hours of the day)."""
    step = (LAST_DEPARTURE - FIRST_DEPARTURE) / (n - 1)
    return [round(FIRST_DEPARTURE + i * step, 4) for i in range(n)]


def base_text() -> str:
    """The baseline's text with the Shenzhen base's header, scenario and flights."""
    text = BASELINE.read_text(encoding="utf-8")
    _, _, rest = text.partition("[scenario]")
    rest = rest.split("\n[time]", 1)[1]
    header = """# Base of the whole Shenzhen key-account book: the GP baseline's service table, value, choice,
# loyalty and resource assumptions (model/data/baseline.toml, whose calibrated V1–V5 are the
# templates of every segment) on the Shenzhen base's own departures. Written by
# `python -m experiments.books.shenzhen`; `halfstep segment` replaces the tiers and grows the
# escort roster, benefit capacities and budget with the book's need (flights are kept).
#
# Figures the documents give are cited "[seed 000: …]"; every other number is an ASSUMPTION.

[scenario]
name = "Shenzhen key-account book (base)"
description = "The GP baseline's service table and assumptions on the Shenzhen base's departures."

[time]"""
    text = header + rest
    hours = ", ".join(f"{h:g}" for h in departure_hours())
    flights = (
        f"departure_hours = [{hours}]  # ASSUMPTION: {DEPARTURES_PER_DAY} departures a day, "
        f"{FIRST_DEPARTURE:g}–{LAST_DEPARTURE:g} h (the Shenzhen base; 7.69% of its revenue needs about 100)\n"
        "seats = 160                  # ASSUMPTION: A320-family\n"
        "base_load_factor = 0.8       # ASSUMPTION (calibrated to the 7.69% share)\n"
        "base_demand_cv = 0.12        # ASSUMPTION\n"
        "base_fare_cny = 1110         # [seed 000: Shenzhen departures' key-account fare 1,257 CNY, 147 above the average]\n"
        "arrival_lead_minutes = [60, 120]  # ASSUMPTION\n"
    )
    text = re.sub(r"\[flights\]\n(?:[^\[\n][^\n]*\n)+", "[flights]\n" + flights, text, count=1)
    assert text.count("base_fare_cny = 1110") == 1
    return text


def halfstep(*args: str | Path) -> None:
    """Run a halfstep command from the checkout's root, naming files relative to it (as the outputs then say)."""
    args = tuple(str(a.relative_to(ROOT)) if isinstance(a, Path) and a.is_absolute() else str(a) for a in args)
    cmd = [sys.executable, "-m", "model", *args]
    print("$ halfstep " + " ".join(args), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


#: Capacities the book size grows with it, so that capacity per unit of need stays the segmentation's.
CAPACITY_KEYS = "".join(
    f'    "{k}",\n'
    for k in (
        "resources.seat_holds.hold_limit_per_flight",
        "resources.escort_staff.staff_on_duty",
        "resources.escort_staff.expansion_max",
        "resources.airport_handling.daily_capacity",
        "resources.lounge.daily_capacity",
        "resources.cars.daily_capacity",
        "resources.cars.expansion_max",
        "budget.benefits_cny",
    )
)


#: Capacity keys grown twice: with the book's need by halfstep segment, with the book size by the calibration.
GROWN = ("hold_limit_per_flight", "staff_on_duty", "expansion_max", "daily_capacity", "benefits_cny")
GROWN_NOTE = (
    "ASSUMPTION: the GP baseline's, grown with the book's need (halfstep segment) and with the CALIBRATED book size"
)


def _keys(tiers: list[str], field: str) -> str:
    return "[\n" + "".join(f'    "tiers.{t}.{field}",\n' for t in tiers) + "]"


def targets_text(tiers: list[str], cabins: list[str], *, single_trip: bool = True, budget: int = 61) -> str:
    """The whole book's targets file (its keys name the segmented tiers)."""
    quoted = list(tiers)  # key paths name entries by name, any Unicode
    single = (
        f"""
[[targets]]
statistic = "single_trip_share"
value = {SINGLE_TRIP}
overrides = ["time.horizon_days=273"]   # observed over Jan–Sep: measured over as many days
source = "SEEDS.md: single-trip rate of key-account travellers, Jan–Sep 2017"
"""
        if single_trip
        else ""
    )
    dispersion = (
        f"""
[[parameters]]
name = "trip dispersion"     # factor on every tier's gamma shape k (the segmentation's estimates)
keys = {_keys(quoted, "trip_rate_shape")}
scale = true
bounds = [0.2, 5.0]
"""
        if single_trip
        else ""
    )
    return f"""# The whole Shenzhen key-account book calibrated to seed 000's Q3 2017 figures of
# Shenzhen departures (SEEDS.md; DESIGN.md, "Calibration targets"). Written by
# `python -m experiments.books.shenzhen` (the keys name the segmented tiers):
#
#   halfstep calibrate experiments/books/shenzhen_segmented.toml --targets experiments/books/shenzhen_targets.toml
#
# The share: 7.69% is the book's share of the Shenzhen departures' market by revenue in Q3
# 2017 — the same quarter, flights and revenue as the 87,283 trips at 1,257 CNY (87,283 ×
# 1,257 = 109.7 M CNY, the documents' Shenzhen departures amount), which is what the KPI
# key_account_revenue_share measures on the modelled departures. "≈ 11%" is the text's
# round figure for the share "of the base" with no period or denominator given; it is not
# a target.

[calibration]
policy = "standard"          # the service table was in force when the figures were taken
replications = 2             # per evaluation, the same streams every time
check_replications = 6       # fresh replications at the fit, for the CIs
seed = 20171001
method = "surface"
max_evaluations = {budget}

[[targets]]
statistic = "trips_flown"
value = {TRIPS_Q3}
source = "SEEDS.md: Q3 2017 key-account trips on Shenzhen departures, 87,283"

[[targets]]
statistic = "key_account_fare_mean"
value = {FARE_Q3}
source = "SEEDS.md: Q3 2017 average fare of those trips, 1,257 CNY"

[[targets]]
statistic = "key_account_revenue_share"
value = {SHARE_Q3}
source = "SEEDS.md: Q3 2017 key-account share of the Shenzhen departures' market (revenue), 7.69%"
{single}
[[parameters]]
name = "book size"           # factor on every tier's accounts (loyalty units) and on every capacity with them
keys = {_keys(quoted, "accounts")[:-1]}{CAPACITY_KEYS}]
scale = true
bounds = [1.0, 12.0]

[[parameters]]
name = "fare level"          # factor on every cabin bucket's fare
keys = [{", ".join(f'"cabins.{c}"' for c in cabins)}]
scale = true
bounds = [0.85, 1.2]

[[parameters]]
name = "base load"           # base passengers wanting a departure, share of its seats
key = "flights.base_load_factor"
bounds = [0.55, 0.95]
{dispersion}"""


def annotate(text: str, segmented: dict, calibrated_names: set[str]) -> str:
    """Mark every line of a generated scenario with where its number comes from."""
    base_comments: dict[tuple[str, str], str] = {}
    section = ""
    for line in BASE.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("["):
            section = s
            base_comments.setdefault((section, "__name__"), "")
        m = re.match(r"^(\w+)\s*=.*?#\s*(.*)$", s)
        if m and ("ASSUMPTION" in m.group(2) or "seed" in m.group(2)):
            base_comments[(section, m.group(1))] = m.group(2)
    out, section = [], ""
    estimated = {"accounts", "travellers_per_account", "trips_per_traveller_per_year", "trip_rate_shape", "cabin_mix"}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("["):
            section = s
        m = re.match(r"^([\w]+)\s*=", s)
        note = None
        if m:
            key = m.group(1)
            if section == "[[tiers]]":
                if key in calibrated_names:
                    note = "CALIBRATED (experiments/books/shenzhen_targets.toml)"
                elif key in estimated:
                    note = "ESTIMATED by halfstep segment from the account table"
                elif key == "name":
                    note = None
                elif key == "choice_intercept":
                    note = "from the template tier: CALIBRATED on the GP baseline (its 60% share is an ASSUMPTION)"
                else:
                    note = "from the template tier of the GP baseline: ASSUMPTION"
            elif section == "[cabins]":
                note = "ESTIMATED by halfstep segment (bucket fares), CALIBRATED fare level"
            elif (section, key) in calibrated_names:
                note = "CALIBRATED (experiments/books/shenzhen_targets.toml)"
            elif key in GROWN:
                note = GROWN_NOTE
            elif (section, key) in base_comments:
                note = base_comments[(section, key)]
            elif key not in (
                "name",
                "kind",
                "resource",
                "hold",
                "replaces",
                "description",
                "policy",
                "solver",
                "objective",
                "interface",
                "experience",
            ):
                note = "ASSUMPTION (as the GP baseline)"
        out.append(f"{line}  # {note}" if note and "#" not in line else line)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-calibrate", action="store_true", help="Stop after segmenting.")
    ap.add_argument("--budget", type=int, default=61, help="Calibration evaluations.")
    args = ap.parse_args(argv)
    BASE.write_text(base_text(), encoding="utf-8")
    halfstep("validate", BASE)
    halfstep("synth-accounts", "--n", str(ACCOUNTS_N), "--seed", str(ACCOUNTS_SEED), "--out", ACCOUNTS, "--force")
    halfstep("segment", ACCOUNTS, "--rules", RULES, "--out", SEGMENTED, "--force")
    seg = tomllib.loads(SEGMENTED.read_text(encoding="utf-8"))
    tiers = [t["name"] for t in seg["tiers"]]
    TARGETS.write_text(targets_text(tiers, list(seg.get("cabins", {})), budget=args.budget), encoding="utf-8")
    if args.no_calibrate:
        return
    halfstep("calibrate", SEGMENTED, "--targets", TARGETS, "--out", SCENARIO, "--force")
    text = SCENARIO.read_text(encoding="utf-8")
    calibrated = {"accounts", "trip_rate_shape", ("[flights]", "base_load_factor")}
    SCENARIO.write_text(annotate(text, seg, calibrated), encoding="utf-8")
    halfstep("validate", SCENARIO)


if __name__ == "__main__":
    main()
