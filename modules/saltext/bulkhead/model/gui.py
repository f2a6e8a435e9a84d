"""``bulkhead:host:gui``: where the windows of the domains with ``gui: true`` go (docs/gui.md).

The model imports nothing above it; the relay that uses these settings is ``gui/relay.py``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .fields import PATH_RULE, AbsPath, key


class HostGui(BaseModel):
    """The user's Wayland session the GUI relays connect to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wayland_display: AbsPath | None = key(
        None,
        doc="The compositor's Wayland socket (its full path, e.g. /run/user/1000/wayland-1) the "
            "GUI relay of each running domain with gui: true connects to; absent: no relay runs "
            "(the domains' GUI channels stay unconnected).",
        rule=PATH_RULE,
    )
    sway_config: AbsPath = key(
        "/etc/bulkhead/gui/sway.conf",
        doc="The sway config snippet bulkhead writes (the label rules; `include` it in the "
            "user's sway config).",
        rule=PATH_RULE,
    )
