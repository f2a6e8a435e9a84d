"""The isolation tier reuses the integration tier's guest image fixture (built once a session)."""

from ..integration.conftest import guest_image

__all__ = ["guest_image"]
