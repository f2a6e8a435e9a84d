"""The isolation tier reuses the integration tier's guest template fixture (built once per session)."""

from ..integration.conftest import guest_image

__all__ = ["guest_image"]
