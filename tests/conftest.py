"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from symbolic_bp.conventions import CONVENTIONS


@pytest.fixture(autouse=True)
def _registry_restored() -> Iterator[None]:
    """Every test leaves the registry of conventions as it found it: a recipe a test registers
    (a hostile one, say) must not reach the next test that the same worker process runs, as
    tests that loop over every registered convention would then run it too."""
    saved = dict(CONVENTIONS)
    yield
    CONVENTIONS.clear()
    CONVENTIONS.update(saved)
