"""Shared fixtures. The scenario builders they use live in tests/helpers.py (import them from there)."""

from __future__ import annotations

import pytest

from model.scenario.schema import Scenario
from tests.helpers import build, tiny_dict  # also re-exported: `from tests.conftest import tiny_dict` still works


@pytest.fixture
def tiny() -> Scenario:
    return build(tiny_dict())
