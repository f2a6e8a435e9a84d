"""Qubes trust labels: the colour a domain is drawn in, and how far it is trusted."""

from __future__ import annotations

from enum import Enum


class Label(str, Enum):
    """Qubes trust labels, from least to most trusted."""

    red = "red"
    orange = "orange"
    yellow = "yellow"
    green = "green"
    gray = "gray"
    blue = "blue"
    purple = "purple"
    black = "black"

    @property
    def trust_level(self) -> int:
        """0 (red, untrusted) .. 7 (black, ultimately trusted)."""
        return list(Label).index(self)


LABEL_RULE = ("must be one of " + ", ".join(label.value for label in Label)
              + " (least to most trusted)")
