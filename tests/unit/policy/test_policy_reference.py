"""Every case of the reference engine's parser tests, ported as data, decides the same here."""

from __future__ import annotations

import pytest

from .reference_check import all_checks

CHECKS = all_checks()


@pytest.mark.parametrize("check", [c for _, c in CHECKS], ids=[n for n, _ in CHECKS])
def test_agrees_with_the_reference(check):
    assert check()
