"""Pillar ``bulkhead:images``: templates that bulkhead builds itself (``bulkhead image build``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StringConstraints

from .fields import Rule, key

IMAGE_NAME_RULE = (
    "image names are lowercase letters, digits, '.', '_' and '-', starting with a letter"
)
ImageName = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9._-]{0,62}$"),
                     Rule(IMAGE_NAME_RULE)]
BUILT_UNDER = "/var/cache/bulkhead/images"  # image/build.py's DEFAULT_CACHE
PackageName = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9+.-]{0,63}$")]


class DebianImage(BaseModel):
    """A Debian template: mmdebstrap from the host's Debian sources, systemd, the guest agent.

    It is built under ``/var/cache/bulkhead/images/<name>/`` (vmlinuz, initrd.img, root.qcow2);
    a template domain boots it with ``image: {kind: kernel, root: <that>/root.qcow2}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["debian"] = key(doc="The kind of image; only debian is built from pillar.",
                                  rule="must be debian")
    suite: Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9-]{0,31}$")] = key(
        "bookworm", doc="The Debian suite, taken from the host's configured Debian sources.",
        rule="must be a suite name: lowercase letters, digits and '-'",
    )
    packages: tuple[PackageName, ...] = key(
        (),
        doc="Packages installed beyond the base set (systemd, udev, kernel, nftables, iproute2, "
            "python3).",
        rule="must be a list of Debian package names",
    )
    size_mib: StrictInt = key(
        2048, ge=512, le=65536, doc="Size of the root filesystem in MiB (the qcow2 stays sparse).",
        rule="must be an integer from 512 to 65536",
    )
    gui: StrictBool = key(
        False,
        doc="Install the guest side of the GUI (waypipe, foot, fonts-dejavu-core, grim, "
            "wl-clipboard, wayland-utils) for domains with gui: true (docs/gui.md); off, the "
            "template builds and boots without them.",
        rule="must be true or false",
    )


class ImagesSection(BaseModel):
    """``bulkhead:images`` on its own, validated like the other sections."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    images: dict[ImageName, DebianImage] = key(
        {},
        doc="Templates bulkhead builds.",
        rule=f"must map image names to images ({IMAGE_NAME_RULE})",
    )


def built_image(root: str) -> str | None:
    """The name of the bulkhead-built image whose root file is ``root``, or None."""
    prefix = BUILT_UNDER + "/"
    if not root.startswith(prefix) or not root.endswith("/root.qcow2"):
        return None
    name = root[len(prefix):-len("/root.qcow2")]
    return None if "/" in name else name
