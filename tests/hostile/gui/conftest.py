"""The GUI hostile tests' fixtures: a headless sway and Wayland filters in front of it."""

from .sway_rig import filters, sway  # noqa: F401 - fixtures
