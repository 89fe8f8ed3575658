"""The package's version, read once from its metadata, and the versions that decide a result's numbers."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata

__all__ = ["NUMBER_PACKAGES", "__version__", "versions"]

try:
    __version__ = metadata.version("halfstep")
except metadata.PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"

# The libraries whose versions can change a run's numbers: a sweep store records these and
# a resume must match them (the list is part of every store's meta, so it stays as it is).
NUMBER_PACKAGES = ("numpy", "scipy", "simpy", "pulp", "highspy", "pydantic")


def versions(packages: Sequence[str] = NUMBER_PACKAGES) -> dict[str, str]:
    """halfstep's and Python's versions, then each package's ("absent" when not installed)."""
    out = {"halfstep": __version__, "python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out
