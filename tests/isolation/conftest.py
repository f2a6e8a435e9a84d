"""The isolation tier reuses the integration tier's fixtures: the guest template (built once per
session) and the example workstation (booted once per session, shared with test_salt_apply)."""

from ..integration.conftest import example_workstation, guest_image

__all__ = ["example_workstation", "guest_image"]
