"""The two domains of bench.gui, in a pool of their own (``bhgui-``), removed at the end:
one with ``gui: true`` (its windows through the relay) and one like it without, given a SPICE
display on a unix socket and a VGA card (the stock way to see a guest's screen)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect, domain_present, domain_running, pool_present
from tests.guests import URI, app, own_host, template, wait_ready
from tests.topology import purge

PREFIX = "bhgui"  # apart from bench.apply's bhbench- names: either may run during the other
TPL, GUI, SPICE = f"{PREFIX}-tpl", f"{PREFIX}-gui", f"{PREFIX}-spice"
MEMORY = {"initial": 512, "max": 512}  # foot's shared-memory pool under waypipe needs room
BOOT_TIMEOUT_S = 600


def pillar(image: Path, display: Path) -> dict:
    tpl = template(image, root=image / "root.qcow2", memory=MEMORY)
    return {"host": {**own_host(PREFIX), "gui": {"wayland_display": str(display)}},
            "domains": {TPL: tpl,
                        GUI: app(TPL, private_mib=64, memory=MEMORY, gui=True, label="blue"),
                        SPICE: app(TPL, private_mib=64, memory=MEMORY)}}


def with_spice(xml: str) -> str:
    """The domain's XML with a SPICE display listening on a unix socket libvirt chooses (no
    TCP), video streaming off (every update lossless, as waypipe sends), and a VGA card (the
    guest's kernel draws its text console there: vgacon)."""
    root = etree.fromstring(xml.encode())
    devices = root.find("devices")
    for old in devices.findall("graphics") + devices.findall("video"):
        devices.remove(old)
    graphics = etree.SubElement(devices, "graphics", type="spice")
    etree.SubElement(graphics, "listen", type="socket")
    etree.SubElement(graphics, "streaming", mode="off")
    video = etree.SubElement(devices, "video")
    etree.SubElement(video, "model", type="vga")
    return etree.tostring(root, encoding="unicode")


def spice_socket(conn) -> str:
    """The unix socket of the running SPICE domain's display."""
    live = etree.fromstring(conn.lookupByName(SPICE).XMLDesc(0).encode())
    listen = live.find("devices/graphics[@type='spice']/listen[@type='socket']")
    if listen is None or not listen.get("socket"):
        raise RuntimeError(f"{SPICE}: no SPICE socket in its live XML")
    return listen.get("socket")


@contextmanager
def booted(data: dict) -> Iterator[str]:
    """Both domains defined and booted to their agents; yields the SPICE socket. Everything of
    the pillar is purged before and after."""
    model = load_pillar(data)
    purge(model)
    try:
        with connect(URI) as conn:
            assert pool_present(conn, model).result is True
            for name in (TPL, GUI, SPICE):
                out = domain_present(conn, model, name)
                assert out.result is True, out.comment
                Path(names.console_log(name)).unlink(missing_ok=True)
            conn.defineXML(with_spice(conn.lookupByName(SPICE).XMLDesc(0)))
            for name in (GUI, SPICE):
                out = domain_running(conn, model, name)
                assert out.result is True, out.comment
            socket = spice_socket(conn)
        wait_ready((GUI, SPICE), BOOT_TIMEOUT_S)
        yield socket
    finally:
        purge(model)
