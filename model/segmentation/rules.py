"""Segmentation rules: the schema of a rules file (TOML) and its loading.

A rule set says how ``halfstep segment`` turns accounts into tiers (DESIGN.md: client
data produces scenarios; SEEDS.md 分): star levels by a metric's thresholds (seed 004),
segment tags such as price-sensitive, high-cabin, two-cabin and loyalty against the
all-client average (seed 000), the importance index and core accounts (seed 003), mega
accounts as segments of their own (seed 000), and the tiers with the conditions that
assign them. The documents' rules ship as ``model/data/segment_rules.toml``, the default.

Thresholds are ``absolute`` (in the metric's unit), ``relative`` (multiples of the
all-client average) or ``quantile`` (a position in [0, 1] among the accounts); the
semantics at the edges are in :mod:`model.segmentation.assignment`. Validation collects every problem
and names its key path, as :mod:`model.scenario.loading` does for scenarios.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from model.errors import Problem, ScenarioError
from model.scenario.loading import read_toml
from model.scenario.problems import problems_from_validation
from model.scenario.schema import Count, Level, Name, NonNeg, Positive, PositiveInt, Strict

__all__ = ["BUILTIN_TAGS", "METRICS", "Rules", "default_rules_path", "load_rules", "rules_from_dict"]

#: Per-account metrics a rule can use. Each is a ratio num/den per account; its all-client
#: average is Σnum / Σden (see :func:`model.segmentation.assignment.metric`).
METRICS = (
    "monthly_spend_cny",
    "spend_cny",
    "trips",
    "travellers",
    "trips_per_traveller",
    "average_fare_cny",
    "low_cabin_share",
    "high_cabin_share",
    "two_cabin_share",
    "ff_member_share",
    "single_trip_rate",
    "importance",
)
Metric = Literal[METRICS]  # type: ignore[valid-type]
Basis = Literal["absolute", "relative", "quantile"]
#: Tags every account may get without a rule: ``core`` (importance, seed 003), ``sleeping`` (no trips).
BUILTIN_TAGS = ("core", "sleeping", "mega", "override")
SECTOR = Literal["government", "enterprise"]


class RulesMeta(Strict):
    name: Name = Field(description="Name of the rule set, shown in the report.")
    description: str = Field("", description="Free text.")


class StarLevels(Strict):
    metric: Metric = Field("monthly_spend_cny", description="Metric that sets the star level.")
    basis: Basis = Field("relative", description="How thresholds are read: absolute, relative or quantile.")
    thresholds: list[NonNeg] = Field(
        min_length=1,
        description="Ascending; an account reaches level k+1 at thresholds[k-1]. n thresholds → n+1 levels.",
    )


class TagRule(Strict):
    name: Name = Field(description="Tag given to the accounts that meet the rule.")
    metric: Metric
    compare: Literal["above", "at_least", "below", "at_most"] = Field(
        description="above: >, at_least: ≥, below: <, at_most: ≤."
    )
    basis: Basis = "relative"
    threshold: NonNeg = Field(description="Threshold: in the metric's unit, × the all-client average, or a quantile.")


class Importance(Strict):
    core_spend_share: Annotated[Level, Field(gt=0)] = Field(
        0.8, description="Core accounts: the largest accounts that together make this share of spend (seed 003: 80%)."
    )
    pareto_account_share: Annotated[Level, Field(gt=0)] = Field(
        0.2, description="Report the spend share of this top share of accounts (seed 003: 20% of clients)."
    )


class Mega(Strict):
    accounts: list[str] = Field(default_factory=list, description="Account ids that are always mega accounts.")
    spend_share_at_least: Level | None = Field(
        None,
        description="An account with at least this share of the book's spend is a mega account; absent = only listed ones.",
    )
    max_segments: Count = Field(6, description="At most this many mega segments (the largest by spend).")


class Condition(Strict):
    min_star: PositiveInt = 1
    max_star: PositiveInt | None = None
    all_tags: list[Name] = Field(default_factory=list)
    any_tags: list[Name] = Field(default_factory=list)
    no_tags: list[Name] = Field(default_factory=list)
    sectors: list[SECTOR] = Field(default_factory=list)


class TierRule(Strict):
    name: Name = Field(description="Tier name in the written scenario.")
    template: Name = Field(
        description="Tier of the base scenario whose service expectations, weights and needs it takes."
    )
    when: list[Condition] = Field(
        default_factory=list, description="The tier takes an account meeting any condition; none = every account left."
    )


class Override(Strict):
    account: Name = Field(description="Account id.")
    tier: Name = Field(description="Tier the account is put in, whatever the rules say.")


class Estimation(Strict):
    bootstrap: Count = Field(200, description="Bootstrap resamples of accounts for the intervals (0 = none).")
    seed: Count = Field(20171001, description="Seed of the bootstrap.")
    min_accounts_for_interval: PositiveInt = Field(10, description="Tiers with fewer active accounts get no interval.")
    trip_rate_shape: Positive = Field(
        1.0, description="Gamma shape used when the table has no single_trip_travellers column (not identified)."
    )
    fares: Literal["cabin_mix", "average"] = Field(
        "cabin_mix",
        description="Scenario fares: cabin mix × bucket fares fitted to the book, or each tier's average fare.",
    )


def _scale(x: Any) -> Any:
    if x in ("need", "trips") or (isinstance(x, int | float) and not isinstance(x, bool) and 0 < x < float("inf")):
        return x
    raise PydanticCustomError("scale", "must be 'need', 'trips' or a number > 0")


class ScenarioOut(Strict):
    base: str = Field("baseline", description="Scenario file giving everything the accounts do not determine.")
    name: str | None = Field(None, description="Name of the written scenario (default: from the account file).")
    capacity_scale: Annotated[Any, AfterValidator(_scale)] = Field(
        "need",
        description="Grow the base's capacities and budget: 'need' (each by its expected need at the reference), 'trips' (all by expected trips) or a factor.",
    )
    travellers_per_unit: PositiveInt | None = Field(
        None,
        description=(
            "Most travellers one relationship holds: an account with more is written as several accounts "
            "(loyalty units) of equal size, each with its own closeness and stage. Default: whole accounts."
        ),
    )
    flights: Literal["scale", "keep"] = Field(
        "scale",
        description=(
            "'scale': seats per flight and per-flight hold limits grow with the capacities (a flight stands for "
            "several departures at its hour); 'keep': the base's flights are the book's own schedule and stay as they are."
        ),
    )


class Rules(Strict):
    rules: RulesMeta
    star_levels: StarLevels
    tags: list[TagRule] = Field(default_factory=list)
    importance: Importance = Importance()
    mega: Mega = Mega()
    tiers: list[TierRule] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)
    estimation: Estimation = Estimation()
    scenario: ScenarioOut = ScenarioOut()

    @property
    def levels(self) -> int:
        return len(self.star_levels.thresholds) + 1


# --- loading ---------------------------------------------------------------------------------


def default_rules_path() -> Path:
    """The documents' rules, shipped inside the package."""
    return Path(str(resources.files("model") / "data" / "segment_rules.toml"))


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate a rules file; ``None`` gives the shipped default."""
    p = default_rules_path() if path is None else Path(path)
    return rules_from_dict(read_toml(p), source=str(p))


def rules_from_dict(data: Mapping[str, Any], source: str = "<rules>") -> Rules:
    try:
        rules = Rules.model_validate(dict(data))
    except ValidationError as e:
        raise ScenarioError(source, problems_from_validation(e, data, root=Rules)) from None
    problems = _consistency(rules)
    if problems:
        raise ScenarioError(source, problems)
    return rules


def _consistency(r: Rules) -> list[Problem]:
    out: list[Problem] = []
    t = r.star_levels.thresholds
    if any(b <= a for a, b in itertools.pairwise(t)):
        out.append(Problem("star_levels.thresholds", "must be strictly ascending", list(t)))
    if r.star_levels.basis == "quantile" and any(not 0 < x < 1 for x in t):
        out.append(Problem("star_levels.thresholds", "quantile thresholds must lie strictly between 0 and 1", list(t)))
    tag_names = [g.name for g in r.tags]
    for i, g in enumerate(r.tags):
        if g.name in BUILTIN_TAGS or g.name in tag_names[:i]:
            what = "a built-in tag" if g.name in BUILTIN_TAGS else "defined twice"
            out.append(Problem(f"tags[{i}].name", f"is {what}; tag names must be unique", g.name))
        if g.basis == "quantile" and g.threshold > 1:
            out.append(Problem(f"tags.{g.name}.threshold", "a quantile must be in [0, 1]", g.threshold))
    known_tags = [*tag_names, *BUILTIN_TAGS]
    tiers = [x.name for x in r.tiers]
    for i, tier in enumerate(r.tiers):
        base = f"tiers.{tier.name}"
        if tier.name in tiers[:i]:
            out.append(Problem(f"tiers[{i}].name", "duplicate tier name", tier.name))
        if not tier.when and i != len(r.tiers) - 1:
            out.append(
                Problem(
                    f"{base}.when",
                    "only the last tier may have no condition (it takes every account left)",
                    has_value=False,
                )
            )
        for j, c in enumerate(tier.when):
            for key in ("all_tags", "any_tags", "no_tags"):
                for tag in getattr(c, key):
                    if tag not in known_tags:
                        out.append(_undefined(f"{base}.when[{j}].{key}", "tag", tag, known_tags))
            for key in ("min_star", "max_star"):
                star = getattr(c, key)
                if star is not None and star > r.levels:
                    out.append(
                        Problem(f"{base}.when[{j}].{key}", f"must be ≤ {r.levels}, the number of star levels", star)
                    )
            if c.max_star is not None and c.max_star < c.min_star:
                out.append(Problem(f"{base}.when[{j}].max_star", f"must be ≥ min_star ({c.min_star})", c.max_star))
    if r.tiers[-1].when:
        out.append(
            Problem(
                f"tiers.{r.tiers[-1].name}.when",
                "the last tier must have no condition, so that every account gets a tier",
                has_value=False,
            )
        )
    for i, o in enumerate(r.overrides):
        if o.tier not in tiers:
            out.append(_undefined(f"overrides[{i}].tier", "tier", o.tier, tiers))
    return out


def _undefined(path: str, what: str, key: str, defined: list[str]) -> Problem:
    guess = difflib.get_close_matches(key, defined, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return Problem(path, f"names no {what}{hint} (defined: {', '.join(defined)})", key)
