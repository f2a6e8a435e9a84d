"""A domain's attack surface on the host, read from its libvirt XML: every device QEMU emulates or
serves for it, the channels into the host, and what bulkhead never adds (graphics, sound, USB,
host devices), flagged when present."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

# Device elements that put host hardware or a host display/sound/USB stack in reach of the guest.
GRAPHICS = ("graphics", "video")
SOUND = ("sound", "audio")
PASSTHROUGH = ("hostdev", "smartcard", "redirdev", "tpm", "filesystem", "shmem")
SKIPPED = ("emulator",)  # the QEMU binary's path: not a device


@dataclass(frozen=True)
class Device:
    element: str  # the libvirt element name (disk, interface, controller ...)
    detail: str  # its model/bus/type, as the XML says

    def __str__(self) -> str:
        return f"{self.element}({self.detail})" if self.detail else self.element


@dataclass(frozen=True)
class Surface:
    devices: tuple[Device, ...]
    channels: tuple[str, ...]  # virtio-serial / xen channel names
    graphics: tuple[str, ...]
    sound: tuple[str, ...]
    usb: tuple[str, ...]  # USB controllers with a model other than none, and USB devices
    passthrough: tuple[str, ...]
    passthrough_nics: tuple[str, ...]  # interface type=hostdev/direct: a NIC the host's bridge
    # and the netvm's firewall never see


def _detail(dev: etree._Element) -> str:
    parts = []
    for attr in ("type", "device", "model", "bus"):
        if dev.get(attr):
            parts.append(f"{attr}={dev.get(attr)}")
    for child in ("model", "target"):
        found = dev.find(child)
        if found is not None:
            for attr in ("type", "bus"):
                if found.get(attr):
                    parts.append(f"{child}.{attr}={found.get(attr)}")
    return " ".join(parts)


def _usb(dev: etree._Element) -> bool:
    if dev.tag == "controller":
        return dev.get("type") == "usb" and dev.get("model") != "none"
    if dev.tag in ("input", "redirdev", "hub"):
        return dev.get("bus") == "usb" or dev.tag == "hub"
    return dev.tag == "hostdev" and dev.get("type") == "usb"


def surface_of(xml: str) -> Surface:
    """The surface of one domain definition (live XML for a running domain, else defined)."""
    root = etree.fromstring(xml.encode())
    found = root.find("devices")
    devices = [d for d in (found if found is not None else []) if isinstance(d.tag, str)]
    listed = tuple(Device(d.tag, _detail(d)) for d in devices if d.tag not in SKIPPED)
    channels = tuple(t.get("name") or t.get("type") or "?" for d in devices if d.tag == "channel"
                     for t in d.findall("target"))
    nics = tuple(str(Device(d.tag, _detail(d))) for d in devices
                 if d.tag == "interface" and d.get("type") in ("hostdev", "direct", "vdpa"))
    return Surface(
        devices=listed,
        channels=channels,
        graphics=tuple(str(Device(d.tag, _detail(d))) for d in devices if d.tag in GRAPHICS
                       and not (d.tag == "video" and _no_video(d))),
        # libvirt adds <audio type='none'/> to a live definition by itself: a backend that plays
        # nothing and no device a guest can drive
        sound=tuple(str(Device(d.tag, _detail(d))) for d in devices if d.tag in SOUND
                    and not (d.tag == "audio" and d.get("type") == "none")),
        usb=tuple(str(Device(d.tag, _detail(d))) for d in devices if _usb(d)),
        passthrough=tuple(str(Device(d.tag, _detail(d))) for d in devices if d.tag in PASSTHROUGH)
        + nics,
        passthrough_nics=nics,
    )


def _no_video(dev: etree._Element) -> bool:
    model = dev.find("model")
    return model is not None and model.get("type") == "none"
