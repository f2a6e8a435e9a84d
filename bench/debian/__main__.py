"""The Debian template: build (cold, then cached) and boot to agent ready under TCG, with
systemd's own account of the boot from inside the guest (where the seconds go).

    python -m bench.debian [--cache DIR] [--cold] [--boots 2] [--memory 512]

``--cold`` rebuilds the template whatever the cache holds (downloads included); the cached build
follows. The boots are of one app domain (1 vCPU) on the template, in a pool of its own
(``bhdboot-``), removed at the end. Not part of ``make bench``: it takes minutes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.image.build import DEFAULT_CACHE
from saltext.bulkhead.image.debian import DebianSpec, build_debian
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import (
    connect,
    domain_halted,
    domain_present,
    domain_running,
    pool_present,
)
from tests.guests import URI, app, own_host, template, wait_ready
from tests.topology import purge

TPL, APP = "bhdboot-tpl", "bhdboot-app"
INSIDE = ("findmnt -n /rw; findmnt -n /home", "systemd-analyze", "systemd-analyze blame --no-pager | head -12",
          "systemd-analyze critical-chain --no-pager bulkhead-ready.service")


def timed(what: str, action):
    start = time.monotonic()
    result = action()
    print(f"| {what} | {time.monotonic() - start:.1f} s |", flush=True)
    return result


def boots(directory: Path, count: int, mib: int) -> None:
    memory = {"initial": mib, "max": mib}
    model = load_pillar({"host": own_host("bhdboot"), "domains": {
        TPL: template(directory, root=directory / "root.qcow2", memory=memory),
        APP: app(TPL, private_mib=64, memory=memory)}})
    purge(model)
    try:
        with connect(URI) as conn:
            assert pool_present(conn, model).result is True
            for name in (TPL, APP):
                assert domain_present(conn, model, name).result is True
            for index in range(count):
                Path(names.console_log(APP)).unlink(missing_ok=True)

                def boot():
                    assert domain_running(conn, model, APP).result is True
                    wait_ready([APP], 300)
                timed(f"boot {index + 1} to agent ready ({mib} MiB, 1 vCPU, TCG)", boot)
                agent = AgentClient(names.agent_socket(APP))
                agent.run("systemctl is-system-running --wait", timeout=120)
                for command in INSIDE:
                    out = agent.run(command, timeout=60)
                    print(f"\n    $ {command}\n" + "".join(
                        f"    {line}\n" for line in out.stdout.decode().splitlines()))
                assert domain_halted(conn, model, APP, timeout=90).result is True
    finally:
        purge(model)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.debian")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--name", default="debian-test")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--boots", type=int, default=2)
    parser.add_argument("--memory", type=int, default=512)
    args = parser.parse_args()
    spec = DebianSpec(size_mib=1024)
    print("| what | took |\n| --- | --- |")
    if args.cold:
        timed("cold build", lambda: build_debian(args.name, spec, args.cache, force=True))
    built = timed("cached build", lambda: build_debian(args.name, spec, args.cache))
    boots(built.directory, args.boots, args.memory)


if __name__ == "__main__":
    main()
