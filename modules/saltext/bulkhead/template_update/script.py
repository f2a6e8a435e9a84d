"""The update as run inside a template, and its report.

apt talks HTTP to ``bulkhead-updates-forwarder`` on 127.0.0.1, which carries each connection as a
``qubes.UpdatesProxy`` call to the proxy domain. apt's own checks are the trust anchor: ``update``
fails (``--error-on=any``) when a Release file does not verify, and nothing is upgraded then; a
package whose hash does not match the verified indices is never unpacked. The report says apt's
exit status and every line of the package state (``dpkg-query``) that changed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..untrusted.text import printable

PORT = 8082
LOG = "/var/log/bulkhead-update.log"
FORWARDER_LOG = "/var/log/bulkhead-update-forwarder.log"
RPC_SOCKET = "/run/bulkhead/rpc.sock"  # bulkhead-rpcd's, which the forwarder's calls go through
RC_LINE = re.compile(r"^bulkhead-update: apt rc=(\d+)$")
STATE = "dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n'"


def update_script(proxy: str, port: int = PORT) -> str:
    """The shell script that updates the template through ``proxy`` (a domain name)."""
    url = f"http://127.0.0.1:{port}/"
    apt = (f"apt-get -q -o Acquire::http::Proxy={url} -o Acquire::https::Proxy=DIRECT"
           " -o Acquire::Retries=0")
    listening = f":{port:04X} "  # the forwarder's socket in /proc/net/tcp
    return f"""set -u
before=$(mktemp) after=$(mktemp)
{STATE} >"$before"
n=0
while [ ! -S {RPC_SOCKET} ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
bulkhead-updates-forwarder {shlex.quote(proxy)} {port} >{FORWARDER_LOG} 2>&1 & forwarder=$!
trap 'kill $forwarder 2>/dev/null' EXIT
while ! grep -q '{listening}' /proc/net/tcp && [ $n -lt 400 ]; do sleep 0.1; n=$((n + 1)); done
export DEBIAN_FRONTEND=noninteractive
rc=0
{apt} --error-on=any update >{LOG} 2>&1 || rc=$?
if [ $rc -eq 0 ]; then
  {apt} -y -o Dpkg::Options::=--force-confold dist-upgrade >>{LOG} 2>&1 || rc=$?
fi
apt-get clean
{STATE} >"$after"
echo "bulkhead-update: apt rc=$rc"
diff "$before" "$after" | grep '^[<>]'
tail -n 12 {LOG} | sed 's/^/apt: /'
[ $rc -eq 0 ] || tail -n 5 {FORWARDER_LOG} | sed 's/^/apt: forwarder: /'
rm -f "$before" "$after"
exit $rc
"""


@dataclass(frozen=True)
class UpdateReport:
    """What an update did: apt's status, the package lines removed (<) and added (>), apt's last
    lines. Everything here came from the template: printable only."""

    apt_rc: int | None
    changed: tuple[str, ...]
    apt_tail: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.apt_rc == 0


def parse_report(output: str) -> UpdateReport:
    """The report in the script's output (``apt_rc`` None when the script never got that far)."""
    rc = None
    changed, tail = [], []
    for line in output.splitlines():
        line = printable(line, keep="", backslash=True)
        if (found := RC_LINE.match(line)) is not None:
            rc = int(found.group(1))
        elif line[:2] in ("< ", "> "):
            changed.append(line)
        elif line.startswith("apt: "):
            tail.append(line[5:])
    return UpdateReport(rc, tuple(changed), tuple(tail))
